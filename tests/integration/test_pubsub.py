"""Pub/sub (SUBSCRIBE ... PUBSUB), keyspace notifications including expired and evicted events,
Cairn's own __cairn__:events channel, and a slow subscriber bounded by its output buffer limit.

Everything but __cairn__:events is Redis 7.0 behaviour and passes against redis-server
(--target-redis). Cairn publishes keyspace notifications from its event bus thread, so a
notification may reach a subscriber after the reply to the command that caused it: tests read
with a timeout and never assume a message is already there when a reply arrives.
"""

import socket
import threading
import time

import pytest

from helpers import wait_until
from resp_client import ConnectionClosed, Error, encode

pytestmark = pytest.mark.needs("pubsub")

MESSAGE_TIMEOUT_S = 5.0


def subscriber(server, *channels, pattern=False):
    """A connection subscribed to `channels` (patterns if `pattern`); confirmations consumed."""
    c = server.conn(timeout=MESSAGE_TIMEOUT_S)
    verb = "psubscribe" if pattern else "subscribe"
    c.send(verb.upper(), *channels)
    for i, ch in enumerate(channels, 1):
        assert c.read_reply() == [verb.encode(), ch.encode(), i]
    return c


def read_messages(c, n):
    return [c.read_reply() for _ in range(n)]


# -- channels and patterns ------------------------------------------------------------------------
def test_subscribe_publish_unsubscribe(server):
    with server.conn() as pub, server.conn() as sub:
        sub.send("SUBSCRIBE", "a", "b")
        assert sub.read_reply() == [b"subscribe", b"a", 1]
        assert sub.read_reply() == [b"subscribe", b"b", 2]
        assert pub.cmd("PUBLISH", "a", "hello") == 1
        assert sub.read_reply() == [b"message", b"a", b"hello"]
        assert pub.cmd("PUBLISH", "b", b"bin\x00\r\nary") == 1
        assert sub.read_reply() == [b"message", b"b", b"bin\x00\r\nary"]
        assert pub.cmd("PUBLISH", "nobody-listens", "x") == 0
        # subscribing again to the same channel changes nothing
        assert sub.cmd("SUBSCRIBE", "a") == [b"subscribe", b"a", 2]
        assert pub.cmd("PUBLISH", "a", "once") == 1
        assert sub.read_reply() == [b"message", b"a", b"once"]
        assert sub.cmd("UNSUBSCRIBE", "a") == [b"unsubscribe", b"a", 1]
        assert pub.cmd("PUBLISH", "a", "gone") == 0
        assert sub.cmd("UNSUBSCRIBE") == [b"unsubscribe", b"b", 0]
        # back in normal mode
        assert sub.cmd("PING") == "PONG"
        assert sub.cmd("SET", "k", "v") == "OK"
        assert sub.cmd("UNSUBSCRIBE") == [b"unsubscribe", None, 0]
        assert sub.cmd("PUNSUBSCRIBE") == [b"punsubscribe", None, 0]


def test_psubscribe_and_both_kinds(server):
    with server.conn() as pub, subscriber(server, "news.*", "x?z", pattern=True) as sub:
        assert pub.cmd("PUBLISH", "news.tech", "chips") == 1
        assert sub.read_reply() == [b"pmessage", b"news.*", b"news.tech", b"chips"]
        assert pub.cmd("PUBLISH", "xyz", "1") == 1
        assert sub.read_reply() == [b"pmessage", b"x?z", b"xyz", b"1"]
        assert pub.cmd("PUBLISH", "news", "no match") == 0
        # a channel subscription on top of a matching pattern: delivered twice, like Redis
        assert sub.cmd("SUBSCRIBE", "news.tech") == [b"subscribe", b"news.tech", 3]
        assert pub.cmd("PUBLISH", "news.tech", "twice") == 2
        got = read_messages(sub, 2)
        assert [b"message", b"news.tech", b"twice"] in got
        assert [b"pmessage", b"news.*", b"news.tech", b"twice"] in got
        assert sub.cmd("PUNSUBSCRIBE", "news.*") == [b"punsubscribe", b"news.*", 2]
        assert sub.cmd("PUNSUBSCRIBE") == [b"punsubscribe", b"x?z", 1]
        assert sub.cmd("UNSUBSCRIBE") == [b"unsubscribe", b"news.tech", 0]


