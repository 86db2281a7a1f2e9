"""The Lua scripts the Redis store runs: each one reads and writes atomically on the server.

Times come from the server (``TIME``), so routers on machines whose clocks
disagree still agree on buckets and expiries. Scripts touch only keys in one
hash slot each (the replay keys share the ``{replay}`` tag).
"""

from __future__ import annotations

__all__ = ["CLAIM", "KEEP", "RELEASE", "RENEW", "TAKE"]

# KEYS[1] the bucket. ARGV capacity, refill per second, cost.
# Returns the tokens before spending (a string: Lua numbers come back as integers).
TAKE = """
local clock = redis.call('TIME')
local now = tonumber(clock[1]) + tonumber(clock[2]) / 1000000
local capacity, rate, cost = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])
local saved = redis.call('HMGET', KEYS[1], 'tokens', 'seen')
local tokens = capacity
if saved[1] then
  tokens = math.min(capacity, tonumber(saved[1]) + math.max(0, now - tonumber(saved[2])) * rate)
end
local left = tokens
if tokens >= cost then left = tokens - cost end
if left >= capacity then
  redis.call('DEL', KEYS[1])
else
  redis.call('HSET', KEYS[1], 'tokens', string.format('%.6f', left),
             'seen', string.format('%.6f', now))
  redis.call('PEXPIRE', KEYS[1], math.ceil((capacity - left) / rate * 1000))
end
return string.format('%.6f', tokens)
"""

# KEYS[1] the entry. ARGV fingerprint, owner, lease (ms).
CLAIM = """
local entry = redis.call('HMGET', KEYS[1], 'fingerprint', 'answer')
if not entry[1] then
  redis.call('HSET', KEYS[1], 'fingerprint', ARGV[1], 'owner', ARGV[2])
  redis.call('PEXPIRE', KEYS[1], ARGV[3])
  return {'claimed'}
end
if entry[1] ~= ARGV[1] then return {'conflict'} end
if entry[2] then return {'stored', entry[2]} end
return {'running'}
"""

# KEYS[1] the entry. ARGV owner, lease (ms).
RENEW = """
if redis.call('HGET', KEYS[1], 'owner') == ARGV[1] then
  redis.call('PEXPIRE', KEYS[1], ARGV[2])
end
return 0
"""

# KEYS[1] the entry. ARGV owner.
RELEASE = """
if redis.call('HGET', KEYS[1], 'owner') == ARGV[1] then
  redis.call('DEL', KEYS[1])
end
return 0
"""

# KEYS the entry, the expiry-ordered index (id -> expiry ms), the sizes (id -> bytes),
# the byte total. ARGV owner, answer, TTL (ms), max entries, max bytes, payload id,
# the entry key prefix. Entries expire by themselves; the index, sizes and total
# forget them when their expiry time is past. Eviction takes the soonest to expire.
KEEP = """
local entry, order, sizes, total = KEYS[1], KEYS[2], KEYS[3], KEYS[4]
if redis.call('HGET', entry, 'owner') ~= ARGV[1] then return 0 end
local size, ttl = string.len(ARGV[2]), tonumber(ARGV[3])
local max_entries, max_bytes = tonumber(ARGV[4]), tonumber(ARGV[5])
local id, prefix = ARGV[6], ARGV[7]
local function forget(member)
  local was = redis.call('HGET', sizes, member)
  if was then
    redis.call('DECRBY', total, was)
    redis.call('HDEL', sizes, member)
  end
  redis.call('ZREM', order, member)
end
local clock = redis.call('TIME')
local now = tonumber(clock[1]) * 1000 + math.floor(tonumber(clock[2]) / 1000)
for _, member in ipairs(redis.call('ZRANGEBYSCORE', order, '-inf', now, 'LIMIT', 0, 1000)) do
  forget(member)
end
forget(id)
if size > max_bytes then
  redis.call('DEL', entry)
  return 0
end
redis.call('HSET', entry, 'answer', ARGV[2])
redis.call('HDEL', entry, 'owner')
redis.call('PEXPIRE', entry, ttl)
redis.call('ZADD', order, now + ttl, id)
redis.call('HSET', sizes, id, size)
local bytes = redis.call('INCRBY', total, size)
while redis.call('ZCARD', order) > max_entries or bytes > max_bytes do
  local oldest = redis.call('ZRANGE', order, 0, 0)[1]
  if oldest == nil or oldest == id then break end
  bytes = bytes - tonumber(redis.call('HGET', sizes, oldest) or '0')
  forget(oldest)
  if redis.call('HEXISTS', prefix .. oldest, 'answer') == 1 then
    redis.call('DEL', prefix .. oldest)
  end
end
return 1
"""
