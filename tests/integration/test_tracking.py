"""CLIENT TRACKING (server-assisted client-side caching): default, BCAST, OPTIN, OPTOUT, NOLOOP
and REDIRECT modes, the invalidation of a tracked key whatever changed it (writes, expiry,
eviction, RENAME, FLUSHALL, UNDO), CLIENT TRACKINGINFO / GETREDIR / CACHING and their errors.
Bytes checked against redis-server 7.0 (`--target-redis`) except where marked cairn_only:
Cairn sends BCAST invalidations one key per push (Redis batches the keys of one event-loop turn),
and the FLUSHALL null to a RESP2 redirect target is $-1 (Redis writes a RESP3 `_` there)."""

import time

import pytest

from helpers import wait_until
from resp_client import RawConn


def bulk(s):
    s = s if isinstance(s, bytes) else s.encode()
    return b"$%d\r\n%s\r\n" % (len(s), s)


def invalidate(*keys):
    return b">2\r\n$10\r\ninvalidate\r\n*%d\r\n" % len(keys) + b"".join(bulk(k) for k in keys)


INVALIDATE_ALL = b">2\r\n$10\r\ninvalidate\r\n_\r\n"


@pytest.fixture
def conns(server):
    opened = []

    def connect(proto=3):
        c = RawConn(server.host, server.port)
        opened.append(c)
        assert c.cmd("HELLO", str(proto))[:1] in (b"%", b"*")
        return c

    admin = connect(2)
    assert admin.cmd("FLUSHALL") == b"+OK\r\n"
    yield connect
    for c in opened:
        c.close()


def no_more(c, wait=0.1):
    """True when nothing more arrives on `c` within `wait` seconds."""
    c.sock.settimeout(wait)
    try:
        data = c.sock.recv(1 << 16)
    except (TimeoutError, OSError):
        return True
    finally:
        c.sock.settimeout(10)
    c.buf += data
    return False


def test_default_mode_invalidates_read_keys_once(conns):
    a, w = conns(), conns(2)
    assert a.cmd("CLIENT", "TRACKING", "on") == b"+OK\r\n"
    assert a.cmd("GET", "k") == b"_\r\n"
    assert a.cmd("MGET", "k", "k2") == b"*2\r\n_\r\n_\r\n"
    assert w.cmd("MSET", "k", "1", "k2", "2") == b"+OK\r\n"
    assert a.frame() == invalidate("k")
    assert a.frame() == invalidate("k2")
    assert w.cmd("SET", "k", "again") == b"+OK\r\n"  # forgotten until read again
    assert no_more(a)
    assert a.cmd("STRLEN", "k") == b":5\r\n"  # any read-only command with keys is tracked
    assert w.cmd("APPEND", "k", "!") == b":6\r\n"
    assert a.frame() == invalidate("k")
    assert a.cmd("GET", "k") == bulk("again!")
    assert w.cmd("FLUSHALL") == b"+OK\r\n"
    assert a.frame() == INVALIDATE_ALL


def test_every_kind_of_change_invalidates(conns):
    a, w = conns(), conns(2)
    assert a.cmd("CLIENT", "TRACKING", "on") == b"+OK\r\n"
    for key in ("d", "r", "e", "x", "p"):
        assert w.cmd("SET", key, "v") == b"+OK\r\n"
        assert a.cmd("GET", key) == bulk("v")
    assert w.cmd("DEL", "d") == b":1\r\n"
    assert a.frame() == invalidate("d")
    assert w.cmd("RENAME", "r", "r2") == b"+OK\r\n"
    assert a.frame() == invalidate("r")
    assert w.cmd("EXPIRE", "e", "100") == b":1\r\n"
    assert a.frame() == invalidate("e")
    assert a.cmd("GET", "e") == bulk("v")
    assert w.cmd("PERSIST", "e") == b":1\r\n"
    assert a.frame() == invalidate("e")
    assert w.cmd("INCR", "p") == b"-ERR value is not an integer or out of range\r\n"
    assert no_more(a)  # a refused write changes nothing
    assert w.cmd("PEXPIRE", "x", "1") == b":1\r\n"
    assert a.frame() == invalidate("x")
    # expiry, lazy or active (nobody reads the key): the invalidation comes
    assert w.cmd("SET", "y", "v", "PX", "300") == b"+OK\r\n"
    if a.cmd("GET", "y") == bulk("v"):  # else already expired on a slow machine: nothing cached
        assert a.frame() == invalidate("y")


