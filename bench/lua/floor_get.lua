-- The floor's static GET (bench/floor): what the framework costs for an answer with nothing behind it.
local common = dofile((debug.getinfo(1, "S").source:match("^@(.*/)") or "./") .. "common.lua")
common.scenario("floor-get")

wrk.method = "GET"
wrk.path = "/token.json"

common.count_responses()
