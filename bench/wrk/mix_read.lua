-- The readers of the 90/10 mix: GETs rotating over the paths given after "--" (the list,
-- one article, a search). Each thread starts at a different path.

dofile((os.getenv("BENCH_WRK_DIR") or "bench/wrk") .. "/report.lua")

local requests = {}
local next_index = 0

function init(args)
  for i = 1, #args do
    requests[i] = wrk.format("GET", args[i])
  end
  next_index = (id or 0) % #requests
end

function request()
  next_index = next_index % #requests + 1
  return requests[next_index]
end

