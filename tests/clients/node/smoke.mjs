// node-redis against a server: node smoke.mjs <port> <resp 2|3>. Connects with the client's
// own handshake (HELLO <resp>), then strings, expiry, SCAN and pub/sub; prints one line per
// check and exits 0 only when every check passed.
import assert from 'node:assert/strict';
import { createClient } from 'redis';

import { withTimeout } from './timeout.mjs';

const [port, resp] = [Number(process.argv[2]), Number(process.argv[3])];
const url = `redis://127.0.0.1:${port}`;
const client = createClient({ url, RESP: resp });
client.on('error', (err) => console.error('client error', err));

async function main() {
  await client.connect();
  const info = await client.sendCommand(['CLIENT', 'INFO']);
  assert.match(String(info), new RegExp(`resp=${resp}`));
  console.log(`connected resp=${resp}`);
  assert.equal(await client.flushAll(), 'OK');

  assert.equal(await client.set('node:k', 'v1'), 'OK');
  assert.equal(await client.get('node:k'), 'v1');
  assert.equal(await client.get('node:missing'), null);
  assert.deepEqual(await client.mGet(['node:k', 'node:missing']), ['v1', null]);
  assert.equal(await client.incr('node:n'), 1);
  assert.equal(await client.incrByFloat('node:f', 1.5), '1.5');
  console.log('strings ok');

  assert.equal(await client.set('node:e', 'v', { EX: 100 }), 'OK');
  const ttl = await client.ttl('node:e');
  assert.ok(ttl > 0 && ttl <= 100, `ttl ${ttl}`);
  assert.equal(await client.pExpire('node:e', 1), 1);
  await new Promise((r) => setTimeout(r, 20));
  assert.equal(await client.get('node:e'), null);
  console.log('expiry ok');

  const seen = new Set();
  for (let i = 0; i < 30; i++) await client.set(`node:scan:${i}`, String(i));
  for await (const keys of client.scanIterator({ MATCH: 'node:scan:*', COUNT: 7 })) {
    for (const k of keys) seen.add(k);
  }
  assert.equal(seen.size, 30);
  console.log('scan ok');

  const configured = await client.configGet('maxclients');
  assert.equal(typeof configured, 'object');
  assert.ok('maxclients' in configured);
  console.log('config get ok');

  const sub = client.duplicate();
  sub.on('error', (err) => console.error('subscriber error', err));
  await sub.connect();
  const got = new Promise((resolve) => {
    sub.subscribe('node:chan', (message, channel) => resolve([channel, message]));
  });
  // the subscription is confirmed before subscribe() resolves; publish until it is delivered
  await withTimeout(
    (async () => {
      while ((await client.publish('node:chan', 'hello')) === 0) {
        await new Promise((r) => setTimeout(r, 10));
      }
    })(),
    5000,
    'a subscriber',
  );
  assert.deepEqual(await withTimeout(got, 5000, 'the message'), ['node:chan', 'hello']);
  const pgot = new Promise((resolve) => {
    sub.pSubscribe('node:p*', (message, channel) => resolve([channel, message]));
  });
  await new Promise((r) => setTimeout(r, 50));
  assert.equal(await client.publish('node:pp', 'x'), 1);
  assert.deepEqual(await withTimeout(pgot, 5000, 'the pattern message'), ['node:pp', 'x']);
  await sub.unsubscribe();
  await sub.pUnsubscribe();
  console.log('pubsub ok');

  await sub.quit();
  await client.quit();
  console.log('all ok');
}

main().catch((err) => {
  console.error('FAILED', err);
  process.exit(1);
});
