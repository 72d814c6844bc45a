
-- Status: the target's state as it is stored, for packages breaker and
-- budget to read in Go. It changes nothing. Reply: state, generation, open
-- end, last cool-down, probes out, oldest probe, failures in a row, newest
-- slot start, cool-down end, cool-down reason, budget tokens (a string),
-- budget update time, version, then the window's request counts and
-- failure counts, newest slot first.
local s = load()
local r = {s.st, s.g, s.u, s.cd, s.p, s.ps, s.c, s.ss, s.cu, s.cr, string.format('%.17g', s.bt), s.bu, s.v}
for i = 1, BUCKETS do r[#r + 1] = s.req[i] end
for i = 1, BUCKETS do r[#r + 1] = s.fail[i] end
return r
