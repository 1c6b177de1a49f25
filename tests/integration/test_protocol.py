"""The wire protocol: binary safety, pipelining, inline commands, protocol errors and limits."""

import threading

import pytest

from resp_client import Error, encode


def test_binary_safe_values(r):
    value = b"\x00\r\n\x00binary\r\n\xff\xfe" + bytes(range(256))
    assert r.cmd("SET", "bin", value) == "OK"
    assert r.cmd("GET", "bin") == value
    assert r.cmd("STRLEN", "bin") == len(value)
    assert r.cmd("APPEND", "bin", b"\r\n") == len(value) + 2
    assert r.cmd("GETRANGE", "bin", "0", "2") == b"\x00\r\n"
    assert r.cmd("MGET", "bin", "none") == [value + b"\r\n", None]
    assert r.cmd("ECHO", b"a\r\nb\x00") == b"a\r\nb\x00"


def test_large_value_roundtrip(r):
    value = bytes(i % 251 for i in range(4 * 1024 * 1024))
    assert r.cmd("SET", "big", value) == "OK"
    assert r.cmd("GET", "big") == value
    assert r.cmd("STRLEN", "big") == len(value)


def test_command_split_at_every_byte(r):
    request = encode("SET", "split", "a\r\nb") + encode("GET", "split")
    for i in range(len(request)):
        r.send_raw(request[i:i + 1])
    assert r.read_reply() == "OK"
    assert r.read_reply() == b"a\r\nb"


def test_ten_thousand_pipelined_commands_in_one_write(r):
    commands = []
    for i in range(10000):
        kind = i % 3
        if kind == 0:
            commands.append(("SET", f"key:{i}", f"value:{i}"))
        elif kind == 1:
            commands.append(("INCR", "counter"))
        else:
            commands.append(("GET", f"key:{i - 2}"))
    payload = b"".join(encode(*c) for c in commands)
    # one sendall from a helper thread while this thread reads, so that neither side can block
    # the other on full socket buffers
    sender = threading.Thread(target=r.send_raw, args=(payload,))
    sender.start()
    replies = [r.read_reply() for _ in commands]
    sender.join(10)
    incr = 0
    for i, reply in enumerate(replies):
        if i % 3 == 0:
            assert reply == "OK", i
        elif i % 3 == 1:
            incr += 1
            assert reply == incr, i
        else:
            assert reply == f"value:{i - 2}".encode(), i
    assert r.cmd("GET", "counter") == str(incr).encode()
    assert r.cmd("DBSIZE") == 3335


def test_inline_commands(server):
    with server.conn() as c:
        c.send_raw(b"PING\r\n")
        assert c.read_raw(7) == b"+PONG\r\n"
        c.send_raw(b"set foo bar\r\n")
        assert c.read_raw(5) == b"+OK\r\n"
        c.send_raw(b"get foo\n")  # bare LF also ends an inline command
        assert c.read_raw(9) == b"$3\r\nbar\r\n"
        c.send_raw(b"\r\n\r\n  \r\nEXISTS foo nope\r\n")  # empty lines are skipped
        assert c.read_raw(4) == b":1\r\n"
        c.send_raw(b'set q "hello \\x41 \\"world\\"\\n" \r\n')
        assert c.read_reply() == "OK"
        c.send_raw(b"get q\r\n")
        assert c.read_reply() == b'hello A "world"\n'


def test_inline_single_quotes(server):
    with server.conn() as c:
        c.send_raw(b"set sq 'a b\\'c'\r\nget sq\r\n")
        assert c.read_reply() == "OK"
        assert c.read_reply() == b"a b'c"
        c.send_raw(b"set  spaced   value\r\nGET spaced\r\n")
        assert c.read_reply() == "OK"
        assert c.read_reply() == b"value"
        c.send_raw(b"GET\r\n")
        assert c.read_reply() == Error("ERR wrong number of arguments for 'get' command")


def test_inline_and_multibulk_mixed(server):
    with server.conn() as c:
        c.send_raw(b"SET a 1\r\n" + encode("INCR", "a") + b"GET a\r\n")
        assert [c.read_reply() for _ in range(3)] == ["OK", 2, b"2"]


def test_empty_multibulk_is_ignored(server):
    with server.conn() as c:
        c.send_raw(b"*0\r\n*-1\r\n" + encode("PING"))
        assert c.read_raw(7) == b"+PONG\r\n"


PROTOCOL_ERRORS = [
    (b"*abc\r\n", "ERR Protocol error: invalid multibulk length"),
    (b"*3000000000\r\n", "ERR Protocol error: invalid multibulk length"),
    (b"*1\r\n$abc\r\n", "ERR Protocol error: invalid bulk length"),
    (b"*1\r\n$-1\r\n", "ERR Protocol error: invalid bulk length"),
    (b"*1\r\n$600000000\r\n", "ERR Protocol error: invalid bulk length"),
    (b"*1\r\nfoo\r\n", "ERR Protocol error: expected '$', got 'f'"),
    (b'set k "unbalanced\r\n', "ERR Protocol error: unbalanced quotes in request"),
    (b"a" * 70000, "ERR Protocol error: too big inline request"),
    (b"*" + b"1" * 70000, "ERR Protocol error: too big mbulk count string"),
    (b"*1\r\n$" + b"1" * 70000, "ERR Protocol error: too big bulk count string"),
]


@pytest.mark.parametrize("payload,error", PROTOCOL_ERRORS,
                         ids=[e[1][20:] + f"-{i}" for i, e in enumerate(PROTOCOL_ERRORS)])
def test_protocol_error_closes_only_that_connection(server, payload, error):
    with server.conn() as bystander, server.conn() as bad:
        # the bystander is mid-command when the other connection misbehaves
        half = encode("SET", "bystander", "ok")
        bystander.send_raw(half[:10])
        assert bad.cmd("PING") == "PONG"
        bad.send_raw(payload)
        assert bad.read_reply() == Error(error)
        assert bad.is_closed()
        bystander.send_raw(half[10:])
        assert bystander.read_reply() == "OK"
        assert bystander.cmd("GET", "bystander") == b"ok"


def test_commands_after_protocol_error_are_not_executed(server):
    with server.conn() as bad, server.conn() as check:
        check.cmd("DEL", "after")
        bad.send_raw(b"*1\r\n$x\r\n" + encode("SET", "after", "1"))
        assert bad.read_reply() == Error("ERR Protocol error: invalid bulk length")
        assert bad.is_closed()
        assert check.cmd("EXISTS", "after") == 0


def test_proto_max_bulk_len(make_server):
    s = make_server(proto_max_bulk_len="1mb")
    with s.conn() as c:
        assert c.cmd("SET", "ok", b"x" * (1024 * 1024)) == "OK"
        c.send_raw(b"*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$2000000\r\n")
        assert c.read_reply() == Error("ERR Protocol error: invalid bulk length")
        assert c.is_closed()
    with s.conn() as c:
        assert c.cmd("STRLEN", "ok") == 1024 * 1024


def test_query_buffer_limit_closes_client(make_server):
    s = make_server(client_query_buffer_limit="1mb")
    with s.conn() as victim, s.conn() as other:
        victim.send_raw(b"*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$4000000\r\n")
        try:
            victim.send_raw(b"x" * (2 * 1024 * 1024))  # never completes the argument
        except OSError:
            pass  # the server may close while we are still writing
        assert victim.is_closed()
        assert other.cmd("PING") == "PONG"
        assert other.cmd("EXISTS", "k") == 0
        # a big but complete command under the limit still works
        assert other.cmd("SET", "k", b"y" * 500000) == "OK"
