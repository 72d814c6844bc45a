-- Release. KEYS[1] the record's hash; ARGV: owner token, wake channel, key.
-- Frees the key only while the token owns it. Reply 1 when freed.
local r = redis.call('HMGET', KEYS[1], 'tok', 'done')
if r[1] ~= ARGV[1] or r[2] == '1' then return 0 end
redis.call('DEL', KEYS[1])
redis.call('PUBLISH', ARGV[2], ARGV[3])
return 1
