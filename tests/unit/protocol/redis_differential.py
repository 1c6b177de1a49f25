#!/usr/bin/env python3
"""Differential test: RespParser against a real redis-server (7.0).

Generates mutated pipelines of ECHO/PING commands (multibulk and inline, with quotes, escapes,
NUL bytes, broken lengths...), asks resp_parse_dump what Cairn's parser makes of each stream, and
sends the same bytes to a private redis-server on 127.0.0.1. For every stream the bytes Redis
answers must equal the replies Redis gives to the commands Cairn parsed (sent well-formed on a
separate connection), followed by Cairn's protocol error and a closed connection, or by nothing
with the connection left open when Cairn needs more input.

Usage: redis_differential.py PATH/TO/resp_parse_dump [--seed N] [--cases N]
Exit status: 0 all equal, 1 a mismatch, 77 no redis-server (skipped).
"""
import argparse
import os
import random
import select
import shutil
import socket
import subprocess
import sys
import tempfile
import time

ALPHABET = b"*$\r\n\r\n0123456789-+ \t\v\"'\\xAf\x00"
# Commands a mutation could never spell are harmless; disable the rest of the risky ones anyway.
DISABLED = ("SHUTDOWN DEBUG FLUSHALL FLUSHDB CONFIG SAVE BGSAVE BGREWRITEAOF REPLICAOF SLAVEOF "
            "MONITOR SYNC PSYNC CLIENT MODULE QUIT RESET AUTH HELLO SELECT SUBSCRIBE PSUBSCRIBE "
            "SSUBSCRIBE MULTI EXEC WATCH FAILOVER ACL SCRIPT FUNCTION EVAL EVALSHA KEYS DEL SET")


class Generator:
    def __init__(self, seed):
        self.rng = random.Random(seed)

    def byte(self):
        r = self.rng
        return bytes([r.choice(ALPHABET)]) if r.random() < 0.85 else bytes([r.randrange(256)])

    def arg(self):
        r = self.rng
        return b"".join(self.byte() if r.random() < 0.3 else bytes([r.choice(b"abc")])
                        for _ in range(r.randrange(0, 6)))

    def command(self):
        r = self.rng
        args = [r.choice([b"ECHO", b"PING", b"echo"])] + [self.arg() for _ in range(r.randrange(3))]
        if r.random() < 0.5:
            return b"*%d\r\n" % len(args) + b"".join(b"$%d\r\n%s\r\n" % (len(a), a) for a in args)

        def quote(a):
            k = r.randrange(3)
            if k == 0:
                return b'"' + a.replace(b"\\", b"\\\\").replace(b'"', b'\\"') + b'"'
            if k == 1:
                return b"'" + a + b"'"
            return a if a and all(c not in b" \t\r\n\"'\x00" for c in a) else b'"x"'

        return b" ".join(quote(a) for a in args) + r.choice([b"\r\n", b"\n"])

    def stream(self):
        r = self.rng
        s = bytearray(b"".join(self.command() for _ in range(r.randrange(1, 4))))
        for _ in range(r.randrange(4)):
            if not s:
                break
            i = r.randrange(len(s))
            k = r.randrange(3)
            if k == 0:
                s[i:i + 1] = self.byte()
            elif k == 1:
                s[i:i] = self.byte()
            else:
                del s[i]
        return bytes(s)


def parse_with_cairn(dump, streams):
    out = subprocess.run([dump], input=b"".join(s.hex().encode() + b"\n" for s in streams),
                         capture_output=True, check=True).stdout.decode().splitlines()
    results, commands = [], []
    for line in out:
        fields = line.split()
        if fields[0] == "CMD":
            commands.append([b"" if x == "-" else bytes.fromhex(x) for x in fields[1:]])
        else:
            error = bytes.fromhex(fields[2]) if len(fields) > 2 else None
            results.append((commands, error))
            commands = []
    assert len(results) == len(streams)
    return results


