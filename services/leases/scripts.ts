/**
 * The lease scripts. Each runs atomically in Redis, reads the clock from Redis (`TIME`), so
 * every scheduler replica and spearlet agrees on expiry, and first checks the epoch
 * sentinel: without it the state was lost (flush, restart) and nothing may be decided on it.
 *
 * Keys, under the prefix P (`spear:lease:`):
 *   P epoch                 sentinel written by rebuild; its absence means the state was lost
 *   P seq                   fencing counter (INCR); seeded from the clock in µs, so tokens keep
 *                           growing across a loss of Redis
 *   P t:<token>             hash: node, invocationId, attempt, requestSeq, state, expiresAt, createdAt
 *   P a:<invocation>:<n>    the token of attempt n (idempotent reserve)
 *   P n:<node>:reserved     zset token → expiresAt of the node's reserved leases
 *   P n:<node>:running      zset token → expiresAt of the node's committed leases
 *   P all                   zset token → when the reaper should next look at it (the expiry,
 *                           or the end of a reaper's claim)
 *   P nodes                 set of nodes that ever held a lease (rebuild enumerates them)
 * Live = expiresAt > now; a lease counts against its node's slots only while live.
 */
const prelude = `
local P = ARGV[1]
local function num(n) return string.format('%.0f', n) end
local function now_ms()
  local t = redis.call('TIME')
  return tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
end
local function lost()
  if redis.call('EXISTS', P .. 'epoch') == 0 then
    return redis.error_reply('SPEAR_STATE_LOST the lease state is gone (Redis was flushed or restarted)')
  end
  return nil
end
local function lease_key(token) return P .. 't:' .. token end
local function attempt_key(inv, attempt) return P .. 'a:' .. inv .. ':' .. attempt end
local function node_key(node, state) return P .. 'n:' .. node .. ':' .. state end
local function read_lease(token, now)
  local h = redis.call('HGETALL', lease_key(token))
  if #h == 0 then return nil end
  local l = { token = token }
  for i = 1, #h, 2 do l[h[i]] = h[i + 1] end
  l.expiresAt = tonumber(l.expiresAt)
  l.createdAt = tonumber(l.createdAt)
  l.attempt = tonumber(l.attempt)
  l.requestSeq = tonumber(l.requestSeq or '0')
  if l.state ~= 'released' and l.expiresAt <= now then l.status = 'expired' else l.status = l.state end
  return l
end
local function unlist(l)
  redis.call('ZREM', node_key(l.node, 'reserved'), l.token)
  redis.call('ZREM', node_key(l.node, 'running'), l.token)
end
`;

const script = (body: string) => `${prelude}\n${body}`;

/**
 * ARGV: P, node, maxSlots, invocationId, attempt, ttlMs, requestSeq, stallMs →
 * {result: existing|created, lease} | {result: full, live} | {result: stalled, since}.
 * A node whose oldest reservation has waited longer than stallMs to be committed is not taking
 * its assignments (dead, hung, restarting): no new work goes there meanwhile (0: no check).
 */
export const reserveLua = script(`
local e = lost() if e then return e end
local node, max, inv, attempt, ttl, rseq, stall = ARGV[2], tonumber(ARGV[3]), ARGV[4], ARGV[5], tonumber(ARGV[6]), ARGV[7], tonumber(ARGV[8])
local now = now_ms()
local ak = attempt_key(inv, attempt)
local existing = redis.call('GET', ak)
if existing then
  local l = read_lease(existing, now)
  if l then return cjson.encode({ result = 'existing', lease = l }) end
  redis.call('DEL', ak)
end
local rk, rn = node_key(node, 'reserved'), node_key(node, 'running')
redis.call('ZREMRANGEBYSCORE', rk, '-inf', num(now))
redis.call('ZREMRANGEBYSCORE', rn, '-inf', num(now))
local live = redis.call('ZCARD', rk) + redis.call('ZCARD', rn)
if live >= max then return cjson.encode({ result = 'full', live = live }) end
if stall > 0 then
  local oldest = redis.call('ZRANGE', rk, 0, 0)[1]
  local since = oldest and tonumber(redis.call('HGET', lease_key(oldest), 'createdAt'))
  if since and now - since > stall then return cjson.encode({ result = 'stalled', since = since }) end
end
local token = num(redis.call('INCR', P .. 'seq'))
local exp = now + ttl
redis.call('HSET', lease_key(token), 'node', node, 'invocationId', inv, 'attempt', attempt, 'requestSeq', rseq,
  'state', 'reserved', 'expiresAt', num(exp), 'createdAt', num(now))
redis.call('ZADD', rk, num(exp), token)
redis.call('ZADD', P .. 'all', num(exp), token)
redis.call('SADD', P .. 'nodes', node)
redis.call('SET', ak, token)
return cjson.encode({ result = 'created', lease = read_lease(token, now) })
`);

