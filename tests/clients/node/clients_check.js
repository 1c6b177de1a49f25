// Drives real node clients against a running server: node-redlock 4 (its Lua lock, extend and
// unlock scripts through EVAL), ioredis defineCommand (EVALSHA with the EVAL fallback on
// NOSCRIPT) and ioredis multi()/exec(). Usage: node clients_check.js PORT. Prints one JSON
// object of observations; exits 1 on an unexpected exception.
'use strict';
const Redis = require('ioredis');
const Redlock = require('redlock');

async function main() {
  const port = Number(process.argv[2]);
  const a = new Redis({ host: '127.0.0.1', port, maxRetriesPerRequest: 1 });
  const b = new Redis({ host: '127.0.0.1', port, maxRetriesPerRequest: 1 });
  const out = {};
  await a.flushall();
  await a.script('FLUSH');

  // redlock: a lock held by one client excludes another; extend; unlock frees it.
  const lockA = new Redlock([a], { retryCount: 0 });
  const lockB = new Redlock([b], { retryCount: 0 });
  const held = await lockA.lock('locks:res', 10000);
  out.held_value_matches = (await a.get('locks:res')) === held.value;
  try {
    await lockB.lock('locks:res', 10000);
    out.second_excluded = false;
  } catch (e) {
    out.second_excluded = e instanceof Redlock.LockError;
  }
  const extended = await held.extend(20000);
  out.extended_ttl_over_10s = (await a.pttl('locks:res')) > 10000;
  await extended.unlock();
  out.unlocked = (await a.exists('locks:res')) === 0;
  const heldB = await lockB.lock('locks:res', 10000);
  out.second_after_unlock = (await b.get('locks:res')) === heldB.value;
  await heldB.unlock();

  // ioredis defineCommand: EVALSHA first, EVAL after NOSCRIPT.
  a.defineCommand('cas', {
    numberOfKeys: 1,
    lua: "if redis.call('get', KEYS[1]) == ARGV[1] then redis.call('set', KEYS[1], ARGV[2]) " +
      'return 1 end return 0',
  });
  await a.set('k', 'x');
  out.cas_hit = await a.cas('k', 'x', 'y');
  out.cas_miss = await a.cas('k', 'x', 'z');
  out.cas_value = await a.get('k');

  // ioredis multi()/exec().
  out.multi = await a.multi().set('m1', '1').incr('m1').get('m1').exec();
  try {
    await a.multi().set('m2', '1').call('GET').exec();
    out.multi_abort = 'no error';
  } catch (e) {
    out.multi_abort = String(e.message).split('.')[0];
  }
  out.m2_exists = await a.exists('m2');
  a.disconnect();
  b.disconnect();
  console.log(JSON.stringify(out));
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
