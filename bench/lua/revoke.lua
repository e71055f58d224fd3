-- Scenario (d): RFC 7009 revocation by partner-portal (client_secret_post) of its own opaque tokens.
--
-- Usage: wrk ... -s revoke.lua http://127.0.0.1:PORT -- TOKEN_FILE
-- TOKEN_FILE holds partner-portal opaque tokens, one a line, issued just before this scenario.
-- Each thread walks its own slice of the file (thread 1 from the start, thread 2 from the middle, ...)
-- and wraps around when it reaches the end: when the run revokes more tokens than the file holds,
-- later requests revoke tokens that are already revoked. RFC 7009 §2.2 answers those with 200 too,
-- and the server still looks the token up, writes the revocation and its audit event, so the work per
-- request is about the same; bench/run.sh reports how many requests went past the file (wrapped).
local common = dofile((debug.getinfo(1, "S").source:match("^@(.*/)") or "./") .. "common.lua")
common.scenario("revoke")

wrk.method = "POST"
wrk.path = "/sms/revoke"
wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"

local prefix = "client_id=partner-portal&client_secret=partner-demo-secret&token="
local bodies, index

function init(args)
   local tokens = common.read_lines(args[1])
   local threads = tonumber(args[2]) or 2
   bodies = {}
   for i, t in ipairs(tokens) do bodies[i] = prefix .. common.form_encode(t) end
   -- Disjoint starting points, so the threads do not revoke the same token at the same moment.
   index = math.floor(((thread_index or 1) - 1) * #bodies / threads)
end

function request()
   index = index % #bodies + 1
   return wrk.format(nil, nil, nil, bodies[index])
end

common.count_responses()
