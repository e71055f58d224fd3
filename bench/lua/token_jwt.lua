-- Scenario (a): client_credentials grant, ES256 JWT access tokens (RFC 9068).
-- billing-service authenticates with client_secret_basic. Every answer is a new token: its row and
-- its audit event are committed before the answer is sent.
local common = dofile((debug.getinfo(1, "S").source:match("^@(.*/)") or "./") .. "common.lua")
common.scenario("token-jwt")

wrk.method = "POST"
wrk.path = "/sms/token"
wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"
wrk.headers["Authorization"] = common.basic("billing-service", "billing-demo-secret")
wrk.body = "grant_type=client_credentials"

common.count_responses()
