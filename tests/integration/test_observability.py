"""Observability: INFO counters after a scripted sequence (exact deltas), commandstats,
latencystats, the cairn section, CONFIG RESETSTAT, SLOWLOG, MONITOR and the Prometheus endpoint
(/metrics, /healthz, /readyz).

Everything but the cairn section and the HTTP endpoint is Redis 7.0 behaviour and passes against
redis-server (--target-redis).
"""

import re
import subprocess
import time

import pytest

from helpers import (free_port, http_get, info_kv, metric, parse_info, parse_prometheus,
                     wait_until)
from resp_client import Error

# -- INFO -----------------------------------------------------------------------------------------


def test_info_deltas_after_hit_miss_expiry_eviction(make_server, kind):
    """One hit, one miss, one expiry and (cairn: max-items 3) one eviction move exactly their
    counters. Only INFO is sent while waiting, and INFO touches no key."""
    s = make_server(max_items=3, eviction_policy="lru", shards=1) if kind == "cairn" else \
        make_server()
    with s.conn() as c:
        before = s.info(conn=c)
        assert c.cmd("SET", "a", "1") == "OK"
        assert c.cmd("SET", "b", "2") == "OK"
        assert c.cmd("GET", "a") == b"1"  # hit
        assert c.cmd("GET", "zz") is None  # miss
        assert c.cmd("SET", "t", "x", "PX", "30") == "OK"
        wait_until(lambda: s.info("stats", conn=c)["expired_keys"] == before["expired_keys"] + 1,
                   timeout=5, message="active expiry of 't'")
        assert c.cmd("SET", "c", "3") == "OK"
        assert c.cmd("SET", "d", "4") == "OK"  # cairn: the 4th key evicts the LRU one, 'b'
        after = s.info(conn=c)

        def delta(field):
            return after[field] - before[field]

        assert delta("keyspace_hits") == 1
        assert delta("keyspace_misses") == 1
        assert delta("expired_keys") == 1
        if kind == "cairn":
            assert delta("evicted_keys") == 1
            assert delta("cairn_evicted_keys_max_items") == 1
            assert delta("cairn_evicted_keys_maxmemory") == 0
            assert after["db0"]["keys"] == 3
            assert c.cmd("EXISTS", "a", "c", "d") == 3, "LRU evicted a recently read key"
        else:
            assert delta("evicted_keys") == 0
            assert after["db0"]["keys"] == 4
        assert after["db0"]["expires"] == 0
        # counters only ever move forward: a second INFO changes none of them
        again = s.info(conn=c)
        for field in ("keyspace_hits", "keyspace_misses", "expired_keys", "evicted_keys"):
            assert again[field] == after[field], field


@pytest.mark.needs("commandstats")
def test_commandstats(make_server):
    s = make_server()
    with s.conn() as c:
        assert c.cmd("CONFIG", "RESETSTAT") == "OK"
        assert c.cmd("SET", "k", "v") == "OK"
        for _ in range(3):
            assert c.cmd("GET", "k") == b"v"
        assert c.cmd("GET") == Error("ERR wrong number of arguments for 'get' command")
        assert c.cmd("INCR", "k") == Error("ERR value is not an integer or out of range")
        assert c.cmd("CONFIG", "GET", "maxclients")[0] == b"maxclients"
        stats = info_kv(c.cmd("INFO", "commandstats"), "cmdstat_")
        assert set(stats) == {"config|resetstat", "set", "get", "incr", "config|get"}
        assert stats["get"]["calls"] == 3
        assert stats["get"]["rejected_calls"] == 1
        assert stats["get"]["failed_calls"] == 0
        assert stats["incr"]["calls"] == 1
        assert stats["incr"]["failed_calls"] == 1
        assert stats["set"]["calls"] == 1 and stats["config|get"]["calls"] == 1
        for name, row in stats.items():
            assert set(row) == {"calls", "usec", "usec_per_call", "rejected_calls",
                                "failed_calls"}, name
            if row["calls"]:
                assert row["usec_per_call"] == pytest.approx(row["usec"] / row["calls"], abs=0.01)
        # INFO itself is counted once its reply is built
        assert info_kv(c.cmd("INFO", "commandstats"), "cmdstat_")["info"]["calls"] == 1


