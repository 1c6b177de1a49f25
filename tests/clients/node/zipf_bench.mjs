// Read-mostly zipf workload through node-redis with its client-side cache on vs off (issue 14's
// benchmark; bench/README.md). node zipf_bench.mjs <port> [seconds per mode] [keys] [alpha]
//
// One application loop per mode: 95% GET, 5% SET (by another connection, so the cache must be
// invalidated) over `keys` keys drawn from a zipf(alpha) distribution. Prints per mode:
// application reads/s, server requests per application read (from INFO commandstats: get calls
// seen by the server / reads issued), and the fraction of reads that returned a stale value
// after the writer's SET had been acknowledged and its invalidation had had 50 ms to arrive.
import { createClient } from 'redis';

const port = Number(process.argv[2]);
const seconds = Number(process.argv[3] ?? 5);
const nkeys = Number(process.argv[4] ?? 100000);
const alpha = Number(process.argv[5] ?? 0.99);
const url = `redis://127.0.0.1:${port}`;

// zipf sampling by inverse CDF over precomputed cumulative weights
const cdf = new Float64Array(nkeys);
let total = 0;
for (let i = 0; i < nkeys; i++) cdf[i] = total += 1 / Math.pow(i + 1, alpha);
function sample() {
  const u = Math.random() * total;
  let lo = 0, hi = nkeys - 1;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (cdf[mid] < u) lo = mid + 1; else hi = mid;
  }
  return lo;
}

async function getCalls(admin) {
  const text = await admin.info('commandstats');
  const m = /cmdstat_get:calls=(\d+)/.exec(text);
  return m ? Number(m[1]) : 0;
}

async function run(cacheOn) {
  const opts = { url, RESP: 3 };
  if (cacheOn) opts.clientSideCache = { ttl: 0, maxEntries: 0 };
  const app = createClient(opts);
  const writer = createClient({ url, RESP: 3 });
  const admin = createClient({ url, RESP: 3 });
  await Promise.all([app.connect(), writer.connect(), admin.connect()]);
  await admin.flushAll();
  for (let i = 0; i < nkeys; i += 1000) {
    const batch = [];
    for (let j = i; j < Math.min(nkeys, i + 1000); j++) batch.push([`z:${j}`, '0']);
    await writer.mSet(batch);
  }
  const version = new Int32Array(nkeys);  // the last acknowledged write of each key
  const settled = new Float64Array(nkeys);  // when its invalidation must have arrived
  await admin.configResetStat();
  const before = await getCalls(admin);
  let reads = 0, stale = 0, checked = 0;
  const end = Date.now() + seconds * 1000;
  while (Date.now() < end) {
    const k = sample();
    if (Math.random() < 0.05) {
      const v = version[k] + 1;
      await writer.set(`z:${k}`, String(v));
      version[k] = v;
      settled[k] = Date.now() + 50;
      continue;
    }
    const got = Number(await app.get(`z:${k}`));
    reads++;
    if (settled[k] !== 0 && Date.now() >= settled[k]) {
      checked++;
      if (got < version[k]) stale++;
    }
  }
  const served = (await getCalls(admin)) - before;
  await Promise.all([app.quit(), writer.quit(), admin.quit()]);
  return { reads_per_s: Math.round(reads / seconds), server_per_read: served / reads,
           stale_fraction: checked === 0 ? 0 : stale / checked, reads, checked };
}

const off = await run(false);
const on = await run(true);
console.log(`| client cache | app reads/s | server GETs per app read | stale reads (checked) |`);
console.log(`|---|---|---|---|`);
for (const [name, r] of [['off', off], ['on', on]]) {
  console.log(`| ${name} | ${r.reads_per_s} | ${r.server_per_read.toFixed(3)} | ` +
              `${r.stale_fraction} (${r.checked}) |`);
}
