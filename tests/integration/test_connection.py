"""Connection commands: PING ECHO QUIT SELECT AUTH HELLO RESET CLIENT."""

import pytest

from helpers import wait_until
from resp_client import ConnectionClosed, Error


def arity(cmd):
    return Error(f"ERR wrong number of arguments for '{cmd}' command")


def test_ping(r):
    assert r.cmd("PING") == "PONG"
    assert r.cmd("ping", "hello") == b"hello"
    assert r.cmd("PING", "a", "b") == arity("ping")


def test_wire_format(r):
    r.send_raw(b"*1\r\n$4\r\nPING\r\n")
    assert r.read_raw(7) == b"+PONG\r\n"
    r.send_raw(b"*2\r\n$4\r\nPING\r\n$2\r\nhi\r\n")
    assert r.read_raw(8) == b"$2\r\nhi\r\n"
    r.send_raw(b"*2\r\n$3\r\nGET\r\n$7\r\nmissing\r\n")
    assert r.read_raw(5) == b"$-1\r\n"
    r.send_raw(b"*3\r\n$3\r\nSET\r\n$1\r\na\r\n$1\r\n1\r\n")
    assert r.read_raw(5) == b"+OK\r\n"
    r.send_raw(b"*3\r\n$4\r\nMGET\r\n$1\r\na\r\n$1\r\nb\r\n")
    assert r.read_raw(16) == b"*2\r\n$1\r\n1\r\n$-1\r\n"
    r.send_raw(b"*2\r\n$4\r\nINCR\r\n$1\r\na\r\n")
    assert r.read_raw(4) == b":2\r\n"
    r.send_raw(b"*2\r\n$4\r\nKEYS\r\n$4\r\nnone\r\n")
    assert r.read_raw(4) == b"*0\r\n"
    r.send_raw(b"*1\r\n$3\r\nGET\r\n")
    expected = b"-ERR wrong number of arguments for 'get' command\r\n"
    assert r.read_raw(len(expected)) == expected


def test_echo(r):
    assert r.cmd("ECHO", "hello world") == b"hello world"
    assert r.cmd("ECHO", "") == b""
    assert r.cmd("ECHO") == arity("echo")
    assert r.cmd("ECHO", "a", "b") == arity("echo")


def test_quit_replies_ok_then_closes(server):
    c = server.conn()
    assert c.cmd("QUIT") == "OK"
    assert c.is_closed()
    c.close()
    with server.conn() as other:
        assert other.cmd("PING") == "PONG"


def test_unknown_command(r):
    assert r.cmd("NOSUCHCMD") == Error("ERR unknown command 'NOSUCHCMD', with args beginning with: ")
    assert r.cmd("nosuch", "k", "v") == Error(
        "ERR unknown command 'nosuch', with args beginning with: 'k' 'v' ")
    # the connection stays usable
    assert r.cmd("PING") == "PONG"


@pytest.mark.cairn_only  # cairn serves strings only; other data types are unknown commands
def test_other_types_are_unknown_commands(r):
    assert r.cmd("lpush", "k", "v") == Error(
        "ERR unknown command 'lpush', with args beginning with: 'k' 'v' ")
    assert r.cmd("HSET", "h", "f", "v") == Error(
        "ERR unknown command 'HSET', with args beginning with: 'h' 'f' 'v' ")
    assert r.cmd("SADD", "s", "m") == Error(
        "ERR unknown command 'SADD', with args beginning with: 's' 'm' ")
    assert r.cmd("PING") == "PONG"


def test_select(r):
    assert r.cmd("SELECT", "0") == "OK"
    assert r.cmd("SELECT", "abc") == Error("ERR value is not an integer or out of range")
    assert r.cmd("SELECT", "100000") == Error("ERR DB index is out of range")
    assert r.cmd("SELECT", "-1") == Error("ERR DB index is out of range")
    assert r.cmd("SELECT") == arity("select")


def test_auth_without_password_configured(r):
    assert r.cmd("AUTH", "secret") == Error(
        "ERR AUTH <password> called without any password configured for the default user. "
        "Are you sure your configuration is correct?")
    assert r.cmd("AUTH") == arity("auth")
    assert r.cmd("AUTH", "a", "b", "c") == Error("ERR syntax error")