@pytest.mark.needs("latencystats")
def test_latencystats(make_server):
    s = make_server()
    with s.conn() as c:
        assert c.cmd("CONFIG", "RESETSTAT") == "OK"
        c.pipeline([("SET", f"k{i}", "v") for i in range(100)])
        c.pipeline([("GET", f"k{i}") for i in range(100)])
        lat = info_kv(c.cmd("INFO", "latencystats"), "latency_percentiles_usec_")
        assert {"set", "get", "config|resetstat"} <= set(lat)
        for name in ("set", "get"):
            row = lat[name]
            assert set(row) == {"p50", "p99", "p99.9"}, row
            assert 0 < row["p50"] <= row["p99"] <= row["p99.9"] < 1e6, (name, row)
        assert c.cmd("CONFIG", "RESETSTAT") == "OK"
        lat = info_kv(c.cmd("INFO", "latencystats"), "latency_percentiles_usec_")
        assert set(lat) == {"config|resetstat"}


def test_config_resetstat_zeroes_counters(make_server):
    s = make_server()
    with s.conn() as c:
        assert c.cmd("SET", "k", "v") == "OK"
        assert c.cmd("GET", "k") == b"v"
        assert c.cmd("GET", "nope") is None
        assert c.cmd("SET", "t", "v", "PX", "20") == "OK"
        wait_until(lambda: s.info("stats", conn=c)["expired_keys"] == 1, message="expiry")
        assert c.cmd("CONFIG", "RESETSTAT") == "OK"
        info = s.info(conn=c)
        for field in ("keyspace_hits", "keyspace_misses", "expired_keys", "evicted_keys",
                      "total_error_replies"):
            assert info[field] == 0, field
        assert info["total_commands_processed"] <= 1
        assert info["db0"]["keys"] == 1, "RESETSTAT must not touch data"
        assert c.cmd("GET", "k") == b"v"


@pytest.mark.cairn_only
@pytest.mark.needs("info-cairn")
def test_info_cairn_section(make_server):
    s = make_server(max_items=3, eviction_policy="lru", shards=4)
    with s.conn() as c:
        for i in range(5):
            assert c.cmd("SET", f"k{i}", "v") == "OK"
        text = c.cmd("INFO", "cairn")
        assert text.startswith(b"# Cairn\r\n")
        assert b"# Server" not in text, "INFO cairn is one section"
        assert b"# Cairn" in c.cmd("INFO", "everything")
        info = parse_info(text)

        def values(*fragments):
            return [v for k, v in info.items() if all(f in k for f in fragments)]

        assert "lru" in values("policy"), info
        assert "none" in values("write", "policy"), info
        assert 1 in values("shard"), "max-items 3: one shard, not 4 (EffectiveShards)"
        assert 3 in values("max", "items"), info
        assert 3 in values("items"), "resident items"
        assert any(isinstance(v, int) and v > 0 for v in values("bytes")), info
        assert 2 in values("evict"), "per-cause eviction count (max-items: 2)"
        assert values("lag") and all(isinstance(v, (int, float)) and v >= 0
                                     for v in values("lag")), "expiry lag"



CAIRN_FIELDS = ("eviction_policy", "write_policy", "read_through", "shards", "items", "bytes",
                "max_items", "maxmemory", "policy_metadata_bytes", "evicted_keys_maxmemory",
                "evicted_keys_max_items", "expired_keys_lazy", "expired_keys_active",
                "expiry_lag_ms", "oom_rejections")


