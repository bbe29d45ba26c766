-- wrk script of `make bench`: cycles over the request paths listed in a file (one per line, given after
-- `--`), sends BENCH_AUTHORIZATION as the Authorization header when set, and prints one JSON line at the end.
local paths = {}
local index = 0

function init(args)
  for line in io.lines(args[1]) do
    if #line > 0 then
      paths[#paths + 1] = line
    end
  end
  -- Each thread starts somewhere else in the list, so threads do not read the same rows in lockstep.
  index = math.random(0, #paths - 1)
  local authorization = os.getenv("BENCH_AUTHORIZATION")
  if authorization and #authorization > 0 then
    wrk.headers["Authorization"] = authorization
  end
end

function request()
  index = index % #paths + 1
  return wrk.format("GET", paths[index])
end

function done(summary, latency, requests)
  local errors = summary.errors
  io.write(string.format(
    'BENCH_JSON {"requests": %.0f, "duration_us": %.0f, "bytes": %.0f, "errors_connect": %.0f, '
      .. '"errors_read": %.0f, "errors_write": %.0f, "errors_status": %.0f, "errors_timeout": %.0f, '
      .. '"p50_us": %.1f, "p90_us": %.1f, "p99_us": %.1f, "max_us": %.1f, "mean_us": %.1f}\n',
    summary.requests, summary.duration, summary.bytes, errors.connect, errors.read, errors.write,
    errors.status, errors.timeout, latency:percentile(50), latency:percentile(90), latency:percentile(99),
    latency.max, latency.mean
  ))
end
