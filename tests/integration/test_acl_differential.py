"""ACL users against Debian's redis-server 7.0, reply for reply (issue 20).

Both servers run on 127.0.0.1 and get the same commands; every reply (status, error text,
integer, bulk, array) must be equal, except where a test says why not:
  - ACL LOG entries: age-seconds (clock) and client-info (Cairn's CLIENT INFO has its own
    fields) are not compared; every other field is.
  - ACL LIST / GETUSER "commands": Redis 7.0 rebuilds the text from its own command table (the
    categories that fit best, then single commands in its hash table's order), so the rule sets
    compared are those whose description does not depend on the table: at most one single
    command, categories whose commands the two tables share.
The matrix test runs users x commands x keys x channels on both, as the users themselves and
through ACL DRYRUN, and compares each answer.
"""

import shutil

import pytest

from helpers import Server
from resp_client import Error, RespConn

pytestmark = [
    pytest.mark.cairn_only,
    pytest.mark.skipif(shutil.which("redis-server") is None, reason="redis-server not installed"),
]


@pytest.fixture
def both(server, reference):
    """(cairn admin connection, redis admin connection); users and ACL LOG reset after."""
    conns = [server.conn(), reference.conn()]
    for c in conns:
        assert c.cmd("FLUSHALL") == "OK"
        assert c.cmd("ACL", "LOG", "RESET") == "OK"
    yield conns
    for c in conns:
        for name in c.cmd("ACL", "USERS"):
            if name != b"default":
                c.cmd("ACL", "DELUSER", name)
        c.cmd("ACL", "SETUSER", "default", "on", "nopass", "allkeys", "allchannels", "+@all")
        c.close()


def same(conns, *args):
    got, want = (c.cmd(*args) for c in conns)
    assert got == want, f"{args}: cairn {got!r} redis {want!r}"
    return got


def user_conns(both_servers, user, password):
    conns = [RespConn(s.host, s.port) for s in both_servers]
    for c in conns:
        assert c.cmd("AUTH", user, password) == "OK"
    return conns


def log_without_clock(conn, count=10):
    entries = conn.cmd("ACL", "LOG", count)
    out = []
    for e in entries:
        fields = dict(zip(e[0::2], e[1::2]))
        assert set(fields) == {b"count", b"reason", b"context", b"object", b"username",
                               b"age-seconds", b"client-info"}
        assert float(fields.pop(b"age-seconds")) >= 0
        assert b"user=" in fields.pop(b"client-info")
        out.append(fields)
    return out


def test_setuser_errors_are_redis_texts(both):
    for rules in (["~*", "~a"], ["#abc"], ["<nope"], ["!" + "0" * 64], ["foo"], ["+@nope"],
                  ["+nope"], ["allchannels", "&a"], ["+config|nope"], ["%X~a"], ["%~a"],
                  ["-nope|x"], ["+get", "bogus"]):
        same(both, "ACL", "SETUSER", "bad", *rules)
    same(both, "ACL", "USERS")  # a failed SETUSER of a new user creates nothing (as Redis)
    same(both, "ACL", "SETUSER", "a b", "on")
    same(both, "ACL", "SETUSER", "a\tb")
    same(both, "ACL", "SETUSER", "", "on")
    same(both, "ACL", "GETUSER", "")
    same(both, "ACL", "DELUSER", "")
    same(both, "ACL", "DELUSER", "default")
    same(both, "ACL", "DELUSER", "nobody", "bad")
    same(both, "ACL", "GETUSER", "nobody")
    same(both, "ACL", "CAT")
    same(both, "ACL", "CAT", "nope")
    same(both, "ACL", "LOG", "x")
    same(both, "ACL", "LOG", "1", "2")
    same(both, "ACL", "GENPASS", "0")
    same(both, "ACL", "GENPASS", "5000")
    same(both, "ACL", "SAVE")
    same(both, "ACL", "LOAD")
    same(both, "ACL", "NOPE")
    same(both, "ACL", "DRYRUN", "nobody", "get", "a")
    same(both, "ACL", "DRYRUN", "default", "nope")
    same(both, "ACL", "DRYRUN", "default", "get")
    same(both, "ACL", "WHOAMI")
    for c in both:
        assert len(c.cmd("ACL", "GENPASS")) == 64
        assert len(c.cmd("ACL", "GENPASS", "5")) == 2