def hello_map(reply):
    assert isinstance(reply, list) and len(reply) % 2 == 0, reply
    return {reply[i]: reply[i + 1] for i in range(0, len(reply), 2)}


def test_hello(r):
    m = hello_map(r.cmd("HELLO"))
    for key in (b"server", b"version", b"proto", b"id", b"mode", b"role", b"modules"):
        assert key in m
    assert m[b"proto"] == 2
    assert m[b"id"] == r.cmd("CLIENT", "ID")
    m = hello_map(r.cmd("HELLO", "2"))
    assert m[b"proto"] == 2


def test_hello_errors(r):
    assert r.cmd("HELLO", "4") == Error("NOPROTO unsupported protocol version")
    assert r.cmd("HELLO", "1") == Error("NOPROTO unsupported protocol version")
    assert r.cmd("HELLO", "abc") == Error(
        "ERR Protocol version is not an integer or out of range")
    assert r.cmd("HELLO", "2", "BOGUS") == Error("ERR Syntax error in HELLO option 'BOGUS'")
    assert r.cmd("HELLO", "2", "AUTH", "default") == Error(
        "ERR Syntax error in HELLO option 'AUTH'")


def test_hello_setname(r):
    hello_map(r.cmd("HELLO", "2", "SETNAME", "myconn"))
    assert r.cmd("CLIENT", "GETNAME") == b"myconn"


def test_reset(r):
    assert r.cmd("CLIENT", "SETNAME", "before") == "OK"
    assert r.cmd("RESET") == "RESET"
    assert r.cmd("CLIENT", "GETNAME") is None
    assert r.cmd("RESET", "x") == arity("reset")


def test_client_id_is_unique_and_increasing(server):
    with server.conn() as a, server.conn() as b:
        ida, idb = a.cmd("CLIENT", "ID"), b.cmd("CLIENT", "ID")
        assert isinstance(ida, int) and isinstance(idb, int)
        assert idb > ida
        assert a.cmd("CLIENT", "ID") == ida


def test_client_setname_getname(r):
    assert r.cmd("CLIENT", "GETNAME") is None
    assert r.cmd("CLIENT", "SETNAME", "worker-1") == "OK"
    assert r.cmd("CLIENT", "GETNAME") == b"worker-1"
    bad = Error("ERR Client names cannot contain spaces, newlines or special characters.")
    assert r.cmd("CLIENT", "SETNAME", "a b") == bad
    assert r.cmd("CLIENT", "SETNAME", "a\nb") == bad
    assert r.cmd("CLIENT", "GETNAME") == b"worker-1"
    assert r.cmd("CLIENT", "SETNAME", "") == "OK"  # clears the name
    assert r.cmd("CLIENT", "GETNAME") is None
    assert r.cmd("CLIENT", "SETNAME") == arity("client|setname")


def parse_client_line(line):
    fields = {}
    for kv in line.split(" "):
        k, _, v = kv.partition("=")
        fields[k] = v
    return fields


def test_client_list_and_info(server):
    with server.conn() as a, server.conn() as b:
        assert a.cmd("CLIENT", "SETNAME", "alpha") == "OK"
        ida, idb = a.cmd("CLIENT", "ID"), b.cmd("CLIENT", "ID")
        text = b.cmd("CLIENT", "LIST")
        assert isinstance(text, bytes)
        lines = [parse_client_line(l) for l in text.decode().strip("\n").split("\n")]
        by_id = {int(f["id"]): f for f in lines}
        assert ida in by_id and idb in by_id
        assert by_id[ida]["name"] == "alpha"
        assert by_id[idb]["cmd"] == "client|list"
        host, port = by_id[idb]["addr"].rsplit(":", 1)
        assert host == "127.0.0.1" and port == str(b.sock.getsockname()[1])
        assert by_id[idb]["laddr"] == f"127.0.0.1:{server.port}"
        # CLIENT LIST ID filters
        only = a.cmd("CLIENT", "LIST", "ID", str(ida)).decode().strip("\n").split("\n")
        assert [int(parse_client_line(l)["id"]) for l in only] == [ida]
        info = a.cmd("CLIENT", "INFO")
        assert isinstance(info, bytes) and info.endswith(b"\n")
        fields = parse_client_line(info.decode().strip("\n"))
        assert int(fields["id"]) == ida and fields["name"] == "alpha"
        assert fields["cmd"] == "client|info"
        assert a.cmd("CLIENT", "LIST", "ID", "abc") == Error("ERR Invalid client ID")


