"""Keyspace commands: DEL UNLINK EXISTS TOUCH EXPIRE* TTL PERSIST TYPE RENAME KEYS SCAN ..."""

import time

import pytest

from helpers import wait_until
from resp_client import Error

NOT_INT = Error("ERR value is not an integer or out of range")
SYNTAX = Error("ERR syntax error")


def arity(cmd):
    return Error(f"ERR wrong number of arguments for '{cmd}' command")


def test_del_unlink_exists_touch(r):
    assert r.cmd("MSET", "a", "1", "b", "2", "c", "3") == "OK"
    assert r.cmd("EXISTS", "a", "a", "b", "nope") == 3  # repeats count
    assert r.cmd("TOUCH", "a", "b", "nope") == 2
    assert r.cmd("DEL", "a", "nope") == 1
    assert r.cmd("UNLINK", "b", "c", "b") == 2
    assert r.cmd("EXISTS", "a", "b", "c") == 0
    assert r.cmd("DEL", "a") == 0
    for cmd in ("DEL", "UNLINK", "EXISTS", "TOUCH"):
        assert r.cmd(cmd) == arity(cmd.lower())


@pytest.mark.parametrize("cmd,scale", [("EXPIRE", 1), ("PEXPIRE", 1000)])
def test_expire_pexpire(r, cmd, scale):
    ttl_cmd = "TTL" if scale == 1 else "PTTL"
    assert r.cmd(cmd, "missing", str(100 * scale)) == 0
    assert r.cmd("SET", "k", "v") == "OK"
    assert r.cmd(ttl_cmd, "k") == -1
    assert r.cmd(cmd, "k", str(100 * scale)) == 1
    assert 99 * scale <= r.cmd(ttl_cmd, "k") <= 100 * scale
    assert r.cmd(cmd, "k", "abc") == NOT_INT
    assert r.cmd(cmd, "k") == arity(cmd.lower())
    # zero / negative TTL deletes the key
    assert r.cmd(cmd, "k", "-1") == 1
    assert r.cmd("EXISTS", "k") == 0
    assert r.cmd(ttl_cmd, "k") == -2


def test_expire_overflow(r):
    assert r.cmd("SET", "k", "v") == "OK"
    assert r.cmd("EXPIRE", "k", "9223372036854775807") == Error(
        "ERR invalid expire time in 'expire' command")
    assert r.cmd("PEXPIRE", "k", "9223372036854775807") == Error(
        "ERR invalid expire time in 'pexpire' command")
    assert r.cmd("TTL", "k") == -1


def test_expire_nx_xx_gt_lt(r):
    assert r.cmd("SET", "k", "v") == "OK"
    assert r.cmd("EXPIRE", "k", "100", "XX") == 0  # no TTL yet
    assert r.cmd("EXPIRE", "k", "100", "GT") == 0  # no TTL counts as infinite
    assert r.cmd("EXPIRE", "k", "100", "NX") == 1
    assert r.cmd("EXPIRE", "k", "200", "NX") == 0
    assert r.cmd("EXPIRE", "k", "200", "XX") == 1
    assert r.cmd("EXPIRE", "k", "100", "GT") == 0
    assert r.cmd("EXPIRE", "k", "300", "GT") == 1
    assert r.cmd("EXPIRE", "k", "400", "LT") == 0
    assert r.cmd("EXPIRE", "k", "50", "lt") == 1
    assert 49 <= r.cmd("TTL", "k") <= 50
    assert r.cmd("SET", "p", "v") == "OK"
    assert r.cmd("EXPIRE", "p", "100", "LT") == 1  # any TTL is less than none
    assert r.cmd("EXPIRE", "k", "10", "NX", "XX") == Error(
        "ERR NX and XX, GT or LT options at the same time are not compatible")
    assert r.cmd("EXPIRE", "k", "10", "NX", "GT") == Error(
        "ERR NX and XX, GT or LT options at the same time are not compatible")
    assert r.cmd("EXPIRE", "k", "10", "GT", "LT") == Error(
        "ERR GT and LT options at the same time are not compatible")
    assert r.cmd("EXPIRE", "k", "10", "FOO") == Error("ERR Unsupported option FOO")
    assert r.cmd("PEXPIRE", "k", "10", "BAR") == Error("ERR Unsupported option BAR")