@pytest.mark.parametrize("rules", [
    ["on", ">p1", ">p2", "~k*", "+get"],
    ["off", "nopass", "allkeys", "allchannels", "+@all"],
    ["on", "#" + "a" * 64, "%R~r*", "%W~w*", "~rw*", "&ch*", "&news.*", "-@all", "+set"],
    ["%R~x", "%W~x", "~y", "resetchannels", "+@read"],
    ["+@all", "-get"],
    ["+config|get"],
    ["+client", "-client|kill"],
    ["reset", "+ping"],
    ["on", ">a", "<a", "resetpass", "+acl|whoami"],
    ["skip-sanitize-payload", "nocommands", "allcommands", "resetkeys", "~a", "%R~"],
])
def test_getuser_and_list_describe_as_redis(both, rules):
    same(both, "ACL", "SETUSER", "alice", *rules)
    same(both, "ACL", "GETUSER", "alice")
    same(both, "ACL", "LIST")
    same(both, "ACL", "USERS")


def test_auth_hello_whoami_and_auth_failures_in_acl_log(both, server, reference):
    same(both, "ACL", "SETUSER", "app", "on", ">secret", "~app:*", "+@all", "-@dangerous")
    same(both, "ACL", "SETUSER", "off-user", "off", ">pw", "+@all")
    conns = [RespConn(s.host, s.port) for s in (server, reference)]
    same(conns, "AUTH", "app", "wrong")
    same(conns, "AUTH", "nobody", "x")
    same(conns, "AUTH", "off-user", "pw")
    same(conns, "AUTH", "x")  # default is nopass: an error, not a login
    same(conns, "HELLO", "2", "AUTH", "app", "nope")
    same(conns, "AUTH", "app", "secret")
    same(conns, "ACL", "WHOAMI")
    same(conns, "SET", "app:1", "v")
    same(conns, "SET", "other", "v")
    same(conns, "KEYS", "*")
    same(conns, "FLUSHALL")
    same(conns, "ACL", "LIST")
    same(conns, "RESET")
    same(conns, "ACL", "WHOAMI")
    got, want = (log_without_clock(c) for c in both)
    assert got == want
    assert [e[b"reason"] for e in got[:4]] == [b"command", b"command", b"command", b"key"]
    assert got[-1][b"object"] == b"AUTH" and got[-1][b"username"] == b"app"
    # A repeated denial is counted in its entry, not added.
    same(conns, "AUTH", "app", "secret")
    same(conns, "KEYS", "*")
    got, want = (log_without_clock(c, 1) for c in both)
    assert got == want and got[0][b"count"] == 2
    same(both, "ACL", "LOG", "RESET")
    same(both, "ACL", "LOG")
    for c in conns:
        c.close()


def test_requirepass_is_the_default_users_password(both, server, reference):
    same(both, "CONFIG", "SET", "requirepass", "pw")
    try:
        same(both, "ACL", "GETUSER", "default")
        conns = [RespConn(s.host, s.port) for s in (server, reference)]
        same(conns, "GET", "a")
        same(conns, "ACL", "WHOAMI")
        same(conns, "AUTH", "default", "nope")
        same(conns, "AUTH", "pw")
        same(conns, "ACL", "WHOAMI")
        for c in conns:
            c.close()
    finally:
        for c in both:
            c.cmd("AUTH", "pw")
            assert c.cmd("CONFIG", "SET", "requirepass", "") == "OK"


def test_multi_exec_checks_at_queue_time_and_at_exec(both, server, reference):
    same(both, "ACL", "SETUSER", "tx", "on", ">p", "~a*", "+@all")
    conns = user_conns((server, reference), "tx", "p")
    same(conns, "MULTI")
    same(conns, "GET", "a1")
    same(conns, "GET", "b1")  # refused while queueing: EXECABORT
    same(conns, "EXEC")
    same(conns, "MULTI")
    same(conns, "SET", "a1", "v")
    same(conns, "ACL", "SETUSER", "tx", "-get")
    same(conns, "GET", "a1")  # queued, then refused by EXEC: the rules changed
    same(conns, "EXEC")
    got, want = (log_without_clock(c, 2) for c in both)
    assert got == want
    assert [e[b"context"] for e in got] == [b"multi", b"multi"]
    for c in conns:
        c.close()


