"""A write load that remembers what the server acknowledged, for crash and shutdown tests.

Each writer thread owns a connection and a slice of keys (`w<t>:<k>`), and sends pipelined
batches of `SET w<t>:<k> <t>:<seq>:<padding>` with `seq` rising per writer, so a value read back
names the write that produced it. For every key the load keeps the sequence numbers it sent and
those acknowledged, each with the time its reply was read: after a crash and a restart,
`check()` compares what the server has with what it acknowledged.
"""

import threading
import time

from resp_client import ConnectionClosed

PAD = b"." * 64


def parse_value(value):
    """b"<t>:<seq>:..." -> seq (int)."""
    return int(value.split(b":", 2)[1])


class _Writer(threading.Thread):
    def __init__(self, conn, index, keys, batch, stop, max_writes):
        super().__init__(daemon=True)
        self.conn = conn
        self.index = index
        self.keys = keys
        self.batch = batch
        self.stop_event = stop
        self.max_writes = max_writes
        self.sent = {}    # key -> highest seq sent
        self.acked = {}   # key -> [(seq, ack time)] in order
        self.errors = []  # error replies (not connection loss)
        self.seq = 0
        self.closed = False

    def run(self):
        try:
            while not self.stop_event.is_set() and self.seq < self.max_writes:
                cmds = []
                for _ in range(self.batch):
                    key = f"w{self.index}:{self.seq % self.keys}"
                    value = b"%d:%d:" % (self.index, self.seq) + PAD
                    cmds.append((key, self.seq, value))
                    self.sent[key] = self.seq
                    self.seq += 1
                replies = self.conn.pipeline([("SET", k, v) for k, _, v in cmds])
                now = time.monotonic()
                for (key, seq, _), reply in zip(cmds, replies):
                    if reply == "OK":
                        self.acked.setdefault(key, []).append((seq, now))
                    else:
                        self.errors.append(reply)
        except (ConnectionClosed, OSError):
            self.closed = True


class WriteLoad:
    """WriteLoad(server, writers=4, keys=500).start(); ...; stop(); check(server after restart)."""

    def __init__(self, server, writers=4, keys=500, batch=16, max_writes=10**9):
        self.stop_event = threading.Event()
        self.threads = [_Writer(server.conn(), i, keys, batch, self.stop_event, max_writes)
                        for i in range(writers)]

    def start(self):
        for t in self.threads:
            t.start()
        return self

    def acked_count(self):
        return sum(len(v) for t in self.threads for v in list(t.acked.values()))

    def wait_for(self, n, timeout=30.0):
        """Waits until at least n writes were acknowledged."""
        deadline = time.monotonic() + timeout
        while self.acked_count() < n:
            assert time.monotonic() < deadline, f"only {self.acked_count()} of {n} writes acked"
            assert any(t.is_alive() for t in self.threads), "all writers stopped"
            time.sleep(0.01)

    def stop(self):
        self.stop_event.set()
        for t in self.threads:
            t.join(30)
            assert not t.is_alive(), "a writer is stuck"
            t.conn.close()
        errors = [e for t in self.threads for e in t.errors]
        assert not errors, f"error replies under load: {errors[:3]}"

    def check(self, server):
        """Reads every key back from `server`. Returns a report dict:
          keys          keys with at least one acknowledged write
          writes        acknowledged writes
          stale         keys whose value is older than their last acknowledged write
          lost_writes   acknowledged writes not reflected (their value or a later one)
          oldest_lost_ack  time (monotonic) of the earliest lost acknowledgement, or None
          bad           keys whose value was never sent (corruption, a mixed-up key)
        """
        report = {"keys": 0, "writes": 0, "stale": 0, "lost_writes": 0,
                  "oldest_lost_ack": None, "bad": []}
        with server.conn() as c:
            for t in self.threads:
                keys = sorted(set(t.sent))
                for start in range(0, len(keys), 200):
                    chunk = keys[start:start + 200]
                    values = c.pipeline([("GET", k) for k in chunk])
                    for key, value in zip(chunk, values):
                        self._check_key(t, key, value, report)
        return report

    @staticmethod
    def _check_key(t, key, value, report):
        acked = t.acked.get(key, [])
        if acked:
            report["keys"] += 1
            report["writes"] += len(acked)
        if value is None:
            have = -1
        elif not isinstance(value, bytes) or not value.startswith(b"%d:" % t.index):
            report["bad"].append((key, value))
            return
        else:
            have = parse_value(value)
            if have > t.sent[key] or have % t.keys != int(key.split(":")[1]):
                report["bad"].append((key, value))
                return
        lost = [(seq, at) for seq, at in acked if seq > have]
        if lost:
            report["stale"] += 1
            report["lost_writes"] += len(lost)
            first = min(at for _, at in lost)
            if report["oldest_lost_ack"] is None or first < report["oldest_lost_ack"]:
                report["oldest_lost_ack"] = first
