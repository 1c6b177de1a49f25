"""Moving slots while serving (issue 19): three Cairn nodes on 127.0.0.1, redis-py's
RedisCluster writing continuously while scripts/cluster-move-slots.sh moves a slot range from one
node to another (CLUSTER SETSLOT, -ASK, MIGRATE). Afterwards every acknowledged write is
readable, each key lives on exactly one node, the one owning its slot, and keys keep their TTLs.
The source runs write-back with nothing flushed yet, the target write-through: after restarts
the target still has the moved keys and the source none of them."""

import json
import shutil
import subprocess
import threading
import time
from pathlib import Path

import pytest
from redis.cluster import ClusterNode, RedisCluster
from redis.crc import key_slot

from helpers import REPO_ROOT, free_port, info_kv, wait_until

pytestmark = pytest.mark.cairn_only

MOVE = str(REPO_ROOT / "scripts" / "cluster-move-slots.sh")
IDS = ("node-a", "node-b", "node-c")
RANGES = ("0-5460", "5461-10922", "10923-16383")
MOVED = (5461, 5660)  # b -> c
NEVER_MS = 3_600_000  # a write-back interval that never fires during the test
MAX_WRITER_S = 90
NODE_DIR = Path(__file__).resolve().parents[1] / "clients" / "node"


def in_moved(key, moved=MOVED):
    return moved[0] <= key_slot(key.encode()) <= moved[1]


def keys_where(prefix, want_moved, n, moved=MOVED):
    out, i = [], 0
    while len(out) < n:
        key = f"{prefix}:{i}"
        if in_moved(key, moved) == want_moved:
            out.append(key)
        i += 1
    return out


@pytest.fixture
def nodes(make_server, tmp_path):
    ports = [free_port() for _ in IDS]
    lines = ["epoch 1"] + [f"node {i} 127.0.0.1 {p} {r}" for i, p, r in zip(IDS, ports, RANGES)]
    options = [{"write_policy": "none"},
               {"write_policy": "write-back", "write_back_interval_ms": NEVER_MS,
                "write_back_max_dirty": 0},
               {"write_policy": "write-through"}]
    out = []
    for i, port in enumerate(ports):
        path = tmp_path / f"map{i}"
        path.write_text("\n".join(lines) + "\n")
        out.append(make_server(port=port, cluster_enabled="yes", cluster_config_file=path,
                               **options[i]))
    return out


def client(node):
    return RedisCluster(startup_nodes=[ClusterNode("127.0.0.1", node.port)],
                        socket_timeout=30, decode_responses=True)


class Writer(threading.Thread):
    """One RedisCluster connection overwriting a pool of keys (half in the moved range) and
    creating new ones, remembering for each key the last value acknowledged."""

    def __init__(self, node, pool):
        super().__init__(daemon=True)
        self.rc = client(node)
        self.pool = pool
        self.stop = threading.Event()
        self.acked = {}    # key -> last acknowledged seq
        self.pending = {}  # key -> seq sent without a reply (an exception)
        self.errors = []
        self.seq = 0

    def run(self):
        deadline = time.monotonic() + MAX_WRITER_S
        while not self.stop.is_set() and time.monotonic() < deadline:
            self.seq += 1
            key = self.pool[self.seq % len(self.pool)] if self.seq % 4 else f"new:{self.seq}"
            try:
                assert self.rc.set(key, str(self.seq)) is True
                self.acked[key] = self.seq
            except Exception as e:  # noqa: BLE001 - kept and reported by the test
                self.pending[key] = self.seq
                self.errors.append(repr(e))
        self.rc.close()


