-- One request shape for wrk, read from the environment bench/load.py sets:
--   BENCH_METHOD, BENCH_BODY_FILE, BENCH_HEADERS ("Name: value" lines),
--   BENCH_IDEMPOTENCY_PREFIX (a fresh Idempotency-Key per request when set),
--   BENCH_EXPECT_STATUS (other statuses are counted), BENCH_MAX_PER_THREAD (the count bound).
-- done() prints one BENCH_RESULT line of JSON that load.py parses.

local method = os.getenv("BENCH_METHOD") or "GET"
local expect = tonumber(os.getenv("BENCH_EXPECT_STATUS") or "200")
local max_per_thread = tonumber(os.getenv("BENCH_MAX_PER_THREAD") or "0")
local key_prefix = os.getenv("BENCH_IDEMPOTENCY_PREFIX")

local body = nil
local body_file = os.getenv("BENCH_BODY_FILE")
if body_file and body_file ~= "" then
  local f = assert(io.open(body_file, "rb"))
  body = f:read("*a")
  f:close()
end

local headers = {}
for line in (os.getenv("BENCH_HEADERS") or ""):gmatch("[^\n]+") do
  local name, value = line:match("^([^:]+):%s*(.*)$")
  if name then
    headers[name] = value
  end
end

local threads = {}
local next_id = 1

function setup(thread)
  thread:set("thread_id", next_id)
  next_id = next_id + 1
  table.insert(threads, thread)
end

function init(args)
  sent = 0
  answered = 0
  unexpected = 0
end

function request()
  sent = sent + 1
  if key_prefix then
    headers["Idempotency-Key"] = key_prefix .. "-" .. thread_id .. "-" .. sent
  end
  return wrk.format(method, nil, headers, body)
end

function response(status, response_headers, response_body)
  answered = answered + 1
  if status ~= expect then
    unexpected = unexpected + 1
  end
  if max_per_thread > 0 and answered >= max_per_thread then
    wrk.thread:stop()
  end
end

function done(summary, latency, requests)
  local wrong = 0
  for _, thread in ipairs(threads) do
    wrong = wrong + thread:get("unexpected")
  end
  local e = summary.errors
  io.write(string.format(
    'BENCH_RESULT {"requests": %d, "duration_us": %d, "unexpected": %d, "socket_errors": %d, '
      .. '"p50_us": %d, "p99_us": %d}\n',
    summary.requests, summary.duration, wrong, e.connect + e.read + e.write + e.timeout,
    latency:percentile(50), latency:percentile(99)
  ))
end