@pytest.mark.cairn_only
@pytest.mark.needs("info-cairn")
def test_info_cairn_fields_move_with_exact_deltas(make_server):
    """Every cairn field is there; per-cause evictions, lazy expiry and the policy name follow a
    scripted sequence exactly. hz 1: active expiry runs once a second, so a key read right after
    its TTL is (almost always) expired lazily; the rare race with the cycle is retried."""
    s = make_server(eviction_policy="lru", shards=2, hz=1)
    with s.conn() as c:
        before = s.info("cairn", conn=c)
        assert set(CAIRN_FIELDS) <= set(before), before
        assert before["eviction_policy"] == "lru"
        assert before["write_policy"] == "none" and before["read_through"] == "no"
        assert before["shards"] == 2 and before["max_items"] == 0 and before["items"] == 0

        # max-items 5, then 8 distinct writes: exactly 3 evictions, all for max-items
        assert c.cmd("CONFIG", "SET", "max-items", "5") == "OK"
        for i in range(8):
            assert c.cmd("SET", f"k{i}", "v") == "OK"
        after = s.info("cairn", conn=c)
        assert after["max_items"] == 5 and after["items"] == 5
        assert after["evicted_keys_max_items"] - before["evicted_keys_max_items"] == 3
        assert after["evicted_keys_maxmemory"] == before["evicted_keys_maxmemory"]
        assert after["oom_rejections"] == before["oom_rejections"]
        assert after["bytes"] > 0
        memory = s.info("memory", conn=c)
        assert after["bytes"] == memory["used_memory_dataset"]
        # used_memory is what maxmemory counts: the entries plus the policy's metadata (lru: none)
        # plus the script cache and tracking table (empty here)
        assert memory["used_memory"] == after["bytes"] + memory["cairn_policy_metadata_bytes"]

        # a key with PX, read after its TTL: one lazy expiration
        assert c.cmd("CONFIG", "SET", "max-items", "0") == "OK"
        lazy_seen = False
        for attempt in range(5):
            start = s.info("cairn", conn=c)
            assert c.cmd("SET", f"t{attempt}", "x", "PX", "20") == "OK"
            time.sleep(0.05)
            assert c.cmd("GET", f"t{attempt}") is None
            end = s.info("cairn", conn=c)
            lazy = end["expired_keys_lazy"] - start["expired_keys_lazy"]
            active = end["expired_keys_active"] - start["expired_keys_active"]
            assert lazy + active == 1, (lazy, active)
            if lazy == 1:
                lazy_seen = True
                break
        assert lazy_seen, "every attempt raced the active expiry cycle"
        stats = s.info("stats", conn=c)
        assert stats["expired_keys"] == end["expired_keys_lazy"] + end["expired_keys_active"]
        assert stats["cairn_evicted_keys_max_items"] == end["evicted_keys_max_items"]
        assert end["expiry_lag_ms"] >= 0

        # eviction_policy follows CONFIG SET eviction-policy
        for policy in ("lfu", "fifo", "lru"):
            assert c.cmd("CONFIG", "SET", "eviction-policy", policy) == "OK"
            assert s.info("cairn", conn=c)["eviction_policy"] == policy


@pytest.mark.cairn_only
def test_info_keyspace_avg_ttl(make_server):
    """avg_ttl is the mean remaining TTL (ms) of keys with an expiry (Redis 7.0's is a slow
    moving average of samples, hence cairn_only)."""
    s = make_server()
    with s.conn() as c:
        c.pipeline([("SET", f"k{i}", "v", "EX", "100") for i in range(200)])
        c.pipeline([("SET", f"p{i}", "v") for i in range(50)])  # no TTL: not in the average
        db0 = s.info("keyspace", conn=c)["db0"]
        assert db0["keys"] == 250 and db0["expires"] == 200
        assert 90000 <= db0["avg_ttl"] <= 100000, db0
        assert c.cmd("FLUSHALL") == "OK"
        assert c.cmd("SET", "p", "v") == "OK"
        assert s.info("keyspace", conn=c)["db0"]["avg_ttl"] == 0