def test_slots_move_under_a_write_load(nodes):
    a, b, c = nodes
    rc = client(a)
    moved_keys = keys_where("pre", True, 1500)
    other_keys = keys_where("pre", False, 1500)
    pipe = rc.pipeline()
    for key in moved_keys + other_keys:
        pipe.set(key, f"v:{key}")
    for key in moved_keys[::3]:
        pipe.expire(key, 3600)
    pipe.execute()
    assert b.info("persistence")["dirty_keys"] > 0  # nothing flushed on the source

    pool = keys_where("hot", True, 200) + keys_where("hot", False, 200)
    writer = Writer(a, pool)
    writer.start()
    try:
        time.sleep(0.5)  # the load runs before, during and after the move
        res = subprocess.run([MOVE, f"127.0.0.1:{b.port}", f"127.0.0.1:{c.port}",
                              f"{MOVED[0]}-{MOVED[1]}", "50"],
                             capture_output=True, text=True, timeout=180)
        assert res.returncode == 0, res.stdout + res.stderr
        time.sleep(0.5)
    finally:
        writer.stop.set()
        writer.join(MAX_WRITER_S + 30)
    assert not writer.is_alive()
    assert writer.errors == [], writer.errors[:5]
    assert writer.seq > 100
    moved_new = [k for k in writer.acked if k.startswith("new:") and in_moved(k)]
    assert moved_new, "no key was created in the moved range during the test"

    # The keys travelled by MIGRATE (RESTORE-ASKING on the target), and the client followed
    # -ASK (ASKING on the target) for keys created in the range while it moved.
    with c.conn() as conn:
        stats = info_kv(conn.cmd("INFO", "commandstats").decode(), "cmdstat_")
    assert stats["restore-asking"]["calls"] >= len(moved_keys)
    assert stats["asking"]["calls"] > 0

    # Every node agrees on the new map.
    for node in nodes:
        with node.conn() as conn:
            slots = {(s[0], s[1]): s[2][1] for s in conn.cmd("CLUSTER", "SLOTS")}
            assert slots[MOVED] == c.port
            assert slots[(MOVED[1] + 1, 10922)] == b.port
            assert b"->-" not in conn.cmd("CLUSTER", "NODES")  # no move left open

    # Every acknowledged write is readable through the client.
    assert rc.mget_nonatomic(moved_keys + other_keys) == [f"v:{k}" for k in moved_keys +
                                                          other_keys]
    for key, seq in writer.acked.items():
        got = int(rc.get(key))
        assert got == seq or got == writer.pending.get(key), (key, got, seq)
    for key in moved_keys[::3]:
        assert 0 < rc.ttl(key) <= 3600, key
    assert rc.ttl(moved_keys[1]) == -1
    rc.close()

    # Each key is on one node only: the one that owns its slot.
    expected = set(moved_keys) | set(other_keys) | set(writer.acked) | set(writer.pending)
    owner_of = {}
    for node, owned in ((a, [(0, 5460)]), (b, [(MOVED[1] + 1, 10922)]),
                        (c, [MOVED, (10923, 16383)])):
        keys = [k.decode() for k in node.client().scan_iter(count=1000)]
        for key in keys:
            assert key not in owner_of, f"{key} on two nodes"
            owner_of[key] = node.port
            assert any(lo <= key_slot(key.encode()) <= hi for lo, hi in owned), key
    assert set(owner_of) == expected

    # Persistence on both sides: the target wrote the moved keys through to its store; the
    # source's deletes reach its store (flushed at shutdown) so a restart does not bring them back.
    on_b = sum(1 for p in owner_of.values() if p == b.port)
    on_c = sum(1 for p in owner_of.values() if p == c.port)
    b.stop()
    c.kill9()  # write-through: nothing was waiting in memory
    b2 = b.restart(warm_load="yes")
    c2 = c.restart(warm_load="yes")
    with b2.conn() as conn:
        assert conn.cmd("DBSIZE") == on_b
        assert conn.cmd("CLUSTER", "COUNTKEYSINSLOT", str(key_slot(moved_keys[0].encode()))) == 0
    with c2.conn() as conn:
        assert conn.cmd("DBSIZE") == on_c
    rc = client(a)
    try:
        assert rc.mget_nonatomic(moved_keys) == [f"v:{k}" for k in moved_keys]
    finally:
        rc.close()


@pytest.mark.skipif(shutil.which("node") is None
                    or not (NODE_DIR / "node_modules" / "ioredis").is_dir()
                    or not (NODE_DIR / "node_modules" / "redis").is_dir(),
                    reason="Node.js cluster clients not installed: npm ci --prefix "
                           "tests/clients/node (scripts/test.sh does it)")
