"""MULTI / EXEC / DISCARD / WATCH / UNWATCH (issue 15).

The error cases are checked byte for byte against Debian's redis-server 7.0 (started next to the
server under test on another loopback port): every scenario sends the same commands to both and
compares the raw replies. Then real clients (redis-py's transactional pipeline and its WATCH retry
loop) and cross-shard atomicity under concurrent load.
"""

import threading
import time

import pytest
import redis

from helpers import assert_sum_holds_during
from resp_client import Error, encode


def raw_reply(c):
    """Reads one reply and returns its exact bytes (RESP2 is line based: lines + bulk bodies)."""
    line = c._line()
    out = line + b"\r\n"
    t, rest = line[:1], line[1:]
    if t == b"$" and int(rest) >= 0:
        out += c._exact(int(rest)) + b"\r\n"
    elif t == b"*" and int(rest) >= 0:
        for _ in range(int(rest)):
            out += raw_reply(c)
    return out


def run_raw(c, *args):
    c.send_raw(encode(*args))
    return raw_reply(c)



# Each scenario: a list of steps; a step is (connection index, command args...). Two connections
# per scenario so that another client's writes can be tested. Timed steps ("sleep", seconds) only
# let a short expiry pass; nothing asserts on time.
SCENARIOS = {
    "exec_discard_without_multi": [(0, "EXEC"), (0, "DISCARD")],
    "nested_multi_and_watch_inside": [
        (0, "MULTI"), (0, "MULTI"), (0, "WATCH", "x"), (0, "SET", "a", "1"), (0, "EXEC"),
        (0, "GET", "a")],
    "arity_error_aborts": [
        (0, "MULTI"), (0, "SET", "a", "1"), (0, "GET"), (0, "EXEC"), (0, "EXEC"), (0, "GET", "a")],
    "unknown_command_aborts": [
        (0, "MULTI"), (0, "SET", "a", "1"), (0, "NOSUCHCMD", "x", "y"), (0, "EXEC"),
        (0, "EXISTS", "a")],
    "runtime_errors_in_their_slot": [
        (0, "SET", "s", "abc"), (0, "MULTI"), (0, "SET", "a", "1"), (0, "INCR", "a"),
        (0, "INCR", "s"), (0, "SET", "k", "v", "EX", "0"), (0, "GET", "a"), (0, "EXEC")],
    "not_allowed_in_multi": [
        (0, "MULTI"), (0, "SAVE"), (0, "SHUTDOWN"), (0, "SET", "a", "1"), (0, "EXEC"),
        (0, "EXISTS", "a")],
    "discard": [
        (0, "MULTI"), (0, "SET", "a", "1"), (0, "DISCARD"), (0, "EXEC"), (0, "EXISTS", "a")],
    "empty_exec": [(0, "MULTI"), (0, "EXEC")],
    "unwatch_and_ping_queued": [
        (0, "MULTI"), (0, "UNWATCH"), (0, "PING"), (0, "ECHO", "x"), (0, "EXEC")],
    "watch_arity": [(0, "WATCH"), (0, "MULTI"), (0, "WATCH"), (0, "EXEC")],
    "watch_other_client_write": [
        (0, "SET", "w", "1"), (0, "WATCH", "w"), (1, "SET", "w", "2"), (0, "MULTI"),
        (0, "SET", "w", "3"), (0, "EXEC"), (0, "GET", "w")],
    "watch_own_write": [
        (0, "WATCH", "w"), (0, "SET", "w", "1"), (0, "MULTI"), (0, "GET", "w"), (0, "EXEC")],
    "watch_untouched": [
        (0, "SET", "w", "1"), (0, "WATCH", "w", "other"), (1, "SET", "x", "2"), (0, "MULTI"),
        (0, "INCR", "w"), (0, "EXEC")],
    "watch_delete_and_recreate": [
        (0, "SET", "w", "1"), (0, "WATCH", "w"), (1, "DEL", "w"), (1, "SET", "w", "1"),
        (0, "MULTI"), (0, "GET", "w"), (0, "EXEC")],
    "watch_absent_set_then_deleted": [
        (0, "WATCH", "w"), (1, "SET", "w", "1"), (1, "DEL", "w"), (0, "MULTI"), (0, "GET", "w"),
        (0, "EXEC")],
    "watch_expire_command": [
        (0, "SET", "w", "1"), (0, "WATCH", "w"), (1, "EXPIRE", "w", "100"), (0, "MULTI"),
        (0, "TTL", "w"), (0, "EXEC")],
    "watch_rename": [
        (0, "SET", "src", "1"), (0, "WATCH", "dst"), (1, "RENAME", "src", "dst"), (0, "MULTI"),
        (0, "GET", "dst"), (0, "EXEC")],
    "watch_flushall_existing": [
        (0, "SET", "w", "1"), (0, "WATCH", "w"), (1, "FLUSHALL"), (0, "MULTI"), (0, "GET", "w"),
        (0, "EXEC")],
    "watch_flushall_absent": [
        (0, "WATCH", "w"), (1, "SET", "x", "1"), (1, "FLUSHALL"), (0, "MULTI"), (0, "GET", "w"),
        (0, "EXEC")],
    "watch_lazy_expired": [
        (0, "SET", "w", "1", "PX", "30"), (0, "WATCH", "w"), ("sleep", 0.1), (0, "MULTI"),
        (0, "GET", "w"), (0, "EXEC")],
    "watch_already_expired": [
        (0, "SET", "w", "1", "PX", "30"), ("sleep", 0.1), (0, "WATCH", "w"), (0, "MULTI"),
        (0, "GET", "w"), (0, "EXEC")],
    "unwatch_then_write": [
        (0, "SET", "w", "1"), (0, "WATCH", "w"), (0, "UNWATCH"), (1, "SET", "w", "2"),
        (0, "MULTI"), (0, "GET", "w"), (0, "EXEC")],
    "exec_unwatches": [
        (0, "WATCH", "w"), (0, "MULTI"), (0, "EXEC"), (1, "SET", "w", "2"), (0, "MULTI"),
        (0, "GET", "w"), (0, "EXEC")],
    "discard_unwatches": [
        (0, "WATCH", "w"), (0, "MULTI"), (0, "DISCARD"), (1, "SET", "w", "2"), (0, "MULTI"),
        (0, "GET", "w"), (0, "EXEC")],
    "reset_leaves_multi": [
        (0, "WATCH", "w"), (0, "MULTI"), (0, "SET", "a", "1"), (0, "RESET"), (0, "EXEC"),
        (1, "SET", "w", "1"), (0, "MULTI"), (0, "EXISTS", "a"), (0, "EXEC")],
    "auth_free_commands_in_multi": [
        (0, "MULTI"), (0, "SELECT", "0"), (0, "SET", "a", "1"), (0, "EXEC")],
    "select_bad_db_runtime": [(0, "MULTI"), (0, "SELECT", "99"), (0, "EXEC")],
}


