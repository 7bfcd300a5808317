-- POST /api/v1/articles with a ~3 KB Markdown body, a byline of 1–3 authors, 2 tags and
-- 1 source, status published, and a title unique per request (run, thread id, counter).
-- Arguments after "--": AUTHOR_IDS TAG_IDS SOURCE_IDS (comma lists) [DELAY_MS].
-- The bearer token comes with -H "Authorization: Bearer …".

dofile((os.getenv("BENCH_WRK_DIR") or "bench/wrk") .. "/report.lua")

local words = {
  "the", "minister", "said", "on", "tuesday", "that", "forces", "had", "reached", "outskirts",
  "of", "city", "where", "residents", "reported", "heavy", "shelling", "overnight", "and",
  "aid", "convoys", "were", "waiting", "at", "checkpoint", "officials", "council", "budget",
  "vote", "delayed", "until", "next", "week", "after", "talks", "collapsed", "late", "in",
  "evening", "river", "flood", "warning", "issued", "for", "villages", "along", "valley",
  "hospital", "staff", "strike", "over", "pay", "government", "spokesman", "declined",
  "comment", "election", "results", "expected", "by", "morning", "turnout", "was", "higher",
  "than", "previous", "years", "police", "arrested", "two", "men", "port", "customs", "seized",
  "cargo", "market", "prices", "rose", "sharply", "fuel", "shortage", "drivers", "queued",
}

local authors, tags, sources = {}, {}, {}
local bodies = {}
local counter = 0
local run = tostring(os.time())
delay_ms = 0

local function list(csv)
  local out = {}
  for n in string.gmatch(csv or "", "[^,]+") do
    table.insert(out, n)
  end
  return out
end

local function sentence()
  local n = math.random(8, 20)
  local s = {}
  for i = 1, n do
    s[i] = words[math.random(#words)]
  end
  s[1] = string.upper(string.sub(s[1], 1, 1)) .. string.sub(s[1], 2)
  return table.concat(s, " ") .. "."
end

-- About 3 KB of Markdown: paragraphs, a heading, emphasis, a list and a link; JSON-escaped.
local function markdown()
  local parts = {}
  local size = 0
  local i = 0
  while size < 3000 do
    i = i + 1
    local p
    if i == 3 then
      p = "## " .. sentence()
    elseif i == 5 then
      p = "- " .. sentence() .. "\\n- **" .. sentence() .. "**\\n- " .. sentence()
    elseif i == 7 then
      p = sentence() .. " [Read the statement](https://example.com/statement/" .. i .. ")."
    else
      p = sentence() .. " " .. sentence() .. " *" .. sentence() .. "* " .. sentence()
    end
    table.insert(parts, p)
    size = size + #p + 4
  end
  return table.concat(parts, "\\n\\n")
end

local function pick(from, n)
  local chosen, seen = {}, {}
  while #chosen < math.min(n, #from) do
    local v = from[math.random(#from)]
    if not seen[v] then
      seen[v] = true
      table.insert(chosen, v)
    end
  end
  return table.concat(chosen, ",")
end

function init(args)
  authors, tags, sources = list(args[1]), list(args[2]), list(args[3])
  delay_ms = tonumber(args[4] or "0") or 0
  math.randomseed(os.time() * 1000 + (id or 0) * 7919)
  for i = 1, 32 do
    bodies[i] = markdown()
  end
  wrk.method = "POST"
  wrk.path = "/api/v1/articles"
  wrk.headers["Content-Type"] = "application/json"
end

function request()
  counter = counter + 1
  local body = string.format(
    '{"title":"Bench dispatch %s-%d-%d: %s","body":"%s","dateline":"Benchville",' ..
    '"status":"published","author_ids":[%s],"tag_ids":[%s],"source_ids":[%s]}',
    run, id or 0, counter, sentence(), bodies[counter % #bodies + 1],
    pick(authors, math.random(1, 3)), pick(tags, 2), pick(sources, 1))
  return wrk.format(nil, nil, nil, body)
end

function response(status, headers, body)
  count_status(status)
end
