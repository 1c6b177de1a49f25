"""Node clients against the server (issue 15): node-redlock 4 (lock, exclusion, extend,
unlock through its Lua scripts), ioredis defineCommand (EVALSHA with its EVAL fallback) and
ioredis multi()/exec(). The packages are pinned in tests/clients/node/package-lock.json
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
    if not (NODE_DIR / "node_modules" / "redlock").is_dir():
        subprocess.run(["npm", "ci", "--no-audit", "--no-fund"], cwd=NODE_DIR, check=True,
                       timeout=300, stdout=subprocess.DEVNULL)
    return NODE_DIR / "clients_check.js"


def test_redlock_and_ioredis(server, node_clients):
    with server.conn() as c:
        c.cmd("FLUSHALL")
    done = subprocess.run(["node", str(node_clients), str(server.port)], capture_output=True,
                          text=True, timeout=60)
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
