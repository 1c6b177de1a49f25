#!/usr/bin/env python3
"""memory_density.py — bytes per key of cairn-server, Debian's redis-server and memcached, side by side.

Each server starts on a free loopback port, gets N keys `key:%010d` (14 bytes) with values of the
given sizes (optionally with a TTL), and the script reads the growth of its resident set
(/proc/PID/status VmRSS) over the load. For Cairn and Redis it also reads INFO's used_memory, so the
table shows how well `maxmemory` accounting matches what the process really spends.

    bench/memory_density.py [--keys 1000000] [--sizes 16,100,1024] [--ttl both|no|yes]
                            [--cairn build/cairn-server] [--cairn-args "--shards 16"]
    bench/memory_density.py --churn [--churn-sets 10000000] [--keys 1000000]
                            [--maxmemory-mb 256]

--churn is the fragmentation run: each server gets a memory limit (Cairn and Redis `maxmemory`
with LRU-like eviction, memcached `-m`), then that many SETs of random keys among --keys with
random value sizes 16..512 B (seeded, the same stream for every server): overwrites that change
an entry's size class, and evictions. It prints the RSS, what the server says it uses, their
ratio (fragmentation: for Cairn and Redis RSS / used_memory) and the keys held at the end.

Loading goes through `redis-cli --pipe` (Cairn, Redis) and memcached's text protocol with noreply,
both fed from a generator, so the load costs seconds, not minutes. Not a test: absolute figures
depend on the allocator and the machine; the ratio to Redis is the figure to compare.
"""
import argparse
import os
import random
import shutil
import socket
import subprocess
import sys
import tempfile
import time


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def rss_bytes(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    raise RuntimeError("no VmRSS")


def wait_port(port, proc, what):
    deadline = time.time() + 15
    while time.time() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"{what} exited during startup")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError(f"{what} did not open port {port}")


def resp_stream(n, size, ttl):
    value = b"v" * size
    vlen = b"$%d\r\n" % size
    for lo in range(0, n, 10000):
        parts = []
        for i in range(lo, min(n, lo + 10000)):
            key = b"key:%010d" % i
            if ttl:
                parts.append(b"*5\r\n$3\r\nSET\r\n$14\r\n" + key + b"\r\n" + vlen + value
                             + b"\r\n$2\r\nEX\r\n$4\r\n3600\r\n")
            else:
                parts.append(b"*3\r\n$3\r\nSET\r\n$14\r\n" + key + b"\r\n" + vlen + value + b"\r\n")
        yield b"".join(parts)