def test_instantaneous_figures_follow_the_load(make_server):
    """instantaneous_ops_per_sec (and the kbps figures) are sampled every 100 ms like Redis:
    they rise above 0 while a load runs (bounded: 3 s)."""
    s = make_server()
    with s.conn() as load, s.conn() as c:
        deadline = time.monotonic() + 3.0
        stats = s.info("stats", conn=c)
        while time.monotonic() < deadline and not (
                stats["instantaneous_ops_per_sec"] > 0 and stats["instantaneous_input_kbps"] > 0
                and stats["instantaneous_output_kbps"] > 0):
            load.pipeline([("SET", f"k{i}", "v") for i in range(200)])
            stats = s.info("stats", conn=c)
        assert stats["instantaneous_ops_per_sec"] > 0, stats
        assert stats["instantaneous_input_kbps"] > 0, stats
        assert stats["instantaneous_output_kbps"] > 0, stats

# -- SLOWLOG --------------------------------------------------------------------------------------
@pytest.mark.needs("slowlog", "debug-sleep")
def test_slowlog_captures_debug_sleep(make_server):
    s = make_server()
    with s.conn() as c:
        assert c.cmd("CONFIG", "SET", "slowlog-log-slower-than", "100000") == "OK"
        assert c.cmd("SLOWLOG", "RESET") == "OK"
        assert c.cmd("CLIENT", "SETNAME", "sleeper") == "OK"
        assert c.cmd("SET", "fast", "v") == "OK"
        t0 = int(time.time())
        assert c.cmd("DEBUG", "SLEEP", "0.2") == "OK"
        assert c.cmd("SLOWLOG", "LEN") == 1
        entries = c.cmd("SLOWLOG", "GET")
        assert len(entries) == 1
        entry_id, ts, duration_us, args, addr, name = entries[0]
        assert args == [b"DEBUG", b"SLEEP", b"0.2"]
        assert 200000 <= duration_us < 5000000
        assert t0 - 1 <= ts <= time.time() + 1
        assert isinstance(entry_id, int)
        host, port = c.sock.getsockname()
        assert addr == f"{host}:{port}".encode()
        assert name == b"sleeper"
        assert c.cmd("SLOWLOG", "RESET") == "OK"
        assert c.cmd("SLOWLOG", "LEN") == 0
        # -1 turns the log off
        assert c.cmd("CONFIG", "SET", "slowlog-log-slower-than", "-1") == "OK"
        assert c.cmd("DEBUG", "SLEEP", "0.12") == "OK"
        assert c.cmd("SLOWLOG", "LEN") == 0


@pytest.mark.needs("slowlog")
def test_slowlog_order_max_len_and_truncation(make_server):
    s = make_server()
    with s.conn() as c:
        assert c.cmd("CONFIG", "SET", "slowlog-log-slower-than", "0") == "OK"
        assert c.cmd("CONFIG", "SET", "slowlog-max-len", "3") == "OK"
        assert c.cmd("SLOWLOG", "RESET") == "OK"
        assert c.cmd("SET", "a", "1") == "OK"
        assert c.cmd("SET", "b", "2") == "OK"
        entries = c.cmd("SLOWLOG", "GET")
        # newest first; SLOWLOG RESET itself is logged once it has run, like Redis
        assert [e[3] for e in entries] == [[b"SET", b"b", b"2"], [b"SET", b"a", b"1"],
                                           [b"SLOWLOG", b"RESET"]]
        ids = [e[0] for e in entries]
        assert ids == [ids[2] + 2, ids[2] + 1, ids[2]]
        assert all(e[2] >= 0 for e in entries)
        assert c.cmd("SLOWLOG", "LEN") == 3  # the max, the SLOWLOG GET above included
        assert len(c.cmd("SLOWLOG", "GET", "1")) == 1
        assert len(c.cmd("SLOWLOG", "GET", "-1")) == 3
        assert c.cmd("CONFIG", "SET", "slowlog-max-len", "128") == "OK"
        assert c.cmd("SLOWLOG", "RESET") == "OK"
        # arguments past 32 and bytes past 128 are summarised
        mset = ["MSET"]
        for i in range(1, 21):
            mset += [f"a{i}", str(i)]
        assert c.cmd(*mset) == "OK"
        assert c.cmd("SET", "long", "x" * 200) == "OK"
        long_entry, mset_entry = c.cmd("SLOWLOG", "GET", "2")
        assert long_entry[3] == [b"SET", b"long", b"x" * 128 + b"... (72 more bytes)"]
        assert len(mset_entry[3]) == 32
        assert mset_entry[3][:31] == [a.encode() for a in mset[:31]]
        assert mset_entry[3][31] == b"... (10 more arguments)"
        assert c.cmd("SLOWLOG", "GET", "x") == Error(
            "ERR count should be greater than or equal to -1")


