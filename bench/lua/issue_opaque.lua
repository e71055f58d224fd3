-- Preparation (not a measured scenario): issues partner-portal opaque tokens and writes them to files.
--
-- Usage: wrk -tT ... -s issue_opaque.lua http://127.0.0.1:PORT -- OUT_PREFIX COUNT T
-- Thread i appends the access_token of every 200 answer to OUT_PREFIX.i (one a line) and stops once
-- it has COUNT/T of them. wrk itself runs until its -d duration or SIGINT: bench/run.sh watches the
-- files and sends SIGINT when they hold COUNT tokens in all.
local common = dofile((debug.getinfo(1, "S").source:match("^@(.*/)") or "./") .. "common.lua")
common.scenario("issue-opaque")

wrk.method = "POST"
wrk.path = "/sms/token"
wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"
wrk.body = "grant_type=client_credentials&client_id=partner-portal&client_secret=partner-demo-secret"

local out, quota, written = nil, 0, 0

function init(args)
   local threads = tonumber(args[3]) or 1
   quota = math.ceil((tonumber(args[2]) or 1000) / threads)
   out = assert(io.open(args[1] .. "." .. tostring(thread_index or 1), "w"))
   out:setvbuf("line")
end

common.count_responses(function(body)
   if written >= quota then return end
   local token = body:match('"access_token"%s*:%s*"([^"]+)"')
   if token then
      out:write(token, "\n")
      written = written + 1
      if written >= quota then wrk.thread:stop() end
   end
end)
