"""Node.js cluster clients against three Cairn nodes (issue 19): ioredis `Cluster` and node-redis
`createCluster` (pinned in tests/clients/node/package-lock.json, installed by scripts/test.sh with npm ci)
discover the map from one node and write and read 10,000 keys across all slots."""

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from test_cluster import three_nodes  # noqa: F401 (the fixture)

NODE_DIR = Path(__file__).resolve().parents[1] / "clients" / "node"
N_KEYS = 10_000

pytestmark = [
    pytest.mark.cairn_only,
    pytest.mark.skipif(shutil.which("node") is None,
                       reason="node is not installed (scripts/install-deps.sh --test)"),
    pytest.mark.skipif(not (NODE_DIR / "node_modules" / "ioredis").is_dir()
                       or not (NODE_DIR / "node_modules" / "redis").is_dir(),
                       reason="Node.js cluster clients not installed: npm ci --prefix "
                              "tests/clients/node (scripts/test.sh does it)"),
]


@pytest.mark.parametrize("client", ["ioredis", "node-redis"])
def test_node_cluster_client_writes_and_reads_10000_keys(three_nodes, client):  # noqa: F811
    entry = three_nodes[1]
    res = subprocess.run(["node", str(NODE_DIR / "cluster_clients.mjs"), client,
                          str(entry.port), str(N_KEYS)],
                         capture_output=True, text=True, timeout=120, cwd=NODE_DIR)
    assert res.returncode == 0, res.stdout + res.stderr
    summary = json.loads(res.stdout.strip().splitlines()[-1])
    assert summary == {"client": client, "written": N_KEYS, "read_ok": N_KEYS}
    sizes = [n.conn().cmd("DBSIZE") for n in three_nodes]
    assert sum(sizes) == N_KEYS
    assert all(size > N_KEYS // 5 for size in sizes), sizes
