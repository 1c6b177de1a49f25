"""Node clients against the server (issue 15): node-redlock 4 (lock, exclusion, extend,
unlock through its Lua scripts), ioredis defineCommand (EVALSHA with its EVAL fallback, also
after SCRIPT FLUSH), ioredis multi()/exec(), rate-limiter-flexible's RateLimiterRedis (10 points
per second admit exactly 10 of 15) and node-redis 6 multi()/exec() with WATCH. The packages are pinned in tests/clients/node/package-lock.json
and installed here with `npm ci` (once) when node and npm are present.
"""

import json
import shutil
import subprocess
from pathlib import Path

import pytest

NODE_DIR = Path(__file__).resolve().parents[1] / "clients" / "node"


@pytest.fixture(scope="module")
def node_clients():
    if shutil.which("node") is None or shutil.which("npm") is None:
        pytest.skip("node and npm are not installed")
    modules = NODE_DIR / "node_modules"
    if not all((modules / name).is_dir() for name in ("redlock", "rate-limiter-flexible")):
        subprocess.run(["npm", "ci", "--no-audit", "--no-fund"], cwd=NODE_DIR, check=True,
                       timeout=300, stdout=subprocess.DEVNULL)
    return NODE_DIR


def test_redlock_and_ioredis(server, node_clients):
    with server.conn() as c:
        c.cmd("FLUSHALL")
    done = subprocess.run(["node", str(node_clients / "clients_check.js"), str(server.port)],
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    seen = json.loads(done.stdout)
    assert seen == {
        "held_value_matches": True,
        "second_excluded": True,  # a lock held by one client excludes another
        "extended_ttl_over_10s": True,
        "unlocked": True,
        "second_after_unlock": True,
        "cas_hit": 1,
        "cas_miss": 0,
        "cas_value": "y",
        "multi": [[None, "OK"], [None, 2], [None, "2"]],
        "multi_abort": "EXECABORT Transaction discarded because of previous errors",
        "m2_exists": 0,
    }


def test_rate_limiter_define_command_and_node_redis_multi(server, node_clients):
    with server.conn() as c:
        c.cmd("FLUSHALL")
    done = subprocess.run(["node", str(node_clients / "libraries_check.js"), str(server.port)],
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    seen = json.loads(done.stdout)
    assert seen == {
        # rate-limiter-flexible: 10 points per second admit exactly 10 of 15 consume() calls.
        "limiter_admitted": 10,
        "limiter_refused": 5,
        "limiter_refusals_are_limits": True,
        "limiter_ttl_within_window": True,
        "limiter_other_key_remaining": 9,
        # ioredis defineCommand: EVALSHA, NOSCRIPT, EVAL; EVALSHA; after SCRIPT FLUSH again EVAL.
        "define_first": None,
        "define_second": "a",
        "script_flush": "OK",
        "define_after_flush": "b",
        "define_value": "c",
        "define_stats": {"eval": [2, 0], "evalsha": [2, 1]},  # as redis-server 7.0 counts them
        # node-redis 6 multi()/exec(), and a WATCHed key changed by another client.
        "node_redis_multi": ["OK", 2, 7, "7"],
        "node_redis_watch": "WatchError",
        "node_redis_after_watch": "changed",
    }
