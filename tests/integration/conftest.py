"""Fixtures for the black-box integration tests.

  server      a module-wide server (default options), started once per test file
  r           a fresh RespConn to `server` after FLUSHALL (most command tests use this)
  make_server factory: make_server(**options) starts a server with extra options
              (`max_items=10` -> `--max-items 10`); all are SIGTERMed at teardown and must exit 0.
              s.kill9() crashes one; s.restart(**overrides) starts a new process on the same
              data dir (persistence tests); restarted servers are stopped at teardown too.

@pytest.mark.needs("feature", ...) skips a test while the server lacks a feature (features.py);
--strict-needs (or CAIRN_STRICT_NEEDS=1) makes that a failure instead.

Run against cairn:  python3 -m pytest -q tests/integration     (binary: $CAIRN_SERVER or build/)
Run against redis:  python3 -m pytest -q tests/integration --target-redis   (or CAIRN_TARGET=redis)
"""

import os

import pytest

from features import FEATURES, Capabilities
from helpers import STOP_TIMEOUT_S, Server, cairn_binary


def pytest_addoption(parser):
    parser.addoption("--target-redis", action="store_true", default=False,
                     help="run against the installed redis-server instead of cairn-server")
    parser.addoption("--strict-needs", action="store_true", default=False,
                     help="fail (instead of skip) tests whose needs() feature is missing")


def pytest_configure(config):
    config.addinivalue_line("markers", "cairn_only: needs a cairn-server option or command "
                            "that redis-server 7.0 lacks")
    config.addinivalue_line("markers", "needs(*features): skip unless the server under test has "
                            f"these features (probed; one of {', '.join(sorted(FEATURES))}, or "
                            "cmd:NAME / config:key / info:section:field)")


def target_kind(config):
    if config.getoption("--target-redis") or os.environ.get("CAIRN_TARGET") == "redis":
        return "redis"
    return "cairn"


def pytest_report_header(config):
    kind = target_kind(config)
    return f"target: {kind}" + (f" ({cairn_binary()})" if kind == "cairn" else "")


def pytest_collection_modifyitems(config, items):
    if target_kind(config) != "redis":
        return
    skip = pytest.mark.skip(reason="cairn-only behaviour")
    for item in items:
        if "cairn_only" in item.keywords:
            item.add_marker(skip)


_capabilities = {}


def pytest_runtest_setup(item):
    features = [f for m in item.iter_markers("needs") for f in m.args]
    if not features:
        return
    config = item.config
    kind = target_kind(config)
    if kind == "cairn" and not os.access(cairn_binary(), os.X_OK):
        return  # the `kind` fixture reports the missing binary
    caps = _capabilities.setdefault(kind, Capabilities(kind))
    for feature in features:
        missing = caps.missing(feature)
        if missing is None:
            continue
        reason = f"{kind} lacks feature '{feature}' ({missing})"
        if config.getoption("--strict-needs") or os.environ.get("CAIRN_STRICT_NEEDS") == "1":
            pytest.fail(reason + " and --strict-needs is set", pytrace=False)
        pytest.skip(reason)


def pytest_sessionfinish(session):
    for caps in _capabilities.values():
        caps.close()
    _capabilities.clear()


@pytest.fixture(scope="session")
def kind(pytestconfig):
    k = target_kind(pytestconfig)
    if k == "cairn" and not os.access(cairn_binary(), os.X_OK):
        pytest.exit(f"cairn-server not found at {cairn_binary()} (set CAIRN_SERVER)", returncode=2)
    return k


def _stop_all(servers):
    failures = []
    for s in servers:
        if s.proc is None:
            continue
        rc = s.stop(STOP_TIMEOUT_S)
        if s.expected_exit_code is not None and rc != s.expected_exit_code:
            failures.append(f"server on port {s.port} exited with {rc}, expected "
                            f"{s.expected_exit_code}:\n{s.output()}")
    assert not failures, "\n".join(failures)


@pytest.fixture(scope="module")
def server(kind, tmp_path_factory):
    s = Server(kind, tmp_path_factory.mktemp("data")).start()
    yield s
    _stop_all([s])


@pytest.fixture
def r(server):
    """A connection to the module server, with an empty keyspace and default config."""
    c = server.conn()
    assert c.cmd("FLUSHALL") == "OK"
    yield c
    c.close()


@pytest.fixture
def make_server(kind, tmp_path_factory):
    started = []

    def factory(config_file=None, extra_args=(), start=True, **options):
        opts = {k.replace("_", "-"): v for k, v in options.items()}
        s = Server(kind, tmp_path_factory.mktemp("data"), opts, config_file, extra_args,
                   registry=started)
        started.append(s)
        return s.start() if start else s

    yield factory
    _stop_all(started)


@pytest.fixture(scope="module")
def reference(kind, tmp_path_factory):
    """Debian's redis-server 7.0, the reference a differential test compares replies with, when
    the target is cairn; None otherwise (a run against redis needs no second one). A test file
    that needs other options overrides it (test_oom_transactions.py)."""
    if kind != "cairn":
        yield None
        return
    s = Server("redis", tmp_path_factory.mktemp("redis-ref")).start()
    yield s
    s.stop()
