"""Differential RESP3 test: cairn-server against Debian's redis-server 7.0, byte for byte.

Both servers run on 127.0.0.1. Each script below runs on a fresh connection to each server after
FLUSHALL: `HELLO 3`, then its commands one by one; every reply frame is read raw (the exact bytes
of one RESP3 value, nested aggregates included) and the two servers' bytes must be equal.

Only these differences are allowed, each named by its compare mode:
  exact     the default: the same bytes.
  hello     HELLO's map: the same keys and types; version ("7.0.0" vs the real release) and id
            (connection ids differ) are not compared.
  verbatim  INFO, CLIENT INFO / LIST: both a verbatim string (=) of format "txt"; the text is
            server-specific (run ids, pids, memory, Cairn's own fields).
  types     the value's type and the types of its direct elements, not their values or count:
            TIME (clock), MEMORY USAGE (allocator), COMMAND DOCS (Cairn documents summary,
            since and group only; Redis adds complexity, arguments, history), CLIENT HELP and
            MEMORY HELP (Cairn lists its own subcommands), COMMAND INFO / GETKEYSANDFLAGS of SET
            (Cairn's key-spec flags are RW/RO only, with no notes; RESP2 has the same gap).
Scripts also run a step on a second connection (a publisher) and read pushes on the first.

Cairn-only commands (UNDO, REDO, SNAPSHOT, WRITEBACK) have no Redis counterpart; their RESP3
shapes are checked in test_resp3.py.
"""

import shutil
import socket

import pytest

from helpers import Server
from resp_client import RawConn, encode

pytestmark = [
    pytest.mark.cairn_only,
    pytest.mark.skipif(shutil.which("redis-server") is None, reason="redis-server not installed"),
]

def parse(data, pos=0):
    """Frame bytes -> (type, value or list of children), end offset."""
    eol = data.index(b"\r\n", pos)
    t, head, end = data[pos:pos + 1], data[pos + 1:eol], eol + 2
    if t in (b"$", b"=") and head != b"-1":
        n = int(head)
        return (t, data[end:end + n]), end + n + 2
    if t in (b"*", b"~", b">", b"%") and head != b"-1":
        items = []
        for _ in range(int(head) * (2 if t == b"%" else 1)):
            item, end = parse(data, end)
            items.append(item)
        return (t, items), end
    return (t, head), end


def types(frame):
    t, value = parse(frame)[0]
    if isinstance(value, list):
        return t, sorted({child[0] for child in value})
    return t, None


def compare(mode, got, want):
    if mode == "exact":
        return got == want
    if mode == "types":
        return types(got) == types(want)
    if mode == "verbatim":
        return got[:1] == want[:1] == b"=" and parse(got)[0][1][:4] == b"txt:" and \
            parse(want)[0][1][:4] == b"txt:"
    if mode == "hello":
        g, w = parse(got)[0], parse(want)[0]
        if g[0] != b"%" or w[0] != b"%" or len(g[1]) != len(w[1]):
            return False
        for (gk, gv), (wk, wv) in zip(zip(g[1][::2], g[1][1::2]), zip(w[1][::2], w[1][1::2])):
            if gk != wk or gv[0] != wv[0]:
                return False
            if gk[1] not in (b"version", b"id") and gv != wv:
                return False
        return True
    raise ValueError(mode)