def test_scripts_run_with_the_callers_permissions(both, server, reference):
    same(both, "ACL", "SETUSER", "lua", "on", ">p", "~a*", "&c*", "+@all", "-set")
    conns = user_conns((server, reference), "lua", "p")
    same(conns, "EVAL", "return redis.call('set','a','1')", "0")
    same(conns, "EVAL", "return redis.call('get','b')", "0")
    same(conns, "EVAL", "return redis.pcall('get','b')", "0")
    same(conns, "EVAL", "return redis.call('publish','d','m')", "0")
    same(conns, "EVAL", "return redis.call('get','a')", "0")
    same(conns, "EVAL", "return 1", "1", "b")  # the script's own keys are checked first
    same(conns, "EVAL", "return 1", "2", "a1", "a2")
    same(conns, "EVAL_RO", "return 1", "1", "b")
    got, want = (log_without_clock(c, 5) for c in both)
    assert got == want
    # EVAL and EVAL_RO refused on key b share one entry (same reason, context, object, user).
    assert [(e[b"context"], e[b"count"]) for e in got] == [
        (b"toplevel", 2), (b"lua", 1), (b"lua", 2), (b"lua", 1)]
    for c in conns:
        c.close()


def test_deluser_closes_the_users_connections(both, server, reference):
    same(both, "ACL", "SETUSER", "gone", "on", ">p", "+@all", "~*")
    conns = user_conns((server, reference), "gone", "p")
    same(both, "ACL", "DELUSER", "gone")
    for c in conns:
        try:
            reply = c.cmd("PING")
        except (ConnectionError, OSError, Exception) as e:  # closed: the expected outcome
            reply = type(e).__name__
        assert reply != "PONG"
        c.close()


def test_subscribers_that_lose_their_channel_are_closed(both, server, reference):
    same(both, "ACL", "SETUSER", "sub", "on", ">p", "+@all", "~*", "&news.*", "&chan")
    keep, lose, pat = (user_conns((server, reference), "sub", "p") for _ in range(3))
    same(keep, "SUBSCRIBE", "news.a")
    same(lose, "SUBSCRIBE", "chan")
    same(pat, "PSUBSCRIBE", "news.*")
    same(both, "ACL", "SETUSER", "sub", "resetchannels", "&news.*", "&news.a")
    same(keep, "PING")  # still subscribed to an allowed channel: stays
    same(pat, "PING")   # the pattern itself is still in the list
    for c in lose:
        with pytest.raises(Exception):
            c.cmd("PING")
    same(both, "ACL", "SETUSER", "sub", "resetchannels", "&news.a")
    same(keep, "PING")
    for c in pat:
        with pytest.raises(Exception):
            c.cmd("PING")
    for c in keep + lose + pat:
        c.close()


def test_client_list_and_kill_by_user(both, server, reference):
    same(both, "ACL", "SETUSER", "k", "on", ">p", "+@all", "~*")
    conns = user_conns((server, reference), "k", "p")
    for c in both:
        assert b" user=k " in c.cmd("CLIENT", "LIST")
    same(both, "CLIENT", "KILL", "USER", "nobody")
    same(both, "CLIENT", "KILL", "USER", "k")
    for c in conns:
        c.close()


USERS = {
    "all": ["+@all", "~*", "&*"],
    "ro": ["+@read", "+@connection", "~*", "&*"],
    "cache": ["+@all", "-@dangerous", "~cache:*", "&news.*"],
    "rw": ["+@all", "%R~r:*", "%W~w:*", "~rw:*", "&chan"],
    "nosub": ["+@all", "-subscribe", "-psubscribe", "allkeys", "&*"],
    "cfg": ["-@all", "+config|get", "+get", "+publish", "~*", "resetchannels"],
}
KEY_COMMANDS = [
    ["GET", "{k}"], ["SET", "{k}", "v"], ["SET", "{k}", "v", "GET"], ["INCR", "{k}"],
    ["DEL", "{k}"], ["EXISTS", "{k}"], ["MGET", "{k}", "cache:2"], ["RENAME", "{k}", "w:2"],
    ["RENAME", "w:3", "{k}"], ["APPEND", "{k}", "x"], ["EXPIRE", "{k}", "100"], ["TTL", "{k}"],
    ["STRLEN", "{k}"], ["GETDEL", "{k}"], ["SETNX", "{k}", "v"], ["TYPE", "{k}"],
    ["MSET", "{k}", "1", "rw:9", "2"],
]
OTHER_COMMANDS = [
    ["CONFIG", "GET", "maxmemory"], ["CONFIG", "SET", "maxmemory", "0"], ["KEYS", "nomatch*"],
    ["DBSIZE"], ["PING"], ["ECHO", "x"], ["ACL", "WHOAMI"], ["CLIENT", "ID"],
    ["FLUSHDB"],
]
KEYS = ["cache:1", "r:1", "w:1", "rw:1", "other"]
CHANNELS = ["news.a", "chan", "other"]


