-- JSON POST of one event to /tr/v1/tr/, as the browser client sends it (no Content-Type).
wrk.headers["User-Agent"] = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36"
wrk.method = "POST"
wrk.path   = "/tr/v1/tr/"
wrk.body   = '{"ename":"bench_post","etyp":"page","vid":"0190c8a4-5d2b-7c3e-9f00-5a1b2c3d4e5f","url":"https://shop.example.com/cart?x=1","tz":"america/los_angeles","w":1280,"h":720,"params":{"plan":"pro","seats":3}}'
done = function(summary, latency, requests)
  io.write(string.format("wrk: requests=%d non2xx=%d socket_errors=%d\n", summary.requests, summary.errors.status,
    summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout))
end
