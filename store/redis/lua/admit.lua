
-- Admit. KEYS[2] is the tombstone of this admission's id (see allow);
-- ARGV[15] is "1" for a retry, which needs a budget token; ARGV[16] is the
-- admission's id.
-- Reply: reason, allowed, probe, generation, ticket state, breaker until,
-- ticket until, cool reason, transition from, transition to, the probe's
-- set (its start), then the snapshot.
local ADMITTED, COOLING, OPENED, PROBING, NOBUDGET = 0, 1, 2, 3, 4
local retry = ARGV[15] == '1'
local s = load()

local function reply(reason, t, untl, cr, from, to)
  local r = {reason, t.allowed and 1 or 0, t.probe and 1 or 0, t.g, t.st, t.u, untl, cr, from, to, t.since or 0}
  for _, x in ipairs(snapshot(s)) do r[#r + 1] = x end
  return r
end

if NOW < s.cu then
  -- The breaker is not asked: no ticket, no transition.
  return reply(COOLING, {allowed = false, probe = false, g = 0, st = CLOSED, u = 0}, s.cu, s.cr, CLOSED, CLOSED)
end
local from = s.st
local t = allow(s, NOW, ARGV[16] or '')
-- A closed breaker's Allow changes nothing; every other path may.
local dirty = s.st ~= from or s.st == HALF
if not t.allowed then
  if dirty then save(s) end
  local reason = OPENED
  if t.st == HALF then reason = PROBING end
  return reply(reason, t, t.u, '', from, s.st)
end
if retry then
  dirty = true
  if not withdraw(s, NOW) then
    done(s, NOW, t, NEUTRAL)
    save(s)
    return reply(NOBUDGET, {allowed = false, probe = false, g = t.g, st = t.st, u = t.u}, 0, '', from, s.st)
  end
end
if dirty then save(s) end
return reply(ADMITTED, t, 0, '', from, s.st)