def fill(cmd, key):
    return [a.format(k=key) for a in cmd]


def outcome(reply):
    """An error keeps its text; any other reply only its kind (values differ by server)."""
    return reply if isinstance(reply, Error) else "ok"


def test_matrix_users_commands_keys_channels(both, server, reference):
    for name, rules in USERS.items():
        same(both, "ACL", "SETUSER", name, "on", ">pw", *rules)
    compared = denied = 0
    for name in USERS:
        conns = user_conns((server, reference), name, "pw")
        cases = [fill(c, k) for c in KEY_COMMANDS for k in KEYS] + OTHER_COMMANDS
        cases += [["PUBLISH", ch, "m"] for ch in CHANNELS]
        for cmd in cases:
            for c in both:  # the same starting keyspace for every case
                c.cmd("MSET", *[x for k in KEYS + ["w:3"] for x in (k, "1")])
            got, want = (outcome(c.cmd(*cmd)) for c in conns)
            assert got == want, f"user {name} {cmd}: cairn {got!r} redis {want!r}"
            dry = same(both, "ACL", "DRYRUN", name, *cmd)
            compared += 1
            denied += got != "ok"
            assert (dry == "OK") == (got == "ok" or not got.startswith("NOPERM")), (name, cmd)
        for ch in CHANNELS + ["news.*"]:
            for sub in ("SUBSCRIBE", "PSUBSCRIBE"):
                subs = [RespConn(s.host, s.port) for s in (server, reference)]
                for c in subs:
                    assert c.cmd("AUTH", name, "pw") == "OK"
                got, want = (outcome(c.cmd(sub, ch)) for c in subs)
                assert got == want, f"user {name} {sub} {ch}: cairn {got!r} redis {want!r}"
                for c in subs:
                    c.close()
        for c in conns:
            c.close()
    # The matrix exercised both outcomes on a good share of cases.
    assert compared > 400 and 100 < denied < compared - 100
    got, want = (log_without_clock(c, 50) for c in both)
    assert got == want


def test_acl_load_and_save_as_redis(make_server, tmp_path):
    """Both servers read "users.acl" from their own directory: ACL LOAD's error text (which names
    the file and lines, as given) and ACL SAVE's file must be the same."""
    good = "user default on nopass ~* &* +@all\nuser ops on #" + "c" * 64 + " ~* &* +@all -flushall\n"
    cairn = make_server(start=False, aclfile="users.acl")
    redis_server = Server("redis", tmp_path / "redis", {"aclfile": "users.acl"})
    (tmp_path / "redis").mkdir()
    servers = (cairn, redis_server)
    for s in servers:
        (s.data_dir / "users.acl").write_text(good)
        s.start()
    try:
        conns = [s.conn() for s in servers]
        same(conns, "ACL", "LIST")
        for s in servers:
            (s.data_dir / "users.acl").write_text(
                good + "user ops on +nosuch\nfoo bar\n\n# comment\nuser x on %X~a\n"
                "user ops off\nuser a #abc foo\nuser b ~* ~a\nuser c foo %X~a +nosuch -no2\n"
                "user d <x\nuser e allchannels &a +@nope\nuser f +config|nope\n")
        same(conns, "ACL", "LOAD")
        same(conns, "ACL", "LIST")
        same(conns, "ACL", "SETUSER", "new", "on", ">pw", "~n:*", "+get")
        same(conns, "ACL", "SAVE")
        saved = [(s.data_dir / "users.acl").read_text() for s in servers]
        assert saved[0] == saved[1] and "user new on #" in saved[0]
        for s in servers:
            (s.data_dir / "users.acl").write_text(good)
        same(conns, "ACL", "LOAD")
        same(conns, "ACL", "USERS")
        for c in conns:
            c.close()
    finally:
        redis_server.stop()
