"""-OOM in transactions and scripts at maxmemory with noeviction (issue 15), byte for byte
against Debian's redis-server 7.0 (maxmemory-policy noeviction) started next to the server under
test: CONFIG SET maxmemory 1 puts both over the limit. Inside MULTI every command but EXEC and
DISCARD is refused and flags the transaction; EXEC of a queue that may grow the dataset is
refused when memory filled up after queueing; a script's first write is refused (its reads and
deletes run); a `#!lua` script without no-writes or allow-oom is refused before it runs.
"""

import pytest

from helpers import Server
from test_transactions import run_raw

STEPS = [
    ("a", "MULTI"), ("a", "SET", "a", "1"), ("a", "GET", "a"),
    ("b", "CONFIG", "SET", "maxmemory", "1"),
    ("a", "EXEC"),  # the queue has a SET: refused now that memory is full
    ("a", "MULTI"), ("a", "GET", "k"), ("a", "MULTI"), ("a", "WATCH", "x"), ("a", "EXEC"),
    ("a", "MULTI"), ("a", "SET", "x", "1"), ("a", "DISCARD"),
    ("a", "EVAL", "return redis.call('get', 'k')", "0"),
    ("a", "EVAL", "return redis.call('set', 'x', '1')", "0"),
    ("a", "EVAL", "return redis.pcall('set', 'k', 'v2')['err']", "0"),
    ("a", "EVAL", "return redis.call('del', 'nokey')", "0"),
    ("a", "EVAL_RO", "return redis.call('get', 'k')", "0"),
    ("a", "EVAL", "return 1", "0"),
    # A shebang script that may write is refused up front; no-writes or allow-oom ones run.
    ("a", "EVAL", "#!lua\nreturn 1", "0"),
    ("a", "EVAL_RO", "#!lua\nreturn 1", "0"),
    ("a", "EVAL", "#!lua flags=no-writes\nreturn redis.call('get', 'k')", "0"),
    ("a", "EVAL", "#!lua flags=allow-oom\nreturn redis.call('get', 'k')", "0"),
    ("a", "GET", "k"), ("a", "SET", "x", "1"), ("a", "DEL", "nokey"),
    ("b", "CONFIG", "SET", "maxmemory", "0"),
    ("a", "MULTI"), ("a", "SET", "x", "1"), ("a", "EXEC"),
]
OOM = b"-OOM command not allowed when used memory > 'maxmemory'.\r\n"
EXEC_ABORT_OOM = (b"-EXECABORT Transaction discarded because of: OOM command not allowed when "
                  b"used memory > 'maxmemory'.\r\n")


@pytest.fixture
def reference(kind, tmp_path_factory):
    if kind != "cairn":
        yield None
        return
    s = Server("redis", tmp_path_factory.mktemp("redis-ref"),
               {"eviction-policy": "noeviction"}).start()
    yield s
    s.stop()


def play(server):
    with server.conn() as a, server.conn() as b:
        conns = {"a": a, "b": b}
        assert a.cmd("FLUSHALL") == "OK"
        assert a.cmd("SET", "k", "v") == "OK"
        try:
            return [(step, run_raw(conns[step[0]], *step[1:])) for step in STEPS]
        finally:
            b.cmd("CONFIG", "SET", "maxmemory", "0")


def test_oom_in_multi_and_scripts_same_bytes_as_redis(make_server, reference):
    got = play(make_server(eviction_policy="noeviction"))
    assert got[4] == (STEPS[4], EXEC_ABORT_OOM)
    assert got[6] == (STEPS[6], OOM)
    if reference is None:
        return
    want = play(reference)
    diffs = [(g[0], g[1], w[1]) for g, w in zip(got, want) if g != w]
    assert not diffs