/** ARGV: P, token, ttlMs → lease (now running until now + ttl) | error NOT_FOUND / EXPIRED */
export const commitLua = script(`
local e = lost() if e then return e end
local token, ttl = ARGV[2], tonumber(ARGV[3])
local now = now_ms()
local l = read_lease(token, now)
if not l then return redis.error_reply('SPEAR_LEASE_NOT_FOUND lease ' .. token .. ' does not exist') end
if l.status == 'released' then return redis.error_reply('SPEAR_LEASE_NOT_FOUND lease ' .. token .. ' was released') end
if l.status == 'expired' then
  return redis.error_reply('SPEAR_LEASE_EXPIRED lease ' .. token .. ' expired ' .. num(now - l.expiresAt) .. ' ms ago')
end
local exp = now + ttl
redis.call('HSET', lease_key(token), 'state', 'running', 'expiresAt', num(exp))
redis.call('ZREM', node_key(l.node, 'reserved'), token)
redis.call('ZADD', node_key(l.node, 'running'), num(exp), token)
redis.call('ZADD', P .. 'all', num(exp), token)
return cjson.encode(read_lease(token, now))
`);

/**
 * ARGV: P, token, node, invocationId, attempt, holdMs → the lease, now live for at least holdMs
 * | error NOT_HELD. A result may be recorded only for a live lease of that node, invocation and
 * attempt. Running in one script with the reaper's claim, it decides which comes first: once
 * the lease has expired (and may be claimed) the result is refused; once it is held, it stays
 * live while the result is recorded, so no retry starts meanwhile.
 */
export const holdForResultLua = script(`
local e = lost() if e then return e end
local token, node, inv, attempt, hold = ARGV[2], ARGV[3], ARGV[4], tonumber(ARGV[5]), tonumber(ARGV[6])
local now = now_ms()
local l = read_lease(token, now)
if not l or l.node ~= node or l.invocationId ~= inv or l.attempt ~= attempt then
  return redis.error_reply('SPEAR_LEASE_NOT_HELD node ' .. node .. ' holds no lease ' .. token .. ' on attempt ' .. ARGV[5] .. ' of ' .. inv)
end
if l.status ~= 'reserved' and l.status ~= 'running' then
  return redis.error_reply('SPEAR_LEASE_NOT_HELD lease ' .. token .. ' of ' .. inv .. ' is ' .. l.status)
end
local exp = now + hold
if l.expiresAt < exp then
  redis.call('HSET', lease_key(token), 'expiresAt', num(exp))
  redis.call('ZADD', node_key(l.node, l.state), num(exp), token)
  redis.call('ZADD', P .. 'all', num(exp), token)
end
return cjson.encode(read_lease(token, now))
`);

/**
 * ARGV: P, token, tombstoneMs, onlyReserved ('1': only a lease no node has committed) →
 * {released: bool, lease?}. The record stays as a tombstone for a while.
 */
export const releaseLua = script(`
local e = lost() if e then return e end
local token, tombstone = ARGV[2], tonumber(ARGV[3])
local now = now_ms()
local l = read_lease(token, now)
if not l then return cjson.encode({ released = false }) end
if l.state == 'released' then return cjson.encode({ released = false, lease = l }) end
if ARGV[4] == '1' and l.state ~= 'reserved' then return cjson.encode({ released = false, lease = l }) end
unlist(l)
redis.call('ZREM', P .. 'all', token)
redis.call('HSET', lease_key(token), 'state', 'released')
redis.call('PEXPIRE', lease_key(token), tombstone)
local ak = attempt_key(l.invocationId, l.attempt)
if redis.call('GET', ak) == token then redis.call('PEXPIRE', ak, tombstone) end
return cjson.encode({ released = true, lease = read_lease(token, now) })
`);

/** ARGV: P, limit, claimMs → expired leases, each now claimed until now + claimMs */
export const claimExpiredLua = script(`
local e = lost() if e then return e end
local limit, claim = tonumber(ARGV[2]), tonumber(ARGV[3])
local now = now_ms()
local out = {}
for _, token in ipairs(redis.call('ZRANGEBYSCORE', P .. 'all', '-inf', num(now), 'LIMIT', 0, limit)) do
  local l = read_lease(token, now)
  if not l or l.status == 'released' then
    redis.call('ZREM', P .. 'all', token)
  elseif l.status == 'expired' then
    l.claimedUntil = now + claim
    redis.call('ZADD', P .. 'all', num(l.claimedUntil), token)
    out[#out + 1] = l
  else
    redis.call('ZADD', P .. 'all', num(l.expiresAt), token)
  end
end
return cjson.encode(out)
`);

