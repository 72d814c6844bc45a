-- The state of one target (breaker, cool-down, retry budget) in one key,
-- and the machines of packages breaker and budget, step for step.
--
-- KEYS[1]  the target's key
-- ARGV[1..9]   breaker policy, defaults applied: window, slot width,
--              min requests, failure rate, consecutive failures, cool-down,
--              max cool-down, half-open probes, probe lease
-- ARGV[10..12] budget policy: ratio, refill per second, capacity
-- ARGV[13] the key's TTL in milliseconds
-- ARGV[14] the caller's now
-- (status.lua passes none of these: it only loads.)
-- Times and durations are integer microseconds; 0 stands for the zero time.

local CLOSED, HALF, OPEN = 0, 1, 2
local SUCCESS, FAILURE, NEUTRAL = 1, 2, 3
local BUCKETS = 10

local C = {
  window = tonumber(ARGV[1]), slotw = tonumber(ARGV[2]),
  minreq = tonumber(ARGV[3]), rate = tonumber(ARGV[4]),
  consec = tonumber(ARGV[5]), cooldown = tonumber(ARGV[6]),
  maxcd = tonumber(ARGV[7]), probes = tonumber(ARGV[8]),
  lease = tonumber(ARGV[9]),
}
local B = {ratio = tonumber(ARGV[10]), rate = tonumber(ARGV[11]), cap = tonumber(ARGV[12])}
local TTL = ARGV[13]
local NOW = tonumber(ARGV[14])

-- The state is one msgpack array (lossless for integers and doubles):
-- state, generation, open end, last cool-down, probes out, oldest probe,
-- failures in a row, newest slot start, cool-down end, cool-down reason,
-- budget tokens, budget update time, version, the window's request counts
-- and failure counts, newest slot first, then the ids of the probes out
-- (see allow). State written without the ids (by an earlier version) reads
-- as probes without ids.
local function load()
  local raw = redis.call('GET', KEYS[1])
  if not raw then
    return {st = CLOSED, g = 0, u = 0, cd = 0, p = 0, ps = 0, c = 0, ss = 0,
      cu = 0, cr = '', bt = 0, bu = 0, v = 0,
      req = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0}, fail = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0}, ids = {}}
  end
  local a = cmsgpack.unpack(raw)
  return {st = a[1], g = a[2], u = a[3], cd = a[4], p = a[5], ps = a[6], c = a[7], ss = a[8],
    cu = a[9], cr = a[10], bt = a[11], bu = a[12], v = a[13],
    req = {a[14], a[15], a[16], a[17], a[18], a[19], a[20], a[21], a[22], a[23]},
    fail = {a[24], a[25], a[26], a[27], a[28], a[29], a[30], a[31], a[32], a[33]},
    ids = a[34] or {}}
end

-- save writes s back with a new version and a renewed TTL.
local function save(s)
  s.v = s.v + 1
  local r, f = s.req, s.fail
  redis.call('SET', KEYS[1], cmsgpack.pack({s.st, s.g, s.u, s.cd, s.p, s.ps, s.c, s.ss,
    s.cu, s.cr, s.bt, s.bu, s.v,
    r[1], r[2], r[3], r[4], r[5], r[6], r[7], r[8], r[9], r[10],
    f[1], f[2], f[3], f[4], f[5], f[6], f[7], f[8], f[9], f[10], s.ids}), 'PX', TTL)
end

-- snapshot is what replicas cache: state, generation, open end, cool-down
-- end and reason, version.
local function snapshot(s)
  return {s.st, s.g, s.u, s.cu, s.cr, s.v}
end

