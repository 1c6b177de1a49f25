"""Hostile input from one client must not stall the others (issue 16).

Each test is a regression test for a hole found by probing the server as a hostile user would:
patterns whose matching cost exploded, a malformed frame that was not rejected when split across
reads, and client buffers that were unbounded in total. The liveness checks use the client's
socket timeout as a bound, never a measured duration.
"""

import re
import socket
import time

import pytest

from helpers import parse_info, wait_until
from resp_client import Error, encode

# CVE-2022-36021's shape: with exponential matching each extra "a*" multiplied the time by ~3.
STARS = "a*" * 20 + "b"
LONG_A = "a" * 40


def test_adversarial_key_patterns_answer_and_others_are_served(make_server):
    s = make_server()
    with s.conn(timeout=20) as c, s.conn(timeout=20) as other:
        assert c.cmd("SET", LONG_A, "1") == "OK"
        assert c.cmd("KEYS", STARS) == []
        assert other.cmd("PING") == "PONG"
        cursor, keys = c.cmd("SCAN", "0", "MATCH", STARS, "COUNT", "1000")
        assert keys == []
        assert c.cmd("CONFIG", "GET", "a*" * 30 + "qq") == []
        assert c.cmd("KEYS", "a*" * 3) == [LONG_A.encode()]


def test_adversarial_channel_patterns_answer(make_server):
    s = make_server()
    with s.conn(timeout=20) as sub, s.conn(timeout=20) as pub:
        sub.send("PSUBSCRIBE", STARS)
        assert sub.read_reply() == [b"psubscribe", STARS.encode(), 1]
        sub.send("SUBSCRIBE", LONG_A)
        assert sub.read_reply() == [b"subscribe", LONG_A.encode(), 2]
        assert pub.cmd("PUBLISH", LONG_A, "m") == 1  # the channel subscriber only
        assert pub.cmd("PUBSUB", "CHANNELS", STARS) == []
        assert sub.read_reply() == [b"message", LONG_A.encode(), b"m"]


@pytest.mark.cairn_only
def test_adversarial_keyspace_notification_pattern(make_server):
    s = make_server()
    with s.conn(timeout=20) as sub, s.conn(timeout=20) as c:
        assert c.cmd("CONFIG", "SET", "notify-keyspace-events", "KA") == "OK"
        pattern = "__keyspace@0__:" + STARS
        sub.send("PSUBSCRIBE", pattern)
        assert sub.read_reply() == [b"psubscribe", pattern.encode(), 1]
        for _ in range(20):
            assert c.cmd("SET", LONG_A, "1") == "OK"
        assert c.cmd("PING") == "PONG"


def test_malformed_frame_split_across_reads_is_rejected_when_its_line_ends(make_server):
    s = make_server()
    with s.conn(timeout=10) as c:
        c.send_raw(b"*2\r\n44\r")
        time.sleep(0.2)  # a separate read on the server
        c.send_raw(b"\nPING\r\n")
        assert c.read_reply() == Error("ERR Protocol error: expected '$', got '4'")
        assert c.is_closed()


