-- wrk script for POST /v1/eval: each request posts the next case of a
-- JSON Lines file (CASES, default /tmp/cases.jsonl), cycling, so the
-- server evaluates varied generated cases rather than one case cached hot.
local path = os.getenv("CASES") or "/tmp/cases.jsonl"
local cases = {}
for line in io.lines(path) do
  if #line > 0 then cases[#cases + 1] = line end
end
local i = 0
wrk.method = "POST"
wrk.headers["content-type"] = "application/json"
request = function()
  i = i % #cases + 1
  return wrk.format(nil, "/v1/eval", nil, cases[i])
end
response = function(status)
  if status ~= 200 then
    io.stderr:write("status " .. status .. "\n")
  end
end
