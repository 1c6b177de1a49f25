// node-redis's client-side cache (clientSideCache, RESP3 + CLIENT TRACKING) against a server:
// node csc.mjs <port>. A value changed, deleted, expired or evicted by the server is fetched
// again on the next read, never served stale once the invalidation has arrived; an unchanged
// value is served from the local cache (no request). Exits 0 only when every check passed.
import assert from 'node:assert/strict';
import { createClient } from 'redis';

const port = Number(process.argv[2]);
const url = `redis://127.0.0.1:${port}`;
const cached = createClient({ url, RESP: 3, clientSideCache: { ttl: 0, maxEntries: 0, recordStats: true } });
const other = createClient({ url, RESP: 3 });
for (const c of [cached, other]) c.on('error', (err) => console.error('client error', err));

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// Reads until the value is `want` (the invalidation may still be on its way), within 5 s.
async function eventually(key, want) {
  const deadline = Date.now() + 5000;
  for (;;) {
    const got = await cached.get(key);
    if (got === want) return;
    if (Date.now() > deadline) assert.fail(`${key}: still ${got}, want ${want}`);
    await sleep(10);
  }
}

async function main() {
  await cached.connect();
  await other.connect();
  await other.flushAll();
  const cache = cached.clientSideCache;

  await other.set('csc:k', 'v1');
  assert.equal(await cached.get('csc:k'), 'v1');
  const hitsBefore = cache.stats().hitCount;
  assert.equal(await cached.get('csc:k'), 'v1');
  assert.equal(cache.stats().hitCount, hitsBefore + 1, 'second read served locally');
  console.log('cached ok');

  await other.set('csc:k', 'v2');
  await eventually('csc:k', 'v2');
  console.log('changed ok');

  await other.del('csc:k');
  await eventually('csc:k', null);
  console.log('deleted ok');

  await other.set('csc:e', 'soon', { PX: 100 });
  assert.equal(await cached.get('csc:e'), 'soon');
  await sleep(150);
  await eventually('csc:e', null);  // expired by the server (lazily or actively)
  console.log('expired ok');

  await other.set('csc:f', 'x');
  assert.equal(await cached.get('csc:f'), 'x');
  await other.flushAll();
  await eventually('csc:f', null);
  console.log('flushall ok');

  if (process.argv[3] === 'evict') {
    // the server holds few items (max-items): writing more evicts the cached key
    await other.set('csc:victim', 'v');
    assert.equal(await cached.get('csc:victim'), 'v');
    for (let i = 0; i < 50; i++) await other.set(`csc:fill:${i}`, 'x');
    await eventually('csc:victim', null);
    console.log('evicted ok');
  }

  await cached.quit();
  await other.quit();
  console.log('all ok');
}

main().catch((err) => {
  console.error('FAILED', err);
  process.exit(1);
});