@pytest.mark.parametrize("client", ["ioredis", "node-redis"])
def test_node_cluster_clients_write_through_a_move(nodes, client, tmp_path):
    """ioredis Cluster and node-redis createCluster keep writing while slots 10923-11022 move
    from c to a; every acknowledged write is readable afterwards."""
    a, b, c = nodes
    moved = (10923, 11022)
    keys = keys_where(f"{client}", True, 100, moved) + keys_where(f"{client}", False, 100, moved)
    keys_file = tmp_path / "keys.json"
    keys_file.write_text(json.dumps(keys))
    stop = tmp_path / "stop"
    writer = subprocess.Popen(["node", str(NODE_DIR / "cluster_writer.mjs"), client, str(b.port),
                               str(keys_file), str(stop), str(MAX_WRITER_S)],
                              cwd=NODE_DIR, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                              text=True)
    try:
        # Connected and writing: every key of the moved range has reached c.
        on_c = sum(1 for k in keys if key_slot(k.encode()) >= 10923)
        with c.conn() as conn:
            wait_until(lambda: conn.cmd("DBSIZE") == on_c, timeout=30,
                       message="the writer's keys on c")
        res = subprocess.run([MOVE, f"127.0.0.1:{c.port}", f"127.0.0.1:{a.port}",
                              f"{moved[0]}-{moved[1]}", "20"],
                             capture_output=True, text=True, timeout=180)
        assert res.returncode == 0, res.stdout + res.stderr
        time.sleep(0.5)
        stop.touch()
        out, err = writer.communicate(timeout=MAX_WRITER_S + 60)
    finally:
        if writer.poll() is None:
            writer.kill()
            writer.wait()
    assert writer.returncode == 0, err
    summary = json.loads(out.strip().splitlines()[-1])
    assert summary["errors"] == [], summary
    assert summary["acked"] == len(keys)
    assert summary["read_ok"] == len(keys)
    with a.conn() as conn:
        stats = info_kv(conn.cmd("INFO", "commandstats").decode(), "cmdstat_")
    assert stats["restore-asking"]["calls"] >= 100
    with c.conn() as conn:
        assert conn.cmd("CLUSTER", "COUNTKEYSINSLOT", str(moved[0])) == 0


def test_source_crash_before_flushing_its_deletes_does_not_bring_keys_back(nodes):
    """The source flushed the keys before the move and crashes before flushing their deletes:
    its RocksDB still holds them, and warm-load skips them (their slots are no longer its)."""
    a, b, c = nodes
    moved = (6000, 6099)
    rc = client(a)
    moved_keys = keys_where("crash", True, 300, moved)
    pipe = rc.pipeline()
    for key in moved_keys:
        pipe.set(key, "v")
    pipe.execute()
    rc.close()
    with b.conn() as conn:
        assert conn.cmd("WRITEBACK", "FLUSH") >= len(moved_keys)
        before = conn.cmd("DBSIZE")
    res = subprocess.run([MOVE, f"127.0.0.1:{b.port}", f"127.0.0.1:{c.port}",
                          f"{moved[0]}-{moved[1]}"], capture_output=True, text=True, timeout=180)
    assert res.returncode == 0, res.stdout + res.stderr
    assert b.info("persistence")["dirty_keys"] >= len(moved_keys)  # the deletes, unflushed
    b.kill9()
    b2 = b.restart(warm_load="yes")
    with b2.conn() as conn:
        assert conn.cmd("DBSIZE") == before - len(moved_keys)
        assert conn.cmd("CLUSTER", "COUNTKEYSINSLOT", str(moved[0])) == 0
    rc = client(a)
    try:
        assert rc.mget_nonatomic(moved_keys) == ["v"] * len(moved_keys)
    finally:
        rc.close()


def test_redis_cli_cluster_reshard(nodes):
    """Redis's own resharding tool drives Cairn's SETSLOT / GETKEYSINSLOT / MIGRATE: it moves 300
    slots from b to a, keys included, and `--cluster check` then finds every slot covered and
    none open."""
    a, b, c = nodes
    rc = client(a)
    keys = [f"reshard:{i}" for i in range(3000)]
    pipe = rc.pipeline()
    for key in keys:
        pipe.set(key, f"v:{key}")
    pipe.execute()
    ids = {}
    for node in nodes:
        with node.conn() as conn:
            ids[node.port] = conn.cmd("CLUSTER", "MYID").decode()
    res = subprocess.run(["redis-cli", "--cluster", "reshard", f"127.0.0.1:{a.port}",
                          "--cluster-from", ids[b.port], "--cluster-to", ids[a.port],
                          "--cluster-slots", "300", "--cluster-yes"],
                         capture_output=True, text=True, timeout=120)
    assert res.returncode == 0, res.stdout + res.stderr
    with a.conn() as conn:
        owned = [(s[0], s[1]) for s in conn.cmd("CLUSTER", "SLOTS") if s[2][1] == a.port]
    assert sum(hi - lo + 1 for lo, hi in owned) == 5461 + 300
    res = subprocess.run(["redis-cli", "--cluster", "check", f"127.0.0.1:{b.port}"],
                         capture_output=True, text=True, timeout=60)
    assert res.returncode == 0, res.stdout + res.stderr
    assert "[OK] All 16384 slots covered." in res.stdout
    assert "[WARNING]" not in res.stdout
    assert rc.mget_nonatomic(keys) == [f"v:{k}" for k in keys]
    rc.close()
    sizes = [n.conn().cmd("DBSIZE") for n in nodes]
    assert sum(sizes) == len(keys)
