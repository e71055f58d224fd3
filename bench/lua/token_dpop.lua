-- Scenario: client_credentials with a DPoP proof (RFC 9449), ES256 JWT access tokens bound to the
-- proof's key (cnf.jkt). billing-service authenticates with client_secret_basic, as in token_jwt.lua.
--
-- Usage: wrk ... -s token_dpop.lua http://127.0.0.1:PORT -- PROOF_FILE THREADS
-- PROOF_FILE holds one DPoP proof a line, each with its own jti (bench/dpop_proofs.py writes them
-- just before the scenario; the server accepts a proof for 300 s). Thread i of THREADS uses lines
-- i, i + THREADS, ...: no proof is sent twice, so a replay refusal would show as a non-200.
local common = dofile((debug.getinfo(1, "S").source:match("^@(.*/)") or "./") .. "common.lua")
common.scenario("token-dpop")

wrk.method = "POST"
wrk.path = "/sms/token"
wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"
wrk.headers["Authorization"] = common.basic("billing-service", "billing-demo-secret")
wrk.body = "grant_type=client_credentials"

local proofs, index = {}, 0

function init(args)
   local threads = tonumber(args[2]) or 1
   local all = common.read_lines(args[1])
   for i = (thread_index or 1), #all, threads do proofs[#proofs + 1] = all[i] end
end

function request()
   index = index + 1
   -- Past the last proof the run has outlasted the file: a reused proof is refused, and counted.
   local proof = proofs[(index - 1) % #proofs + 1]
   -- wrk.format takes the whole header set, not additions to wrk.headers.
   local headers = { ["DPoP"] = proof }
   for name, value in pairs(wrk.headers) do headers[name] = value end
   return wrk.format(nil, nil, headers, nil)
end

common.count_responses(function(body)
   if not body:find('"token_type":"DPoP"', 1, true) then inactive = inactive + 1 end
end)
