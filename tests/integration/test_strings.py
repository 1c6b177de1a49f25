"""String commands with their error cases (Redis 7.0 replies and error strings)."""

import time

from helpers import wait_until
from resp_client import Error

NOT_INT = Error("ERR value is not an integer or out of range")
NOT_FLOAT = Error("ERR value is not a valid float")
SYNTAX = Error("ERR syntax error")
TOO_BIG = Error("ERR string exceeds maximum allowed size (proto-max-bulk-len)")


def arity(cmd):
    return Error(f"ERR wrong number of arguments for '{cmd}' command")


def expire_err(cmd):
    return Error(f"ERR invalid expire time in '{cmd}' command")


def test_get_set_basic(r):
    assert r.cmd("GET", "k") is None
    assert r.cmd("SET", "k", "v") == "OK"
    assert r.cmd("GET", "k") == b"v"
    assert r.cmd("SET", "k", "") == "OK"
    assert r.cmd("GET", "k") == b""
    assert r.cmd("GET") == arity("get")
    assert r.cmd("GET", "a", "b") == arity("get")
    assert r.cmd("SET", "k") == arity("set")


def test_set_nx_xx(r):
    assert r.cmd("SET", "k", "1", "XX") is None
    assert r.cmd("GET", "k") is None
    assert r.cmd("SET", "k", "1", "NX") == "OK"
    assert r.cmd("SET", "k", "2", "NX") is None
    assert r.cmd("GET", "k") == b"1"
    assert r.cmd("SET", "k", "3", "xx") == "OK"
    assert r.cmd("GET", "k") == b"3"
    assert r.cmd("SET", "k", "4", "NX", "XX") == SYNTAX


def test_set_get_option(r):
    assert r.cmd("SET", "k", "1", "GET") is None
    assert r.cmd("SET", "k", "2", "GET") == b"1"
    assert r.cmd("SET", "k", "3", "NX", "GET") == b"2"  # not set, old value returned
    assert r.cmd("GET", "k") == b"2"
    assert r.cmd("SET", "k", "4", "XX", "GET") == b"2"
    assert r.cmd("SET", "nokey", "4", "XX", "GET") is None
    assert r.cmd("EXISTS", "nokey") == 0


def test_set_expiry_options(r):
    assert r.cmd("SET", "k", "v", "EX", "100") == "OK"
    assert 99 <= r.cmd("TTL", "k") <= 100
    assert r.cmd("SET", "k", "v", "PX", "100000") == "OK"
    assert 99000 <= r.cmd("PTTL", "k") <= 100000
    at = int(time.time()) + 1000
    assert r.cmd("SET", "k", "v", "EXAT", str(at)) == "OK"
    assert 998 <= r.cmd("TTL", "k") <= 1000
    assert r.cmd("EXPIRETIME", "k") == at
    pat = int(time.time() * 1000) + 500000
    assert r.cmd("SET", "k", "v", "PXAT", str(pat)) == "OK"
    assert r.cmd("PEXPIRETIME", "k") == pat
    # a plain SET clears the TTL, KEEPTTL keeps it
    assert r.cmd("SET", "k", "v2", "KEEPTTL") == "OK"
    assert r.cmd("PEXPIRETIME", "k") == pat
    assert r.cmd("SET", "k", "v3") == "OK"
    assert r.cmd("TTL", "k") == -1
    # EXAT in the past: OK, and the key is gone
    assert r.cmd("SET", "k", "v", "EXAT", "1") == "OK"
    assert r.cmd("GET", "k") is None


