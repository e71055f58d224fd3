-- Plumbing shared by every Claimdeck benchmark scenario (loaded with dofile by each script).
--
-- wrk runs one Lua state per thread plus a main state. Each thread state counts its own answers in
-- globals; setup() (main state) keeps the thread objects so that done() (main state) can collect the
-- counters from every thread and print one machine-readable line, BENCH_RESULT, that bench/run.sh
-- parses. Errors cannot hide behind a high req/s: every answer that is not 200 is counted, by status.

local common = {}

-- Per-thread counters (these globals exist in every Lua state; the thread states are the ones that count).
ok = 0            -- 200 answers
non200 = 0        -- any other status
statuses = {}     -- status -> count, for the non-200 ones
first_error = ""  -- the body of the first non-200 answer, to tell what went wrong
inactive = 0      -- introspection answers with "active":false (a token the run expected to be active)

local threads = {}
local scenario = "unnamed"

function common.scenario(name)
   scenario = name
end

-- Runs in the main state, once per thread, before that thread's init().
function setup(thread)
   table.insert(threads, thread)
   thread:set("thread_index", #threads)
end

-- Percent-encodes everything outside the RFC 3986 unreserved set (form values).
function common.form_encode(s)
   return (s:gsub("[^%w%-%._~]", function(c) return string.format("%%%02X", string.byte(c)) end))
end

-- Minimal base64 for the Basic header (wrk's Lua has no library for it).
local b64chars = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
function common.base64(data)
   return ((data:gsub(".", function(x)
      local r, b = "", x:byte()
      for i = 8, 1, -1 do r = r .. (b % 2 ^ i - b % 2 ^ (i - 1) > 0 and "1" or "0") end
      return r
   end) .. "0000"):gsub("%d%d%d?%d?%d?%d?", function(x)
      if #x < 6 then return "" end
      local c = 0
      for i = 1, 6 do c = c + (x:sub(i, i) == "1" and 2 ^ (6 - i) or 0) end
      return b64chars:sub(c + 1, c + 1)
   end) .. ({ "", "==", "=" })[#data % 3 + 1])
end

-- RFC 6749 §2.3.1: Basic base64(urlencode(id) ":" urlencode(secret)).
function common.basic(id, secret)
   return "Basic " .. common.base64(common.form_encode(id) .. ":" .. common.form_encode(secret))
end

-- Reads one token per line; fails loudly on a missing or empty file.
function common.read_lines(path)
   local f = assert(io.open(path, "r"), "cannot open token file " .. tostring(path))
   local list = {}
   for line in f:lines() do
      if #line > 0 then list[#list + 1] = line end
   end
   f:close()
   assert(#list > 0, "token file " .. path .. " is empty")
   return list
end

-- Installs response(): counts 200 and non-200 answers; `check(body)` runs on 200 answers.
function common.count_responses(check)
   response = function(status, headers, body)
      if status == 200 then
         ok = ok + 1
         if check then check(body) end
      else
         non200 = non200 + 1
         local k = tostring(status)
         statuses[k] = (statuses[k] or 0) + 1
         if first_error == "" then first_error = (body or ""):sub(1, 300) end
      end
   end
end

-- done(): one BENCH_RESULT line (latencies in ms) plus the first error body, if any.
function done(summary, latency, requests)
   local total_ok, total_bad, total_inactive, by_status, sample = 0, 0, 0, {}, ""
   for _, t in ipairs(threads) do
      total_ok = total_ok + (t:get("ok") or 0)
      total_bad = total_bad + (t:get("non200") or 0)
      total_inactive = total_inactive + (t:get("inactive") or 0)
      for k, v in pairs(t:get("statuses") or {}) do by_status[k] = (by_status[k] or 0) + v end
      local e = t:get("first_error") or ""
      if sample == "" and e ~= "" then sample = e end
   end
   local parts = {}
   for k, v in pairs(by_status) do parts[#parts + 1] = k .. ":" .. v end
   table.sort(parts)
   local e = summary.errors
   local seconds = summary.duration / 1e6
   print(string.format(
      "BENCH_RESULT scenario=%s requests=%d seconds=%.2f rps=%.1f p50_ms=%.2f p90_ms=%.2f p99_ms=%.2f max_ms=%.2f"
         .. " ok=%d non200=%d statuses=%s socket_errors=%d timeouts=%d inactive=%d",
      scenario, summary.requests, seconds, summary.requests / seconds,
      latency:percentile(50) / 1000, latency:percentile(90) / 1000, latency:percentile(99) / 1000, latency.max / 1000,
      total_ok, total_bad, #parts > 0 and table.concat(parts, ",") or "-",
      e.connect + e.read + e.write, e.timeout, total_inactive))
   if sample ~= "" then
      print("BENCH_FIRST_ERROR " .. sample:gsub("[\r\n]", " "))
   end
end

return common
