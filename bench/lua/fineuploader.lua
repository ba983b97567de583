-- wrk script of bench/run: posts Fine Uploader signature requests and checks every answer.
--
--   wrk -s bench/lua/fineuploader.lua URL -- PATH BODY_FILE STATUS NEEDLE [PATH BODY_FILE STATUS NEEDLE ...]
--
-- Each quadruple is one request: the path (with query) on URL, the file holding the exact body
-- (bench/bodies.py writes them), the HTTP status expected and a text the reply body must contain.
-- With one quadruple every request is that one; with several, each connection cycles through them
-- in order (the soak's mixed load). Requests carry the headers Fine Uploader's XHR sends
-- (Content-Type, Accept, X-Requested-With, Cache-Control), an Origin the nginx file allows and the
-- user "bench" as HTTP Basic credentials (REMOTE_USER for the responder).
--
-- An answer counts as failed when its status is not an expected one or its body lacks the text
-- (with one quadruple: exactly that status and text; with several, wrk cannot tell which request
-- an answer belongs to, so any of the listed status/text pairs passes); socket errors and timeouts
-- count as failed too. done() prints one line for bench/run:
--   BENCH requests=N duration_us=N rps=X p50_us=N p90_us=N p99_us=N p999_us=N max_us=N mean_us=X
--         failed=N unexpected=N connect_errors=N read_errors=N write_errors=N timeouts=N
--         status_counts=200:N,500:N
-- and, when an answer was unexpected, the first one as BENCH_FIRST_UNEXPECTED <status> <body>.

local HEADERS = {
  ["Content-Type"] = "application/json; charset=utf-8",
  ["Accept"] = "application/json",
  ["X-Requested-With"] = "XMLHttpRequest",
  ["Cache-Control"] = "no-cache",
  ["Origin"] = "https://app.example.com",
  -- bench:bench. nginx passes the user on as REMOTE_USER (the site has no auth_basic, so nginx
  -- does not check the password: the benchmark measures the responder, not htpasswd).
  ["Authorization"] = "Basic YmVuY2g6YmVuY2g=",
}

local threads = {}

-- Main state: keep every thread to read its counters in done().
function setup(thread)
  table.insert(threads, thread)
end

-- Thread state.
local requests = {}
local expected = {}
local next_request = 1
unexpected = 0
first_unexpected = nil
status_counts = {} -- status -> answers; a global, so the main state can read it with thread:get

function init(args)
  if #args == 0 or #args % 4 ~= 0 then
    error("arguments: PATH BODY_FILE STATUS NEEDLE [...]")
  end
  for i = 1, #args, 4 do
    local file = assert(io.open(args[i + 1], "rb"))
    local body = file:read("*a")
    file:close()
    table.insert(requests, wrk.format("POST", args[i], HEADERS, body))
    table.insert(expected, { status = tonumber(args[i + 2]), needle = args[i + 3] })
  end
end

function request()
  local r = requests[next_request]
  next_request = next_request % #requests + 1
  return r
end

function response(status, headers, body)
  status_counts[status] = (status_counts[status] or 0) + 1
  local ok = false
  for _, e in ipairs(expected) do
    if status == e.status and body ~= nil and string.find(body, e.needle, 1, true) then
      ok = true
      break
    end
  end
  if not ok then
    unexpected = unexpected + 1
    if first_unexpected == nil then
      first_unexpected = status .. " " .. string.sub(string.gsub(body or "", "%s+", " "), 1, 300)
    end
  end
end

function done(summary, latency, requests_stats)
  local total_unexpected = 0
  local first = nil
  local merged = {}
  for _, thread in ipairs(threads) do
    total_unexpected = total_unexpected + (thread:get("unexpected") or 0)
    first = first or thread:get("first_unexpected")
    for s, n in pairs(thread:get("status_counts") or {}) do
      merged[s] = (merged[s] or 0) + n
    end
  end
  local parts = {}
  for s, n in pairs(merged) do
    table.insert(parts, s .. ":" .. n)
  end
  table.sort(parts)
  local e = summary.errors
  local socket_errors = e.connect + e.read + e.write + e.timeout
  local seconds = summary.duration / 1e6
  io.write(string.format(
    "BENCH requests=%d duration_us=%d rps=%.1f p50_us=%d p90_us=%d p99_us=%d p999_us=%d " ..
    "max_us=%d mean_us=%.1f failed=%d unexpected=%d connect_errors=%d read_errors=%d " ..
    "write_errors=%d timeouts=%d status_counts=%s\n",
    summary.requests, summary.duration, summary.requests / seconds,
    latency:percentile(50), latency:percentile(90), latency:percentile(99),
    latency:percentile(99.9), latency.max, latency.mean,
    total_unexpected + socket_errors, total_unexpected, e.connect, e.read, e.write, e.timeout,
    table.concat(parts, ",")))
  if first ~= nil then
    io.write("BENCH_FIRST_UNEXPECTED " .. first .. "\n")
  end
end