def test_set_expiry_errors(r):
    assert r.cmd("SET", "k", "v", "EX", "0") == expire_err("set")
    assert r.cmd("SET", "k", "v", "EX", "-5") == expire_err("set")
    assert r.cmd("SET", "k", "v", "PX", "0") == expire_err("set")
    assert r.cmd("SET", "k", "v", "EX", "9223372036854775807") == expire_err("set")
    assert r.cmd("SET", "k", "v", "EX", "abc") == NOT_INT
    assert r.cmd("SET", "k", "v", "EX") == SYNTAX
    assert r.cmd("SET", "k", "v", "EX", "10", "PX", "100") == SYNTAX
    assert r.cmd("SET", "k", "v", "KEEPTTL", "EX", "10") == SYNTAX
    assert r.cmd("SET", "k", "v", "BOGUS") == SYNTAX
    assert r.cmd("EXISTS", "k") == 0


def test_setnx_setex_psetex(r):
    assert r.cmd("SETNX", "k", "1") == 1
    assert r.cmd("SETNX", "k", "2") == 0
    assert r.cmd("GET", "k") == b"1"
    assert r.cmd("SETNX", "k") == arity("setnx")
    assert r.cmd("SETEX", "k", "100", "v") == "OK"
    assert 99 <= r.cmd("TTL", "k") <= 100
    assert r.cmd("GET", "k") == b"v"
    assert r.cmd("SETEX", "k", "0", "v") == expire_err("setex")
    assert r.cmd("SETEX", "k", "-1", "v") == expire_err("setex")
    assert r.cmd("SETEX", "k", "abc", "v") == NOT_INT
    assert r.cmd("SETEX", "k", "10") == arity("setex")
    assert r.cmd("PSETEX", "p", "100000", "v") == "OK"
    assert 99000 <= r.cmd("PTTL", "p") <= 100000
    assert r.cmd("PSETEX", "p", "0", "v") == expire_err("psetex")
    assert r.cmd("PSETEX", "p", "x", "v") == NOT_INT


def test_getset_getdel(r):
    assert r.cmd("GETSET", "k", "1") is None
    assert r.cmd("GETSET", "k", "2") == b"1"
    assert r.cmd("GET", "k") == b"2"
    assert r.cmd("SET", "t", "v", "EX", "100") == "OK"
    assert r.cmd("GETSET", "t", "w") == b"v"
    assert r.cmd("TTL", "t") == -1  # GETSET discards the TTL
    assert r.cmd("GETDEL", "k") == b"2"
    assert r.cmd("GETDEL", "k") is None
    assert r.cmd("EXISTS", "k") == 0
    assert r.cmd("GETSET", "k") == arity("getset")
    assert r.cmd("GETDEL") == arity("getdel")


def test_getex(r):
    assert r.cmd("GETEX", "missing") is None
    assert r.cmd("SET", "k", "v") == "OK"
    assert r.cmd("GETEX", "k") == b"v"
    assert r.cmd("TTL", "k") == -1
    assert r.cmd("GETEX", "k", "EX", "100") == b"v"
    assert 99 <= r.cmd("TTL", "k") <= 100
    assert r.cmd("GETEX", "k", "PX", "200000") == b"v"
    assert 199000 <= r.cmd("PTTL", "k") <= 200000
    at = int(time.time()) + 5000
    assert r.cmd("GETEX", "k", "EXAT", str(at)) == b"v"
    assert r.cmd("EXPIRETIME", "k") == at
    pat = int(time.time() * 1000) + 600000
    assert r.cmd("GETEX", "k", "PXAT", str(pat)) == b"v"
    assert r.cmd("PEXPIRETIME", "k") == pat
    assert r.cmd("GETEX", "k", "PERSIST") == b"v"
    assert r.cmd("TTL", "k") == -1
    assert r.cmd("GETEX", "k", "EX", "0") == expire_err("getex")
    assert r.cmd("GETEX", "k", "EX", "abc") == NOT_INT
    assert r.cmd("GETEX", "k", "EX", "10", "PX", "10") == SYNTAX
    assert r.cmd("GETEX", "k", "PERSIST", "EX", "10") == SYNTAX
    assert r.cmd("GETEX", "k", "FOO") == SYNTAX
    assert r.cmd("GETEX") == arity("getex")
    assert r.cmd("GETEX", "k", "EXAT", "1") == b"v"  # in the past: returns, then deletes
    assert r.cmd("EXISTS", "k") == 0


