-- Commit one change atomically: state, version, change feed, audit log, notification.
-- KEYS: state, version, changes, audit
-- ARGV: expected version, state JSON, delta JSON, notify channel, changes maxlen,
--       audit maxlen, user, timestamp, action, summary, undo JSON
local expected = tonumber(ARGV[1])
local current = tonumber(redis.call('GET', KEYS[2]) or '0')
if current ~= expected then
  return {'conflict', current}
end
local version = expected + 1
local entry_id = version .. '-0'

-- Entry ids are the versions they produce, so a reader can resume after any version
-- with XRANGE. A feed left over from a lost version counter would reject the id:
-- drop it, and consumers fall back to a snapshot.
local added = redis.pcall('XADD', KEYS[3], 'MAXLEN', '~', ARGV[5], entry_id,
  'from', expected, 'to', version, 'delta', ARGV[3])
if type(added) == 'table' and added.err then
  redis.call('DEL', KEYS[3])
  redis.call('XADD', KEYS[3], 'MAXLEN', '~', ARGV[5], entry_id,
    'from', expected, 'to', version, 'delta', ARGV[3])
end
added = redis.pcall('XADD', KEYS[4], 'MAXLEN', '~', ARGV[6], entry_id,
  'version', version, 'user', ARGV[7], 'ts', ARGV[8], 'action', ARGV[9],
  'summary', ARGV[10], 'redo', ARGV[3], 'undo', ARGV[11])
if type(added) == 'table' and added.err then
  redis.call('DEL', KEYS[4])
  redis.call('XADD', KEYS[4], 'MAXLEN', '~', ARGV[6], entry_id,
    'version', version, 'user', ARGV[7], 'ts', ARGV[8], 'action', ARGV[9],
    'summary', ARGV[10], 'redo', ARGV[3], 'undo', ARGV[11])
end

redis.call('SET', KEYS[1], ARGV[2])
redis.call('SET', KEYS[2], version)
redis.call('PUBLISH', ARGV[4], ARGV[3])
return {'ok', version}
