-- A JSON POST of BATCH events (default 25) to /tr/v1/tr/, every event with a visitor of its own, as a server-side
-- client or a browser's queued beacon sends them: HTTP costs little per event, so the pipeline and storage set the pace.
local batch = tonumber(os.getenv("BATCH") or "25")
-- RATE (events/s over all CONNECTIONS, one wrk thread): each connection pauses between its requests so that the load
-- offered is about RATE (a little under it, by the latency); unset, every connection sends as fast as it is answered.
local rate = tonumber(os.getenv("RATE") or "0")
local connections = tonumber(os.getenv("CONNECTIONS") or "16")
if rate > 0 then
  local pause, owed = connections * batch * 1000 / rate, 0 -- ms; the fraction is carried to the next pause
  delay = function()
    owed = owed + pause
    local ms = math.floor(owed)
    owed = owed - ms
    return ms
  end
end
wrk.headers["User-Agent"] = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36"
wrk.headers["Content-Type"] = "application/json"
wrk.method = "POST"
wrk.path   = "/tr/v1/tr/"
local function uuid()
  return string.format("%04x%04x-%04x-7%03x-%04x-%04x%04x%04x", math.random(0, 65535), math.random(0, 65535),
    math.random(0, 65535), math.random(0, 4095), math.random(32768, 49151), math.random(0, 65535),
    math.random(0, 65535), math.random(0, 65535))
end
setup = function(thread) thread:set("id", tostring(math.random(0, 1e9))) end
init = function() math.randomseed(os.time() + tonumber(id or "0")) end
request = function()
  local events = {}
  for i = 1, batch do
    events[i] = '{"ename":"bench_batch","etyp":"page","vid":"' .. uuid() .. '","url":"https://shop.example.com/cart?x='
      .. i .. '","tz":"america/los_angeles","w":1280,"h":720,"params":{"plan":"pro","seats":3}}'
  end
  return wrk.format(nil, nil, nil, "[" .. table.concat(events, ",") .. "]")
end
done = function(summary, latency, requests)
  io.write(string.format("wrk: requests=%d non2xx=%d socket_errors=%d\n", summary.requests, summary.errors.status,
    summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout))
end
