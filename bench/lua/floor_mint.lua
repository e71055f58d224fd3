-- The floor's mint (bench/floor): the same request as token_jwt.lua (form, Basic header), answered
-- with an ES256 JWT signed by jwt-kit, with no client check, no row and no audit event.
local common = dofile((debug.getinfo(1, "S").source:match("^@(.*/)") or "./") .. "common.lua")
common.scenario("floor-mint")

wrk.method = "POST"
wrk.path = "/token"
wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"
wrk.headers["Authorization"] = common.basic("billing-service", "billing-demo-secret")
wrk.body = "grant_type=client_credentials"

common.count_responses()
