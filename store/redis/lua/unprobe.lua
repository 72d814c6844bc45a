
-- Unprobe: undoes an admission whose reply was lost (a timeout, a broken
-- connection) or whose probe's outcome will never be reported here. KEYS[2]
-- is the admission's tombstone; ARGV[15] its id. If the admission took a
-- probe slot that is still held, the slot is freed; otherwise a tombstone
-- is left, for the probe lease and at least a minute, so that the
-- admission, should it reach the server only now, takes no slot. Nothing
-- else's slot is freed. Reply 1 when a slot was freed.
local id = ARGV[15]
local s = load()
if s.st == HALF then
  for _, x in ipairs(s.ids) do
    if x == id then
      freeProbe(s, id)
      save(s)
      return 1
    end
  end
end
redis.call('SET', KEYS[2], '1', 'PX', math.max(math.floor(C.lease / 1000), 60000))
return 0