def test_mget_mset_msetnx(r):
    assert r.cmd("MSET", "a", "1", "b", "2") == "OK"
    assert r.cmd("MGET", "a", "nope", "b") == [b"1", None, b"2"]
    assert r.cmd("MSET", "a", "1", "b") == arity("mset")
    assert r.cmd("MSET") == arity("mset")
    assert r.cmd("MGET") == arity("mget")
    assert r.cmd("MSETNX", "b", "x", "c", "3") == 0  # b exists: nothing is set
    assert r.cmd("EXISTS", "c") == 0
    assert r.cmd("GET", "b") == b"2"
    assert r.cmd("MSETNX", "c", "3", "d", "4") == 1
    assert r.cmd("MGET", "c", "d") == [b"3", b"4"]
    assert r.cmd("MSETNX", "e", "5", "f") == arity("msetnx")
    # the last value of a repeated key wins
    assert r.cmd("MSET", "x", "1", "x", "2") == "OK"
    assert r.cmd("GET", "x") == b"2"


def test_incr_decr(r):
    assert r.cmd("INCR", "n") == 1
    assert r.cmd("INCRBY", "n", "10") == 11
    assert r.cmd("DECR", "n") == 10
    assert r.cmd("DECRBY", "n", "20") == -10
    assert r.cmd("INCRBY", "n", "-5") == -15
    assert r.cmd("GET", "n") == b"-15"
    assert r.cmd("SET", "s", "abc") == "OK"
    assert r.cmd("INCR", "s") == NOT_INT
    assert r.cmd("SET", "s", " 1") == "OK"
    assert r.cmd("INCR", "s") == NOT_INT
    assert r.cmd("SET", "s", "1.5") == "OK"
    assert r.cmd("INCR", "s") == NOT_INT
    assert r.cmd("INCRBY", "n", "abc") == NOT_INT
    assert r.cmd("INCRBY", "n", "1.5") == NOT_INT
    assert r.cmd("INCR") == arity("incr")
    assert r.cmd("INCRBY", "n") == arity("incrby")


def test_incr_keeps_ttl(r):
    assert r.cmd("SET", "n", "5", "EX", "100") == "OK"
    assert r.cmd("INCR", "n") == 6
    assert 99 <= r.cmd("TTL", "n") <= 100


def test_incr_overflow(r):
    assert r.cmd("SET", "n", "9223372036854775807") == "OK"
    assert r.cmd("INCR", "n") == Error("ERR increment or decrement would overflow")
    assert r.cmd("INCRBY", "n", "1") == Error("ERR increment or decrement would overflow")
    assert r.cmd("SET", "n", "-9223372036854775808") == "OK"
    assert r.cmd("DECR", "n") == Error("ERR increment or decrement would overflow")
    assert r.cmd("SET", "m", "0") == "OK"
    assert r.cmd("DECRBY", "m", "-9223372036854775808") == Error("ERR decrement would overflow")
    assert r.cmd("INCRBY", "m", "9223372036854775808") == NOT_INT
    assert r.cmd("GET", "n") == b"-9223372036854775808"


def test_incrbyfloat(r):
    assert r.cmd("INCRBYFLOAT", "f", "1.5") == b"1.5"
    assert r.cmd("INCRBYFLOAT", "f", "0.1") == b"1.6"
    assert r.cmd("INCRBYFLOAT", "f", "-1.6") == b"0"
    assert r.cmd("INCRBYFLOAT", "f", "5.0e3") == b"5000"
    assert r.cmd("SET", "i", "10") == "OK"
    assert r.cmd("INCRBYFLOAT", "i", "0.25") == b"10.25"
    assert r.cmd("INCRBYFLOAT", "i", "abc") == NOT_FLOAT
    assert r.cmd("INCRBYFLOAT", "i", "inf") == Error(
        "ERR increment would produce NaN or Infinity")
    assert r.cmd("SET", "s", "abc") == "OK"
    assert r.cmd("INCRBYFLOAT", "s", "1") == NOT_FLOAT
    assert r.cmd("INCRBYFLOAT", "f") == arity("incrbyfloat")


