// A continuous write load through a Node.js cluster client while slots move
// (test_cluster_migration.py):
//   node cluster_writer.mjs <ioredis|node-redis> <port> <keys.json> <stop-file> <max-seconds>
// Connects to 127.0.0.1:<port> only, overwrites the keys listed in <keys.json> (a JSON array,
// a multiple of 20 long) with a rising sequence number, one write in flight per key and 20 keys
// in flight at once, until
// <stop-file> exists or <max-seconds> pass. Then reads every key back: each must hold the last
// acknowledged sequence number, or a later one whose reply was an error. Prints one JSON line
// {"client", "writes", "acked", "read_ok", "errors"} and exits 1 on an unexpected failure.
import { existsSync, readFileSync } from "node:fs";

import { Cluster } from "ioredis";
import { createCluster } from "redis";

const [clientName, portText, keysFile, stopFile, maxSecondsText] = process.argv.slice(2);
const port = Number(portText);
const pool = JSON.parse(readFileSync(keysFile, "utf8"));
const deadline = Date.now() + Number(maxSecondsText) * 1000;
const IN_FLIGHT = 20;  // key i is written by lane i % 20 only

async function load(set, get) {
  const acked = new Map();
  const failed = new Map();  // key -> seqs whose write replied an error
  const errors = [];
  let seq = 0;
  let writes = 0;
  async function lane(lane_index) {
    for (let i = lane_index; !existsSync(stopFile) && Date.now() < deadline; i += IN_FLIGHT) {
      const key = pool[i % pool.length];
      const mine = ++seq;
      try {
        await set(key, String(mine));
        acked.set(key, mine);
      } catch (err) {
        if (!failed.has(key)) failed.set(key, new Set());
        failed.get(key).add(mine);
        errors.push(String(err));
      }
      writes += 1;
    }
  }
  await Promise.all([...Array(IN_FLIGHT).keys()].map((i) => lane(i)));
  let readOk = 0;
  for (const [key, want] of acked) {
    const got = Number(await get(key));
    if (got === want || (got > want && failed.get(key)?.has(got))) readOk += 1;
    else errors.push(`${key}: read ${got}, last acknowledged ${want}`);
  }
  return { writes, acked: acked.size, read_ok: readOk, errors: errors.slice(0, 5) };
}

async function main() {
  let result;
  if (clientName === "ioredis") {
    const cluster = new Cluster([{ host: "127.0.0.1", port }], {
      redisOptions: { connectTimeout: 10000 },
    });
    try {
      result = await load((k, v) => cluster.set(k, v), (k) => cluster.get(k));
    } finally {
      cluster.disconnect();
    }
  } else if (clientName === "node-redis") {
    const cluster = createCluster({ rootNodes: [{ url: `redis://127.0.0.1:${port}` }] });
    cluster.on("error", (err) => console.error(`node-redis: ${err}`));
    await cluster.connect();
    try {
      result = await load((k, v) => cluster.set(k, v), (k) => cluster.get(k));
    } finally {
      await cluster.close();
    }
  } else {
    throw new Error(`unknown client ${clientName}`);
  }
  console.log(JSON.stringify({ client: clientName, ...result }));
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
