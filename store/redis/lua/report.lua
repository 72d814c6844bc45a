
-- Report. ARGV[15] "1" when the ticket admitted the attempt, ARGV[16] "1"
-- for a probe, ARGV[17] the ticket's generation, ARGV[18] the outcome,
-- ARGV[19] the cool-down end (0: none), ARGV[20] its reason, ARGV[21] "1"
-- for a first attempt, ARGV[22] the start of the probe's set (0: not a
-- probe), ARGV[23] the probe's id (empty when unknown). Reply: transition
-- from, to, then the snapshot.
local t = {allowed = ARGV[15] == '1', probe = ARGV[16] == '1', g = tonumber(ARGV[17]), since = tonumber(ARGV[22]),
  id = ARGV[23] or ''}
local outcome = tonumber(ARGV[18])
local coolUntil = tonumber(ARGV[19])
local s = load()
local from = s.st
local dirty = false
if t.allowed and t.g == s.g then
  done(s, NOW, t, outcome)
  dirty = true
end
if coolUntil > s.cu then
  s.cu = coolUntil; s.cr = ARGV[20]
  dirty = true
end
if ARGV[21] == '1' then
  deposit(s, NOW)
  dirty = true
end
if dirty then save(s) end
local r = {from, s.st}
for _, x in ipairs(snapshot(s)) do r[#r + 1] = x end
return r
