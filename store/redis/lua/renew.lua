-- Renew. KEYS[1] the record's hash; ARGV: owner token, TTL in
-- milliseconds. Extends the in-flight marker only while the token owns it
-- and no response is stored. Reply 1 when renewed, 0 when the token no
-- longer owns the key.
local r = redis.call('HMGET', KEYS[1], 'tok', 'done')
if r[1] ~= ARGV[1] or r[2] == '1' then return 0 end
redis.call('PEXPIRE', KEYS[1], ARGV[2])
return 1
