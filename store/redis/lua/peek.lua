-- Peek, for Await. KEYS[1] the record's hash. Reply {0} when the key is
-- not in flight, else {1, owner token, milliseconds left of the lease}.
local r = redis.call('HMGET', KEYS[1], 'tok', 'done')
if r[2] == '1' or not r[1] then return {0} end
return {1, r[1], redis.call('PTTL', KEYS[1])}
