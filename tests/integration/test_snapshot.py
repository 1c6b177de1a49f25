"""Snapshots (issue 4): SAVE, BGSAVE and LASTSAVE (Redis commands: these also pass against
redis-server), and Cairn's named snapshots: SNAPSHOT CREATE / RESTORE / LIST / DELETE, restore
after a restart, snapshot-on-start, refusal of corrupt or truncated files with the cache left
exactly as it was.

The big round trip uses CAIRN_SNAPSHOT_KEYS keys (default 200000; the issue's 1M is a bench
figure: set CAIRN_SNAPSHOT_KEYS=1000000 to run it as a test).
"""

import os
import random
import threading
import time

import pytest

from helpers import wait_until
from resp_client import Error

SNAPSHOT_KEYS = int(os.environ.get("CAIRN_SNAPSHOT_KEYS", "200000"))
TTL_EVERY = 10  # every 10th key has a TTL


def value_of(i):
    return b"value:%d:" % i + b"x" * (i % 50)


def fill(c, n, batch=1000):
    for start in range(0, n, batch):
        cmds = []
        for i in range(start, min(n, start + batch)):
            if i % TTL_EVERY == 0:
                cmds.append(("SET", f"key:{i}", value_of(i), "EX", "100000"))
            else:
                cmds.append(("SET", f"key:{i}", value_of(i)))
        replies = c.pipeline(cmds)
        assert replies == ["OK"] * len(cmds), [r for r in replies if r != "OK"][:3]


def assert_same(c, n, batch=1000):
    for start in range(0, n, batch):
        idx = range(start, min(n, start + batch))
        values = c.cmd("MGET", *[f"key:{i}" for i in idx])
        wrong = [i for i, v in zip(idx, values) if v != value_of(i)]
        assert not wrong, f"{len(wrong)} keys differ, e.g. key:{wrong[0]}"
        ttls = c.pipeline([("PTTL", f"key:{i}") for i in idx if i % TTL_EVERY == 0])
        assert all(90000 * 1000 < t <= 100000 * 1000 for t in ttls), ttls[:5]


def flat(reply):
    """Every bytes item of a (nested) reply."""
    if isinstance(reply, list):
        return [x for item in reply for x in flat(item)]
    return [reply] if isinstance(reply, bytes) else []


def snapshot_file(data_dir, name):
    """The file SNAPSHOT CREATE `name` wrote somewhere under the data dir."""
    found = [p for p in data_dir.rglob(f"{name}.*")
             if p.is_file() and p.stem == name and not p.name.endswith(".tmp")]
    assert len(found) == 1, f"snapshot '{name}' files under {data_dir}: {found}"
    return found[0]


def wait_for_next_second(c):
    """LASTSAVE has a resolution of one second: wait until a new save can show a new value."""
    last = c.cmd("LASTSAVE")
    wait_until(lambda: int(time.time()) > last, timeout=3, message="the next second")
    return last


def wait_bgsave_done(s, c, last, timeout=120):
    def done():
        if c.cmd("LASTSAVE") <= last:
            return False
        return s.info("persistence", conn=c).get("rdb_bgsave_in_progress", 0) == 0

    wait_until(done, timeout=timeout, interval=0.02, message="BGSAVE to finish")


# -- SAVE / BGSAVE / LASTSAVE ---------------------------------------------------------------------
@pytest.mark.needs("save")
def test_save_and_lastsave(make_server):
    s = make_server()
    with s.conn() as c:
        fill(c, 1000)
        start = c.cmd("LASTSAVE")
        assert isinstance(start, int) and start <= time.time() + 1
        wait_for_next_second(c)
        before = int(time.time())
        assert c.cmd("SAVE") == "OK"
        assert before <= c.cmd("LASTSAVE") <= time.time() + 1
        assert c.cmd("LASTSAVE", "x") == Error(
            "ERR wrong number of arguments for 'lastsave' command")


