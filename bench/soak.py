#!/usr/bin/env python3
"""Soak: many connections of mixed traffic against one cairn-server, then a restart that checks
that no acknowledged write was lost.

The server runs with maxmemory (so keys are evicted), write-back persistence (so evicted and
flushed keys live in RocksDB), read-through and keyspace notifications. CONNECTIONS clients
(asyncio, raw RESP) each own a slice of the key space ("soak:<conn>:<n>"), so the last value
acknowledged for every key is known exactly; they SET (some with a TTL), GET, DEL and INCR for
SECONDS. SUBSCRIBERS more clients hold pattern subscriptions on the keyspace channel (one with
an adversarial glob). Every second the server's RSS is sampled.

At the end the server is stopped with SIGTERM (a clean shutdown flushes write-back), started
again on the same data dir, and every key whose last acknowledged write had no TTL is read
back (read-through brings evicted keys in from RocksDB): a missing or different value is a lost
write. Prints errors, latency percentiles, RSS over time and lost writes; exits 1 if any write
was lost or the server died.
"""
import argparse
import asyncio
import os
import random
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def rss_kb(pid):
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def encode(*args):
    out = [b"*%d\r\n" % len(args)]
    for a in args:
        a = a if isinstance(a, bytes) else str(a).encode()
        out.append(b"$%d\r\n%s\r\n" % (len(a), a))
    return b"".join(out)


async def read_reply(reader):
    line = await reader.readline()
    if not line:
        raise ConnectionError("closed")
    kind, rest = line[:1], line[1:-2]
    if kind in (b"+", b":"):
        return rest
    if kind == b"-":
        return Exception(rest.decode(errors="replace"))
    if kind == b"$":
        n = int(rest)
        if n < 0:
            return None
        data = await reader.readexactly(n + 2)
        return data[:-2]
    if kind in (b"*", b">"):
        n = int(rest)
        return [await read_reply(reader) for _ in range(max(n, 0))]
    raise ValueError(f"unexpected reply {line!r}")


class Stats:
    def __init__(self):
        self.ops = 0
        self.errors = 0
        self.error_samples = []
        self.latencies = []
        self.messages = 0

    def error(self, what):
        self.errors += 1
        if len(self.error_samples) < 5:
            self.error_samples.append(what)


async def client(port, idx, deadline, stats, acked, keys_per_conn, value_size, rng):
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    try:
        while time.monotonic() < deadline:
            key = f"soak:{idx}:{rng.randrange(keys_per_conn)}"
            r = rng.random()
            if r < 0.45:
                value = f"{idx}-{rng.random()}".ljust(value_size, "x")
                cmd, on_ok = encode("SET", key, value), ("set", value)
            elif r < 0.50:
                value = f"{idx}-{rng.random()}".ljust(value_size, "x")
                cmd, on_ok = encode("SET", key, value, "EX", rng.randrange(1, 5)), ("ttl", None)
            elif r < 0.55:
                cmd, on_ok = encode("DEL", key), ("del", None)
            else:
                cmd, on_ok = encode("GET", key), None
            t0 = time.perf_counter()
            writer.write(cmd)
            reply = await read_reply(reader)
            stats.latencies.append(time.perf_counter() - t0)
            stats.ops += 1
            if isinstance(reply, Exception):
                stats.error(str(reply))
                continue
            if on_ok is not None:
                kind, value = on_ok
                acked[key] = value if kind == "set" else None  # None: not checked (TTL or gone)
    except (ConnectionError, asyncio.IncompleteReadError) as e:
        stats.error(f"connection {idx}: {e!r}")
    finally:
        writer.close()


async def subscriber(port, pattern, deadline, stats):
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(encode("PSUBSCRIBE", pattern))
    try:
        while time.monotonic() < deadline:
            try:
                await asyncio.wait_for(read_reply(reader), timeout=max(0.1, deadline - time.monotonic()))
                stats.messages += 1
            except asyncio.TimeoutError:
                break
    except (ConnectionError, asyncio.IncompleteReadError) as e:
        stats.error(f"subscriber: {e!r}")
    finally:
        writer.close()


async def sample_rss(pid, deadline, samples):
    start = time.monotonic()
    while time.monotonic() < deadline:
        samples.append((time.monotonic() - start, rss_kb(pid)))
        await asyncio.sleep(1)


