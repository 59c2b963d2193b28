-- wrk script: the anonymous flood of benchmarks/flood/run.sh. Each connection sends, in turn, SRS
-- calls anyone can make without an account: re-encryption with an empty JSON body (three times in
-- four), the KDF settings of an unknown user and the signing keys. Not sign-in, registration or
-- tokens: run.sh raises their per-address limits for its seeder, so a flood of them would measure
-- limits no deployment has.
--
--   wrk -t T -c C -d D -s anonymous.lua http://127.0.0.1:SRS_PORT
--
-- done() prints one RESULT line (as benchmarks/load/requests.lua) plus the count of each status.

local json = { ["Content-Type"] = "application/json" }

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
   local kind = calls % 8
   if kind == 6 then
      return wrk.format("GET", "/api/accounts/kdf?username=nobody-" .. thread_index .. "-" .. calls, nil, nil)
   elseif kind == 7 then
      return wrk.format("GET", "/.well-known/jwks", nil, nil)
   end
   return wrk.format("POST", "/api/reencrypt", json, "{}")
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
