"""Edge cases that clients rely on: number formatting, TTL preservation, lazy-expiry counters."""

import pytest

from helpers import wait_until
from resp_client import Error


@pytest.mark.parametrize("start,incr,expected", [
    ("1.1", "2.2", b"3.3"),
    ("0.1", "0.2", b"0.3"),
    ("0", "1e-5", b"0.00001"),
    ("0", "12345678901234567890", b"12345678901234567890"),
    ("3.0e3", "0", b"3000"),
    ("10", "-10", b"0"),
    ("-1.5", "0.25", b"-1.25"),
])
def test_incrbyfloat_formatting(r, start, incr, expected):
    assert r.cmd("SET", "f", start) == "OK"
    assert r.cmd("INCRBYFLOAT", "f", incr) == expected
    assert r.cmd("GET", "f") == expected


def test_modifications_keep_ttl(r):
    assert r.cmd("SET", "k", "v", "EX", "100") == "OK"
    assert r.cmd("APPEND", "k", "x") == 2
    assert 99 <= r.cmd("TTL", "k") <= 100
    assert r.cmd("SETRANGE", "k", "0", "y") == 2
    assert 99 <= r.cmd("TTL", "k") <= 100
    assert r.cmd("SET", "n", "1", "EX", "100") == "OK"
    assert r.cmd("INCRBYFLOAT", "n", "1.5") == b"2.5"
    assert 99 <= r.cmd("TTL", "n") <= 100
    assert r.cmd("DECRBY", "n", "1") == Error("ERR value is not an integer or out of range")
    assert 99 <= r.cmd("TTL", "n") <= 100


def test_overwrites_clear_ttl(r):
    for cmd in (("SET", "k", "v"), ("GETSET", "k", "v"), ("MSET", "k", "v")):
        assert r.cmd("SET", "k", "old", "EX", "100") == "OK"
        r.cmd(*cmd)
        assert r.cmd("TTL", "k") == -1, cmd


def test_expired_key_counts_once_and_reads_miss(server, r):
    assert r.cmd("CONFIG", "RESETSTAT") == "OK"
    assert r.cmd("SET", "k", "v", "PX", "1") == "OK"
    wait_until(lambda: r.cmd("PTTL", "k") == -2, timeout=2, message="k to expire")
    misses = server.info("stats", conn=r)["keyspace_misses"]
    assert r.cmd("GET", "k") is None
    assert r.cmd("GET", "k") is None
    stats = server.info("stats", conn=r)
    assert stats["expired_keys"] == 1  # lazily or actively reclaimed, counted once
    assert stats["keyspace_misses"] == misses + 2
    assert r.cmd("DEL", "k") == 0


def test_rename_edge_cases(r):
    assert r.cmd("RENAME", "nokey", "nokey") == Error("ERR no such key")
    assert r.cmd("SET", "a", "1", "PX", "1") == "OK"
    wait_until(lambda: r.cmd("PTTL", "a") == -2, timeout=2, message="a to expire")
    assert r.cmd("RENAME", "a", "b") == Error("ERR no such key")
    assert r.cmd("EXISTS", "b") == 0


def test_big_pipeline_of_big_values(r):
    value = b"v" * 10000
    replies = r.pipeline([("SET", f"big{i}", value) for i in range(500)])
    assert replies == ["OK"] * 500
    replies = r.pipeline([("GET", f"big{i}") for i in range(500)])
    assert replies == [value] * 500
    assert r.cmd("DBSIZE") == 500


def test_keys_glob_escapes(r):
    assert r.cmd("MSET", "a*b", "1", "axb", "2", "a?b", "3") == "OK"
    assert r.cmd("KEYS", "a\\*b") == [b"a*b"]
    assert r.cmd("KEYS", "a\\?b") == [b"a?b"]
    assert sorted(r.cmd("KEYS", "a?b")) == [b"a*b", b"a?b", b"axb"]