def test_client_kill(server):
    with server.conn() as killer, server.conn() as victim, server.conn() as victim2:
        vid = victim.cmd("CLIENT", "ID")
        assert killer.cmd("CLIENT", "KILL", "ID", str(vid)) == 1
        assert victim.is_closed()
        assert killer.cmd("CLIENT", "KILL", "ID", "999999999") == 0
        # old form: CLIENT KILL addr
        addr = "127.0.0.1:%d" % victim2.sock.getsockname()[1]
        assert killer.cmd("CLIENT", "KILL", addr) == "OK"
        assert victim2.is_closed()
        assert killer.cmd("CLIENT", "KILL", "127.0.0.1:1") == Error("ERR No such client")
        assert killer.cmd("CLIENT", "KILL", "ID", "abc") == Error(
            "ERR client-id should be greater than 0")
        assert killer.cmd("CLIENT", "KILL", "BOGUS", "1") == Error("ERR syntax error")
        assert killer.cmd("PING") == "PONG"


def test_client_kill_skipme(server):
    with server.conn() as c:
        me = c.cmd("CLIENT", "ID")
        # SKIPME yes (default) never kills the caller
        assert c.cmd("CLIENT", "KILL", "ID", str(me)) == 0
        assert c.cmd("CLIENT", "KILL", "ID", str(me), "SKIPME", "no") == 1
        assert c.is_closed()


def test_client_reply_off_skip_on(r):
    # OFF: no replies until ON, whose +OK is the first thing to arrive
    r.send("CLIENT", "REPLY", "OFF")
    r.send("SET", "k", "1")
    r.send("INCR", "k")
    assert r.cmd("CLIENT", "REPLY", "ON") == "OK"
    assert r.cmd("GET", "k") == b"2"
    # SKIP: only the next command's reply is dropped
    r.send("CLIENT", "REPLY", "SKIP")
    r.send("INCR", "k")
    assert r.cmd("INCR", "k") == 4
    assert r.cmd("CLIENT", "REPLY", "MAYBE") == Error("ERR syntax error")


def test_client_errors(r):
    assert r.cmd("CLIENT", "NOPE") == Error("ERR unknown subcommand 'NOPE'. Try CLIENT HELP.")
    assert r.cmd("CLIENT") == arity("client")
    assert r.cmd("CLIENT", "ID", "extra") == arity("client|id")


@pytest.mark.cairn_only  # CLIENT SETINFO is Redis 7.2; the reference text is 7.2's
def test_client_setinfo(r):
    assert r.cmd("CLIENT", "SETINFO", "lib-name", "cairn-tests") == "OK"
    assert r.cmd("CLIENT", "SETINFO", "LIB-VER", "1.2.3") == "OK"
    fields = parse_client_line(r.cmd("CLIENT", "INFO").decode().strip("\n"))
    assert fields["lib-name"] == "cairn-tests"
    assert fields["lib-ver"] == "1.2.3"
    assert r.cmd("CLIENT", "SETINFO", "lib-name", "a b") == Error(
        "ERR lib-name cannot contain spaces, newlines or special characters.")
    assert r.cmd("CLIENT", "SETINFO", "colour", "blue") == Error(
        "ERR Unrecognized option 'colour'")
    assert r.cmd("CLIENT", "SETINFO", "lib-name") == arity("client|setinfo")


def test_connection_close_does_not_leak(server):
    with server.conn() as watcher:
        base = server.info("clients", conn=watcher)["connected_clients"]
        conns = [server.conn() for _ in range(5)]
        for c in conns:
            assert c.cmd("PING") == "PONG"
        assert server.info("clients", conn=watcher)["connected_clients"] == base + 5
        for c in conns:
            c.close()
        wait_until(lambda: server.info("clients", conn=watcher)["connected_clients"] == base,
                   message="connected_clients back to baseline")
        with pytest.raises((ConnectionClosed, OSError)):
            conns[0].cmd("PING")
