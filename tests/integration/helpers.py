"""Shared helpers: the server process wrapper, polling with a deadline, INFO parsing.

The same tests run against cairn-server (the default) or a real redis-server 7.0 (`--target-redis`
or CAIRN_TARGET=redis), which is how the expected replies were checked. Options are written with
cairn's names (`max-items`, `eviction-policy lru`) and translated for redis-server where it has an
equivalent; tests that need a cairn-only option are marked `cairn_only`.
"""

import os
import re
import signal
import socket
import subprocess
import threading
import time
from pathlib import Path

import redis

from resp_client import RespConn

REPO_ROOT = Path(__file__).resolve().parents[2]
HOST = "127.0.0.1"
READY_TIMEOUT_S = 10.0
STOP_TIMEOUT_S = 10.0

# cairn eviction policy -> redis maxmemory-policy
REDIS_POLICY = {"lru": "allkeys-lru", "lfu": "allkeys-lfu", "noeviction": "noeviction"}
_CAIRN_READY = re.compile(r"ready to accept connections on (\S+):(\d+)")
_REDIS_READY = re.compile(r"Ready to accept connections")


def cairn_binary():
    return os.environ.get("CAIRN_SERVER", str(REPO_ROOT / "build" / "cairn-server"))


def wait_until(predicate, timeout=5.0, interval=0.01, message="condition"):
    """Polls `predicate` until it returns a truthy value or the deadline passes (then fails)."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() >= deadline:
            raise AssertionError(f"timed out after {timeout}s waiting for {message}")
        time.sleep(interval)


def parse_info(text):
    """INFO text -> dict. Numeric values become int/float; dbN lines become dicts."""
    if isinstance(text, bytes):
        text = text.decode()
    out = {}
    for line in text.split("\r\n"):
        if not line or line.startswith("#") or ":" not in line:
            continue
        key, value = line.split(":", 1)
        if re.fullmatch(r"db\d+", key):
            out[key] = {k: int(v) for k, v in (kv.split("=") for kv in value.split(","))}
            continue
        try:
            out[key] = int(value)
        except ValueError:
            try:
                out[key] = float(value)
            except ValueError:
                out[key] = value
    return out


def parse_kv(value):
    """'calls=3,usec=12,usec_per_call=4.00' (INFO commandstats, latencystats) -> dict of numbers."""
    out = {}
    for kv in value.split(","):
        k, v = kv.split("=", 1)
        try:
            out[k] = int(v)
        except ValueError:
            out[k] = float(v)
    return out


def info_kv(text, prefix):
    """The 'k=v,...' fields of INFO `text` whose name starts with `prefix`, by the name's rest:
    info_kv(INFO commandstats, "cmdstat_") -> {"get": {"calls": 3, ...}, ...}."""
    if isinstance(text, bytes):
        text = text.decode()
    out = {}
    for line in text.split("\r\n"):
        if line.startswith(prefix) and ":" in line:
            key, value = line.split(":", 1)
            out[key[len(prefix):]] = parse_kv(value)
    return out


def free_port():
    with socket.socket() as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


class Server:
    """One server process on 127.0.0.1 with a private data dir."""

    def __init__(self, kind, data_dir, options=None, config_file=None, extra_args=(),
                 registry=None):
        self.kind = kind
        self.data_dir = Path(data_dir)
        self.options = dict(options or {})
        self.config_file = config_file
        self.extra_args = list(extra_args)
        self.host = HOST
        self.port = None
        self.proc = None
        self.lines = []
        self.expected_exit_code = 0
        self._ready = threading.Event()
        self._reader = None
        # the fixture's list of servers to stop at teardown (restart() adds the new process)
        self._registry = registry

    # -- command line -------------------------------------------------------------------------
    def argv(self):
        self.data_dir.mkdir(parents=True, exist_ok=True)
        if self.kind == "cairn":
            argv = [cairn_binary()]
            if self.config_file:
                argv.append(str(self.config_file))
            if "port" not in self.options:
                argv += ["--port", "0"]
            argv += ["--bind", HOST, "--data-dir", str(self.data_dir)]
            if "warm-load" not in self.options:  # a fresh data dir has nothing to load
                argv += ["--warm-load", "no"]
            for k, v in self.options.items():
                argv += [f"--{k}", str(v)]
            return argv + self.extra_args
        self.port = free_port()
        argv = ["redis-server"]
        if self.config_file:
            argv.append(str(self.config_file))
        if "port" not in self.options:
            argv += ["--port", str(self.port)]
        argv += ["--bind", HOST, "--save", "", "--appendonly", "no",
                 "--dir", str(self.data_dir), "--logfile", "", "--daemonize", "no",
                 "--enable-debug-command", "yes"]
        for k, v in self.options.items():
            if k == "eviction-policy":
                k, v = "maxmemory-policy", REDIS_POLICY[v]
            elif k in ("max-items", "shards"):
                raise ValueError(f"option {k} has no redis-server equivalent (mark the test cairn_only)")
            argv += [f"--{k}", str(v)]
        return argv + self.extra_args

    # -- lifecycle ----------------------------------------------------------------------------
    def start(self, timeout=READY_TIMEOUT_S, wait_loaded=True):
        """Starts the process and waits for its ready line; then, when it loads data at startup
        (warm-load yes, snapshot-on-start) and unless `wait_loaded` is False, until INFO
        persistence says loading:0."""
        self._start(timeout)
        loads = self.options.get("warm-load") == "yes" or self.options.get("snapshot-on-start")
        if wait_loaded and self.kind == "cairn" and loads:
            self.wait_loaded(timeout=max(timeout, 30.0))
        return self

    def _start(self, timeout):
        argv = self.argv()
        self.proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                     stdin=subprocess.DEVNULL, cwd=self.data_dir)
        self._reader = threading.Thread(target=self._read_output, daemon=True)
        self._reader.start()
        deadline = time.monotonic() + timeout
        while not self._ready.wait(0.02):
            if self.proc.poll() is not None:
                self._reader.join(2)
                raise AssertionError(
                    f"server exited with {self.proc.returncode} before it was ready:\n{self.output()}")
            if time.monotonic() >= deadline:
                self.proc.kill()
                self.proc.wait()
                raise AssertionError(f"server not ready within {timeout}s:\n{self.output()}")

    def run_expecting_failure(self, timeout=READY_TIMEOUT_S):
        """Runs a server that must refuse to start; returns (exit code, combined output)."""
        try:
            res = subprocess.run(self.argv(), stdin=subprocess.DEVNULL, capture_output=True,
                                 cwd=self.data_dir, timeout=timeout)
        except subprocess.TimeoutExpired as e:
            raise AssertionError(f"server kept running with a bad configuration: {e.output!r}")
        return res.returncode, (res.stdout + res.stderr).decode("utf-8", "replace")

    def _read_output(self):
        for raw in self.proc.stdout:
            line = raw.decode("utf-8", "replace").rstrip("\n")
            self.lines.append(line)
            if not self._ready.is_set():
                if self.kind == "cairn":
                    m = _CAIRN_READY.search(line)
                    if m:
                        self.host = m.group(1).strip("[]")
                        self.port = int(m.group(2))
                        self._ready.set()
                elif _REDIS_READY.search(line):
                    self._ready.set()
        self.proc.stdout.close()

    def output(self):
        return "\n".join(self.lines[-200:])

    def running(self):
        return self.proc is not None and self.proc.poll() is None

    def wait_exit(self, timeout=STOP_TIMEOUT_S):
        """Waits for the process to exit; returns its exit code (kills it and fails on timeout)."""
        try:
            rc = self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
            raise AssertionError(f"server did not exit within {timeout}s (killed):\n{self.output()}")
        if self._reader:
            self._reader.join(2)
        return rc

    def stop(self, timeout=STOP_TIMEOUT_S):
        """SIGTERM, then waits (kill -9 after `timeout`). Returns the exit code."""
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
        return self.wait_exit(timeout)

    def kill9(self):
        """SIGKILL (a crash: no flush, no cleanup). Teardown no longer checks the exit code."""
        self.expected_exit_code = None
        if self.proc.poll() is None:
            self.proc.kill()
        self.proc.wait(STOP_TIMEOUT_S)
        if self._reader:
            self._reader.join(2)

    def restart(self, start=True, wait_loaded=True, **overrides):
        """A new server process on the same data dir, with the same options plus `overrides`
        (`write_policy="none"` -> `--write-policy none`; None removes an option). This one must
        have exited (stop(), kill9(), SHUTDOWN). The fixture stops the new one at teardown."""
        assert not self.running(), "restart() needs the old process to have exited"
        options = dict(self.options)
        for k, v in overrides.items():
            k = k.replace("_", "-")
            if v is None:
                options.pop(k, None)
            else:
                options[k] = v
        s = Server(self.kind, self.data_dir, options, self.config_file, self.extra_args,
                   self._registry)
        if self._registry is not None:
            self._registry.append(s)
        return s.start(wait_loaded=wait_loaded) if start else s

    # -- clients ------------------------------------------------------------------------------
    def conn(self, timeout=10.0):
        return RespConn(self.host, self.port, timeout=timeout)

    def client(self, **kwargs):
        kwargs.setdefault("socket_timeout", 10)
        return redis.Redis(host=self.host, port=self.port, **kwargs)

    def cli(self, *args, password=None, timeout=10):
        argv = ["redis-cli", "-h", self.host, "-p", str(self.port)]
        if password is not None:
            argv += ["-a", password, "--no-auth-warning"]
        return subprocess.run(argv + [str(a) for a in args], capture_output=True, timeout=timeout)

    def info(self, section=None, conn=None):
        c = conn or self.conn()
        try:
            text = c.cmd("INFO", section) if section else c.cmd("INFO")
        finally:
            if conn is None:
                c.close()
        assert isinstance(text, bytes), f"INFO replied {text!r}"
        return parse_info(text)

    def wait_loaded(self, conn=None, timeout=30.0):
        """Waits until INFO persistence says loading:0 (warm-load / snapshot-on-start done)."""
        wait_until(lambda: self.info("persistence", conn=conn).get("loading", 0) == 0,
                   timeout=timeout, interval=0.02, message="loading:0")

    # names that differ between the two targets
    def policy(self, name):
        return name if self.kind == "cairn" else REDIS_POLICY[name]

    @property
    def policy_param(self):
        return "eviction-policy" if self.kind == "cairn" else "maxmemory-policy"


# -- HTTP (the Prometheus endpoint) ----------------------------------------------------------------
def http_get(host, port, path, timeout=10.0):
    """One HTTP/1.1 GET over a raw socket -> (status code, headers dict (lower-case), body)."""
    with socket.create_connection((host, port), timeout=timeout) as s:
        s.sendall(f"GET {path} HTTP/1.1\r\nHost: {host}:{port}\r\nConnection: close\r\n"
                  f"Accept: */*\r\n\r\n".encode())
        data = bytearray()
        while True:
            chunk = s.recv(1 << 16)
            if not chunk:
                break
            data += chunk
    head, sep, body = bytes(data).partition(b"\r\n\r\n")
    assert sep, f"no HTTP header terminator in {bytes(data[:200])!r}"
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split()[1])
    headers = {}
    for line in lines[1:]:
        k, _, v = line.partition(":")
        headers[k.strip().lower()] = v.strip()
    if headers.get("transfer-encoding", "").lower() == "chunked":
        body = _dechunk(body)
    return status, headers, body


def _dechunk(body):
    out = bytearray()
    pos = 0
    while True:
        end = body.index(b"\r\n", pos)
        size = int(body[pos:end].split(b";")[0], 16)
        if size == 0:
            return bytes(out)
        out += body[end + 2:end + 2 + size]
        pos = end + 2 + size + 2


_SAMPLE = re.compile(r'^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?\s+(\S+)(?:\s+\d+)?$')
_LABEL = re.compile(r'([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"')


def parse_prometheus(text):
    """Prometheus text exposition -> (samples, types): samples maps (name, frozenset of label
    pairs) to a float; types maps a family name to its # TYPE. Fails on a malformed line."""
    if isinstance(text, bytes):
        text = text.decode()
    samples, types = {}, {}
    for line in text.splitlines():
        if not line.strip():
            continue
        if line.startswith("#"):
            parts = line.split()
            if len(parts) >= 4 and parts[1] == "TYPE":
                types[parts[2]] = parts[3]
            continue
        m = _SAMPLE.match(line)
        assert m, f"malformed exposition line: {line!r}"
        labels = frozenset(_LABEL.findall(m.group(2) or ""))
        key = (m.group(1), labels)
        assert key not in samples, f"duplicate series: {line!r}"
        samples[key] = float(m.group(3))
    return samples, types


