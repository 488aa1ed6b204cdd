-- wrk script of the load harness: POSTs BODY_FILE (a chat completion request) and prints one
-- machine-readable RESULT line with exact latency percentiles in microseconds.
local f = assert(io.open(os.getenv("BODY_FILE"), "rb"))
wrk.method = "POST"
wrk.body = f:read("*a")
f:close()
wrk.headers["Content-Type"] = "application/json"

-- A body with the marker @N@ is sent with a different number there in every request (thread-request),
-- so no two requests carry the same text: the span store's soak (run.sh) measures bytes per span of
-- distinct requests, as real traffic is, not of one body repeated.
local pre, post = wrk.body:match("^(.*)@N@(.*)$")
if pre then
  local threads = 0
  function setup(thread)
    threads = threads + 1
    thread:set("thread_id", threads)
  end
  local n = 0
  function request()
    n = n + 1
    return wrk.format(nil, nil, nil, pre .. thread_id .. "-" .. n .. post)
  end
end

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    "RESULT requests=%d duration_us=%d rps=%.1f p50_us=%.1f p90_us=%.1f p99_us=%.1f mean_us=%.1f errors_connect=%d errors_read=%d errors_write=%d errors_status=%d errors_timeout=%d\n",
    summary.requests, summary.duration, summary.requests / (summary.duration / 1e6),
    latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.mean,
    e.connect, e.read, e.write, e.status, e.timeout))
end