def play(server, steps):
    conns = [server.conn(), server.conn()]
    try:
        assert conns[0].cmd("FLUSHALL") == "OK"
        out = []
        for step in steps:
            if step[0] == "sleep":
                time.sleep(step[1])
                continue
            out.append((step, run_raw(conns[step[0]], *step[1:])))
        return out
    finally:
        for c in conns:
            c.close()


@pytest.mark.parametrize("name", sorted(SCENARIOS))
def test_same_bytes_as_redis(server, reference, name):
    got = play(server, SCENARIOS[name])
    if reference is None:
        pytest.skip("the target is the reference itself")
    want = play(reference, SCENARIOS[name])
    assert got == want


def test_queued_replies_and_exec_array(r):
    assert r.cmd("MULTI") == "OK"
    assert r.cmd("SET", "a", "1") == "QUEUED"
    assert r.cmd("INCRBY", "a", "5") == "QUEUED"
    assert r.cmd("GET", "a") == "QUEUED"
    assert r.cmd("EXEC") == ["OK", 6, b"6"]


def test_client_list_shows_multi(server, r):
    r.cmd("CLIENT", "SETNAME", "txclient")
    assert r.cmd("MULTI") == "OK"
    r.cmd("SET", "a", "1")
    r.cmd("SET", "b", "2")
    with server.conn() as other:
        line = next(ln for ln in other.cmd("CLIENT", "LIST").decode().splitlines()
                    if "name=txclient" in ln)
    fields = dict(f.split("=", 1) for f in line.split(" "))
    assert fields["flags"] == "x"
    assert fields["multi"] == "2"
    assert r.cmd("EXEC") == ["OK", "OK"]
    with server.conn() as other:
        line = next(ln for ln in other.cmd("CLIENT", "LIST").decode().splitlines()
                    if "name=txclient" in ln)
    fields = dict(f.split("=", 1) for f in line.split(" "))
    assert fields["flags"] == "N"
    assert fields["multi"] == "-1"