def load_resp(port, n, size, ttl):
    cli = subprocess.Popen(["redis-cli", "-h", "127.0.0.1", "-p", str(port), "--pipe"],
                           stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    for chunk in resp_stream(n, size, ttl):
        cli.stdin.write(chunk)
    cli.stdin.close()
    out = cli.stdout.read().decode()
    if cli.wait() != 0 or "errors: 0" not in out:
        raise RuntimeError(f"redis-cli --pipe failed: {out}")


def read_until(s, suffix):
    """Reads from socket `s` until the data ends with `suffix`."""
    buf = b""
    while not buf.endswith(suffix):
        chunk = s.recv(65536)
        if not chunk:
            raise RuntimeError("memcached closed the connection")
        buf += chunk
    return buf


def churn_stream(sets, keys, seed=17):
    rng = random.Random(seed)
    big = b"v" * 512
    for lo in range(0, sets, 10000):
        parts = []
        for _ in range(min(10000, sets - lo)):
            key = b"key:%010d" % rng.randrange(keys)
            size = rng.randint(16, 512)
            parts.append(b"*3\r\n$3\r\nSET\r\n$14\r\n" + key + b"\r\n$%d\r\n" % size
                         + big[:size] + b"\r\n")
        yield b"".join(parts)


def churn_memcached(port, sets, keys, seed=17):
    rng = random.Random(seed)
    big = b"v" * 512
    with socket.create_connection(("127.0.0.1", port)) as s:
        for lo in range(0, sets, 10000):
            parts = []
            for _ in range(min(10000, sets - lo)):
                key = rng.randrange(keys)
                size = rng.randint(16, 512)
                parts.append(b"set key:%010d 0 0 %d noreply\r\n%s\r\n" % (key, size, big[:size]))
            s.sendall(b"".join(parts))
        s.sendall(b"version\r\n")
        read_until(s, b"\r\n")


def memcached_stat(port, name):
    with socket.create_connection(("127.0.0.1", port)) as s:
        s.sendall(b"stats\r\n")
        buf = read_until(s, b"END\r\n")
    for line in buf.decode().splitlines():
        parts = line.split()
        if len(parts) == 3 and parts[1] == name:
            return int(parts[2])
    return None


def load_memcached(port, n, size, ttl):
    value = b"v" * size
    exp = b"3600" if ttl else b"0"
    with socket.create_connection(("127.0.0.1", port)) as s:
        for lo in range(0, n, 10000):
            s.sendall(b"".join(b"set key:%010d 0 %s %d noreply\r\n%s\r\n" % (i, exp, size, value)
                               for i in range(lo, min(n, lo + 10000))))
        s.sendall(b"get key:%010d\r\n" % (n - 1))
        if b"VALUE" not in read_until(s, b"END\r\n"):
            raise RuntimeError("memcached lost the last key")


def info_field(port, section, field):
    out = subprocess.run(["redis-cli", "-h", "127.0.0.1", "-p", str(port), "info", section],
                         capture_output=True, text=True, check=True).stdout
    for line in out.splitlines():
        if line.startswith(field + ":"):
            return int(line.split(":", 1)[1])
    return None


def dbsize(port):
    return int(subprocess.run(["redis-cli", "-h", "127.0.0.1", "-p", str(port), "dbsize"],
                              capture_output=True, text=True, check=True).stdout)


def start(kind, args, port, work, maxmemory_mb=None, memcached_mb=1024):
    if kind == "cairn":
        data = tempfile.mkdtemp(dir=work)
        cmd = [args.cairn, "--port", str(port), "--bind", "127.0.0.1", "--data-dir", data]
        if maxmemory_mb:
            cmd += ["--maxmemory", f"{maxmemory_mb}mb"]
        cmd += args.cairn_args.split()
    elif kind == "redis":
        cmd = ["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", "",
               "--appendonly", "no", "--dir", work]
        if maxmemory_mb:
            cmd += ["--maxmemory", f"{maxmemory_mb}mb", "--maxmemory-policy", "allkeys-lru"]
    else:
        cmd = ["memcached", "-p", str(port), "-l", "127.0.0.1", "-U", "0", "-t", "1",
               "-m", str(maxmemory_mb or memcached_mb)]
        if os.geteuid() == 0:
            cmd += ["-u", "root"]
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_port(port, proc, kind)
    except BaseException:
        stop(proc)
        raise
    return proc


def stop(proc):
    proc.terminate()
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


def churn(kind, args, work):
    """(RSS MiB, used MiB, RSS / used, keys held) after the churn."""
    port = free_port()
    proc = start(kind, args, port, work, maxmemory_mb=args.maxmemory_mb)
    try:
        if kind == "memcached":
            churn_memcached(port, args.churn_sets, args.keys)
            used = memcached_stat(port, "bytes")
            held = memcached_stat(port, "curr_items")
        else:
            cli = subprocess.Popen(["redis-cli", "-h", "127.0.0.1", "-p", str(port), "--pipe"],
                                   stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                   stderr=subprocess.STDOUT)
            for chunk in churn_stream(args.churn_sets, args.keys):
                cli.stdin.write(chunk)
            cli.stdin.close()
            out = cli.stdout.read().decode()
            if cli.wait() != 0 or "errors: 0" not in out:
                raise RuntimeError(f"redis-cli --pipe failed: {out}")
            used = info_field(port, "memory", "used_memory")
            held = dbsize(port)
        time.sleep(0.5)
        rss = rss_bytes(proc.pid)
        return rss / (1 << 20), used / (1 << 20), rss / used, held
    finally:
        stop(proc)


def measure(kind, args, size, ttl, work):
    port = free_port()
    # memcached -m: a limit above what the load needs, so nothing is evicted
    proc = start(kind, args, port, work,
                 memcached_mb=max(1024, args.keys * (size + 200) // (1 << 20) * 2))
    try:
        time.sleep(0.3)
        before = rss_bytes(proc.pid)
        used_before = info_field(port, "memory", "used_memory") if kind != "memcached" else None
        if kind == "memcached":
            load_memcached(port, args.keys, size, ttl)
        else:
            load_resp(port, args.keys, size, ttl)
            got = dbsize(port)
            if got != args.keys:
                raise RuntimeError(f"{kind} holds {got} keys, expected {args.keys}")
        time.sleep(0.5)
        after = rss_bytes(proc.pid)
        used = None
        if used_before is not None:
            used = (info_field(port, "memory", "used_memory") - used_before) / args.keys
        return (after - before) / args.keys, used
    finally:
        stop(proc)


def main():
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--keys", type=int, default=1_000_000)
    ap.add_argument("--sizes", default="16,100,1024")
    ap.add_argument("--ttl", choices=["both", "no", "yes"], default="both")
    ap.add_argument("--cairn", default=os.path.join(root, "build", "cairn-server"))
    ap.add_argument("--cairn-args", default="")
    ap.add_argument("--servers", default="cairn,redis,memcached")
    ap.add_argument("--churn", action="store_true", help="the fragmentation run instead")
    ap.add_argument("--churn-sets", type=int, default=10_000_000)
    ap.add_argument("--maxmemory-mb", type=int, default=256)
    args = ap.parse_args()
    servers = [s for s in args.servers.split(",") if s]
    for tool in ["redis-cli"] + [{"redis": "redis-server", "memcached": "memcached"}.get(s, "")
                                 for s in servers if s != "cairn"]:
        if shutil.which(tool) is None:
            sys.exit(f"memory_density: {tool} not found (apt-get install redis-server redis-tools"
                     f" memcached)")
    if args.churn:
        print(f"churn: {args.churn_sets} SETs of random keys among {args.keys}, values 16..512 B, "
              f"limit {args.maxmemory_mb} MiB")
        print("| server | RSS MiB | used MiB | RSS / used | keys held |")
        print("|---|---|---|---|---|")
        with tempfile.TemporaryDirectory(prefix="cairn-density.") as work:
            for kind in servers:
                rss, used, frag, held = churn(kind, args, work)
                print(f"| {kind} | {rss:.1f} | {used:.1f} | {frag:.2f} | {held} |", flush=True)
        return
    ttls = {"both": [False, True], "no": [False], "yes": [True]}[args.ttl]
    print(f"{args.keys} keys of 14 B; bytes per key from RSS growth (used_memory growth)")
    print("| value | ttl | " + " | ".join(servers) + " | cairn/redis |")
    print("|---|---|" + "---|" * len(servers) + "---|")
    with tempfile.TemporaryDirectory(prefix="cairn-density.") as work:
        for size in [int(s) for s in args.sizes.split(",")]:
            for ttl in ttls:
                row, rss = [], {}
                for kind in servers:
                    per_key, used = measure(kind, args, size, ttl, work)
                    rss[kind] = per_key
                    row.append(f"{per_key:.1f}" + (f" ({used:.1f})" if used is not None else ""))
                ratio = (f"{rss['cairn'] / rss['redis']:.2f}x" if "cairn" in rss and "redis" in rss
                         else "-")
                print(f"| {size} B | {'EX 3600' if ttl else 'none'} | " + " | ".join(row)
                      + f" | {ratio} |", flush=True)


if __name__ == "__main__":
    main()