def _rss_kb(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def _send_half_bulk(s, total):
    sock = socket.create_connection((s.host, s.port), timeout=10)
    sock.sendall(b"*3\r\n$3\r\nSET\r\n$3\r\nbig\r\n$%d\r\n" % total)
    try:
        sock.sendall(b"x" * (total // 2))
    except OSError:
        pass  # evicted while sending
    return sock


def _closed(sock):
    sock.settimeout(5)
    try:
        while True:
            data = sock.recv(65536)
            if not data:
                return True
    except (ConnectionResetError, BrokenPipeError):
        return True
    except socket.timeout:
        return False


@pytest.mark.cairn_only
def test_maxmemory_clients_closes_the_largest_clients_first(make_server):
    s = make_server(maxmemory_clients="100mb")
    size = 40 * 1024 * 1024
    with s.conn(timeout=20) as admin:
        assert admin.cmd("CLIENT", "NO-EVICT", "on") == "OK"
        assert b"flags=e" in admin.cmd("CLIENT", "INFO")
        rss_before = _rss_kb(s.proc.pid)
        socks = [_send_half_bulk(s, size) for _ in range(4)]
        try:
            # each announced 40 MiB: two must go for the rest to fit in 100 MiB
            wait_until(lambda: int(parse_info(admin.cmd("INFO", "stats").decode())
                                   ["evicted_clients"]) >= 2, timeout=20)
            closed = sum(1 for k in socks if _closed(k))
            assert closed == 2
            mem = int(parse_info(admin.cmd("INFO", "memory").decode())["mem_clients_normal"])
            assert mem <= 100 * 1024 * 1024
            # the two left each hold their announced bulk, and CLIENT LIST says so
            tot = [int(re.search(r" tot-mem=(\d+)", line).group(1))
                   for line in admin.cmd("CLIENT", "LIST").decode().splitlines()]
            assert sum(1 for t in tot if t >= size) == 2
            assert sum(tot) == pytest.approx(mem, rel=0.05)
            assert admin.cmd("PING") == "PONG"
            # RSS grew by about what the two remaining clients sent, not by all four's
            assert _rss_kb(s.proc.pid) - rss_before < 3 * size // 1024
        finally:
            for k in socks:
                k.close()
        assert "Evicting client" in s.output()


def test_maxmemory_clients_config(make_server):
    s = make_server()
    with s.conn() as c:
        assert c.cmd("CONFIG", "GET", "maxmemory-clients") == [b"maxmemory-clients", b"0"]
        assert c.cmd("CONFIG", "SET", "maxmemory-clients", "10%") == "OK"
        assert c.cmd("CONFIG", "GET", "maxmemory-clients") == [b"maxmemory-clients", b"10%"]
        assert c.cmd("CONFIG", "SET", "maxmemory-clients", "1mb") == "OK"
        assert c.cmd("CONFIG", "GET", "maxmemory-clients") == [b"maxmemory-clients", b"1048576"]
        err = c.cmd("CONFIG", "SET", "maxmemory-clients", "abc")
        assert isinstance(err, Error) and "argument must be a memory or percent value" in err.message
        assert c.cmd("CONFIG", "SET", "maxmemory-clients", "0") == "OK"


def _from_127_0_0_2(s, payload, replies=1):
    sock = socket.socket()
    sock.settimeout(10)
    sock.bind(("127.0.0.2", 0))
    sock.connect((s.host, s.port))
    sock.sendall(payload)
    data = b""
    try:
        while True:
            chunk = sock.recv(65536)
            if not chunk:
                break
            data += chunk
            if data.count(b"\r\n") >= replies:
                break
    except ConnectionResetError:
        pass
    sock.close()
    return data


def test_protected_mode_refuses_other_hosts_while_no_password_is_set(make_server):
    s = make_server()
    reply = _from_127_0_0_2(s, b"PING\r\n")
    assert reply.startswith(b"-DENIED Redis is running in protected mode because protected mode "
                            b"is enabled and no password is set for the default user.")
    assert reply.endswith(b"to start accepting connections from the outside.\r\n")
    with s.conn() as local:  # 127.0.0.1 is served, and may turn the mode off
        assert local.cmd("PING") == "PONG"
        assert int(parse_info(local.cmd("INFO", "stats").decode())["rejected_connections"]) == 1
        assert local.cmd("CONFIG", "SET", "protected-mode", "no") == "OK"
        assert _from_127_0_0_2(s, b"PING\r\n") == b"+PONG\r\n"
        assert local.cmd("CONFIG", "SET", "protected-mode", "yes") == "OK"
        assert _from_127_0_0_2(s, b"PING\r\n").startswith(b"-DENIED")
        assert local.cmd("CONFIG", "SET", "requirepass", "s3cret") == "OK"
        # with a password, other hosts are served (and must authenticate)
        assert _from_127_0_0_2(s, b"AUTH s3cret\r\nPING\r\n", 2) == b"+OK\r\n+PONG\r\n"
        local.cmd("AUTH", "s3cret")
        assert local.cmd("CONFIG", "SET", "requirepass", "") == "OK"


@pytest.mark.cairn_only
def test_client_list_omem_counts_pushes_a_subscriber_has_not_read(make_server):
    s = make_server()
    with s.conn() as sub, s.conn(timeout=20) as pub:
        sub.send("SUBSCRIBE", "news")
        assert sub.read_reply() == [b"subscribe", b"news", 1]
        payload = b"x" * 10000
        for _ in range(1500):  # 15 MB: more than the socket buffers hold, under the hard limit
            pub.send("PUBLISH", "news", payload)
        for _ in range(1500):
            assert pub.read_reply() == 1

        def sub_line():
            for line in pub.cmd("CLIENT", "LIST").decode().splitlines():
                if "flags=P" in line:
                    return {k: v for k, v in (f.split("=", 1) for f in line.split(" "))}
            return None

        line = sub_line()
        assert int(line["omem"]) > 1000000
        assert int(line["tot-mem"]) >= int(line["omem"])


def test_key_placement_is_keyed_per_process(make_server):
    """Hash flooding: the key hash is keyed with a random seed at start (as Redis keys SipHash),
    so a client cannot precompute keys that share one index bucket. What shows it from outside:
    SCAN walks the index in bucket order, so the same keys come back in a different order from
    two runs of the server."""
    keys = [f"key:{i}" for i in range(300)]
    orders = []
    for _ in range(2):
        c = make_server().conn()
        c.pipeline([("SET", k, "v") for k in keys])
        seen, cursor = [], b"0"
        for _ in range(10000):
            cursor, page = c.cmd("SCAN", cursor, "COUNT", "50")
            seen += page
            if cursor == b"0":
                break
        assert sorted(seen) == sorted(k.encode() for k in keys)
        orders.append(seen)
        c.close()
    assert orders[0] != orders[1]