# A step: "CMD arg ..." (one reply, exact), or a tuple (command string, mode, frames) where
# frames is how many frames the command produces (SUBSCRIBE a b: 2). "@pub CMD ..." runs on the
# second connection; ("@read", "exact", n) reads n pushes on the first.
SCRIPTS = {
    "strings": [
        "GET missing", "SET k v", "GET k", "SET k v2 GET", "SET n1 v NX GET", "SET k v XX",
        "SET k2 v NX", "SET k2 v NX", "SETNX k3 v", "SETNX k3 v", "GETDEL k3", "GETDEL k3",
        "MSET a 1 b 2", "MGET a b missing", "MSETNX a 1 c 3", "INCR a", "INCRBY a 10",
        "DECR a", "DECRBY a 3", "INCRBYFLOAT a 1.5", "INCRBYFLOAT a 1e3", "INCRBYFLOAT f 0.1",
        "INCR k", "INCRBYFLOAT k 1", "APPEND s hello", "APPEND s world", "STRLEN s",
        "STRLEN missing", "GETRANGE s 0 3", "GETRANGE s -3 -1", "SUBSTR s 1 2", "SETRANGE s 2 XY",
        "SETRANGE s -1 x", "GETSET s new", "GETSET missing2 v", "GETEX s", "GETEX missing",
        "GETEX s EX 100", "GETEX s PERSIST", "SETEX e 100 v", "PSETEX pe 100000 v",
        "SETEX e 0 v", "SET x y EX 0", "SET x y EX abc", "SET x y KEEPTTL EX 1", "SET x", "GET",
        "INCRBY a notanumber", "DECRBY a 9223372036854775807", "MSET a",
    ],
    "keyspace": [
        "SET k v", "EXISTS k missing k", "TYPE k", "TYPE missing", "DEL k missing", "DEL k",
        "SET k v", "UNLINK k", "SET k v", "EXPIRE k 100", "TTL k", "PTTL missing",
        "EXPIRETIME missing", "PERSIST k", "PERSIST k", "TTL k",
        "EXPIRE k 100 NX", "EXPIRE k 200 XX GT", "EXPIRE k 50 XX GT", "EXPIRE k 50 LT",
        "EXPIRE k abc", "PEXPIRE missing 10",
        "EXPIREAT missing 1", "PEXPIREAT k 99999999999999", "PEXPIRETIME k", "RENAME k k2", "RENAME missing x",
        "RENAMENX k2 k2", "SET k3 v", "RENAMENX k2 k3", "KEYS k3*", "DBSIZE", "TOUCH k2 missing",
        "FLUSHALL", "RANDOMKEY", "SET only v", "RANDOMKEY", "SCAN 0", "SCAN 0 MATCH o* COUNT 10",
        "SCAN 0 TYPE hash", "SCAN x", "SCAN 0 COUNT 0", "SCAN 0 BOGUS",
        "OBJECT ENCODING only", "OBJECT ENCODING missing", "OBJECT REFCOUNT only",
        "OBJECT IDLETIME missing", "OBJECT FREQ only", "OBJECT HELP",
        ("MEMORY USAGE only", "types", 1), "MEMORY USAGE missing", ("MEMORY HELP", "types", 1),
        "FLUSHDB", "DBSIZE",
    ],
    "connection": [
        "PING", "PING hi", "ECHO x", "SELECT 0", "SELECT x", "CLIENT GETNAME",
        "CLIENT SETNAME conn1", "CLIENT GETNAME", "CLIENT SETNAME bad\nname",
        ("CLIENT INFO", "verbatim", 1), ("CLIENT LIST", "verbatim", 1),
        ("CLIENT LIST TYPE normal", "verbatim", 1), "CLIENT LIST TYPE bogus",
        "CLIENT LIST ID x", "CLIENT NO-EVICT on", "CLIENT NO-EVICT x", "CLIENT KILL 1.2.3.4:5",
        "CLIENT BOGUS", ("CLIENT HELP", "types", 1),
        "AUTH x", "AUTH a b", "HELLO 4", "HELLO 1", "HELLO abc", "HELLO 3 BOGUS",
        "HELLO 3 AUTH default", ("HELLO 3 SETNAME named", "hello", 1), "CLIENT GETNAME",
        ("HELLO", "hello", 1), ("HELLO 3 AUTH default wrong", "hello", 1), "RESET", "GET missing",
        ("HELLO 3", "hello", 1), "GET missing", "CLIENT REPLY ON",
    ],
    "server": [
        ("INFO", "verbatim", 1), ("INFO server", "verbatim", 1),
        ("INFO keyspace", "verbatim", 1), "CONFIG GET maxmemory", "CONFIG GET maxclients",
        "CONFIG GET nosuchparam", "CONFIG GET", "CONFIG SET maxclients 100",
        "CONFIG GET maxclients", "CONFIG SET nosuch 1", "CONFIG HELP", "CONFIG BOGUS",
        ("TIME", "types", 1), "COMMAND COUNT x", "COMMAND INFO get", ("COMMAND INFO set", "types", 1),
        "COMMAND INFO nosuch", "COMMAND INFO get nosuch", ("COMMAND DOCS get", "types", 1),
        "COMMAND DOCS nosuch", "COMMAND GETKEYS get a", "COMMAND GETKEYS set a b",
        "COMMAND GETKEYSANDFLAGS get a", ("COMMAND GETKEYSANDFLAGS set a b", "types", 1),
        "COMMAND GETKEYS nosuch a", "COMMAND GETKEYS get", "SLOWLOG RESET", "SLOWLOG LEN",
        "SLOWLOG GET 0", "SLOWLOG HELP", "FUNCTION LIST", "FUNCTION FLUSH", "LASTSAVE x",
        "DEBUG BOGUS", "FLUSHALL SYNC", "FLUSHALL BOGUS",
    ],
    "pubsub": [
        "PUBSUB NUMPAT", "PUBSUB NUMSUB a b", "PUBSUB CHANNELS", "PUBSUB SHARDCHANNELS",
        "PUBSUB SHARDNUMSUB x", "PUBSUB HELP", ("UNSUBSCRIBE", "exact", 1),
        ("PUNSUBSCRIBE", "exact", 1), ("SUBSCRIBE news sport", "exact", 2),
        ("PSUBSCRIBE n*", "exact", 1),
        # a RESP3 client may run any command while subscribed (Redis 7 allows it)
        "SET k v", "GET k", "PING", "PING hi", "PUBSUB NUMSUB news", "PUBSUB CHANNELS s*",
        "@pub PUBLISH news hello", ("@read", "exact", 2), "@pub PUBLISH sport x", ("@read", "exact", 1),
        "@pub PUBLISH nothing y", ("UNSUBSCRIBE news", "exact", 1),
        ("PUNSUBSCRIBE", "exact", 1), ("UNSUBSCRIBE", "exact", 1), "GET k",
        ("SUBSCRIBE again", "exact", 1), "RESET", "GET k",
    ],
}