@pytest.mark.cairn_only
def test_eviction_invalidates(make_server):
    s = make_server(max_items=5, eviction_policy="lru")
    with RawConn(s.host, s.port) as a, RawConn(s.host, s.port) as w:
        assert a.cmd("HELLO", "3")[:1] == b"%"
        assert a.cmd("CLIENT", "TRACKING", "on") == b"+OK\r\n"
        assert w.cmd("SET", "old", "v") == b"+OK\r\n"
        assert a.cmd("GET", "old") == bulk("v")
        for i in range(10):
            assert w.cmd("SET", f"new{i}", "v") == b"+OK\r\n"
        assert a.frame() == invalidate("old")


@pytest.mark.cairn_only
def test_undo_invalidates(make_server):
    s = make_server(undo_depth=10)
    with RawConn(s.host, s.port) as a, RawConn(s.host, s.port) as w:
        assert a.cmd("HELLO", "3")[:1] == b"%"
        assert w.cmd("SET", "k", "1") == b"+OK\r\n"
        assert w.cmd("SET", "k", "2") == b"+OK\r\n"
        assert a.cmd("CLIENT", "TRACKING", "on") == b"+OK\r\n"
        assert a.cmd("GET", "k") == bulk("2")
        assert w.cmd("UNDO") == b":1\r\n"
        assert a.frame() == invalidate("k")
        assert a.cmd("GET", "k") == bulk("1")


def test_self_writes_and_noloop(conns):
    a = conns()
    assert a.cmd("CLIENT", "TRACKING", "on") == b"+OK\r\n"
    assert a.cmd("GET", "k") == b"_\r\n"
    a.send("SET", "k", "1")
    assert a.frame() == b"+OK\r\n"  # the reply, then its own invalidation
    assert a.frame() == invalidate("k")
    assert a.cmd("CLIENT", "TRACKING", "on", "NOLOOP") == b"+OK\r\n"
    assert a.cmd("GET", "k") == bulk("1")
    assert a.cmd("SET", "k", "2") == b"+OK\r\n"
    assert no_more(a)


def test_bcast_prefixes(conns):
    a, w = conns(), conns(2)
    assert a.cmd("CLIENT", "TRACKING", "on", "BCAST", "PREFIX", "p:", "PREFIX", "q:") == b"+OK\r\n"
    assert w.cmd("SET", "p:1", "x") == b"+OK\r\n"
    assert a.frame() == invalidate("p:1")
    assert w.cmd("SET", "other", "x") == b"+OK\r\n"
    assert w.cmd("DEL", "q:9", "q:8") == b":0\r\n"  # nothing changed: nothing sent
    assert w.cmd("SET", "q:2", "x") == b"+OK\r\n"
    assert a.frame() == invalidate("q:2")  # nothing for "other" came before it
    assert a.cmd("CLIENT", "TRACKINGINFO") == (
        b"%3\r\n$5\r\nflags\r\n~2\r\n$2\r\non\r\n$5\r\nbcast\r\n$8\r\nredirect\r\n:0\r\n"
        b"$8\r\nprefixes\r\n*2\r\n$2\r\np:\r\n$2\r\nq:\r\n")
    assert a.cmd("CLIENT", "TRACKING", "on", "BCAST", "PREFIX", "p:x") == (
        b"-ERR Prefix 'p:x' overlaps with an existing prefix 'p:'. Prefixes for a single client "
        b"must not overlap.\r\n")
    assert w.cmd("FLUSHALL") == b"+OK\r\n"
    assert a.frame() == INVALIDATE_ALL


def test_optin_and_optout(conns):
    a, w = conns(), conns(2)
    assert a.cmd("CLIENT", "TRACKING", "on", "OPTIN") == b"+OK\r\n"
    assert a.cmd("GET", "o1") == b"_\r\n"  # not cached: not tracked
    assert a.cmd("CLIENT", "CACHING", "yes") == b"+OK\r\n"
    assert a.cmd("GET", "o2") == b"_\r\n"
    assert a.cmd("GET", "o3") == b"_\r\n"  # CACHING applied to the previous command only
    assert w.cmd("MSET", "o1", "1", "o2", "2", "o3", "3") == b"+OK\r\n"
    assert a.frame() == invalidate("o2")
    assert no_more(a)
    assert a.cmd("CLIENT", "TRACKING", "off") == b"+OK\r\n"
    assert a.cmd("CLIENT", "TRACKING", "on", "OPTOUT") == b"+OK\r\n"
    assert a.cmd("CLIENT", "CACHING", "no") == b"+OK\r\n"
    assert a.cmd("GET", "o1") == bulk("1")  # opted out
    assert a.cmd("GET", "o2") == bulk("2")
    assert w.cmd("MSET", "o1", "x", "o2", "y") == b"+OK\r\n"
    assert a.frame() == invalidate("o2")
    assert no_more(a)


