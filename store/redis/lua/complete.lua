-- Complete. KEYS[1] the record's hash; ARGV: owner token, TTL in
-- milliseconds, status, header, body, stream, wake channel, key. Stores the
-- response only while the token owns the key. Reply 1 when stored.
local r = redis.call('HMGET', KEYS[1], 'tok', 'done')
if r[1] ~= ARGV[1] or r[2] == '1' then return 0 end
redis.call('HSET', KEYS[1], 'done', '1', 'status', ARGV[3], 'hdr', ARGV[4], 'body', ARGV[5], 'stream', ARGV[6])
redis.call('HDEL', KEYS[1], 'tok')
redis.call('PEXPIRE', KEYS[1], ARGV[2])
redis.call('PUBLISH', ARGV[7], ARGV[8])
return 1
