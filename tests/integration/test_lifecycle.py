"""Process lifecycle: startup configuration (file and flags), bad values, SIGTERM, SHUTDOWN."""

import signal
import threading

import pytest

from helpers import Server
from resp_client import ConnectionClosed, Error, encode

# (cairn key, bad value, redis-server key or None when redis has no such option)
BAD_VALUES = [
    ("maxmemory", "lots", "maxmemory"),
    ("eviction-policy", "bogus", "maxmemory-policy"),
    ("maxclients", "many", "maxclients"),
    ("timeout", "-5", "timeout"),
    ("port", "99999", "port"),
    ("proto-max-bulk-len", "huge", "proto-max-bulk-len"),
    ("client-query-buffer-limit", "x", "client-query-buffer-limit"),
    ("io-threads", "abc", "io-threads"),
    ("max-items", "-1", None),
    ("shards", "abc", None),
    ("no-such-option", "1", "no-such-option"),
]


def bad_server(kind, tmp_path, key, value):
    name = key if kind == "cairn" else key_for_redis(key)
    if name == "port":
        return Server(kind, tmp_path / "data", options={"port": value})
    return Server(kind, tmp_path / "data", extra_args=[f"--{name}", value])


def key_for_redis(key):
    for cairn_key, _, redis_key in BAD_VALUES:
        if cairn_key == key:
            return redis_key
    return key


@pytest.mark.parametrize("key,value", [(k, v) for k, v, _ in BAD_VALUES],
                         ids=[k for k, _, _ in BAD_VALUES])
def test_bad_flag_value_stops_startup(kind, tmp_path, key, value):
    if kind == "redis" and key_for_redis(key) is None:
        pytest.skip("no redis-server equivalent")
    rc, out = bad_server(kind, tmp_path, key, value).run_expecting_failure()
    assert rc != 0, out
    name = key if kind == "cairn" else key_for_redis(key)
    assert name in out, f"startup error does not name '{name}':\n{out}"


@pytest.mark.parametrize("line,key", [("maxmemory lots", "maxmemory"),
                                      ("frobnicate yes", "frobnicate"),
                                      ("maxclients", "maxclients")])
def test_bad_config_file_stops_startup(kind, tmp_path, line, key):
    conf = tmp_path / "bad.conf"
    conf.write_text(f"# a comment\n\n{line}\n")
    rc, out = Server(kind, tmp_path / "data", config_file=conf).run_expecting_failure()
    assert rc != 0, out
    assert key in out, f"startup error does not name '{key}':\n{out}"


def test_missing_config_file_stops_startup(kind, tmp_path):
    conf = tmp_path / "does-not-exist.conf"
    rc, out = Server(kind, tmp_path / "data", config_file=conf).run_expecting_failure()
    assert rc != 0, out
    assert "does-not-exist.conf" in out


def test_config_file_applies_and_flags_override(make_server, tmp_path):
    conf = tmp_path / "server.conf"
    conf.write_text("# cache settings\nmaxmemory 2mb\ntimeout 30\nmaxclients 77\n")
    s = make_server(config_file=conf, timeout=40)
    with s.conn() as c:
        assert c.cmd("CONFIG", "GET", "maxmemory") == [b"maxmemory", b"2097152"]
        assert c.cmd("CONFIG", "GET", "maxclients") == [b"maxclients", b"77"]
        assert c.cmd("CONFIG", "GET", "timeout") == [b"timeout", b"40"]  # flag beats file


def test_flags_apply(make_server):
    s = make_server(maxmemory="3mb", maxclients=123, eviction_policy="lfu", timeout=9)
    with s.conn() as c:
        assert c.cmd("CONFIG", "GET", "maxmemory") == [b"maxmemory", b"3145728"]
        assert c.cmd("CONFIG", "GET", "maxclients") == [b"maxclients", b"123"]
        assert c.cmd("CONFIG", "GET", "timeout") == [b"timeout", b"9"]
        assert c.cmd("CONFIG", "GET", s.policy_param)[1] == s.policy("lfu").encode()


@pytest.mark.cairn_only
def test_cairn_only_flags_apply(make_server):
    s = make_server(max_items=1234, shards=4, io_threads=2, eviction_policy="fifo")
    with s.conn() as c:
        assert c.cmd("CONFIG", "GET", "max-items") == [b"max-items", b"1234"]
        assert c.cmd("CONFIG", "GET", "eviction-policy") == [b"eviction-policy", b"fifo"]


def test_sigterm_exits_zero(make_server):
    s = make_server()
    with s.conn() as c:
        assert c.cmd("SET", "k", "v") == "OK"
        s.proc.send_signal(signal.SIGTERM)
        assert s.wait_exit() == 0
        assert c.is_closed()


def test_sigterm_with_busy_clients_exits_zero(make_server):
    s = make_server()
    stop = threading.Event()
    conns = [s.conn() for _ in range(8)]

    def hammer(c):
        try:
            while not stop.is_set():
                c.pipeline([("SET", "k", "v"), ("GET", "k")] * 50)
        except (ConnectionClosed, OSError):
            pass

    threads = [threading.Thread(target=hammer, args=(c,)) for c in conns]
    for t in threads:
        t.start()
    try:
        with s.conn() as probe:  # make sure the hammering has begun
            assert probe.cmd("PING") == "PONG"
        s.proc.send_signal(signal.SIGTERM)
        assert s.wait_exit() == 0
    finally:
        stop.set()
        for t in threads:
            t.join(10)
        for c in conns:
            c.close()


def test_shutdown_command(make_server):
    s = make_server()
    with s.conn() as c, s.conn() as other:
        assert c.cmd("SHUTDOWN", "BOGUS") == Error("ERR syntax error")
        assert c.cmd("PING") == "PONG"
        c.send_raw(encode("SHUTDOWN"))
        assert c.is_closed()
        assert c.buf[c.pos:] == b"", "SHUTDOWN must not reply on success"
        assert s.wait_exit() == 0
        assert other.is_closed()


def test_shutdown_nosave(make_server):
    s = make_server()
    with s.conn() as c:
        c.send_raw(encode("SHUTDOWN", "NOSAVE"))
        assert c.is_closed()
    assert s.wait_exit() == 0