@pytest.fixture(scope="module")
def servers(tmp_path_factory):
    started = []
    try:
        for kind in ("redis", "cairn"):
            s = Server(kind, tmp_path_factory.mktemp(f"{kind}-data"))
            started.append(s)
            s.start()
        yield started[0], started[1]
    finally:
        for s in started:
            if s.proc is not None:
                s.stop()


def steps(script):
    for step in script:
        if isinstance(step, str):
            yield step, "exact", 1
        else:
            yield step


def run_script(server, script):
    """The reply frames of every step of `script` on `server`, as (label, mode, bytes)."""
    admin = RawConn(server.host, server.port)
    assert admin.cmd("FLUSHALL") == b"+OK\r\n"
    assert admin.cmd("CONFIG", "SET", "maxclients", "10000") == b"+OK\r\n"
    admin.close()
    main, pub = RawConn(server.host, server.port), RawConn(server.host, server.port)
    out = []
    try:
        out.append(("HELLO 3", "hello", main.cmd("HELLO", "3")))
        for cmd, mode, frames in steps(script):
            if cmd == "@read":
                for i in range(frames):
                    out.append((f"push {i}", "exact", main.frame()))
                continue
            if cmd.startswith("@pub "):
                out.append((cmd, mode, pub.cmd(*cmd[5:].split(" "))))
                continue
            main.sock.sendall(encode(*cmd.split(" ")))
            for i in range(frames):
                out.append((cmd if frames == 1 else f"{cmd} [{i}]", mode, main.frame()))
    finally:
        main.close()
        pub.close()
    return out


@pytest.mark.parametrize("name", sorted(SCRIPTS))
def test_resp3_replies_match_redis(servers, name):
    redis_server, cairn_server = servers
    want = run_script(redis_server, SCRIPTS[name])
    got = run_script(cairn_server, SCRIPTS[name])
    assert len(got) == len(want)
    bad = [f"{label} ({mode}):\n  redis {w!r}\n  cairn {g!r}"
           for (label, mode, g), (_, _, w) in zip(got, want) if not compare(mode, g, w)]
    assert not bad, f"{len(bad)} of {len(want)} replies differ:\n" + "\n".join(bad)