@pytest.mark.needs("save")
def test_bgsave_does_not_stall_readers(make_server, record_property):
    n = min(SNAPSHOT_KEYS, 200000)
    s = make_server()
    with s.conn() as c:
        fill(c, n)
        last = wait_for_next_second(c)
        latencies, errors, stop = [], [], threading.Event()

        def read():
            rng = random.Random(7)
            with s.conn() as r:
                while not stop.is_set():
                    i = rng.randrange(n)
                    t0 = time.perf_counter()
                    v = r.cmd("GET", f"key:{i}")
                    latencies.append(time.perf_counter() - t0)
                    if v != value_of(i):
                        errors.append((i, v))

        reader = threading.Thread(target=read)
        reader.start()
        try:
            wait_until(lambda: len(latencies) > 100, message="the reader to start")
            assert c.cmd("BGSAVE") == "Background saving started"
            started = time.monotonic()
            wait_bgsave_done(s, c, last)
            duration = time.monotonic() - started
            stop.set()
        finally:
            stop.set()
            reader.join(30)
        assert not errors, errors[:3]
        lat = sorted(latencies)
        p99, worst = lat[int(len(lat) * 0.99)] * 1000, lat[-1] * 1000
        record_property("bgsave_seconds", round(duration, 3))
        record_property("bgsave_reader_p99_ms", round(p99, 2))
        record_property("bgsave_reader_max_ms", round(worst, 2))
        print(f"BGSAVE of {n} keys: {duration:.2f} s; reader p99 {p99:.2f} ms, "
              f"max {worst:.2f} ms over {len(lat)} GETs")
        # loose on purpose (debug builds, 2 shared cores); bench/persistence_bench.sh measures
        assert p99 < 200, f"reader p99 {p99:.1f} ms during BGSAVE"


# -- named snapshots ------------------------------------------------------------------------------
@pytest.mark.cairn_only
@pytest.mark.needs("snapshot")
def test_snapshot_survives_restart_and_restores_every_key(make_server, record_property):
    s = make_server()
    with s.conn() as c:
        fill(c, SNAPSHOT_KEYS)
        started = time.monotonic()
        assert c.cmd("SNAPSHOT", "CREATE", "big") == "OK"
        record_property("snapshot_create_seconds", round(time.monotonic() - started, 3))
        assert b"big" in flat(c.cmd("SNAPSHOT", "LIST"))
    assert s.stop() == 0
    s2 = s.restart(write_policy="none")
    with s2.conn() as c:
        assert c.cmd("DBSIZE") == 0, "memory only: the restarted cache starts empty"
        assert b"big" in flat(c.cmd("SNAPSHOT", "LIST")), "snapshots outlive the process"
        started = time.monotonic()
        assert c.cmd("SNAPSHOT", "RESTORE", "big") == "OK"
        record_property("snapshot_restore_seconds", round(time.monotonic() - started, 3))
        assert c.cmd("DBSIZE") == SNAPSHOT_KEYS
        info = s2.info("keyspace", conn=c)
        assert info["db0"]["expires"] == len(range(0, SNAPSHOT_KEYS, TTL_EVERY))
        assert_same(c, SNAPSHOT_KEYS)


@pytest.mark.cairn_only
@pytest.mark.needs("snapshot")
def test_restore_replaces_the_whole_cache(make_server):
    s = make_server()
    with s.conn() as c:
        fill(c, 100)
        assert c.cmd("SET", "soon", "v", "PX", "300") == "OK"
        expires_at = time.time() + 0.3
        assert c.cmd("SNAPSHOT", "CREATE", "s1") == "OK"
        assert c.cmd("SET", "new", "v") == "OK"
        assert c.cmd("DEL", "key:1") == 1
        assert c.cmd("SET", "key:2", "changed") == "OK"
        assert c.cmd("PERSIST", "key:0") == 1
        wait_until(lambda: time.time() > expires_at + 0.05, message="'soon' to pass its TTL")
        assert c.cmd("SNAPSHOT", "RESTORE", "s1") == "OK"
        assert c.cmd("EXISTS", "new") == 0
        assert c.cmd("GET", "soon") is None, "an entry past its absolute expiry came back"
        assert c.cmd("DBSIZE") == 100
        assert_same(c, 100)