def test_append_strlen(r):
    assert r.cmd("APPEND", "k", "Hello") == 5
    assert r.cmd("APPEND", "k", " World") == 11
    assert r.cmd("GET", "k") == b"Hello World"
    assert r.cmd("STRLEN", "k") == 11
    assert r.cmd("STRLEN", "missing") == 0
    assert r.cmd("SET", "n", "12") == "OK"
    assert r.cmd("APPEND", "n", "34") == 4
    assert r.cmd("INCR", "n") == 1235
    assert r.cmd("APPEND", "k") == arity("append")
    assert r.cmd("STRLEN") == arity("strlen")


def test_getrange(r):
    assert r.cmd("SET", "k", "This is a string") == "OK"
    assert r.cmd("GETRANGE", "k", "0", "3") == b"This"
    assert r.cmd("GETRANGE", "k", "-3", "-1") == b"ing"
    assert r.cmd("GETRANGE", "k", "0", "-1") == b"This is a string"
    assert r.cmd("GETRANGE", "k", "10", "100") == b"string"
    assert r.cmd("GETRANGE", "k", "5", "2") == b""
    assert r.cmd("GETRANGE", "k", "100", "200") == b""
    assert r.cmd("GETRANGE", "k", "-100", "3") == b"This"
    assert r.cmd("GETRANGE", "missing", "0", "-1") == b""
    assert r.cmd("GETRANGE", "k", "a", "1") == NOT_INT
    assert r.cmd("GETRANGE", "k", "0") == arity("getrange")


def test_setrange(r):
    assert r.cmd("SET", "k", "Hello World") == "OK"
    assert r.cmd("SETRANGE", "k", "6", "Redis") == 11
    assert r.cmd("GET", "k") == b"Hello Redis"
    assert r.cmd("SETRANGE", "pad", "5", "x") == 6
    assert r.cmd("GET", "pad") == b"\x00\x00\x00\x00\x00x"
    assert r.cmd("SETRANGE", "none", "3", "") == 0
    assert r.cmd("EXISTS", "none") == 0
    assert r.cmd("SETRANGE", "k", "0", "") == 11
    assert r.cmd("SETRANGE", "k", "-1", "x") == Error("ERR offset is out of range")
    assert r.cmd("SETRANGE", "k", "abc", "x") == NOT_INT
    assert r.cmd("SETRANGE", "k", "536870912", "x") == TOO_BIG
    assert r.cmd("SETRANGE", "k", "1") == arity("setrange")


def test_append_and_setrange_respect_proto_max_bulk_len(make_server):
    s = make_server(proto_max_bulk_len="1mb")
    with s.conn() as c:
        assert c.cmd("SET", "k", "x" * 1000) == "OK"
        assert c.cmd("SETRANGE", "k", str(1024 * 1024), "y") == TOO_BIG
        assert c.cmd("SETRANGE", "k", str(1024 * 1024 - 1), "y") == 1024 * 1024
        assert c.cmd("APPEND", "k", "z") == TOO_BIG
        assert c.cmd("STRLEN", "k") == 1024 * 1024


def test_expired_key_is_invisible_to_string_commands(r):
    assert r.cmd("SET", "k", "v", "PX", "20") == "OK"
    wait_until(lambda: r.cmd("GET", "k") is None, timeout=2, message="k to expire")
    assert r.cmd("STRLEN", "k") == 0
    assert r.cmd("SETNX", "k", "new") == 1
    assert r.cmd("TTL", "k") == -1