def test_expireat_pexpireat(r):
    assert r.cmd("SET", "k", "v") == "OK"
    at = int(time.time()) + 1000
    assert r.cmd("EXPIREAT", "k", str(at)) == 1
    assert r.cmd("EXPIRETIME", "k") == at
    assert 998 <= r.cmd("TTL", "k") <= 1000
    pat = int(time.time() * 1000) + 2000000
    assert r.cmd("PEXPIREAT", "k", str(pat)) == 1
    assert r.cmd("PEXPIRETIME", "k") == pat
    assert r.cmd("EXPIRETIME", "k") == (pat + 500) // 1000  # rounded
    assert r.cmd("EXPIREAT", "k", str(at), "GT") == 0
    assert r.cmd("PEXPIREAT", "k", str(pat + 1), "GT") == 1
    assert r.cmd("EXPIREAT", "missing", str(at)) == 0
    assert r.cmd("EXPIREAT", "k", "abc") == NOT_INT
    assert r.cmd("EXPIREAT", "k", "1") == 1  # in the past: deleted
    assert r.cmd("EXISTS", "k") == 0
    assert r.cmd("PEXPIREAT", "k") == arity("pexpireat")


def test_ttl_expiretime_sentinels(r):
    assert r.cmd("TTL", "missing") == -2
    assert r.cmd("PTTL", "missing") == -2
    assert r.cmd("EXPIRETIME", "missing") == -2
    assert r.cmd("PEXPIRETIME", "missing") == -2
    assert r.cmd("SET", "k", "v") == "OK"
    assert r.cmd("TTL", "k") == -1
    assert r.cmd("PTTL", "k") == -1
    assert r.cmd("EXPIRETIME", "k") == -1
    assert r.cmd("PEXPIRETIME", "k") == -1
    assert r.cmd("TTL") == arity("ttl")


def test_persist(r):
    assert r.cmd("PERSIST", "missing") == 0
    assert r.cmd("SET", "k", "v", "EX", "100") == "OK"
    assert r.cmd("PERSIST", "k") == 1
    assert r.cmd("TTL", "k") == -1
    assert r.cmd("PERSIST", "k") == 0
    assert r.cmd("PERSIST") == arity("persist")


def test_key_expires_after_pexpire(r):
    assert r.cmd("SET", "k", "v") == "OK"
    assert r.cmd("PEXPIRE", "k", "30") == 1
    wait_until(lambda: r.cmd("EXISTS", "k") == 0, timeout=2, message="k to expire")
    assert r.cmd("GET", "k") is None
    assert r.cmd("TTL", "k") == -2


def test_type(r):
    assert r.cmd("SET", "k", "v") == "OK"
    assert r.cmd("TYPE", "k") == "string"
    assert r.cmd("TYPE", "missing") == "none"
    assert r.cmd("TYPE") == arity("type")


def test_rename(r):
    assert r.cmd("SET", "a", "1", "EX", "100") == "OK"
    assert r.cmd("RENAME", "a", "b") == "OK"
    assert r.cmd("EXISTS", "a") == 0
    assert r.cmd("GET", "b") == b"1"
    assert 99 <= r.cmd("TTL", "b") <= 100  # TTL travels with the value
    assert r.cmd("SET", "c", "3") == "OK"
    assert r.cmd("RENAME", "b", "c") == "OK"  # overwrites
    assert r.cmd("GET", "c") == b"1"
    assert r.cmd("RENAME", "c", "c") == "OK"
    assert r.cmd("RENAME", "missing", "x") == Error("ERR no such key")
    assert r.cmd("RENAME", "a") == arity("rename")


def test_renamenx(r):
    assert r.cmd("MSET", "a", "1", "b", "2") == "OK"
    assert r.cmd("RENAMENX", "a", "b") == 0
    assert r.cmd("MGET", "a", "b") == [b"1", b"2"]
    assert r.cmd("RENAMENX", "a", "c") == 1
    assert r.cmd("MGET", "a", "c") == [None, b"1"]
    assert r.cmd("RENAMENX", "missing", "x") == Error("ERR no such key")