# -- MONITOR --------------------------------------------------------------------------------------
@pytest.mark.needs("monitor")
def test_monitor_streams_commands(server):
    with server.conn() as mon, server.conn() as other:
        assert mon.cmd("MONITOR") == "OK"
        assert other.cmd("SET", "mk", b'a"b\n\x00 c') == "OK"
        assert other.cmd("GET", "mk") == b'a"b\n\x00 c'
        port = other.sock.getsockname()[1]
        lines = [mon.read_reply(), mon.read_reply()]
        pattern = r'\d+\.\d{6} \[0 127\.0\.0\.1:%d\] ' % port
        assert re.fullmatch(pattern + r'"SET" "mk" "a\\"b\\n\\x00 c"', lines[0]), lines[0]
        assert re.fullmatch(pattern + r'"GET" "mk"', lines[1]), lines[1]
        stamp = float(lines[0].split()[0])
        assert abs(stamp - time.time()) < 60
    with server.conn() as c:  # the monitor's disconnection leaves the server healthy
        assert c.cmd("PING") == "PONG"


# -- Prometheus -----------------------------------------------------------------------------------
def metrics_server(make_server, **options):
    port = free_port()
    s = make_server(metrics_port=port, metrics_bind="127.0.0.1", **options)
    s.metrics_port = port
    wait_until(lambda: _status(s, "/healthz") == 200, timeout=5, message="/healthz")
    return s


def _status(s, path):
    try:
        return http_get("127.0.0.1", s.metrics_port, path, timeout=2)[0]
    except OSError:
        return None


def scrape(s):
    status, headers, body = http_get("127.0.0.1", s.metrics_port, "/metrics")
    assert status == 200
    assert headers.get("content-type", "").startswith("text/plain"), headers
    return parse_prometheus(body)


