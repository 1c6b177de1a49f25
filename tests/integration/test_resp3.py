"""RESP3 per connection: HELLO / RESET, pushes for pub/sub and keyspace notifications, pushes
interleaved with pipelined replies, CLIENT REPLY with pub/sub under both protocols, MONITOR, and
the RESP3 shapes of Cairn's own commands. The exact bytes were checked against redis-server 7.0
(`--target-redis`), except for the tests marked cairn_only."""

import pytest

from resp_client import RawConn


def bulk(s):
    s = s if isinstance(s, bytes) else s.encode()
    return b"$%d\r\n%s\r\n" % (len(s), s)


def push(*items):
    return b">%d\r\n" % len(items) + b"".join(
        i if isinstance(i, bytes) and i[:1] in (b":", b"_") else bulk(i) for i in items)


def array(*items):
    return b"*%d\r\n" % len(items) + b"".join(
        i if isinstance(i, bytes) and i[:1] in (b":", b"$") else bulk(i) for i in items)


@pytest.fixture
def raw(server):
    conns = []

    def connect(proto=None):
        c = RawConn(server.host, server.port)
        conns.append(c)
        if proto is not None:
            hello = c.cmd("HELLO", str(proto))
            assert hello[:1] == (b"%" if proto == 3 else b"*"), hello
        return c

    admin = connect()
    assert admin.cmd("FLUSHALL") == b"+OK\r\n"
    yield connect
    for c in conns:
        c.close()


def test_hello_switches_protocol_per_connection_and_reset_returns_to_2(raw):
    a, b = raw(3), raw()
    assert a.cmd("GET", "missing") == b"_\r\n"
    assert b.cmd("GET", "missing") == b"$-1\r\n"  # the other connection stays on RESP2
    assert a.cmd("CLIENT", "GETNAME") == b"_\r\n"
    assert b"resp=3" in a.cmd("CLIENT", "INFO")
    assert b" resp=2" in b.cmd("CLIENT", "INFO")
    assert a.cmd("RESET") == b"+RESET\r\n"
    assert a.cmd("GET", "missing") == b"$-1\r\n"
    assert b"resp=2" in a.cmd("CLIENT", "INFO")


def test_resp3_subscriber_gets_pushes_and_may_run_any_command(raw):
    sub, pub = raw(3), raw()
    assert sub.cmd("SUBSCRIBE", "news") == push("subscribe", "news", b":1\r\n")
    assert sub.cmd("PSUBSCRIBE", "n*") == push("psubscribe", "n*", b":2\r\n")
    assert sub.cmd("SET", "k", "v") == b"+OK\r\n"
    assert sub.cmd("GET", "k") == bulk("v")
    assert sub.cmd("PING") == b"+PONG\r\n"
    assert pub.cmd("PUBLISH", "news", "hi") == b":2\r\n"
    assert sub.frame() == push("message", "news", "hi")
    assert sub.frame() == push("pmessage", "n*", "news", "hi")
    assert sub.cmd("UNSUBSCRIBE") == push("unsubscribe", "news", b":1\r\n")
    assert sub.cmd("PUNSUBSCRIBE") == push("punsubscribe", "n*", b":0\r\n")
    assert sub.cmd("UNSUBSCRIBE") == push("unsubscribe", b"_\r\n", b":0\r\n")


def test_pushes_interleave_with_pipelined_replies_in_order(raw):
    sub, pub = raw(3), raw()
    assert sub.cmd("SUBSCRIBE", "c") == push("subscribe", "c", b":1\r\n")
    assert pub.cmd("PUBLISH", "c", "before") == b":1\r\n"
    n = 50
    sub.sock.sendall(b"".join(
        b"*3\r\n$3\r\nSET\r\n$1\r\nk\r\n" + bulk(str(i)) + b"*2\r\n$3\r\nGET\r\n$1\r\nk\r\n"
        for i in range(n)))
    for i in range(5):
        assert pub.cmd("PUBLISH", "c", f"m{i}") == b":1\r\n"
    replies, pushes = [], []
    while len(replies) < 2 * n or len(pushes) < 6:
        f = sub.frame()
        (pushes if f[:1] == b">" else replies).append(f)
    assert pushes == [push("message", "c", m) for m in ["before"] + [f"m{i}" for i in range(5)]]
    assert replies == [r for i in range(n) for r in (b"+OK\r\n", bulk(str(i)))]