def test_subscribed_connection_accepts_only_pubsub_commands(server, r):
    with subscriber(server, "ch") as sub:
        assert sub.cmd("GET", "k") == Error(
            "ERR Can't execute 'get': only (P|S)SUBSCRIBE / (P|S)UNSUBSCRIBE / PING / QUIT / "
            "RESET are allowed in this context")
        assert sub.cmd("PING") == [b"pong", b""]
        assert sub.cmd("PING", "hi") == [b"pong", b"hi"]
        assert sub.cmd("PSUBSCRIBE", "p*") == [b"psubscribe", b"p*", 2]
        assert sub.cmd("RESET") == "RESET"
        assert sub.cmd("GET", "k") is None  # RESET left pub/sub mode
        assert sub.cmd("PING") == "PONG"


def test_pubsub_introspection(server):
    with server.conn() as c, subscriber(server, "chan:1", "chan:2", "other") as s1, \
            subscriber(server, "chan:1") as s2, \
            subscriber(server, "p.*", "q.*", pattern=True) as s3, \
            subscriber(server, "p.*", pattern=True) as s4:
        assert sorted(c.cmd("PUBSUB", "CHANNELS")) == [b"chan:1", b"chan:2", b"other"]
        assert sorted(c.cmd("PUBSUB", "CHANNELS", "chan:*")) == [b"chan:1", b"chan:2"]
        assert c.cmd("PUBSUB", "NUMSUB", "chan:1", "chan:2", "none") == [
            b"chan:1", 2, b"chan:2", 1, b"none", 0]
        assert c.cmd("PUBSUB", "NUMSUB") == []
        assert c.cmd("PUBSUB", "NUMPAT") == 2  # unique patterns (Redis 7.0)
        assert c.cmd("PUBLISH", "chan:1", "x") == 2
        s2.close()
        wait_until(lambda: c.cmd("PUBSUB", "NUMSUB", "chan:1") == [b"chan:1", 1],
                   message="a closed subscriber to leave its channels")
        s4.close()
        s3.close()
        wait_until(lambda: c.cmd("PUBSUB", "NUMPAT") == 0, message="patterns to be dropped")
        assert s1.read_reply() == [b"message", b"chan:1", b"x"]
        assert c.cmd("PUBSUB", "NOPE") == Error(
            "ERR unknown subcommand 'NOPE'. Try PUBSUB HELP.")
        assert c.cmd("PUBLISH", "only-channel") == Error(
            "ERR wrong number of arguments for 'publish' command")


def test_many_subscribers_get_every_message_in_order(server):
    subs = [subscriber(server, "fan") for _ in range(5)]
    try:
        with server.conn() as pub:
            replies = pub.pipeline([("PUBLISH", "fan", f"m{i}") for i in range(500)])
            assert replies == [5] * 500
        for s in subs:
            assert read_messages(s, 500) == [[b"message", b"fan", f"m{i}".encode()]
                                             for i in range(500)]
    finally:
        for s in subs:
            s.close()


