-- wrk script: the anonymous flood of benchmarks/flood/run.sh. Each connection sends, in turn, the
-- SRS calls anyone can make without an account: re-encryption with an empty JSON body (twice as
-- often as the others), the KDF settings of an unknown user, a sign-in with a wrong secret and a
-- token request with an unknown client.
--
--   wrk -t T -c C -d D -s anonymous.lua http://127.0.0.1:SRS_PORT
--
-- done() prints one RESULT line (as benchmarks/load/requests.lua) plus the count of each status.

local json = { ["Content-Type"] = "application/json" }
local form = { ["Content-Type"] = "application/x-www-form-urlencoded" }
local zero_secret = "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA="

local threads = {}
local counter = 0

function setup(thread)
   thread:set("thread_index", counter)
   counter = counter + 1
   table.insert(threads, thread)
end

local calls = 0
statuses = {}

function request()
   calls = calls + 1
   local user = "nobody-" .. thread_index .. "-" .. calls
   local kind = calls % 5
   if kind <= 1 then
      return wrk.format("POST", "/api/reencrypt", json, "{}")
   elseif kind == 2 then
      return wrk.format("GET", "/api/accounts/kdf?username=" .. user, nil, nil)
   elseif kind == 3 then
      return wrk.format("POST", "/account/login", json, '{"username":"' .. user .. '","authSecret":"' .. zero_secret .. '"}')
   end
   return wrk.format("POST", "/connect/token", form, "grant_type=client_credentials&client_id=" .. user .. "&client_secret=x")
end

function response(status, headers, body)
   statuses[status] = (statuses[status] or 0) + 1
end

function done(summary, latency, requests)
   local e = summary.errors
   io.write(string.format(
      "RESULT requests=%d duration_us=%d bytes=%d p50_us=%d p90_us=%d p99_us=%d max_us=%d non2xx=%d connect=%d read=%d write=%d timeout=%d\n",
      summary.requests, summary.duration, summary.bytes,
      latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.max,
      e.status, e.connect, e.read, e.write, e.timeout))
   local total = {}
   for _, thread in ipairs(threads) do
      local counts = thread:get("statuses")
      for status, n in pairs(counts) do
         total[status] = (total[status] or 0) + n
      end
   end
   local parts = {}
   for status, n in pairs(total) do
      parts[#parts + 1] = status .. ":" .. n
   end
   table.sort(parts)
   io.write("STATUSES " .. table.concat(parts, " ") .. "\n")
end
