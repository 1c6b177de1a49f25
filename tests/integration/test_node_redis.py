"""node-redis (the `redis` npm package, pinned in tests/clients/node/package-lock.json) against
the server, with RESP3 (its default) and RESP2: handshake, strings, expiry, SCAN, CONFIG GET,
pub/sub (tests/clients/node/smoke.mjs); and its client-side cache (clientSideCache, on CLIENT
TRACKING): values changed, deleted, expired, flushed or evicted by the server are fetched again,
never served stale (tests/clients/node/csc.mjs).

The package is installed by this test's setup with `npm ci` into tests/clients/node/node_modules
(no global install). Skipped, with the reason, only when node >= 20 is missing or the npm
registry cannot be reached; any other install failure fails the test.
"""

import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

NODE_DIR = Path(__file__).resolve().parents[1] / "clients" / "node"
NPM_TIMEOUT_S = 300
RUN_TIMEOUT_S = 60
# npm's messages when the registry is out of reach (no network, DNS, proxy, offline cache miss)
_UNREACHABLE = re.compile(r"ENOTFOUND|EAI_AGAIN|ECONNREFUSED|ECONNRESET|ETIMEDOUT|ENETUNREACH|"
                          r"network|ENOTCACHED|socket hang up", re.I)


def _installed():
    """True when node_modules matches the committed lock file (npm ci already ran)."""
    marker = NODE_DIR / "node_modules" / ".package-lock.json"
    lock = NODE_DIR / "package-lock.json"
    return marker.exists() and marker.stat().st_mtime >= lock.stat().st_mtime


@pytest.fixture(scope="module")
def node_redis():
    node, npm = shutil.which("node"), shutil.which("npm")
    if node is None or npm is None:
        pytest.skip("node/npm not installed (scripts/install-deps.sh --test installs them)")
    version = subprocess.run([node, "--version"], capture_output=True, text=True).stdout.strip()
    if int(version.lstrip("v").split(".")[0]) < 20:
        pytest.skip(f"node-redis 6 needs node >= 20, found {version}")
    if not _installed():
        try:
            res = subprocess.run([npm, "ci", "--no-audit", "--no-fund"], cwd=NODE_DIR,
                                 capture_output=True, text=True, timeout=NPM_TIMEOUT_S,
                                 env=dict(os.environ, npm_config_update_notifier="false",
                                          npm_config_fetch_retries="1"))
        except subprocess.TimeoutExpired:
            pytest.skip(f"npm ci did not finish within {NPM_TIMEOUT_S}s (registry unreachable?)")
        if res.returncode != 0:
            out = res.stdout + res.stderr
            if _UNREACHABLE.search(out):
                pytest.skip(f"npm registry unreachable, node-redis not installed: {out[-300:]}")
            pytest.fail(f"npm ci failed ({res.returncode}):\n{out}")
    return node


@pytest.mark.parametrize("resp", [3, 2])
def test_node_redis_connects_and_works(server, node_redis, resp):
    res = subprocess.run([node_redis, "smoke.mjs", str(server.port), str(resp)], cwd=NODE_DIR,
                         capture_output=True, text=True, timeout=RUN_TIMEOUT_S)
    out = res.stdout + res.stderr
    assert res.returncode == 0, out
    assert out.splitlines()[-1] == "all ok", out
    for check in ("strings ok", "expiry ok", "scan ok", "config get ok", "pubsub ok"):
        assert check in out, out


def run_node(node, *args):
    res = subprocess.run([node, *args], cwd=NODE_DIR, capture_output=True, text=True,
                         timeout=RUN_TIMEOUT_S)
    out = res.stdout + res.stderr
    assert res.returncode == 0, out
    assert out.splitlines()[-1] == "all ok", out
    return out


def test_node_redis_client_side_cache_is_never_stale(server, node_redis):
    out = run_node(node_redis, "csc.mjs", str(server.port))
    for check in ("cached ok", "changed ok", "deleted ok", "expired ok", "flushall ok"):
        assert check in out, out


@pytest.mark.cairn_only
def test_node_redis_client_side_cache_after_eviction(make_server, node_redis):
    s = make_server(max_items=10, eviction_policy="lru")
    assert "evicted ok" in run_node(node_redis, "csc.mjs", str(s.port), "evict")