# -- slow subscriber ------------------------------------------------------------------------------
@pytest.mark.needs("output-buffer-limit")
def test_slow_subscriber_is_disconnected_others_unaffected(make_server):
    s = make_server()
    with s.conn() as admin:
        assert admin.cmd("CONFIG", "SET", "client-output-buffer-limit",
                         "pubsub 1mb 0 0") == "OK"
    # the slow one never reads; a tiny receive buffer keeps the kernel from absorbing much
    slow = socket.socket()
    slow.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    slow.connect((s.host, s.port))
    slow.sendall(encode("SUBSCRIBE", "firehose"))
    fast = subscriber(s, "firehose")
    pub, bystander = s.conn(), s.conn()
    try:
        wait_until(lambda: pub.cmd("PUBSUB", "NUMSUB", "firehose") == [b"firehose", 2],
                   message="both subscribers")
        n, payload = 2000, b"p" * 8192  # 16 MB in all, far above 1 MB + socket buffers
        received, errors = [], []

        def read_fast():
            try:
                for _ in range(n):
                    received.append(fast.read_reply()[2][:8])
            except Exception as e:  # reported below
                errors.append(e)

        reader = threading.Thread(target=read_fast)
        reader.start()
        receivers = []
        for start in range(0, n, 10):
            receivers += pub.pipeline([("PUBLISH", "firehose", b"%07d:" % i + payload)
                                       for i in range(start, start + 10)])
            assert bystander.cmd("SET", "still", "served") == "OK"
        reader.join(60)
        assert not reader.is_alive(), "the fast subscriber stopped receiving"
        assert not errors, errors
        assert received == [b"%07d:" % i for i in range(n)], "fast subscriber lost messages"
        assert set(receivers) <= {1, 2} and receivers[-1] == 1, "slow subscriber not dropped"
        assert pub.cmd("PUBSUB", "NUMSUB", "firehose") == [b"firehose", 1]
        # the slow connection was closed: reading drains what was buffered, then EOF
        slow.settimeout(10)
        total = 0
        while True:
            try:
                chunk = slow.recv(1 << 16)
            except ConnectionResetError:
                break
            if not chunk:
                break
            total += len(chunk)
        assert total < n * len(payload) // 2, "the slow subscriber was sent everything"
        assert bystander.cmd("GET", "still") == b"served"
    finally:
        slow.close()
        for c in (fast, pub, bystander):
            c.close()


# -- client type ----------------------------------------------------------------------------------
def ids_of_type(conn, client_type):
    text = conn.cmd("CLIENT", "LIST", "TYPE", client_type).decode()
    return {int(line.split(" ", 1)[0][len("id="):]) for line in text.splitlines() if line}


def test_client_list_and_kill_type_pubsub(make_server):
    s = make_server()
    with s.conn() as admin, s.conn() as sub, s.conn() as other:
        admin_id, sub_id, other_id = (c.cmd("CLIENT", "ID") for c in (admin, sub, other))
        assert ids_of_type(admin, "normal") == {admin_id, sub_id, other_id}
        assert ids_of_type(admin, "pubsub") == set()
        assert sub.cmd("SUBSCRIBE", "typed") == [b"subscribe", b"typed", 1]
        # CLIENT LIST may show a client's state as of its previous command for a moment
        wait_until(lambda: ids_of_type(admin, "pubsub") == {sub_id}, message="sub listed pubsub")
        assert ids_of_type(admin, "normal") == {admin_id, other_id}
        # a pattern subscription counts too, and leaving it makes the client normal again
        assert other.cmd("PSUBSCRIBE", "p*") == [b"psubscribe", b"p*", 1]
        wait_until(lambda: ids_of_type(admin, "pubsub") == {sub_id, other_id},
                   message="other listed pubsub")
        assert other.cmd("PUNSUBSCRIBE") == [b"punsubscribe", b"p*", 0]
        wait_until(lambda: ids_of_type(admin, "normal") == {admin_id, other_id},
                   message="other listed normal again")
        # KILL TYPE uses the same classes: normal spares the subscriber, pubsub closes it
        assert admin.cmd("CLIENT", "KILL", "TYPE", "normal", "ID", str(sub_id)) == 0
        assert admin.cmd("CLIENT", "KILL", "TYPE", "pubsub") == 1
        assert sub.is_closed()
        assert other.cmd("PING") == "PONG"
        wait_until(lambda: ids_of_type(admin, "pubsub") == set(), message="sub gone")