def test_redirect_to_resp3_and_resp2_pubsub_and_broken(conns):
    a, w, r3, r2 = conns(), conns(2), conns(3), conns(2)
    id3 = r3.cmd("CLIENT", "ID")[1:-2].decode()
    id2 = r2.cmd("CLIENT", "ID")[1:-2].decode()
    assert a.cmd("CLIENT", "TRACKING", "on", "REDIRECT", id3) == b"+OK\r\n"
    assert a.cmd("CLIENT", "GETREDIR") == b":%s\r\n" % id3.encode()
    assert a.cmd("GET", "k") == b"_\r\n"
    assert w.cmd("SET", "k", "1") == b"+OK\r\n"
    assert r3.frame() == invalidate("k")
    assert no_more(a)
    assert a.cmd("CLIENT", "TRACKING", "on", "REDIRECT", id2) == b"+OK\r\n"
    assert r2.cmd("SUBSCRIBE", "__redis__:invalidate") == (
        b"*3\r\n$9\r\nsubscribe\r\n$20\r\n__redis__:invalidate\r\n:1\r\n")
    assert a.cmd("GET", "k") == bulk("1")
    assert w.cmd("SET", "k", "2") == b"+OK\r\n"
    assert r2.frame() == b"*3\r\n$7\r\nmessage\r\n$20\r\n__redis__:invalidate\r\n*1\r\n" + bulk("k")
    r2.close()
    assert a.cmd("GET", "k") == bulk("2")
    wait_until(lambda: b"id=%s " % id2.encode() not in w.cmd("CLIENT", "LIST"),
               message="the redirect target to disconnect")
    assert w.cmd("SET", "k", "3") == b"+OK\r\n"
    assert a.frame() == b">2\r\n$21\r\ntracking-redir-broken\r\n:%s\r\n" % id2.encode()
    assert b"broken_redirect" in a.cmd("CLIENT", "TRACKINGINFO")
    assert b" flags=tR " in a.cmd("CLIENT", "INFO")
    # Turning tracking on again clears the broken flag.
    assert a.cmd("CLIENT", "TRACKING", "on", "REDIRECT", id3) == b"+OK\r\n"
    assert b" flags=t " in a.cmd("CLIENT", "INFO")


def test_resp2_without_redirect_gets_nothing(conns):
    a, w = conns(2), conns(2)
    assert a.cmd("CLIENT", "TRACKING", "on") == b"+OK\r\n"
    assert a.cmd("GET", "k") == b"$-1\r\n"
    assert w.cmd("SET", "k", "1") == b"+OK\r\n"
    assert no_more(a)
    assert a.cmd("GET", "k") == bulk("1")


