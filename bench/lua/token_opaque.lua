-- Scenario (b): client_credentials grant, opaque access tokens (256 random bits, stored as SHA-256).
-- partner-portal authenticates with client_secret_post (credentials in the form body).
local common = dofile((debug.getinfo(1, "S").source:match("^@(.*/)") or "./") .. "common.lua")
common.scenario("token-opaque")

wrk.method = "POST"
wrk.path = "/sms/token"
wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"
wrk.body = "grant_type=client_credentials&client_id=partner-portal&client_secret=partner-demo-secret"

common.count_responses()
