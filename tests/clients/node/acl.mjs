// node-redis with an ACL user in the URL: node acl.mjs <port> <user> <password>. The user may
// use keys app:* only and no @dangerous command; prints one line per check and "all ok" last.
import assert from 'node:assert/strict';
import { createClient } from 'redis';

const [port, user, password] = [Number(process.argv[2]), process.argv[3], process.argv[4]];
const url = `redis://${encodeURIComponent(user)}:${encodeURIComponent(password)}@127.0.0.1:${port}`;

async function main() {
  const client = createClient({ url });
  client.on('error', (err) => console.error('client error', err));
  await client.connect();
  assert.equal(await client.sendCommand(['ACL', 'WHOAMI']), user);
  console.log('authenticated');
  assert.equal(await client.set('app:k', 'v'), 'OK');
  assert.equal(await client.get('app:k'), 'v');
  await assert.rejects(client.get('other:k'), /NOPERM this user has no permissions to access one of the keys/);
  await assert.rejects(client.flushAll(), /NOPERM this user has no permissions to run the 'flushall' command/);
  console.log('permissions ok');
  await client.quit();

  const wrong = createClient({ url: `redis://${user}:wrong@127.0.0.1:${port}`, socket: { reconnectStrategy: false } });
  wrong.on('error', () => {});
  await assert.rejects(wrong.connect(), /WRONGPASS/);
  console.log('wrong password refused');
  console.log('all ok');
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
