#!/usr/bin/env python3
"""Transactions and scripts, ops/s, against one or more running servers (issue 15).

    python3 bench/tx_script_bench.py NAME=PORT [NAME=PORT ...] [--rounds 3]

For each server, ROUNDS times (servers alternating): `MULTI` + 5 `SET` + `EXEC` transactions,
pipelined 200 at a time on one connection, and `EVALSHA` of a small compare-and-set script
(GET, compare, no write), pipelined 500 at a time. Prints the median transactions/s and
EVALSHA calls/s of each server. The client is Python, so absolute numbers are client-bound;
compare servers with each other in the same run (e.g. cairn against redis-server 7.0).
"""

import socket
import statistics
import sys
import time

CAS = (b"if redis.call('get', KEYS[1]) == ARGV[1] then redis.call('set', KEYS[1], ARGV[2]) "
       b"return 1 end return 0")


def enc(*args):
    return b"*%d\r\n" % len(args) + b"".join(b"$%d\r\n%s\r\n" % (len(a), a) for a in args)


def connect(port):
    s = socket.create_connection(("127.0.0.1", port), timeout=60)
    s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    return s


def drain(s, n):
    while n > 0:
        n -= len(s.recv(min(n, 1 << 20)))


def multi5(port, n_tx=20000, batch=200):
    s = connect(port)
    tx = enc(b"MULTI") + b"".join(enc(b"SET", b"k%d" % i, b"v" * 64) for i in range(5))
    tx += enc(b"EXEC")
    reply = len(b"+OK\r\n" + b"+QUEUED\r\n" * 5 + b"*5\r\n" + b"+OK\r\n" * 5)
    t = time.perf_counter()
    for _ in range(n_tx // batch):
        s.sendall(tx * batch)
        drain(s, reply * batch)
    s.close()
    return n_tx / (time.perf_counter() - t)


def evalsha(port, n=50000, batch=500):
    s = connect(port)
    s.sendall(enc(b"SCRIPT", b"LOAD", CAS))
    sha = s.recv(100).split(b"\r\n")[1]
    s.sendall(enc(b"SET", b"cas", b"a"))
    s.recv(100)
    call = enc(b"EVALSHA", sha, b"1", b"cas", b"b", b"a")  # never equal: a read and a 0
    t = time.perf_counter()
    for _ in range(n // batch):
        s.sendall(call * batch)
        drain(s, len(b":0\r\n") * batch)
    s.close()
    return n / (time.perf_counter() - t)


def main():
    rounds = 3
    targets = []
    args = sys.argv[1:]
    while args:
        a = args.pop(0)
        if a == "--rounds":
            rounds = int(args.pop(0))
        else:
            name, port = a.split("=")
            targets.append((name, int(port)))
    results = {name: ([], []) for name, _ in targets}
    for _ in range(rounds):
        for name, port in targets:
            results[name][0].append(multi5(port))
            results[name][1].append(evalsha(port))
    print(f"{'server':<10} {'MULTI+5 SET+EXEC tx/s':>22} {'EVALSHA cas calls/s':>20}")
    for name, (m, e) in results.items():
        print(f"{name:<10} {statistics.median(m):>22.0f} {statistics.median(e):>20.0f}")


if __name__ == "__main__":
    main()