-- breaker/window.go. req[1] and fail[1] are the newest slot (Go's Slots[0]).

local function clearWindow(s)
  for i = 1, BUCKETS do s.req[i] = 0; s.fail[i] = 0 end
  s.ss = 0
end

local function rotate(s, now)
  if s.ss == 0 then s.ss = now; return end
  local d = now - s.ss
  if d < 0 then
    if -d >= C.window then clearWindow(s); s.ss = now end
    return
  end
  local k = math.floor(d / C.slotw)
  if k == 0 then return end
  if k >= BUCKETS then
    for i = 1, BUCKETS do s.req[i] = 0; s.fail[i] = 0 end
  else
    for i = BUCKETS, k + 1, -1 do s.req[i] = s.req[i - k]; s.fail[i] = s.fail[i - k] end
    for i = 1, k do s.req[i] = 0; s.fail[i] = 0 end
  end
  s.ss = s.ss + k * C.slotw
end

local function record(s, now, failed)
  rotate(s, now)
  s.req[1] = s.req[1] + 1
  if failed then s.fail[1] = s.fail[1] + 1 end
end

local function tripped(s)
  if s.c >= C.consec then return true end
  local rq, fl = 0, 0
  for i = 1, BUCKETS do rq = rq + s.req[i]; fl = fl + s.fail[i] end
  return rq >= C.minreq and fl / rq >= C.rate
end

-- breaker/transition.go

local function toOpen(s, now, cooldown)
  s.st = OPEN; s.g = s.g + 1
  s.u = now + cooldown; s.cd = cooldown
  s.p = 0; s.ps = 0; s.ids = {}; s.c = 0
  clearWindow(s)
end

local function toHalfOpen(s)
  s.st = HALF; s.g = s.g + 1
  s.p = 0; s.ps = 0; s.ids = {}
end

local function toClosed(s)
  s.st = CLOSED; s.g = s.g + 1
  s.u = 0; s.p = 0; s.ps = 0; s.ids = {}; s.c = 0
  clearWindow(s)
end

local function nextCooldown(s)
  if s.cd > C.maxcd / 2 then return C.maxcd end
  return math.min(math.max(2 * s.cd, C.cooldown), C.maxcd)
end

-- freeProbe frees the slot of probe id. Only a probe that holds one frees
-- it: one whose id is recorded, or, when fewer ids than probes are recorded
-- (state of an earlier version), any. So a neutral report, or the undoing
-- of an admission whose reply was lost, never frees another probe's slot.
-- It reports whether a slot was freed.
local function freeProbe(s, id)
  local found = false
  for i, x in ipairs(s.ids) do
    if x == id then table.remove(s.ids, i); found = true; break end
  end
  if not found and #s.ids >= s.p then return false end
  if s.p > 0 then s.p = s.p - 1 end
  if s.p == 0 then s.ps = 0; s.ids = {} end
  return true
end

-- breaker/breaker.go: Allow returns a ticket {allowed, probe, generation,
-- state, until, since, id}. id names the admission: a probe it admits is
-- recorded under it, so that its slot can be freed by id. An admission
-- whose id was undone already (its tombstone, KEYS[2], exists: the
-- replica gave up on its reply and freed it before it ran) admits no probe.

local function allow(s, now, id)
  if s.st == OPEN and now >= s.u then toHalfOpen(s) end
  if s.st == OPEN then
    return {allowed = false, probe = false, g = s.g, st = OPEN, u = s.u}
  end
  if s.st == HALF then
    if s.p > 0 and now >= s.ps + C.lease then s.p = 0; s.ps = 0; s.ids = {} end
    if s.p >= C.probes then
      return {allowed = false, probe = false, g = s.g, st = HALF, u = s.ps + C.lease}
    end
    if id ~= '' and redis.call('EXISTS', KEYS[2]) == 1 then
      return {allowed = false, probe = false, g = s.g, st = HALF, u = now}
    end
    if s.p == 0 then s.ps = now end
    s.p = s.p + 1
    if id ~= '' then s.ids[#s.ids + 1] = id end
    return {allowed = true, probe = true, g = s.g, st = HALF, u = 0, since = s.ps, id = id}
  end
  return {allowed = true, probe = false, g = s.g, st = s.st, u = 0}
end

local function done(s, now, t, o)
  if not t.allowed or t.g ~= s.g then return end
  if s.st == CLOSED then
    if o == SUCCESS then
      record(s, now, false); s.c = 0
    elseif o == FAILURE then
      record(s, now, true); s.c = s.c + 1
    else
      return
    end
    if tripped(s) then toOpen(s, now, C.cooldown) end
  elseif s.st == HALF and t.probe then
    if o == SUCCESS then toClosed(s)
    elseif o == FAILURE then toOpen(s, now, nextCooldown(s))
    elseif o == NEUTRAL and (t.since or 0) == s.ps then freeProbe(s, t.id or '') end
  end
end

-- budget/budget.go

local function level(s, now)
  if s.bu == 0 then return B.cap end
  local t = s.bt
  if not (t > 0) then t = 0 end
  local elapsed = (now - s.bu) / 1e6
  if elapsed > 0 then t = t + B.rate * elapsed end
  return math.min(t, B.cap)
end

local function setTokens(s, t, now)
  s.bt = t
  if now > s.bu then s.bu = now end
end

local function withdraw(s, now)
  local t = level(s, now)
  local ok = t >= 1 - 1e-9
  if ok then t = math.max(t - 1, 0) end
  setTokens(s, t, now)
  return ok
end

local function deposit(s, now)
  setTokens(s, math.min(level(s, now) + B.ratio, B.cap), now)
end
