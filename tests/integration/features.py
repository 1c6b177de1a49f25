"""Feature probes for `@pytest.mark.needs("feature", ...)`.

Persistence (issue 4) and observability (issue 5) land in cairn-server feature by feature. A test
marked `needs("pubsub")` is SKIPPED while the server under test lacks the feature and runs as
soon as it has it. The probes ask a throw-away server (started once per session, only when a
marked test is about to run) what it supports:
  - a command exists:        COMMAND INFO <name> is not [nil]
  - a command works:         "ok:CMD ARG..." replies something other than an error (a command
                             can be registered before the server wires what it needs)
  - a config key exists:     CONFIG GET <key> is not empty
  - a config key is live:    "set:key value" CONFIG SET replies OK (setting a key to its
                             current value always succeeds, so give a different value)
  - an INFO field exists:    INFO <section> has the field
  - a behaviour works:       a few functional probes (keyspace-events, cairn-events, metrics),
                             for features whose config keys exist before the feature does.
`--strict-needs` (or CAIRN_STRICT_NEEDS=1) turns every such skip into a failure: use it once all
features have landed, so that a feature that breaks can no longer hide as "not supported".

Names: a name from FEATURES below, or "cmd:NAME", "ok:CMD ARG...", "config:key",
"set:key value", "info:section:field".
"""

import shutil
import socket
import tempfile
import time

from helpers import Server, free_port, http_get, parse_info
from resp_client import ConnectionClosed, Error

# feature -> list of requirements: "cmd:", "ok:", "config:", "set:", "info:" or "probe:"
# strings, or the name of another feature.
FEATURES = {
    # issue 4
    "persistence": ["cmd:WRITEBACK", "ok:WRITEBACK STATUS", "config:write-policy",
                    "config:data-dir"],
    "backpressure": ["persistence", "config:write-back-hard-limit",
                     "config:write-back-overflow"],
    "read-through": ["persistence", "set:read-through yes"],
    "warm-load": ["persistence", "config:warm-load"],
    "info-persistence": ["persistence", "info:persistence:write_policy"],
    "save": ["cmd:SAVE", "cmd:BGSAVE", "cmd:LASTSAVE", "ok:LASTSAVE"],
    "snapshot": ["cmd:SNAPSHOT", "ok:SNAPSHOT LIST"],
    "snapshot-on-start": ["snapshot", "config:snapshot-on-start"],
    "undo": ["cmd:UNDO", "cmd:REDO", "ok:UNDO", "config:undo-depth"],
    # issue 5
    "pubsub": ["cmd:SUBSCRIBE", "cmd:PSUBSCRIBE", "cmd:UNSUBSCRIBE", "cmd:PUNSUBSCRIBE",
               "cmd:PUBLISH", "cmd:PUBSUB", "ok:PUBLISH probe-channel x", "ok:PUBSUB NUMPAT"],
    "keyspace-events": ["pubsub", "config:notify-keyspace-events", "probe:keyspace-events"],
    "cairn-events": ["pubsub", "probe:cairn-events"],
    "output-buffer-limit": ["pubsub",
                            "set:client-output-buffer-limit pubsub 33554432 8388608 61"],
    "slowlog": ["cmd:SLOWLOG", "ok:SLOWLOG LEN", "set:slowlog-log-slower-than 10001",
                "set:slowlog-max-len 127"],
    "debug-sleep": ["cmd:DEBUG", "ok:DEBUG SLEEP 0"],
    "monitor": ["cmd:MONITOR", "probe:monitor"],
    "commandstats": ["probe:commandstats"],
    "latencystats": ["probe:latencystats"],
    "info-cairn": ["probe:info-cairn"],
    "metrics": ["config:metrics-port", "probe:metrics"],
}


