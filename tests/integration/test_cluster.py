"""Cluster mode (issue 19): three Cairn nodes on 127.0.0.1 with a static map, driven by redis-py's
RedisCluster; the -MOVED / -CROSSSLOT texts; a new map pushed with scripts/cluster-push.sh; one
node owning every slot when no map is given; a bad map refused at startup."""

import re
import subprocess
import time

import pytest
import redis
from redis.cluster import ClusterNode, RedisCluster

from helpers import REPO_ROOT, Server, free_port
from resp_client import Error, RawConn

pytestmark = pytest.mark.cairn_only

N_KEYS = 10_000
IDS = ("node-a", "node-b", "node-c")
PUSH = str(REPO_ROOT / "scripts" / "cluster-push.sh")


def write_map(path, ports, ranges, epoch=1):
    lines = [f"epoch {epoch}"]
    for node_id, port, slots in zip(IDS, ports, ranges):
        lines.append(f"node {node_id} 127.0.0.1 {port} {slots}".rstrip())
    path.write_text("\n".join(lines) + "\n")
    return path


@pytest.fixture
def three_nodes(make_server, tmp_path):
    """Three nodes sharing one map (each finds itself by its port), each with its own copy."""
    ports = [free_port() for _ in IDS]
    ranges = ["0-5460", "5461-10922", "10923-16383"]
    nodes = []
    for i, port in enumerate(ports):
        path = write_map(tmp_path / f"map{i}", ports, ranges)
        nodes.append(make_server(port=port, cluster_enabled="yes", cluster_config_file=path))
    return nodes


def cluster_client(node):
    return RedisCluster(startup_nodes=[ClusterNode("127.0.0.1", node.port)],
                        socket_timeout=30, decode_responses=True)