async def run_load(port, pid, opts):
    stats = Stats()
    acked = {}
    samples = []
    deadline = time.monotonic() + opts.seconds
    rng = random.Random(opts.seed)
    tasks = [sample_rss(pid, deadline, samples)]
    patterns = ["__keyspace@0__:soak:*", "__keyevent@0__:*"] + \
               ["__keyspace@0__:" + "s*" * 12 + "q"]  # adversarial: matches nothing
    for i in range(opts.subscribers):
        tasks.append(subscriber(port, patterns[i % len(patterns)], deadline, stats))
    for i in range(opts.connections):
        tasks.append(client(port, i, deadline, stats, acked, opts.keys_per_conn, opts.value_size,
                            random.Random(rng.random())))
    await asyncio.gather(*tasks)
    return stats, acked, samples


async def verify(port, acked):
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    lost = []
    checked = 0
    items = [(k, v) for k, v in acked.items() if v is not None]
    for i in range(0, len(items), 500):
        batch = items[i:i + 500]
        writer.write(b"".join(encode("GET", k) for k, _ in batch))
        for k, v in batch:
            got = await read_reply(reader)
            checked += 1
            if got != v.encode():
                lost.append(k)
    writer.close()
    return checked, lost


def start_server(binary, port, data_dir, opts, log):
    argv = [binary, "--port", str(port), "--bind", "127.0.0.1", "--data-dir", data_dir,
            "--maxmemory", opts.maxmemory, "--write-policy", "write-back",
            "--read-through", "yes", "--warm-load", "yes", "--maxclients", "20000",
            "--notify-keyspace-events", "KEA", "--maxmemory-clients", "256mb"]
    proc = subprocess.Popen(argv, stdout=log, stderr=subprocess.STDOUT)
    for _ in range(300):
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return proc
        except OSError:
            time.sleep(0.1)
    raise RuntimeError("server did not start")


def percentile(sorted_values, p):
    if not sorted_values:
        return 0.0
    return sorted_values[min(len(sorted_values) - 1, int(len(sorted_values) * p))]


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--server", default=os.environ.get("CAIRN_SERVER", "build/cairn-server"))
    ap.add_argument("--connections", type=int, default=1000)
    ap.add_argument("--subscribers", type=int, default=6)
    ap.add_argument("--seconds", type=float, default=60)
    ap.add_argument("--keys-per-conn", type=int, default=200)
    ap.add_argument("--value-size", type=int, default=100)
    ap.add_argument("--maxmemory", default="16mb")
    ap.add_argument("--seed", type=int, default=1)
    opts = ap.parse_args()

    work = tempfile.mkdtemp(prefix="cairn-soak-")
    data_dir = os.path.join(work, "data")
    log_path = os.path.join(work, "server.log")
    port = free_port()
    ok = True
    try:
        with open(log_path, "wb") as log:
            proc = start_server(opts.server, port, data_dir, opts, log)
            stats, acked, samples = asyncio.run(run_load(port, proc.pid, opts))
            alive = proc.poll() is None
            proc.send_signal(signal.SIGTERM)
            code = proc.wait(timeout=120)
            proc2 = start_server(opts.server, port, data_dir, opts, log)
            checked, lost = asyncio.run(verify(port, acked))
            proc2.send_signal(signal.SIGTERM)
            proc2.wait(timeout=120)
        lat = sorted(stats.latencies)
        print(f"connections {opts.connections} + {opts.subscribers} pattern subscribers, "
              f"{opts.seconds:.0f} s, maxmemory {opts.maxmemory}, write-back")
        print(f"ops {stats.ops} ({stats.ops / opts.seconds:.0f}/s), errors {stats.errors}, "
              f"pushes received {stats.messages}")
        for e in stats.error_samples:
            print(f"  error: {e}")
        print(f"latency ms: p50 {percentile(lat, 0.5) * 1e3:.2f}  p99 {percentile(lat, 0.99) * 1e3:.2f}"
              f"  p99.9 {percentile(lat, 0.999) * 1e3:.2f}  max {(lat[-1] if lat else 0) * 1e3:.2f}")
        step = max(1, len(samples) // 12)
        print("rss MiB over time: " + ", ".join(f"{t:.0f}s:{kb / 1024:.0f}"
                                                for t, kb in samples[::step]))
        print(f"server alive at the end: {alive}; exit code after SIGTERM: {code}")
        print(f"lost writes: {len(lost)} of {checked} keys checked after restart")
        for k in lost[:5]:
            print(f"  lost: {k}")
        ok = alive and code == 0 and not lost
    finally:
        if not ok:
            print(f"server log kept in {log_path}")
        else:
            shutil.rmtree(work, ignore_errors=True)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