@pytest.mark.cairn_only
@pytest.mark.needs("snapshot")
@pytest.mark.parametrize("damage", ["flip-byte", "truncate", "trailing-garbage", "empty"])
def test_corrupt_snapshot_is_refused_and_cache_unchanged(make_server, damage):
    s = make_server()
    with s.conn() as c:
        fill(c, 2000)
        assert c.cmd("SNAPSHOT", "CREATE", "s1") == "OK"
        path = snapshot_file(s.data_dir, "s1")
        good = path.read_bytes()
        assert len(good) > 2000 * 8
        bad = {"flip-byte": lambda b: b[:len(b) // 2] + bytes([b[len(b) // 2] ^ 0x5A]) +
               b[len(b) // 2 + 1:],
               "truncate": lambda b: b[:len(b) * 2 // 3],
               "trailing-garbage": lambda b: b + b"garbage",
               "empty": lambda b: b""}[damage](good)
        # the cache now differs from the snapshot
        assert c.cmd("SET", "after", "v") == "OK"
        assert c.cmd("DEL", "key:5") == 1
        path.write_bytes(bad)
        reply = c.cmd("SNAPSHOT", "RESTORE", "s1")
        assert isinstance(reply, Error), f"a damaged snapshot ({damage}) was accepted"
        assert c.cmd("DBSIZE") == 2000
        assert c.cmd("GET", "after") == b"v" and c.cmd("EXISTS", "key:5") == 0
        assert c.cmd("GET", "key:6") == value_of(6)
        # the intact file restores
        path.write_bytes(good)
        assert c.cmd("SNAPSHOT", "RESTORE", "s1") == "OK"
        assert c.cmd("EXISTS", "after") == 0 and c.cmd("GET", "key:5") == value_of(5)


@pytest.mark.cairn_only
@pytest.mark.needs("snapshot")
def test_snapshot_list_delete_and_names(make_server):
    s = make_server()
    with s.conn() as c:
        assert c.cmd("SET", "k", "v") == "OK"
        assert c.cmd("SNAPSHOT", "CREATE", "one") == "OK"
        assert c.cmd("SNAPSHOT", "CREATE", "two") == "OK"
        names = flat(c.cmd("SNAPSHOT", "LIST"))
        assert b"one" in names and b"two" in names
        reply = c.cmd("SNAPSHOT", "DELETE", "one")
        assert reply is not None and not isinstance(reply, Error), reply
        names = flat(c.cmd("SNAPSHOT", "LIST"))
        assert b"one" not in names and b"two" in names
        assert isinstance(c.cmd("SNAPSHOT", "RESTORE", "one"), Error)
        assert isinstance(c.cmd("SNAPSHOT", "RESTORE", "never-made"), Error)
        assert c.cmd("GET", "k") == b"v", "a failed restore changes nothing"
        # a name is a file name inside the data dir, never a path
        for evil in ("../escape", "a/b", "..", ""):
            assert isinstance(c.cmd("SNAPSHOT", "CREATE", evil), Error), evil
        assert not (s.data_dir.parent / "escape").exists()
        assert c.cmd("SNAPSHOT", "NOPE") == Error(
            "ERR unknown subcommand 'NOPE'. Try SNAPSHOT HELP.")


@pytest.mark.cairn_only
@pytest.mark.needs("snapshot-on-start")
def test_snapshot_on_start(make_server):
    s = make_server()
    with s.conn() as c:
        fill(c, 5000)
        assert c.cmd("SNAPSHOT", "CREATE", "boot") == "OK"
    assert s.stop() == 0
    s2 = s.restart(snapshot_on_start="boot")
    s2.wait_loaded()
    with s2.conn() as c:
        assert c.cmd("DBSIZE") == 5000
        assert_same(c, 5000)