/** ARGV: P, token → 1 when a lease was removed */
export const forgetLua = script(`
local e = lost() if e then return e end
local token = ARGV[2]
local l = read_lease(token, now_ms())
redis.call('ZREM', P .. 'all', token)
if not l then return 0 end
unlist(l)
local ak = attempt_key(l.invocationId, l.attempt)
if redis.call('GET', ak) == token then redis.call('DEL', ak) end
redis.call('DEL', lease_key(token))
return 1
`);

/** ARGV: P, node → how many live leases of the node were expired now */
export const expireNodeLua = script(`
local e = lost() if e then return e end
local node = ARGV[2]
local now = now_ms()
local count = 0
for _, state in ipairs({ 'reserved', 'running' }) do
  local k = node_key(node, state)
  for _, token in ipairs(redis.call('ZRANGEBYSCORE', k, '(' .. num(now), '+inf')) do
    redis.call('HSET', lease_key(token), 'expiresAt', num(now))
    redis.call('ZADD', P .. 'all', num(now), token)
    count = count + 1
  end
  redis.call('DEL', k)
end
return count
`);

/** ARGV: P, node... → [reserved, running] per node, live leases only */
export const countersLua = script(`
local e = lost() if e then return e end
local now = '(' .. num(now_ms())
local out = {}
for i = 2, #ARGV do
  out[#out + 1] = redis.call('ZCOUNT', node_key(ARGV[i], 'reserved'), now, '+inf')
  out[#out + 1] = redis.call('ZCOUNT', node_key(ARGV[i], 'running'), now, '+inf')
end
return out
`);

/**
 * ARGV: P, newEpoch, expected epoch ('*' any, '' none), leases JSON → {applied, epoch, leases}.
 * Replaces the whole lease state with the leases the log says are active, then writes the new
 * epoch. Compare-and-set on the epoch, so two schedulers noticing the same loss rebuild once.
 */
export const rebuildLua = `
local P = ARGV[1]
local function num(n) return string.format('%.0f', n) end
local current = redis.call('GET', P .. 'epoch')
local expect = ARGV[3]
if expect ~= '*' and ((expect == '' and current) or (expect ~= '' and current ~= expect)) then
  return cjson.encode({ applied = false, epoch = current or '' })
end
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local seq = tonumber(t[1]) * 1000000 + tonumber(t[2])
local kept = tonumber(redis.call('GET', P .. 'seq') or '0')
if kept > seq then seq = kept end
for _, token in ipairs(redis.call('ZRANGE', P .. 'all', 0, -1)) do
  local h = redis.call('HMGET', P .. 't:' .. token, 'invocationId', 'attempt')
  if h[1] then redis.call('DEL', P .. 'a:' .. h[1] .. ':' .. h[2]) end
  redis.call('DEL', P .. 't:' .. token)
end
for _, node in ipairs(redis.call('SMEMBERS', P .. 'nodes')) do
  redis.call('DEL', P .. 'n:' .. node .. ':reserved', P .. 'n:' .. node .. ':running')
end
redis.call('DEL', P .. 'all', P .. 'nodes')
local leases = cjson.decode(ARGV[4])
for _, l in ipairs(leases) do
  local token = l.token
  local n = tonumber(token)
  if n and n > seq then seq = n end
  redis.call('HSET', P .. 't:' .. token, 'node', l.nodeId, 'invocationId', l.invocationId, 'attempt', num(l.attempt),
    'requestSeq', num(l.requestSeq or 0), 'state', l.state, 'expiresAt', num(l.expiresAt), 'createdAt', num(l.createdAt or now))
  redis.call('SET', P .. 'a:' .. l.invocationId .. ':' .. num(l.attempt), token)
  redis.call('ZADD', P .. 'all', num(l.expiresAt), token)
  redis.call('SADD', P .. 'nodes', l.nodeId)
  if l.expiresAt > now then redis.call('ZADD', P .. 'n:' .. l.nodeId .. ':' .. l.state, num(l.expiresAt), token) end
end
redis.call('SET', P .. 'seq', num(seq))
redis.call('SET', P .. 'epoch', ARGV[2])
return cjson.encode({ applied = true, epoch = ARGV[2], leases = #leases })
`;
