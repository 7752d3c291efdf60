-- The 1x1 pixel with a query string, as an e-mail or an <img> sends it.
wrk.headers["User-Agent"] = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36"
wrk.path = "/tr/v1/img/?ename=bench_pixel&etyp=open&utm_source=newsletter&utm_campaign=spring&vid=0190c8a4-5d2b-7c3e-9f00-5a1b2c3d4e5f"
done = function(summary, latency, requests)
  io.write(string.format("wrk: requests=%d non2xx=%d socket_errors=%d\n", summary.requests, summary.errors.status,
    summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout))
end
