"""twemproxy (Debian's nutcracker) in front of three Cairn nodes (issue 19): ketama with
`redis: true`, all on 127.0.0.1. Checks what twemproxy forwards (strings, expiry, MGET and DEL
fanned out across the nodes) and that a node restart is survived the way twemproxy allows (its
keys fail while it is down, then work again once it is back, without restarting the proxy)."""

import shutil
import socket
import subprocess
import time

import pytest

from helpers import free_port, wait_until
from resp_client import ConnectionClosed, Error, RespConn

pytestmark = [
    pytest.mark.cairn_only,
    pytest.mark.skipif(shutil.which("nutcracker") is None,
                       reason="nutcracker (twemproxy) is not installed: apt-get install nutcracker "
                              "(scripts/install-deps.sh --test)"),
]

N_KEYS = 300


def proxy_answers(port):
    try:
        with RespConn("127.0.0.1", port, timeout=2) as c:
            return c.cmd("SET", "probe", "1") == "OK"
    except (OSError, ConnectionClosed):
        return False


@pytest.fixture
def proxied(make_server, tmp_path):
    """Three nodes behind one nutcracker; yields (proxy port, nodes)."""
    nodes = [make_server() for _ in range(3)]
    port, stats_port = free_port(), free_port()
    servers = "\n".join(f"    - 127.0.0.1:{n.port}:1 node{i}" for i, n in enumerate(nodes))
    conf = tmp_path / "nutcracker.yml"
    conf.write_text(f"""cairn:
  listen: 127.0.0.1:{port}
  hash: murmur
  distribution: ketama
  redis: true
  auto_eject_hosts: false
  timeout: 2000
  server_connections: 1
  servers:
{servers}
""")
    check = subprocess.run(["nutcracker", "-t", "-c", str(conf)], capture_output=True, text=True,
                           timeout=10)
    assert check.returncode == 0, check.stdout + check.stderr
    log = tmp_path / "nutcracker.log"
    proc = subprocess.Popen(["nutcracker", "-c", str(conf), "-s", str(stats_port), "-a",
                             "127.0.0.1", "-o", str(log), "-p", str(tmp_path / "nutcracker.pid")],
                            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    try:
        wait_until(lambda: proc.poll() is not None or proxy_answers(port), timeout=10,
                   message="nutcracker to answer")
        assert proc.poll() is None, log.read_text()
        yield port, nodes
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def node_holding(nodes, key):
    held = [i for i, n in enumerate(nodes) if n.conn().cmd("EXISTS", key) == 1]
    assert len(held) == 1, (key, held)
    return held[0]


def test_strings_expiry_and_fan_out(proxied):
    port, nodes = proxied
    keys = [f"user:{i}" for i in range(N_KEYS)]
    with RespConn("127.0.0.1", port, timeout=10) as c:
        for i, key in enumerate(keys):
            assert c.cmd("SET", key, f"v{i}") == "OK"
        assert c.cmd("GET", "user:7") == b"v7"
        assert c.cmd("INCR", "counter") == 1
        assert c.cmd("APPEND", "user:7", "!") == 3
        # Expiry is forwarded as is.
        assert c.cmd("SET", "session", "x", "EX", "100") == "OK"
        assert 0 < c.cmd("TTL", "session") <= 100
        assert c.cmd("PEXPIRE", "user:1", "50000") == 1
        assert 0 < c.cmd("PTTL", "user:1") <= 50000
        assert c.cmd("PERSIST", "user:1") == 1
        assert c.cmd("TTL", "user:1") == -1
        assert c.cmd("SETEX", "short", "1", "gone") == "OK"
        # MGET and DEL are split per node by the proxy and their replies merged.
        expected = [f"v{i}".encode() for i in range(N_KEYS)]
        expected[7] = b"v7!"
        assert c.cmd("MGET", *keys) == expected
        assert c.cmd("MGET", "user:3", "missing", "user:4") == [b"v3", None, b"v4"]
        assert c.cmd("DEL", *keys[:100], "missing") == 100
        assert c.cmd("EXISTS", "user:0") == 0
        assert c.cmd("MSET", "m1", "a", "m2", "b", "m3", "c") == "OK"
        assert c.cmd("MGET", "m1", "m2", "m3") == [b"a", b"b", b"c"]
        wait_until(lambda: c.cmd("GET", "short") is None, timeout=10, interval=0.1,
                   message="SETEX key to expire")
    # The keys really are spread: every node holds some, each key on exactly one.
    counts = [n.conn().cmd("DBSIZE") for n in nodes]
    assert all(count > 0 for count in counts), counts
    assert sum(counts) == N_KEYS - 100 + 1 + 1 + 3 + 1  # users, counter, session, m1-m3, probe


def test_node_restart(proxied):
    port, nodes = proxied
    with RespConn("127.0.0.1", port, timeout=10) as c:
        for i in range(60):
            assert c.cmd("SET", f"k{i}", "v") == "OK"
    on_node1 = [f"k{i}" for i in range(60) if node_holding(nodes, f"k{i}") == 1]
    elsewhere = [f"k{i}" for i in range(60) if f"k{i}" not in on_node1]
    assert on_node1 and elsewhere

    victim = nodes[1]
    victim.stop()
    with RespConn("127.0.0.1", port, timeout=10) as c:
        # Keys of the stopped node fail (twemproxy's error, or it closes the connection) ...
        try:
            reply = c.cmd("GET", on_node1[0])
            assert isinstance(reply, Error), reply
        except ConnectionClosed:
            pass
    with RespConn("127.0.0.1", port, timeout=10) as c:
        # ... while the other nodes keep serving theirs.
        assert c.cmd("GET", elsewhere[0]) == b"v"

    restarted = victim.restart(port=victim.port)

    def node1_serves():
        try:
            with RespConn("127.0.0.1", port, timeout=5) as c:
                return c.cmd("SET", on_node1[0], "again") == "OK"
        except (OSError, ConnectionClosed):
            return False

    wait_until(node1_serves, timeout=30, interval=0.2, message="twemproxy to reach the node again")
    assert restarted.conn().cmd("GET", on_node1[0]) == b"again"
    with RespConn("127.0.0.1", port, timeout=10) as c:
        assert c.cmd("GET", elsewhere[0]) == b"v"
