-- GET /ping: Netty and the router alone, nothing recorded.
wrk.path = "/ping"
done = function(summary, latency, requests)
  io.write(string.format("wrk: requests=%d non2xx=%d socket_errors=%d\n", summary.requests, summary.errors.status,
    summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout))
end
