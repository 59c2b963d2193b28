-- wrk script: cycles through a file of pre-made requests, one a line, "METHOD<TAB>path<TAB>body".
--
--   wrk -t T -c C -d D -s requests.lua http://127.0.0.1:PORT -- FILE OFFSET T
--
-- Thread t of T sends the lines t, t+T, t+2T, ... starting at line OFFSET, so no two threads send
-- the same line and a run can start where the previous one stopped (a pool of sealed resources,
-- each PUT to its own id, is then written once and not overwritten). Past the end it wraps.
-- With WRK_BEARER_TOKEN set in the environment, every request carries "Authorization: Bearer" with
-- it (benchmarks/access/run.sh); an environment variable, not an argument, so ps does not show it.
-- done() prints one machine-readable RESULT line for run.sh.

local threads = {}
local counter = 0

function setup(thread)
   thread:set("thread_index", counter)
   counter = counter + 1
   table.insert(threads, thread)
end

local requests = {}
local next_request = 1

function init(args)
   local file, offset, stride = args[1], tonumber(args[2] or "0"), tonumber(args[3] or "1")
   local headers = { ["Content-Type"] = "application/fhir+json", ["Accept"] = "application/fhir+json" }
   local token = os.getenv("WRK_BEARER_TOKEN")
   if token ~= nil and token ~= "" then
      headers["Authorization"] = "Bearer " .. token
   end
   local index = 0
   for line in io.lines(file) do
      if index % stride == thread_index then
         local method, path, body = line:match("^(%u+)\t([^\t]+)\t?(.*)$")
         if body == "" then body = nil end
         requests[#requests + 1] = wrk.format(method, path, headers, body)
      end
      index = index + 1
   end
   if #requests == 0 then
      error("no requests for thread " .. thread_index .. " in " .. file)
   end
   next_request = (math.floor(offset / stride) % #requests) + 1
end

function request()
   local r = requests[next_request]
   next_request = next_request + 1
   if next_request > #requests then next_request = 1 end
   return r
end

function done(summary, latency, requests)
   local e = summary.errors
   io.write(string.format(
      "RESULT requests=%d duration_us=%d bytes=%d p50_us=%d p90_us=%d p99_us=%d max_us=%d non2xx=%d connect=%d read=%d write=%d timeout=%d\n",
      summary.requests, summary.duration, summary.bytes,
      latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.max,
      e.status, e.connect, e.read, e.write, e.timeout))
end
