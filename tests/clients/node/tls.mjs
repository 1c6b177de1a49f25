// node-redis over TLS: node tls.mjs <port> <certificate dir> <resp 2|3>. Connects with a
// rediss:// URL and mutual TLS (the client presents client.crt; the server is checked against
// ca.crt), then strings, a pipeline and pub/sub; and checks that a client presenting no
// certificate is refused. Prints one line per check and exits 0 only when every check passed.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createClient } from 'redis';

import { withTimeout } from './timeout.mjs';

const [port, dir, resp] = [Number(process.argv[2]), process.argv[3], Number(process.argv[4])];
const url = `rediss://127.0.0.1:${port}`;
const ca = readFileSync(join(dir, 'ca.crt'));
const tls = { tls: true, ca, cert: readFileSync(join(dir, 'client.crt')),
              key: readFileSync(join(dir, 'client.key')), connectTimeout: 5000 };

async function main() {
  const client = createClient({ url, RESP: resp, socket: tls });
  client.on('error', (err) => console.error('client error', err));
  await client.connect();
  const info = String(await client.sendCommand(['CLIENT', 'INFO']));
  assert.match(info, new RegExp(`resp=${resp}`));
  assert.match(info, new RegExp(`laddr=127\\.0\\.0\\.1:${port} `));
  console.log(`connected over tls resp=${resp}`);

  assert.equal(await client.set('node:tls', 'v1'), 'OK');
  assert.equal(await client.get('node:tls'), 'v1');
  const big = 'x'.repeat(200000);
  assert.equal(await client.set('node:big', big), 'OK');
  assert.equal(await client.get('node:big'), big);
  console.log('strings ok');

  await client.del('node:n');
  const replies = await client.multi().incr('node:n').incr('node:n').get('node:n').exec();
  assert.deepEqual(replies.map(String), ['1', '2', '2']);
  const many = await Promise.all(Array.from({ length: 200 }, (_, i) => client.echo(`m${i}`)));
  assert.equal(many[199], 'm199');
  console.log('pipeline ok');

  const sub = client.duplicate();
  sub.on('error', (err) => console.error('subscriber error', err));
  await sub.connect();
  const got = new Promise((resolve) => sub.subscribe('node:ch', (msg) => resolve(msg)));
  for (let i = 0; i < 50; i++) {
    const counts = await client.pubSubNumSub('node:ch');
    if (Number(counts['node:ch'] ?? counts[1] ?? 0) > 0) break;
    await new Promise((r) => setTimeout(r, 20));
  }
  assert.equal(await client.publish('node:ch', 'hello'), 1);
  assert.equal(await withTimeout(got, 5000, 'a pub/sub message'), 'hello');
  await sub.quit();
  console.log('pubsub ok');
  await client.quit();

  // No client certificate: tls-auth-clients yes refuses the connection.
  const anon = createClient({ url, RESP: resp,
                              socket: { tls: true, ca, connectTimeout: 5000,
                                        reconnectStrategy: false } });
  anon.on('error', () => {});
  let refused = false;
  try {
    await withTimeout(anon.connect().then(() => anon.ping()), 10000, 'the refusal');
  } catch (err) {
    refused = true;
  }
  assert.ok(refused, 'a client without a certificate was served');
  try { await anon.disconnect(); } catch (err) { /* already closed */ }
  console.log('no certificate refused');
  console.log('all ok');
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