class Capabilities:
    """Answers `missing(feature)` for one target (cairn or redis), probing lazily."""

    def __init__(self, kind):
        self.kind = kind
        self._server = None
        self._cache = {}

    def close(self):
        if self._server is not None:
            if self._server.running():
                self._server.stop()
            shutil.rmtree(self._server.data_dir, ignore_errors=True)
        self._server = None

    # -- public --------------------------------------------------------------------------------
    def missing(self, feature):
        """The first requirement of `feature` that the server does not meet, or None. A
        requirement may name another feature."""
        for req in FEATURES.get(feature, [feature]):
            if req in FEATURES:
                sub = self.missing(req)
                if sub is not None:
                    return sub
            elif not self._has(req):
                return req
        return None

    # -- probing -------------------------------------------------------------------------------
    def _probe_server(self):
        if self._server is None:
            server = Server(self.kind, tempfile.mkdtemp(prefix="cairn-probe-"))
            try:
                server.start()
            except AssertionError:
                shutil.rmtree(server.data_dir, ignore_errors=True)
                raise
            self._server = server
        return self._server

    def _has(self, req):
        if req not in self._cache:
            self._cache[req] = self._check(req)
        return self._cache[req]

    def _check(self, req):
        what, _, arg = req.partition(":")
        if what == "probe":
            return getattr(self, "_probe_" + arg.replace("-", "_"))()
        with self._probe_server().conn() as c:
            if what == "cmd":
                reply = c.cmd("COMMAND", "INFO", arg.lower())
                return isinstance(reply, list) and bool(reply) and reply[0] is not None
            if what == "ok":
                reply = c.cmd(*arg.split())
                return not isinstance(reply, Error)
            if what == "set":
                key, _, value = arg.partition(" ")
                return c.cmd("CONFIG", "SET", key, value) == "OK"
            if what == "config":
                reply = c.cmd("CONFIG", "GET", arg)
                return isinstance(reply, list) and len(reply) == 2
            if what == "info":
                section, _, field = arg.partition(":")
                reply = c.cmd("INFO", section)
                return isinstance(reply, bytes) and field in parse_info(reply)
        raise ValueError(f"unknown requirement {req!r}")

    def _probe_monitor(self):
        with self._probe_server().conn(timeout=2.0) as c:
            if c.cmd("MONITOR") != "OK":
                return False
            with self._probe_server().conn() as other:
                other.cmd("PING")
            try:
                line = c.read_reply()
            except (socket.timeout, ConnectionClosed, OSError):
                return False
            return isinstance(line, str) and '"PING"' in line

    def _probe_commandstats(self):
        with self._probe_server().conn() as c:
            c.cmd("PING")
            return b"cmdstat_ping:" in c.cmd("INFO", "commandstats")

    def _probe_latencystats(self):
        with self._probe_server().conn() as c:
            c.cmd("PING")
            reply = c.cmd("INFO", "latencystats")
            return isinstance(reply, bytes) and b"latency_percentiles_usec_ping:" in reply

    def _probe_info_cairn(self):
        with self._probe_server().conn() as c:
            reply = c.cmd("INFO", "cairn")
            return isinstance(reply, bytes) and b"# Cairn" in reply

    def _first_message(self, channel, trigger, timeout=2.0):
        """SUBSCRIBEs to `channel`, runs trigger(other_conn); True if a message arrives."""
        s = self._probe_server()
        with s.conn(timeout=timeout) as sub, s.conn() as other:
            reply = sub.cmd("SUBSCRIBE", channel)
            if not isinstance(reply, list):
                return False
            trigger(other)
            try:
                msg = sub.read_reply()
            except (socket.timeout, ConnectionClosed, OSError):
                return False
            return isinstance(msg, list) and msg[:2] == [b"message", channel.encode()]

    def _probe_keyspace_events(self):
        with self._probe_server().conn() as c:
            if c.cmd("CONFIG", "SET", "notify-keyspace-events", "KEA") != "OK":
                return False
            try:
                return self._first_message("__keyevent@0__:set",
                                           lambda o: o.cmd("SET", "probe-key", "v"))
            finally:
                c.cmd("CONFIG", "SET", "notify-keyspace-events", "")
                c.cmd("DEL", "probe-key")

    def _probe_cairn_events(self):
        if self.kind != "cairn":
            return False

        def toggle(o):
            policy = o.cmd("CONFIG", "GET", "eviction-policy")[1].decode()
            o.cmd("CONFIG", "SET", "eviction-policy", "lfu" if policy != "lfu" else "lru")
            o.cmd("CONFIG", "SET", "eviction-policy", policy)

        return self._first_message("__cairn__:events", toggle)

    def _probe_metrics(self):
        if self.kind != "cairn":
            return False
        port = free_port()
        s = Server(self.kind, tempfile.mkdtemp(prefix="cairn-probe-"),
                   {"metrics-port": port, "metrics-bind": "127.0.0.1"})
        try:
            s.start()
            deadline = time.monotonic() + 2.0
            while time.monotonic() < deadline:
                try:
                    status, _, _ = http_get("127.0.0.1", port, "/healthz", timeout=2.0)
                    return status == 200
                except (ConnectionRefusedError, ConnectionResetError, socket.timeout):
                    time.sleep(0.05)
            return False
        except AssertionError:  # the server refused to start with these flags
            return False
        finally:
            if s.running():
                s.stop()
            shutil.rmtree(s.data_dir, ignore_errors=True)
