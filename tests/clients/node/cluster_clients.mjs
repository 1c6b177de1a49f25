// Drives the Node.js cluster clients against a Cairn cluster (test_cluster_node.py):
//   node cluster_clients.mjs <ioredis|node-redis> <port> <keys>
// Connects to 127.0.0.1:<port> only (the client discovers the other nodes from CLUSTER SLOTS),
// writes <keys> keys spread over every slot, reads them back, and prints one JSON line
// {"client", "written", "read_ok"}. Exits 1 on any error.
import { Cluster } from "ioredis";
import { createCluster } from "redis";

const [clientName, portText, keysText] = process.argv.slice(2);
const port = Number(portText);
const keys = Number(keysText);
const BATCH = 500;

function keyOf(i) {
  return `${clientName}:key:${i}`;
}

async function run(set, get) {
  let readOk = 0;
  for (let start = 0; start < keys; start += BATCH) {
    const ids = [...Array(Math.min(BATCH, keys - start)).keys()].map((j) => start + j);
    await Promise.all(ids.map((i) => set(keyOf(i), `value:${i}`)));
  }
  for (let start = 0; start < keys; start += BATCH) {
    const ids = [...Array(Math.min(BATCH, keys - start)).keys()].map((j) => start + j);
    const values = await Promise.all(ids.map((i) => get(keyOf(i))));
    values.forEach((v, j) => {
      if (v === `value:${ids[j]}`) readOk += 1;
    });
  }
  return readOk;
}

async function main() {
  let readOk;
  if (clientName === "ioredis") {
    const cluster = new Cluster([{ host: "127.0.0.1", port }], {
      enableOfflineQueue: true,
      redisOptions: { connectTimeout: 10000 },
    });
    try {
      readOk = await run((k, v) => cluster.set(k, v), (k) => cluster.get(k));
    } finally {
      cluster.disconnect();
    }
  } else if (clientName === "node-redis") {
    const cluster = createCluster({ rootNodes: [{ url: `redis://127.0.0.1:${port}` }] });
    cluster.on("error", (err) => {
      console.error(`node-redis: ${err}`);
    });
    await cluster.connect();
    try {
      readOk = await run((k, v) => cluster.set(k, v), (k) => cluster.get(k));
    } finally {
      await cluster.close();
    }
  } else {
    throw new Error(`unknown client ${clientName}`);
  }
  console.log(JSON.stringify({ client: clientName, written: keys, read_ok: readOk }));
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
