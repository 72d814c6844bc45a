-- Claim. KEYS[1] the record's hash; ARGV: fingerprint, new owner token,
-- the marker's TTL in milliseconds (the owner's store renews it). Reply {1} acquired, {2, owner token} in flight, {3, status,
-- header, body, stream} done, {4} mismatch.
local r = redis.call('HMGET', KEYS[1], 'fp', 'done', 'status', 'hdr', 'body', 'stream', 'tok')
if not r[1] then
  redis.call('DEL', KEYS[1])
  redis.call('HSET', KEYS[1], 'fp', ARGV[1], 'tok', ARGV[2])
  redis.call('PEXPIRE', KEYS[1], ARGV[3])
  return {1}
end
if r[1] ~= ARGV[1] then return {4} end
if r[2] == '1' then return {3, r[3], r[4], r[5], r[6]} end
return {2, r[7] or ''}
