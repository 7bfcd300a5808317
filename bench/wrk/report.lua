-- Prints wrk's results as one JSON line prefixed with "BENCH_JSON ", for bench/run to parse.
-- Used as wrk's script for plain GETs; the other scripts load it with dofile() to share
-- setup() and done(). Status counts appear when a script calls count_status() from response().

local threads = {}

-- Runs in the main Lua state once per wrk thread, before the thread's init().
function setup(thread)
  table.insert(threads, thread)
  thread:set("id", #threads)
end

-- Per-thread tally of response statuses (only for scripts that define response()).
statuses = {}

function count_status(status)
  statuses[status] = (statuses[status] or 0) + 1
end

function done(summary, latency, requests)
  local merged, any = {}, false
  for _, thread in ipairs(threads) do
    local counts = thread:get("statuses")
    if type(counts) == "table" then
      for status, n in pairs(counts) do
        merged[status] = (merged[status] or 0) + n
        any = true
      end
    end
  end
  local parts = {}
  for status, n in pairs(merged) do
    table.insert(parts, string.format('"%d":%d', status, n))
  end
  table.sort(parts)
  local e = summary.errors
  local seconds = summary.duration / 1e6
  io.write(string.format(
    'BENCH_JSON {"requests":%d,"duration_us":%d,"rps":%.2f,"bytes":%d,' ..
    '"p50_us":%d,"p90_us":%d,"p99_us":%d,"max_us":%d,"mean_us":%.1f,' ..
    '"errors":{"connect":%d,"read":%d,"write":%d,"status":%d,"timeout":%d}%s}\n',
    summary.requests, summary.duration, summary.requests / seconds, summary.bytes,
    latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.max,
    latency.mean,
    e.connect, e.read, e.write, e.status, e.timeout,
    any and (',"statuses":{' .. table.concat(parts, ",") .. "}") or ""))
end