def test_tracking_commands_and_errors(conns):
    a = conns()
    off = (b"%3\r\n$5\r\nflags\r\n~1\r\n$3\r\noff\r\n$8\r\nredirect\r\n:-1\r\n"
           b"$8\r\nprefixes\r\n*0\r\n")
    assert a.cmd("CLIENT", "TRACKINGINFO") == off
    assert a.cmd("CLIENT", "GETREDIR") == b":-1\r\n"
    errors = {
        ("on", "PREFIX", "a"): b"-ERR PREFIX option requires BCAST mode to be enabled\r\n",
        ("on", "OPTIN", "OPTOUT"): b"-ERR You can't specify both OPTIN mode and OPTOUT mode\r\n",
        ("on", "BCAST", "OPTIN"): b"-ERR OPTIN and OPTOUT are not compatible with BCAST\r\n",
        ("on", "REDIRECT", "99999"):
            b"-ERR The client ID you want redirect to does not exist\r\n",
        ("on", "REDIRECT", "x"): b"-ERR value is not an integer or out of range\r\n",
        # as Redis: the id is checked as the option is read, for OFF too and before later options
        ("off", "REDIRECT", "99999"):
            b"-ERR The client ID you want redirect to does not exist\r\n",
        ("on", "REDIRECT", "0"): b"-ERR The client ID you want redirect to does not exist\r\n",
        ("on", "REDIRECT", "99999", "BOGUS"):
            b"-ERR The client ID you want redirect to does not exist\r\n",
        ("maybe", "REDIRECT", "99999"):
            b"-ERR The client ID you want redirect to does not exist\r\n",
        ("maybe",): b"-ERR syntax error\r\n",
        ("on", "BOGUS"): b"-ERR syntax error\r\n",
        ("on", "BCAST", "PREFIX", "a", "PREFIX", "ab"):
            b"-ERR Prefix 'a' overlaps with another provided prefix 'ab'. Prefixes for a single "
            b"client must not overlap.\r\n",
    }
    for args, want in errors.items():
        assert a.cmd("CLIENT", "TRACKING", *args) == want, args
    assert a.cmd("CLIENT", "CACHING", "yes") == (
        b"-ERR CLIENT CACHING can be called only when the client is in tracking mode with OPTIN "
        b"or OPTOUT mode enabled\r\n")
    assert a.cmd("CLIENT", "TRACKING", "on") == b"+OK\r\n"
    assert a.cmd("CLIENT", "CACHING", "yes") == (
        b"-ERR CLIENT CACHING YES is only valid when tracking is enabled in OPTIN mode.\r\n")
    assert a.cmd("CLIENT", "CACHING", "maybe") == b"-ERR syntax error\r\n"
    assert a.cmd("CLIENT", "TRACKING", "on", "BCAST") == (
        b"-ERR You can't switch BCAST mode on/off before disabling tracking for this client, and "
        b"then re-enabling it with a different mode.\r\n")
    assert a.cmd("CLIENT", "TRACKING", "on", "OPTIN", "NOLOOP") == b"+OK\r\n"
    assert a.cmd("CLIENT", "CACHING", "yes") == b"+OK\r\n"
    assert a.cmd("CLIENT", "TRACKINGINFO") == (
        b"%3\r\n$5\r\nflags\r\n~4\r\n$2\r\non\r\n$5\r\noptin\r\n$11\r\ncaching-yes\r\n"
        b"$6\r\nnoloop\r\n$8\r\nredirect\r\n:0\r\n$8\r\nprefixes\r\n*0\r\n")
    assert a.cmd("CLIENT", "TRACKING", "on", "OPTOUT") == (
        b"-ERR You can't switch OPTIN/OPTOUT mode before disabling tracking for this client, and "
        b"then re-enabling it with a different mode.\r\n")
    info = a.cmd("CLIENT", "INFO")
    assert b" flags=t " in info and b" redir=0 " in info, info
    assert a.cmd("RESET") == b"+RESET\r\n"  # RESET turns tracking off
    assert a.cmd("HELLO", "3")[:1] == b"%"
    assert a.cmd("CLIENT", "TRACKINGINFO") == off


def test_many_keys_and_readers(conns):
    readers = [conns() for _ in range(3)]
    w = conns(2)
    for r in readers:
        assert r.cmd("CLIENT", "TRACKING", "on") == b"+OK\r\n"
        assert r.cmd("MGET", *[f"k{i}" for i in range(50)])[:4] == b"*50\r"
    assert w.cmd("MSET", *[x for i in range(50) for x in (f"k{i}", "v")]) == b"+OK\r\n"
    for r in readers:
        assert [r.frame() for _ in range(50)] == [invalidate(f"k{i}") for i in range(50)]
    time.sleep(0.05)
    assert all(no_more(r, 0.01) for r in readers)


def test_tracking_table_is_bounded_and_counted_in_info(conns, server):
    a, admin = conns(), conns(2)
    assert admin.cmd("CONFIG", "GET", "tracking-table-max-keys") == (
        b"*2\r\n" + bulk("tracking-table-max-keys") + bulk("1000000"))
    assert admin.cmd("CONFIG", "SET", "tracking-table-max-keys", "2") == b"+OK\r\n"
    try:
        assert a.cmd("CLIENT", "TRACKING", "on") == b"+OK\r\n"
        assert a.cmd("MGET", "t1", "t2", "t3") == b"*3\r\n_\r\n_\r\n_\r\n"
        dropped = a.frame()  # one key leaves the table, with an invalidation (any of them)
        assert dropped in (invalidate("t1"), invalidate("t2"), invalidate("t3")), dropped
        info = server.info("stats", conn=None)
        assert info["tracking_total_keys"] == 2
        assert info["tracking_total_items"] == 2
        assert info["tracking_total_prefixes"] == 0
        assert server.info("clients")["tracking_clients"] == 1
    finally:
        assert admin.cmd("CONFIG", "SET", "tracking-table-max-keys", "1000000") == b"+OK\r\n"
