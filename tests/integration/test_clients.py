"""Real clients and many of them: concurrency, redis-cli, redis-py, maxclients, timeout, AUTH."""

import socket
import subprocess
import threading
import time

import pytest
import redis

from helpers import wait_until
from resp_client import Error, encode

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


# -- client-output-buffer-limit normal ------------------------------------------------------------
BIG = b"v" * (1 << 20)


def greedy_client(s, n=200):
    """A raw socket that pipelines `n` GETs of the 1 MB key `big` (200 MB of replies) and never
    reads them."""
    g = socket.socket()
    g.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    g.settimeout(10)
    g.connect((s.host, s.port))
    g.sendall(encode("GET", "big") * n)
    return g


def drain_until_closed(sock, timeout=10.0):
    """Reads until the server closes `sock` (EOF or reset); returns the bytes received, or None
    if it is still open after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    total = 0
    while time.monotonic() < deadline:
        sock.settimeout(max(0.01, deadline - time.monotonic()))
        try:
            chunk = sock.recv(1 << 16)
        except ConnectionResetError:
            return total
        except socket.timeout:
            break
        if not chunk:
            return total
        total += len(chunk)
    return None


def test_normal_output_limit_closes_a_client_that_does_not_read(make_server):
    s = make_server()
    with s.conn() as admin:
        assert admin.cmd("SET", "big", BIG) == "OK"
        assert admin.cmd("CONFIG", "SET", "client-output-buffer-limit", "normal 4mb 0 0") == "OK"
        counter = "client_output_buffer_limit_disconnections"
        before = s.info("stats", conn=admin).get(counter)
        greedy = greedy_client(s)
        try:
            received = drain_until_closed(greedy)
        finally:
            greedy.close()
        assert received is not None, "the client over its output limit was not closed"
        assert received < 16 * len(BIG), "the closed client was sent far more than its limit"
        # the others are still served
        assert admin.cmd("PING") == "PONG"
        with s.conn() as other:
            assert other.cmd("GET", "big") == BIG
        after = s.info("stats", conn=admin)
        if s.kind == "cairn" or before is not None:  # Redis has the field from 7.4 on
            assert after[counter] == (before or 0) + 1
        if s.kind == "cairn":
            wait_until(lambda: "closed for overcoming of output buffer limits "
                       "(client-output-buffer-limit normal)" in s.output(),
                       timeout=5, message="the warning in the log")


def test_normal_clients_have_no_output_limit_by_default(make_server):
    s = make_server()
    with s.conn() as admin:
        assert admin.cmd("SET", "big", BIG) == "OK"
        assert b"normal 0 0 0" in admin.cmd("CONFIG", "GET", "client-output-buffer-limit")[1]
        greedy = greedy_client(s)
        try:
            time.sleep(0.5)  # time to fill the socket buffers and stall on the unread replies
            addr = "addr=%s:%d " % greedy.getsockname()[:2]
            assert addr in admin.cmd("CLIENT", "LIST").decode(), "the greedy client was closed"
            assert admin.cmd("PING") == "PONG"
        finally:
            greedy.close()