def test_redis_cluster_client_writes_and_reads_10000_keys(three_nodes):
    rc = cluster_client(three_nodes[0])
    try:
        keys = [f"key:{i}" for i in range(N_KEYS)]
        pipe = rc.pipeline()
        for i, key in enumerate(keys):
            pipe.set(key, f"value:{i}")
        assert pipe.execute() == [True] * N_KEYS
        assert rc.mget_nonatomic(keys) == [f"value:{i}" for i in range(N_KEYS)]
        assert rc.get("key:17") == "value:17"
        assert rc.incr("{key:17}.counter") == 1
    finally:
        rc.close()

    # Every node holds exactly the keys of its own slots.
    with three_nodes[0].conn() as c:
        slot_of = {key: c.cmd("CLUSTER", "KEYSLOT", key) for key in keys[:200]}
    sizes = []
    for index, node in enumerate(three_nodes):
        with node.conn() as c:
            sizes.append(c.cmd("DBSIZE"))
            lo, hi = [(0, 5460), (5461, 10922), (10923, 16383)][index]
            for key in keys[:200]:
                owned = lo <= slot_of[key] <= hi
                assert (c.cmd("EXISTS", key) == 1) == owned, (key, index)
    assert sum(sizes) == N_KEYS + 1
    assert all(size > N_KEYS // 5 for size in sizes), sizes


def test_redirect_and_crossslot_texts(three_nodes):
    a, b, c = three_nodes
    with a.conn() as conn:
        # KEYSLOT 123456789 = 12739: node c's.
        assert conn.cmd("GET", "123456789") == Error(f"MOVED 12739 127.0.0.1:{c.port}")
        assert conn.cmd("SET", "somekey", "1") == Error(f"MOVED 11058 127.0.0.1:{c.port}")
        assert conn.cmd("MGET", "foo{hash_tag}", "123456789") == Error(
            "CROSSSLOT Keys in request don't hash to the same slot")
        # One hash tag, one slot: KEYSLOT x = 16287, node c's.
        assert conn.cmd("MSET", "{x}1", "1", "{x}2", "2") == Error(
            f"MOVED 16287 127.0.0.1:{c.port}")
        assert conn.cmd("SET", "foo{hash_tag}", "v") == "OK"  # slot 2515: ours
        assert conn.cmd("SELECT", "1") == Error("ERR SELECT is not allowed in cluster mode")
        assert conn.cmd("CLUSTER", "MYID") == b"node-a"
        slots = conn.cmd("CLUSTER", "SLOTS")
        assert [(s[0], s[1], s[2][1], s[2][2]) for s in slots] == [
            (0, 5460, a.port, b"node-a"), (5461, 10922, b.port, b"node-b"),
            (10923, 16383, c.port, b"node-c")]
        info = conn.cmd("CLUSTER", "INFO").decode()
        assert "cluster_state:ok\r\n" in info and "cluster_known_nodes:3\r\n" in info
        assert b"cluster_enabled:1" in conn.cmd("INFO", "cluster")


def test_pushed_map_moves_slots(three_nodes, tmp_path):
    a, b, c = three_nodes
    ports = [n.port for n in three_nodes]
    rc = cluster_client(a)
    try:
        rc.set("123456789", "before")  # slot 12739, node c
        # c hands 10923-13000 to a; the push reaches every node.
        new_map = write_map(tmp_path / "new", ports, ["0-5460 10923-13000", "5461-10922",
                                                      "13001-16383"], epoch=2)
        res = subprocess.run([PUSH, str(new_map)], capture_output=True, text=True, timeout=60)
        assert res.returncode == 0, res.stdout + res.stderr
        assert res.stdout.count(": OK") == 3
        for node in three_nodes:
            with node.conn() as conn:
                assert conn.cmd("CAIRN.CLUSTER", "GETCONFIG").decode() == (
                    new_map.read_text().replace("\n\n", "\n"))
                assert conn.cmd("CLUSTER", "SLOTS")[0][2][1] == a.port
        with c.conn() as conn:
            assert conn.cmd("GET", "123456789") == Error(f"MOVED 12739 127.0.0.1:{a.port}")
            assert conn.cmd("DBSIZE") == 0  # its keys of the lost slots are gone
        # The client follows the redirect and refreshes its map; slots are not migrated, so the
        # old value is gone (documented), and new writes land on the new owner.
        assert rc.get("123456789") is None
        rc.set("123456789", "after")
        assert rc.get("123456789") == "after"
        with a.conn() as conn:
            assert conn.cmd("GET", "123456789") == b"after"
        # A map that leaves slots unowned is refused everywhere; the old map stays in force.
        bad = write_map(tmp_path / "bad", ports, ["0-100", "5461-10922", "13001-16383"], epoch=3)
        res = subprocess.run([PUSH, str(bad)], capture_output=True, text=True, timeout=60)
        assert res.returncode == 1
        assert "ERR invalid cluster map: slots 101-5460 are owned by no node" in res.stderr
        # So is an older epoch.
        old = write_map(tmp_path / "old", ports, ["0-5460", "5461-10922", "10923-16383"])
        res = subprocess.run([PUSH, str(old)], capture_output=True, text=True, timeout=60)
        assert res.returncode == 1 and "older than the current 2" in res.stderr
        assert rc.get("123456789") == "after"
    finally:
        rc.close()
    # The pushed map was saved: a restarted node starts with it.
    c.stop()
    c2 = c.restart()
    with c2.conn() as conn:
        assert conn.cmd("GET", "123456789") == Error(f"MOVED 12739 127.0.0.1:{a.port}")


def test_one_node_owns_every_slot_without_a_map(make_server):
    s = make_server(cluster_enabled="yes", cluster_node_id="solo")
    with s.conn() as conn:
        assert conn.cmd("CLUSTER", "SLOTS") == [
            [0, 16383, [b"127.0.0.1", s.port, b"solo", []]]]
        assert conn.cmd("CLUSTER", "NODES") == (
            f"solo 127.0.0.1:{s.port}@{s.port} myself,master - 0 0 0 connected 0-16383\n"
        ).encode()
        assert conn.cmd("MGET", "a", "b") == Error(
            "CROSSSLOT Keys in request don't hash to the same slot")
        # GETCONFIG shows a map that can be edited and pushed.
        assert conn.cmd("CAIRN.CLUSTER", "GETCONFIG") == (
            f"epoch 0\nnode solo 127.0.0.1 {s.port} 0-16383\n").encode()
        assert conn.cmd("HELLO", "2")[9] == b"cluster"  # mode
    rc = cluster_client(s)
    try:
        for i in range(100):
            rc.set(f"k{i}", i)
        assert rc.mget_nonatomic([f"k{i}" for i in range(100)]) == [str(i) for i in range(100)]
    finally:
        rc.close()


def test_transaction_across_slots_is_crossslot_at_exec(make_server):
    # As redis-server 7.0 in cluster mode: each command is routed when queued, and EXEC checks
    # that all of them share one slot, answering -CROSSSLOT (not -EXECABORT) and discarding.
    s = make_server(cluster_enabled="yes", cluster_node_id="solo")
    with s.conn() as conn:
        assert conn.cmd("MULTI") == "OK"
        assert conn.cmd("SET", "{a}x", "1") == "QUEUED"
        assert conn.cmd("SET", "{b}y", "2") == "QUEUED"
        assert conn.cmd("EXEC") == Error("CROSSSLOT Keys in request don't hash to the same slot")
        assert conn.cmd("EXISTS", "{a}x") == 0
        assert conn.cmd("EXEC") == Error("ERR EXEC without MULTI")
        assert conn.cmd("MULTI") == "OK"
        assert conn.cmd("SET", "{a}x", "1") == "QUEUED"
        assert conn.cmd("GET", "{a}y") == "QUEUED"
        assert conn.cmd("EXEC") == ["OK", None]


def test_bad_map_stops_the_server(make_server, tmp_path):
    path = tmp_path / "bad"
    path.write_text("node a 127.0.0.1 7001 0-100\n")
    s = make_server(start=False, cluster_enabled="yes", cluster_config_file=path,
                    cluster_node_id="a")
    code, out = s.run_expecting_failure()
    assert code != 0
    assert "slots 101-16383 are owned by no node" in out


def test_cluster_commands_refused_when_disabled(server):
    with server.conn() as conn:
        assert conn.cmd("CLUSTER", "SLOTS") == Error(
            "ERR This instance has cluster support disabled")
        with pytest.raises(redis.exceptions.RedisClusterException):
            RedisCluster(host="127.0.0.1", port=server.port, socket_timeout=10)


def test_redis_cli_cluster_tools(three_nodes):
    """redis-cli's cluster tooling reads CLUSTER NODES / INFO; redis-cli -c follows -MOVED."""
    a = three_nodes[0]
    res = subprocess.run(["redis-cli", "--cluster", "check", f"127.0.0.1:{a.port}"],
                         capture_output=True, text=True, timeout=30)
    assert res.returncode == 0, res.stdout + res.stderr
    assert "[OK] All nodes agree about slots configuration." in res.stdout
    assert "[OK] All 16384 slots covered." in res.stdout
    cli = ["redis-cli", "-c", "-p", str(a.port)]
    assert subprocess.run(cli + ["set", "123456789", "x"], capture_output=True, text=True,
                          timeout=30).stdout.strip() == "OK"
    assert subprocess.run(cli + ["get", "123456789"], capture_output=True, text=True,
                          timeout=30).stdout.strip() == "x"
    with three_nodes[2].conn() as conn:  # slot 12739 is node c's
        assert conn.cmd("GET", "123456789") == b"x"


def test_cluster_replies_under_resp3_match_redis(make_server, tmp_path):
    # Under HELLO 3, redis-server 7.0 in cluster mode answers CLUSTER SHARDS with maps (a shard,
    # its nodes), CLUSTER SLOTS with an empty map of networking metadata, and CLUSTER INFO and
    # NODES as verbatim text; RESP2 keeps arrays and bulks. One node owning every slot on each
    # side, compared byte for byte after the node id, port and address (Redis does not know its
    # own address before a cluster bus meeting) are made neutral.
    ref = Server("redis", tmp_path / "ref", {"cluster-enabled": "yes",
                                            "cluster-config-file": tmp_path / "nodes.conf",
                                            "cluster-port": free_port()})
    ref.start()
    try:
        with ref.conn() as conn:
            assert conn.cmd("CLUSTER", "ADDSLOTSRANGE", "0", "16383") == "OK"
            ref_id = conn.cmd("CLUSTER", "MYID").decode()
            deadline = time.monotonic() + 10  # Redis marks the state ok on its next cron tick
            while b"cluster_state:ok" not in conn.cmd("CLUSTER", "INFO"):
                assert time.monotonic() < deadline
                time.sleep(0.05)
        s = make_server(cluster_enabled="yes", cluster_node_id="n" * 40)
        replies = {}
        for server, node_id in ((ref, ref_id), (s, "n" * 40)):
            with RawConn("127.0.0.1", server.port) as raw:
                out = []
                for proto in ("3", "2"):
                    raw.cmd("HELLO", proto)
                    for sub in ("SHARDS", "SLOTS", "INFO", "NODES"):
                        frame = raw.cmd("CLUSTER", sub).decode().replace(node_id, "ID")
                        frame = re.sub(r" (127\.0\.0\.1)?:\d+@\d+ ", " ADDR ", frame)
                        frame = frame.replace(f":{server.port}\r\n", ":PORT\r\n")
                        frame = frame.replace("$9\r\n127.0.0.1\r\n", "$0\r\n\r\n")
                        frame = re.sub(r"cluster_(current|my)_epoch:\d+", r"cluster_\1_epoch:E",
                                       frame)
                        frame = re.sub(r" 0 0 \d+ connected", " 0 0 E connected", frame)
                        out.append((proto, sub, re.sub(r"^([$=])\d+", r"\1N", frame)))
                replies[server] = out
        for want, got in zip(replies[ref], replies[s]):
            assert got == want
    finally:
        ref.stop()
