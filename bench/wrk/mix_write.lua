-- The writers of the 90/10 mix: create.lua, throttled by DELAY_MS (4th argument) per request
-- and connection when the harness finds writers above a tenth of all requests.

dofile((os.getenv("BENCH_WRK_DIR") or "bench/wrk") .. "/create.lua")

function delay()
  return delay_ms
end