class Reference:
    """Replies of a well-formed connection, memoized by argv."""

    def __init__(self, port):
        self.sock = socket.create_connection(("127.0.0.1", port))
        self.sock.settimeout(5)
        self.buf = b""
        self.memo = {}

    def _fill(self, cond):
        while not cond():
            self.buf += self.sock.recv(65536)

    def _take(self, n):
        self._fill(lambda: len(self.buf) >= n)
        data, self.buf = self.buf[:n], self.buf[n:]
        return data

    def _reply(self):
        self._fill(lambda: b"\r\n" in self.buf)
        line = self._take(self.buf.index(b"\r\n") + 2)
        if line[:1] == b"$" and line != b"$-1\r\n":
            return line + self._take(int(line[1:-2]) + 2)
        if line[:1] == b"*":
            return line + b"".join(self._reply() for _ in range(max(int(line[1:-2]), 0)))
        return line

    def reply(self, argv):
        key = tuple(argv)
        if key not in self.memo:
            self.sock.sendall(b"*%d\r\n" % len(argv) +
                              b"".join(b"$%d\r\n%s\r\n" % (len(a), a) for a in argv))
            self.memo[key] = self._reply()
        return self.memo[key]


def raw_replies(port, streams, batch=200, idle=0.5):
    got = []
    for start in range(0, len(streams), batch):
        socks = {}
        for s in streams[start:start + batch]:
            c = socket.create_connection(("127.0.0.1", port))
            c.sendall(s)
            c.setblocking(False)
            socks[c] = b""
        live = set(socks)
        deadline = time.time() + idle
        while live and time.time() < deadline:
            readable, _, _ = select.select(list(live), [], [], 0.05)
            for c in readable:
                try:
                    data = c.recv(65536)
                except BlockingIOError:
                    continue
                except ConnectionResetError:
                    data = b""
                if data:
                    socks[c] += data
                else:
                    socks[c] += b"<EOF>"
                    live.discard(c)
        for c, data in socks.items():
            got.append(data + (b"<open>" if c in live else b""))
            c.close()
    return got


def start_redis(workdir):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    conf = os.path.join(workdir, "redis.conf")
    with open(conf, "w") as f:
        f.write(f'port {port}\nbind 127.0.0.1\nsave ""\nappendonly no\ndir {workdir}\n'
                f"logfile {workdir}/redis.log\nmaxclients 1000\n")
        for name in DISABLED.split():
            f.write(f'rename-command {name} ""\n')
    proc = subprocess.Popen(["redis-server", conf])
    for _ in range(100):
        try:
            socket.create_connection(("127.0.0.1", port)).close()
            return proc, port
        except OSError:
            time.sleep(0.05)
    proc.kill()
    raise RuntimeError("redis-server did not start")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("dump")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--cases", type=int, default=3000)
    opts = ap.parse_args()
    if shutil.which("redis-server") is None:
        print("redis-server not found: skipped")
        return 77
    gen = Generator(opts.seed)
    streams = [gen.stream() for _ in range(opts.cases)]
    parsed = parse_with_cairn(opts.dump, streams)
    with tempfile.TemporaryDirectory() as workdir:
        proc, port = start_redis(workdir)
        try:
            ref = Reference(port)
            expected = []
            for commands, error in parsed:
                e = b"".join(ref.reply(c) for c in commands if c)
                e += b"<open>" if error is None else b"-" + error + b"\r\n<EOF>"
                expected.append(e)
            got = raw_replies(port, streams)
        finally:
            proc.terminate()
            proc.wait()
    bad = [i for i in range(len(streams)) if got[i] != expected[i]]
    for i in bad[:10]:
        print(f"MISMATCH {streams[i]!r}\n  redis: {got[i]!r}\n  cairn: {expected[i]!r}")
    errors = sum(1 for _, e in parsed if e is not None)
    print(f"{len(streams)} streams ({errors} ending in a protocol error), {len(bad)} mismatches")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