def test_hello_while_subscribed_switches_the_framing_of_messages(raw):
    sub, pub = raw(3), raw()
    assert sub.cmd("SUBSCRIBE", "c") == push("subscribe", "c", b":1\r\n")
    assert pub.cmd("PUBLISH", "c", "one") == b":1\r\n"
    assert sub.frame() == push("message", "c", "one")
    assert sub.cmd("HELLO", "2")[:4] == b"*14\r"
    assert pub.cmd("PUBLISH", "c", "two") == b":1\r\n"
    assert sub.frame() == array("message", "c", "two")
    # RESP2 has a pub/sub mode: HELLO itself is refused there
    assert sub.cmd("HELLO", "3") == (
        b"-ERR Can't execute 'hello': only (P|S)SUBSCRIBE / (P|S)UNSUBSCRIBE / PING / QUIT / "
        b"RESET are allowed in this context\r\n")
    assert sub.cmd("RESET") == b"+RESET\r\n"


def test_keyspace_notifications_are_pushes_in_resp3(raw):
    admin, sub = raw(), raw(3)
    assert admin.cmd("CONFIG", "SET", "notify-keyspace-events", "KEA") == b"+OK\r\n"
    try:
        assert sub.cmd("SUBSCRIBE", "__keyevent@0__:set") == push(
            "subscribe", "__keyevent@0__:set", b":1\r\n")
        assert admin.cmd("SET", "k", "v") == b"+OK\r\n"
        assert sub.frame() == push("message", "__keyevent@0__:set", "k")
    finally:
        assert admin.cmd("CONFIG", "SET", "notify-keyspace-events", "") == b"+OK\r\n"


@pytest.mark.parametrize("proto", [2, 3])
def test_client_reply_off_never_drops_subscribe_confirmations(raw, proto):
    c, pub = raw(proto), raw()
    frame = push if proto == 3 else array
    c.send("CLIENT", "REPLY", "OFF")
    c.send("PSUBSCRIBE", "*")
    assert c.frame() == frame("psubscribe", "*", b":1\r\n")
    assert pub.cmd("PUBLISH", "x", "m") == b":1\r\n"
    assert c.frame() == frame("pmessage", "*", "x", "m")
    c.send("PING")  # a reply, dropped
    c.send("PUNSUBSCRIBE")
    assert c.frame() == frame("punsubscribe", "*", b":0\r\n")
    assert c.cmd("CLIENT", "REPLY", "ON") == b"+OK\r\n"


@pytest.mark.parametrize("proto", [2, 3])
def test_client_reply_on_after_skip_is_answered(raw, proto):
    c = raw(proto)
    c.send("CLIENT", "REPLY", "SKIP")
    assert c.cmd("CLIENT", "REPLY", "ON") == b"+OK\r\n"
    c.send("CLIENT", "REPLY", "SKIP")
    c.send("SET", "k", "v")  # skipped
    assert c.cmd("GET", "k") == bulk("v")
    c.send("CLIENT", "REPLY", "SKIP")
    c.send("SUBSCRIBE", "s")  # a confirmation is a push: never skipped
    frame = push if proto == 3 else array
    assert c.frame() == frame("subscribe", "s", b":1\r\n")


def test_monitor_lines_are_simple_strings_in_resp3(raw):
    mon, other = raw(3), raw()
    assert mon.cmd("MONITOR") == b"+OK\r\n"
    assert other.cmd("SET", "k", "v") == b"+OK\r\n"
    line = mon.frame()
    assert line[:1] == b"+" and line.endswith(b'] "SET" "k" "v"\r\n'), line


def test_resp3_types_of_server_replies(raw):
    c = raw(3)
    assert c.cmd("CONFIG", "GET", "maxclients") == b"%1\r\n" + bulk("maxclients") + bulk("10000")
    info = c.cmd("INFO", "server")
    assert info.startswith(b"=") and info.split(b"\r\n", 1)[1].startswith(b"txt:# Server")
    assert c.cmd("INCRBYFLOAT", "f", "1.5") == bulk("1.5")  # a bulk in RESP3 too (Redis 7.0)
    assert c.cmd("MGET", "f", "missing") == b"*2\r\n" + bulk("1.5") + b"_\r\n"


@pytest.mark.cairn_only
def test_cairn_commands_reply_maps_in_resp3(raw):
    c = raw(3)
    status = c.cmd("WRITEBACK", "STATUS")
    if status.startswith(b"-ERR persistence is not available"):
        pytest.skip("no persistence in this server")
    assert status.startswith(b"%9\r\n" + bulk("write_policy")), status
    assert raw(2).cmd("WRITEBACK", "STATUS").startswith(b"*18\r\n")