# -- keyspace notifications -----------------------------------------------------------------------
def keyspace(key, event):
    return [b"pmessage", b"__key*@0__:*", b"__keyspace@0__:" + key.encode(), event.encode()]


def keyevent(key, event):
    return [b"pmessage", b"__key*@0__:*", b"__keyevent@0__:" + event.encode(), key.encode()]


@pytest.fixture
def notify(server):
    """Sets notify-keyspace-events for one test and turns it off afterwards."""
    with server.conn() as c:
        assert c.cmd("FLUSHALL") == "OK"
    admin = server.conn()

    def set_flags(flags):
        assert admin.cmd("CONFIG", "SET", "notify-keyspace-events", flags) == "OK"

    yield set_flags
    set_flags("")
    admin.close()


@pytest.mark.needs("keyspace-events")
def test_keyspace_and_keyevent_messages(server, notify):
    notify("KEA")
    with server.conn() as c:
        assert c.cmd("CONFIG", "GET", "notify-keyspace-events") == [
            b"notify-keyspace-events", b"AKE"]
    with server.conn() as c, subscriber(server, "__key*@0__:*", pattern=True) as sub:
        assert c.cmd("SET", "foo", "bar") == "OK"
        assert c.cmd("EXPIRE", "foo", "100") == 1
        assert c.cmd("APPEND", "foo", "x") == 4
        assert c.cmd("INCRBY", "n", "5") == 5
        assert c.cmd("RENAME", "foo", "baz") == "OK"
        assert c.cmd("DEL", "baz", "n") == 2
        want = []
        for key, event in [("foo", "set"), ("foo", "expire"), ("foo", "append"),
                           ("n", "incrby"), ("foo", "rename_from"), ("baz", "rename_to"),
                           ("baz", "del"), ("n", "del")]:
            want += [keyspace(key, event), keyevent(key, event)]
        assert read_messages(sub, len(want)) == want


@pytest.mark.needs("keyspace-events")
def test_notification_classes_filter(server, notify):
    notify("Eg")  # key-event channel only, generic commands only
    with server.conn() as c, subscriber(server, "__key*@0__:*", pattern=True) as sub:
        assert c.cmd("SET", "k", "v") == "OK"  # a string command: not published
        assert c.cmd("INCR", "n") == 1         # neither
        assert c.cmd("DEL", "k") == 1          # generic: published, and only as a key event
        assert sub.read_reply() == keyevent("k", "del")
        notify("K$")
        assert c.cmd("SET", "k2", "v") == "OK"
        assert sub.read_reply() == keyspace("k2", "set")
    with server.conn() as c:
        assert c.cmd("CONFIG", "SET", "notify-keyspace-events", "Q") == Error(
            "ERR CONFIG SET failed (possibly related to argument 'notify-keyspace-events') - "
            "Invalid event class character. Use 'Ag$lshzxeKEtmdn'.")


@pytest.mark.needs("keyspace-events")
def test_expired_events(server, notify):
    notify("KEx")
    with server.conn() as c, subscriber(server, "__key*@0__:*", pattern=True) as sub:
        assert c.cmd("SET", "keep", "v") == "OK"
        assert c.cmd("SET", "short", "v", "PX", "50") == "OK"
        assert c.cmd("SET", "short2", "v", "PX", "60") == "OK"
        # nobody reads the keys: only active expiry can find them
        got = read_messages(sub, 4)
        assert sorted(got) == sorted([keyspace("short", "expired"), keyevent("short", "expired"),
                                      keyspace("short2", "expired"),
                                      keyevent("short2", "expired")])
        assert c.cmd("EXISTS", "short", "short2", "keep") == 1