def test_keys(r):
    assert r.cmd("KEYS", "*") == []
    assert r.cmd("MSET", "user:1", "a", "user:2", "b", "order:1", "c", "user:10", "d") == "OK"
    assert sorted(r.cmd("KEYS", "*")) == [b"order:1", b"user:1", b"user:10", b"user:2"]
    assert sorted(r.cmd("KEYS", "user:?")) == [b"user:1", b"user:2"]
    assert sorted(r.cmd("KEYS", "user:*")) == [b"user:1", b"user:10", b"user:2"]
    assert sorted(r.cmd("KEYS", "[ou]*:1")) == [b"order:1", b"user:1"]
    assert r.cmd("KEYS", "user:[^1]") == [b"user:2"]
    assert r.cmd("KEYS", "nomatch*") == []
    assert r.cmd("KEYS") == arity("keys")


def scan_all(r, *opts):
    cursor, seen, rounds = b"0", [], 0
    while True:
        reply = r.cmd("SCAN", cursor, *opts)
        assert isinstance(reply, list) and len(reply) == 2, reply
        cursor, keys = reply
        seen += keys
        rounds += 1
        assert rounds < 10000, "SCAN does not terminate"
        if cursor == b"0":
            return seen, rounds


def test_scan_visits_every_key(r):
    keys = [f"key:{i}" for i in range(1000)]
    r.pipeline([("SET", k, "v") for k in keys])
    seen, rounds = scan_all(r)
    assert set(seen) == {k.encode() for k in keys}
    assert rounds > 1  # default COUNT 10 cannot return 1000 keys in one call
    seen, _ = scan_all(r, "COUNT", "100", "MATCH", "key:1?")
    assert sorted(set(seen)) == sorted(f"key:1{i}".encode() for i in range(10))
    seen, _ = scan_all(r, "TYPE", "string", "MATCH", "key:99?")
    assert len(set(seen)) == 10
    seen, _ = scan_all(r, "TYPE", "list")
    assert seen == []


def test_scan_errors(r):
    assert r.cmd("SCAN", "abc") == Error("ERR invalid cursor")
    assert r.cmd("SCAN", "0", "COUNT", "0") == SYNTAX
    assert r.cmd("SCAN", "0", "COUNT", "x") == NOT_INT
    assert r.cmd("SCAN", "0", "MATCH") == SYNTAX
    assert r.cmd("SCAN", "0", "BOGUS", "1") == SYNTAX
    assert r.cmd("SCAN") == arity("scan")


def test_randomkey_dbsize(r):
    assert r.cmd("RANDOMKEY") is None
    assert r.cmd("DBSIZE") == 0
    assert r.cmd("MSET", "a", "1", "b", "2", "c", "3") == "OK"
    assert r.cmd("DBSIZE") == 3
    for _ in range(20):
        assert r.cmd("RANDOMKEY") in (b"a", b"b", b"c")
    assert r.cmd("DBSIZE", "x") == arity("dbsize")
    assert r.cmd("RANDOMKEY", "x") == arity("randomkey")


def test_flushdb_flushall(r):
    for cmd in ("FLUSHDB", "FLUSHALL"):
        for mode in ((), ("ASYNC",), ("SYNC",)):
            assert r.cmd("MSET", "a", "1", "b", "2") == "OK"
            assert r.cmd(cmd, *mode) == "OK"
            wait_until(lambda: r.cmd("DBSIZE") == 0, timeout=2, message=f"{cmd} {mode}")
        assert r.cmd(cmd, "BOGUS") == SYNTAX


def test_binary_keys(r):
    key = b"k\x00\r\n\xff"
    assert r.cmd("SET", key, "v") == "OK"
    assert r.cmd("EXISTS", key, b"k") == 1
    assert r.cmd("KEYS", "*") == [key]
    assert r.cmd("RENAME", key, b"\x00") == "OK"
    assert r.cmd("GET", b"\x00") == b"v"
