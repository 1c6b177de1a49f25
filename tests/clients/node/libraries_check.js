// Drives real npm libraries doing their real work against a running server (issue 15):
// rate-limiter-flexible's RateLimiterRedis on ioredis (its Lua increment script through
// defineCommand), ioredis defineCommand falling back from EVALSHA to EVAL after SCRIPT FLUSH,
// and node-redis 6 multi()/exec() with WATCH. Usage: node libraries_check.js PORT. Prints one
// JSON object of observations; exits 1 on an unexpected exception.
'use strict';
const Redis = require('ioredis');
const { RateLimiterRedis } = require('rate-limiter-flexible');
const { createClient } = require('redis');

async function rateLimiter(port, out) {
  const client = new Redis({ host: '127.0.0.1', port, maxRetriesPerRequest: 1 });
  // 10 points per second: of 15 consume() calls sent together, exactly 10 are admitted.
  const limiter = new RateLimiterRedis({ storeClient: client, keyPrefix: 'rl', points: 10, duration: 1 });
  const results = await Promise.allSettled(Array.from({ length: 15 }, () => limiter.consume('user')));
  out.limiter_admitted = results.filter((r) => r.status === 'fulfilled').length;
  // A refusal is a RateLimiterRes with no points left, not an Error (a server error would be one).
  const refused = results.filter((r) => r.status === 'rejected').map((r) => r.reason);
  out.limiter_refused = refused.length;
  out.limiter_refusals_are_limits = refused.every((r) => !(r instanceof Error) && r.remainingPoints === 0);
  out.limiter_ttl_within_window = (await client.pttl('rl:user')) <= 1000;
  // Another key has its own budget.
  out.limiter_other_key_remaining = (await limiter.consume('other')).remainingPoints;
  client.disconnect();
}

// calls and failed_calls of EVAL and EVALSHA from INFO commandstats.
async function evalStats(client) {
  const info = await client.info('commandstats');
  const stats = {};
  for (const name of ['eval', 'evalsha']) {
    const m = info.match(new RegExp(`cmdstat_${name}:calls=(\\d+),.*failed_calls=(\\d+)`));
    stats[name] = m ? [Number(m[1]), Number(m[2])] : [0, 0];
  }
  return stats;
}

async function defineCommandFallback(port, out) {
  const client = new Redis({ host: '127.0.0.1', port, maxRetriesPerRequest: 1 });
  client.defineCommand('getset2', {
    numberOfKeys: 1,
    lua: "local old = redis.call('get', KEYS[1]) redis.call('set', KEYS[1], ARGV[1]) return old",
  });
  await client.config('RESETSTAT');
  out.define_first = await client.getset2('d', 'a');  // no script cached yet: NOSCRIPT, then EVAL
  out.define_second = await client.getset2('d', 'b');  // EVALSHA hits
  out.script_flush = await client.script('FLUSH');
  out.define_after_flush = await client.getset2('d', 'c');  // NOSCRIPT again, EVAL again
  out.define_value = await client.get('d');
  // [calls, failed_calls] as redis-server 7.0 counts them: the fallbacks are the 2 EVALs.
  out.define_stats = await evalStats(client);
  client.disconnect();
}

async function nodeRedisMulti(port, out) {
  const url = `redis://127.0.0.1:${port}`;
  const client = createClient({ url });
  const other = createClient({ url });
  client.on('error', () => {});
  other.on('error', () => {});
  await client.connect();
  await other.connect();
  out.node_redis_multi = await client.multi().set('n', '1').incr('n').incrBy('n', 5).get('n').exec();
  // WATCH: another client's write makes exec() fail with a WatchError and apply nothing.
  await client.watch('n');
  await other.set('n', 'changed');
  try {
    await client.multi().set('n', 'mine').exec();
    out.node_redis_watch = 'executed';
  } catch (e) {
    out.node_redis_watch = e.constructor.name;
  }
  out.node_redis_after_watch = await client.get('n');
  await client.quit();
  await other.quit();
}

async function main() {
  const port = Number(process.argv[2]);
  const out = {};
  await rateLimiter(port, out);
  await defineCommandFallback(port, out);
  await nodeRedisMulti(port, out);
  console.log(JSON.stringify(out));
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