@pytest.mark.needs("keyspace-events")
def test_evicted_events(make_server, kind):
    s = make_server(max_items=5, eviction_policy="lru") if kind == "cairn" else \
        make_server(eviction_policy="lru")
    with s.conn() as c, subscriber(s, "__keyevent@0__:evicted") as sub:
        assert c.cmd("CONFIG", "SET", "notify-keyspace-events", "Ee") == "OK"
        if kind == "redis":  # room for a few dozen 1 KB values above the baseline
            used = s.info("memory", conn=c)["used_memory"]
            assert c.cmd("CONFIG", "SET", "maxmemory", str(used + 64 * 1024)) == "OK"
        i = 0
        while s.info("stats", conn=c)["evicted_keys"] < 5:
            assert c.cmd("SET", f"key:{i}", b"v" * 1000) == "OK"
            i += 1
            assert i < 10000, "nothing was evicted"
        if kind == "redis":  # output buffers count in used_memory: stop further evictions
            assert c.cmd("CONFIG", "SET", "maxmemory", "0") == "OK"
        evicted = s.info("stats", conn=c)["evicted_keys"]
        got = read_messages(sub, evicted)
        assert all(m[:2] == [b"message", b"__keyevent@0__:evicted"] for m in got), got
        keys = [m[2].decode() for m in got]
        assert len(set(keys)) == evicted
        assert c.cmd("EXISTS", *keys) == 0, "a key reported evicted is still there"
        assert c.cmd("DBSIZE") == i - evicted
        assert f"key:{i - 1}" not in keys, "the newest key was evicted"


@pytest.mark.needs("keyspace-events")
def test_notifications_off_by_default_and_after_reset(server, notify):
    with server.conn() as c:
        assert c.cmd("CONFIG", "GET", "notify-keyspace-events") == [b"notify-keyspace-events", b""]
    notify("KEA")
    notify("")
    with server.conn() as c, subscriber(server, "__key*@0__:*", pattern=True) as sub, \
            subscriber(server, "app") as app:
        assert c.cmd("SET", "quiet", "v") == "OK"
        assert c.cmd("PUBLISH", "app", "done") == 1
        assert app.read_reply() == [b"message", b"app", b"done"]
        sub.sock.settimeout(0.3)  # nothing may arrive (bounded wait for an absence)
        with pytest.raises(socket.timeout):
            sub.read_reply()


# -- Cairn's own events ---------------------------------------------------------------------------
@pytest.mark.cairn_only
@pytest.mark.needs("cairn-events")
def test_cairn_events_policy_changed(make_server):
    s = make_server(eviction_policy="lru")
    with s.conn() as c, subscriber(s, "__cairn__:events") as sub:
        assert c.cmd("CONFIG", "SET", "eviction-policy", "lfu") == "OK"
        msg = sub.read_reply()
        assert msg[:2] == [b"message", b"__cairn__:events"]
        assert msg[2].startswith(b"policy_changed "), msg


@pytest.mark.cairn_only
@pytest.mark.needs("cairn-events", "persistence")
def test_cairn_events_flush(make_server):
    s = make_server(write_policy="write-back", write_back_interval_ms=3600000,
                    write_back_max_dirty=0)
    with s.conn() as c, subscriber(s, "__cairn__:events") as sub:
        c.pipeline([("SET", f"k{i}", "v") for i in range(10)])
        assert c.cmd("WRITEBACK", "FLUSH") == 10
        deadline = time.monotonic() + MESSAGE_TIMEOUT_S
        while True:  # other events (e.g. capacity) may come first
            msg = sub.read_reply()
            assert msg[:2] == [b"message", b"__cairn__:events"]
            if msg[2].startswith(b"flush "):
                break
            assert time.monotonic() < deadline, "no flush event"


def test_subscriber_connection_close_is_clean(server):
    sub = subscriber(server, "bye")
    sub.send_raw(encode("QUIT"))
    try:
        assert sub.read_reply() == "OK"
    except ConnectionClosed:
        pass
    sub.close()
    with server.conn() as c:
        wait_until(lambda: c.cmd("PUBLISH", "bye", "x") == 0, message="QUIT to unsubscribe")