def test_redis_py_pipeline_transaction(server):
    client = redis.Redis(host=server.host, port=server.port)
    client.flushall()
    with client.pipeline(transaction=True) as pipe:
        pipe.set("k1", "v1").set("k2", "v2", ex=100).incr("n").get("k1")
        assert pipe.execute() == [True, True, 1, b"v1"]
    assert 0 < client.ttl("k2") <= 100
    # A runtime error is reported in its slot; the other commands ran.
    client.set("s", "abc")
    with client.pipeline(transaction=True) as pipe:
        pipe.incr("s").set("after", "1")
        results = pipe.execute(raise_on_error=False)
    assert isinstance(results[0], redis.ResponseError)
    assert results[1] is True
    assert client.get("after") == b"1"
    # A command with a wrong arity aborts the transaction (redis-py reports the queueing error
    # that caused the -EXECABORT).
    with client.pipeline(transaction=True) as pipe:
        pipe.set("never", "1").execute_command("GET")
        with pytest.raises(redis.ResponseError, match="wrong number of arguments"):
            pipe.execute()
    assert client.exists("never") == 0
    client.close()


def test_redis_py_watch_retry_loop(server):
    """Concurrent optimistic increments through WATCH/MULTI/EXEC: none is lost."""
    n_clients, n_incr = 6, 40
    setup = redis.Redis(host=server.host, port=server.port)
    setup.flushall()
    setup.set("counter", 0)
    retries = []
    errors = []

    def worker():
        client = redis.Redis(host=server.host, port=server.port, socket_timeout=30)
        try:
            for _ in range(n_incr):
                with client.pipeline() as pipe:
                    while True:
                        try:
                            pipe.watch("counter")
                            value = int(pipe.get("counter"))
                            pipe.multi()
                            pipe.set("counter", value + 1)
                            pipe.execute()
                            break
                        except redis.WatchError:
                            retries.append(1)
        except Exception as e:  # reported by the main thread
            errors.append(repr(e))
        finally:
            client.close()

    threads = [threading.Thread(target=worker) for _ in range(n_clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert not errors
    assert int(setup.get("counter")) == n_clients * n_incr
    setup.close()


@pytest.mark.cairn_only
def test_exec_is_atomic_across_shards(make_server):
    """Transfers between keys of different shards never show a half-done state to a reader."""
    s = make_server(shards=16, io_threads=4)
    keys = [f"acct:{i}" for i in range(8)]
    total = 1000 * len(keys)
    with s.conn() as c:
        c.cmd("MSET", *[x for k in keys for x in (k, 1000)])

    def transfer(idx):
        with s.conn(timeout=30) as c:
            for j in range(300):
                a, b = keys[(idx + j) % len(keys)], keys[(idx + 3 * j + 1) % len(keys)]
                # Filler commands widen the window between the two halves of a transfer, so
                # that a reader running inside it would be caught.
                filler = [("SET", f"filler:{idx}:{n}", "x" * 64) for n in range(16)]
                replies = c.pipeline([("MULTI",), ("DECRBY", a, 7), *filler,
                                      ("INCRBY", b, 7), ("EXEC",)])
                assert replies[0] == "OK" and set(replies[1:-1]) == {"QUEUED"}, replies
                assert isinstance(replies[-1], list) and len(replies[-1]) == 18, replies

    assert_sum_holds_during(s, keys, total, transfer, workers=6)
    with s.conn() as c:
        assert sum(int(v) for v in c.cmd("MGET", *keys)) == total


@pytest.mark.cairn_only
def test_exec_is_one_undo_step(r):
    r.cmd("SET", "a", "old")
    assert r.cmd("MULTI") == "OK"
    r.cmd("SET", "a", "new")
    r.cmd("SET", "b", "created")
    r.cmd("INCR", "n")
    assert r.cmd("EXEC") == ["OK", "OK", 1]
    assert r.cmd("UNDO") == 1  # one step: the whole transaction
    assert r.cmd("GET", "a") == b"old"
    assert r.cmd("EXISTS", "b", "n") == 0
    assert r.cmd("MULTI") == "OK"
    assert r.cmd("UNDO") == Error("ERR Command not allowed inside a transaction")
    assert r.cmd("EXEC") == Error("EXECABORT Transaction discarded because of previous errors.")