def metric(samples, name, **labels):
    """The value of one series (labels given as keyword arguments must all match; others are
    ignored when exactly one series matches). Fails when none or several match."""
    found = [v for (n, ls), v in samples.items()
             if n == name and all((k, str(want)) in ls for k, want in labels.items())]
    assert len(found) == 1, f"{len(found)} series {name}{labels or ''}"
    return found[0]


def assert_sum_holds_during(server, keys, total, work, workers):
    """Runs work(idx) on `workers` threads while two readers MGET `keys` in a loop and check that
    their values always add up to `total` (transfers must never show a half-done state). Any
    exception in a worker or a reader fails the test."""
    stop = threading.Event()
    errors = []

    def guarded(fn, *args):
        try:
            fn(*args)
        except Exception as e:  # reported below, with the others
            errors.append(repr(e))

    def check():
        with server.conn(timeout=30) as c:
            while not stop.is_set():
                values = c.cmd("MGET", *keys)
                assert sum(int(v) for v in values) == total, values

    checkers = [threading.Thread(target=guarded, args=(check,)) for _ in range(2)]
    threads = [threading.Thread(target=guarded, args=(work, i)) for i in range(workers)]
    for t in checkers + threads:
        t.start()
    for t in threads:
        t.join(60)
    stop.set()
    for t in checkers:
        t.join(60)
    assert not errors, errors[:3]
