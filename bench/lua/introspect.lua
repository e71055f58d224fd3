-- Scenario (c): RFC 7662 introspection of opaque tokens by api-gateway (client_secret_basic).
--
-- Usage: wrk ... -s introspect.lua http://127.0.0.1:PORT -- TOKEN_FILE
-- TOKEN_FILE holds one live partner-portal opaque token a line (bench/run.sh issues them just
-- before this scenario). Each thread cycles through them from a random start. An answer of
-- {"active":false} is a 200 but is counted as "inactive": the run expects every token to be active.
local common = dofile((debug.getinfo(1, "S").source:match("^@(.*/)") or "./") .. "common.lua")
common.scenario("introspect")

wrk.method = "POST"
wrk.path = "/sms/introspect"
wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"
wrk.headers["Authorization"] = common.basic("api-gateway", "gateway-demo-secret")

local bodies, index

function init(args)
   local tokens = common.read_lines(args[1])
   bodies = {}
   for i, t in ipairs(tokens) do bodies[i] = "token=" .. common.form_encode(t) end
   math.randomseed(os.time() + (thread_index or 0) * 7919)
   index = math.random(#bodies)
end

function request()
   index = index % #bodies + 1
   return wrk.format(nil, nil, nil, bodies[index])
end

common.count_responses(function(body)
   if not body:find('"active":true', 1, true) then inactive = inactive + 1 end
end)