@pytest.mark.cairn_only
@pytest.mark.needs("metrics")
def test_metrics_series_follow_the_cache(make_server):
    s = metrics_server(make_server, max_items=3, eviction_policy="lru", shards=1)
    with s.conn() as c:
        assert c.cmd("SET", "a", "1") == "OK"
        assert c.cmd("SET", "b", "2") == "OK"
        assert c.cmd("GET", "a") == b"1"
        assert c.cmd("GET", "zz") is None
        assert c.cmd("SET", "c", "3") == "OK"
        assert c.cmd("SET", "d", "4") == "OK"  # evicts the LRU key, b
        assert c.cmd("SET", "t", "x", "PX", "30") == "OK"  # evicts a, then expires
        wait_until(lambda: s.info("stats", conn=c)["expired_keys"] == 1, message="expiry")
        samples, types = scrape(s)
        info = s.info(conn=c)

        assert metric(samples, "redis_up") == 1
        assert metric(samples, "redis_keyspace_hits_total") == info["keyspace_hits"] == 1
        assert metric(samples, "redis_keyspace_misses_total") == info["keyspace_misses"] == 1
        assert metric(samples, "redis_evicted_keys_total") == info["evicted_keys"] == 2
        assert metric(samples, "redis_expired_keys_total") == info["expired_keys"] == 1
        assert metric(samples, "redis_connected_clients") == info["connected_clients"] == 1
        assert metric(samples, "redis_memory_used_bytes") > 0
        assert metric(samples, "redis_db_keys", db="db0") == info["db0"]["keys"] == 2
        assert metric(samples, "redis_commands_total", cmd="get") == 2
        assert metric(samples, "redis_commands_total", cmd="set") == 5
        assert metric(samples, "cairn_commands_total", cmd="get") == 2
        assert metric(samples, "cairn_evictions_total", policy="lru", cause="items") == 2
        assert metric(samples, "cairn_items") == 2
        assert metric(samples, "cairn_max_items") == 3
        assert metric(samples, "cairn_expirations_total") == 1
        for name in ("redis_keyspace_hits_total", "redis_evicted_keys_total",
                     "cairn_evictions_total", "redis_commands_total"):
            assert types.get(name) == "counter", (name, types.get(name))
        assert types.get("redis_connected_clients") == "gauge"
        assert types.get("cairn_command_duration_seconds") == "histogram"
        # the latency histogram of GET: cumulative buckets ending in +Inf == _count == calls
        buckets = sorted((float(dict(ls)["le"]), v) for (n, ls), v in samples.items()
                         if n == "cairn_command_duration_seconds_bucket" and ("cmd", "get") in ls)
        assert buckets and buckets[-1] == (float("inf"), 2)
        assert all(a[1] <= b[1] for a, b in zip(buckets, buckets[1:]))
        assert metric(samples, "cairn_command_duration_seconds_count", cmd="get") == 2
        assert metric(samples, "cairn_command_duration_seconds_sum", cmd="get") > 0

        # one more hit moves exactly one series by one
        assert c.cmd("GET", "d") == b"4"
        samples2, _ = scrape(s)
        assert metric(samples2, "redis_keyspace_hits_total") == 2
        assert metric(samples2, "redis_keyspace_misses_total") == 1
        assert metric(samples2, "redis_commands_total", cmd="get") == 3


@pytest.mark.cairn_only
@pytest.mark.needs("metrics")
def test_metrics_health_endpoints_and_curl(make_server):
    s = metrics_server(make_server)
    status, _, body = http_get("127.0.0.1", s.metrics_port, "/healthz")
    assert status == 200 and body.strip() == b"ok"
    # Ready once the listeners are open and the warm load is done: PING can answer a moment
    # before the flag is raised, so wait for it rather than race it.
    wait_until(lambda: _status(s, "/readyz") == 200, timeout=5, message="/readyz")
    status, _, body = http_get("127.0.0.1", s.metrics_port, "/readyz")
    assert status == 200 and body.strip() == b"ready"
    assert _status(s, "/no-such-page") == 404
    out = subprocess.run(["curl", "-sS", "--fail", "--max-time", "10",
                          f"http://127.0.0.1:{s.metrics_port}/metrics"],
                         capture_output=True, timeout=20)
    assert out.returncode == 0, out.stderr
    samples, _ = parse_prometheus(out.stdout)
    assert metric(samples, "redis_up") == 1
    assert metric(samples, "redis_connected_clients") == 0
    with s.conn() as c, s.conn() as c2:
        assert c.cmd("PING") == "PONG" and c2.cmd("PING") == "PONG"
        assert metric(scrape(s)[0], "redis_connected_clients") == 2


@pytest.mark.cairn_only
@pytest.mark.needs("metrics", "persistence")
def test_metrics_show_the_dirty_backlog(make_server):
    s = metrics_server(make_server, write_policy="write-back", write_back_interval_ms=3600000,
                       write_back_max_dirty=0)
    with s.conn() as c:
        c.pipeline([("SET", f"k{i}", "v") for i in range(25)])
        samples, _ = scrape(s)
        dirty = [v for (n, _), v in samples.items() if n.startswith("cairn_") and "dirty" in n
                 and "bytes" not in n]
        assert 25 in dirty, "no cairn_*dirty* series with the 25 dirty keys"
        assert c.cmd("WRITEBACK", "FLUSH") == 25
        samples, _ = scrape(s)
        dirty = [v for (n, _), v in samples.items() if n.startswith("cairn_") and "dirty" in n
                 and "bytes" not in n]
        assert 25 not in dirty and 0 in dirty
