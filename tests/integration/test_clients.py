"""Real clients and many of them: concurrency, redis-cli, redis-py, maxclients, timeout, AUTH."""

import subprocess
import threading

import pytest
import redis

from helpers import wait_until
from resp_client import Error

NOAUTH = Error("NOAUTH Authentication required.")
WRONGPASS = Error("WRONGPASS invalid username-password pair or user is disabled.")


def test_200_concurrent_clients(server):
    n_clients, n_ops = 200, 25
    errors = []
    barrier = threading.Barrier(n_clients, timeout=30)

    def worker(idx):
        try:
            with server.conn(timeout=30) as c:
                barrier.wait()  # all 200 connected at once
                for j in range(n_ops):
                    key, value = f"c{idx}:k{j}", f"v{idx}:{j}".encode() * (1 + j % 5)
                    assert c.cmd("SET", key, value) == "OK"
                    assert c.cmd("GET", key) == value
                    assert c.cmd("INCR", "shared") > 0
        except Exception as e:  # collected and reported by the main thread
            errors.append(f"client {idx}: {e!r}")

    with server.conn() as check:
        check.cmd("FLUSHALL")
        threads = [threading.Thread(target=worker, args=(i,)) for i in range(n_clients)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(60)
        assert not any(t.is_alive() for t in threads), "workers hung"
        assert not errors, errors[:5]
        assert check.cmd("GET", "shared") == str(n_clients * n_ops).encode()
        assert check.cmd("DBSIZE") == n_clients * n_ops + 1
        assert check.cmd("GET", "c17:k3") == b"v17:3" * 4


def test_redis_cli(server):
    server.cli("flushall")
    res = server.cli("set", "cli-key", "hello world")
    assert res.returncode == 0 and res.stdout == b"OK\n"
    assert server.cli("get", "cli-key").stdout == b"hello world\n"
    assert server.cli("incr", "cli-n").stdout == b"1\n"
    assert server.cli("ping").stdout == b"PONG\n"
    assert server.cli("get", "cli-missing").stdout == b"\n"
    assert server.cli("mget", "cli-key", "cli-n").stdout == b"hello world\n1\n"
    err = server.cli("get")
    assert b"ERR wrong number of arguments for 'get' command" in err.stdout + err.stderr


def test_redis_cli_reads_value_from_stdin(server):
    res = subprocess.run(["redis-cli", "-h", server.host, "-p", str(server.port), "-x", "set",
                          "from-stdin"], input=b"line1\nline2", capture_output=True, timeout=10)
    assert res.returncode == 0 and res.stdout == b"OK\n"
    with server.conn() as c:
        assert c.cmd("GET", "from-stdin") == b"line1\nline2"


def test_redis_py_client(server):
    client = server.client()
    client.flushall()
    assert client.ping() is True
    assert client.set("py:k", "v", ex=100) is True
    assert client.get("py:k") == b"v"
    assert 99 <= client.ttl("py:k") <= 100
    assert client.set("py:k", "w", nx=True) is None
    assert client.mset({"py:a": 1, "py:b": 2}) is True
    assert client.mget("py:a", "py:b", "py:none") == [b"1", b"2", None]
    assert client.incrbyfloat("py:f", 2.5) == 2.5
    assert client.delete("py:a", "py:b") == 2
    pipe = client.pipeline(transaction=False)
    for i in range(100):
        pipe.set(f"py:p{i}", i)
    pipe.incr("py:counter")
    results = pipe.execute()
    assert results[:100] == [True] * 100 and results[100] == 1
    assert sorted(client.scan_iter(match="py:p1*", count=50)) == sorted(
        [b"py:p1"] + [f"py:p1{i}".encode() for i in range(10)])
    with pytest.raises(redis.ResponseError, match="wrong number of arguments"):
        client.execute_command("GET")
    assert client.config_get("maxmemory") == {"maxmemory": "0"}
    assert client.client_setname("pyclient") is True
    assert client.client_getname() == "pyclient"
    assert client.dbsize() == 103
    client.close()


def test_maxclients(make_server):
    s = make_server(maxclients=5)
    conns = [s.conn() for _ in range(5)]
    try:
        for c in conns:
            assert c.cmd("PING") == "PONG"
        with s.conn() as extra:
            assert extra.read_reply() == Error("ERR max number of clients reached")
            assert extra.is_closed()
        conns.pop().close()
        # once a slot frees up a new client gets in
        def can_connect():
            with s.conn() as c:
                try:
                    return c.cmd("PING") == "PONG"
                except Exception:
                    return False
        wait_until(can_connect, timeout=5, interval=0.05, message="a free client slot")
        info = s.info("stats", conn=conns[0])
        assert info["rejected_connections"] >= 1
    finally:
        for c in conns:
            c.close()


def test_idle_timeout_closes_idle_clients(make_server):
    s = make_server(timeout=1)
    with s.conn() as idle, s.conn() as busy:
        assert idle.cmd("PING") == "PONG"

        def idle_closed_while_busy_served():
            assert busy.cmd("PING") == "PONG"  # keeps `busy` active; it must never be closed
            return idle.is_closed(timeout=0.1)

        wait_until(idle_closed_while_busy_served, timeout=6, interval=0,
                   message="the idle client to be closed")
        assert busy.cmd("PING") == "PONG"


def test_requirepass(make_server):
    s = make_server(requirepass="s3cret")
    with s.conn() as c:
        assert c.cmd("GET", "k") == NOAUTH
        assert c.cmd("PING") == NOAUTH
        assert c.cmd("SET", "k", "v") == NOAUTH
        assert c.cmd("AUTH", "wrong") == WRONGPASS
        assert c.cmd("AUTH", "default", "wrong") == WRONGPASS
        assert c.cmd("AUTH", "s3cret") == "OK"
        assert c.cmd("SET", "k", "v") == "OK"
        assert c.cmd("GET", "k") == b"v"
        # RESET drops the authentication
        assert c.cmd("RESET") == "RESET"
        assert c.cmd("GET", "k") == NOAUTH
        assert c.cmd("AUTH", "default", "s3cret") == "OK"
        assert c.cmd("GET", "k") == b"v"
    with s.conn() as c:
        assert c.cmd("HELLO", "2", "AUTH", "default", "wrong") == WRONGPASS
        assert c.cmd("HELLO", "2", "AUTH", "default", "s3cret")[0] == b"server"
        assert c.cmd("GET", "k") == b"v"
    with s.conn() as c:
        assert c.cmd("QUIT") == "OK"  # allowed without AUTH
        assert c.is_closed()
    # the real clients authenticate too
    assert s.cli("get", "k").stdout.startswith(b"NOAUTH")
    assert s.cli("get", "k", password="s3cret").stdout == b"v\n"
    client = s.client(password="s3cret")
    assert client.get("k") == b"v"
    client.close()
    with pytest.raises(redis.AuthenticationError):
        s.client().get("k")


def test_unauthenticated_request_limits(make_server):
    s = make_server(requirepass="s3cret")
    with s.conn() as c:
        c.send_raw(b"*20\r\n")  # more than 10 arguments before AUTH
        assert c.read_reply() == Error("ERR Protocol error: unauthenticated multibulk length")
        assert c.is_closed()
    with s.conn() as c:
        c.send_raw(b"*2\r\n$4\r\nAUTH\r\n$20000\r\n")  # a bulk over 16 KB before AUTH
        assert c.read_reply() == Error("ERR Protocol error: unauthenticated bulk length")
        assert c.is_closed()
    with s.conn() as c:
        assert c.cmd("AUTH", "s3cret") == "OK"
        assert c.cmd("MSET", *[f"k{i}" for i in range(20)]) == "OK"
        assert c.cmd("SET", "big", b"x" * 20000) == "OK"
