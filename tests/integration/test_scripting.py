"""EVAL / EVALSHA / EVAL_RO / EVALSHA_RO / SCRIPT (issue 15).

Replies (conversions, errors with their script and line, the sandbox) are compared byte for byte
with Debian's redis-server 7.0 started next to the server under test; then redis-py's Lock and
registered scripts (EVALSHA with the NOSCRIPT fallback to EVAL), and scripted compare-and-set
transfers across shards under concurrent readers.
"""


import re

import pytest
import redis

from helpers import assert_sum_holds_during
from resp_client import Error
from test_transactions import run_raw

SCRIPT_CASES = [
["EVALSHA","ffffffffffffffffffffffffffffffffffffffff","0"],
["EVAL","return redis.call('nosuch')","0"],
["EVAL","return redis.call('get')","0"],
["EVAL","return redis.call('set','s','abc')","0"],
["EVAL","return redis.call('incr','s')","0"],
["EVAL","return redis.pcall('incr','s')","0"],
["EVAL","return x","0"],
["EVAL","x = 1","0"],
["EVAL","return error('boom')","0"],
["EVAL","return {1,2,3.7,'a',true,false,nil,4}","0"],
["EVAL","return redis.status_reply('FINE')","0"],
["EVAL","return redis.error_reply('MY err')","0"],
["EVAL","return {err='x y'}","0"],
["EVAL","return redis.call('multi')","0"],
["EVAL","return redis.call('save')","0"],
["EVAL_RO","return redis.call('set','a','1')","0"],
["EVAL","return redis.sha1hex('')","0"],
["EVAL","return redis.sha1hex('abc')","0"],
["EVAL","return os","0"],
["EVAL","return io","0"],
["EVAL","return require","0"],
["EVAL","return 1","-1"],
["EVAL","return 1","x"],
["EVAL","return 1","5","a"],
["EVAL","return {KEYS[1],ARGV[1]}","1","k","v"],
["EVAL","return redis.call('get', {})","0"],
["EVAL","syntax error here","0"],
["EVAL","return tostring(3.0)","0"],
["EVAL","return redis.call('get','nokey')","0"],
["SCRIPT","LOAD","return 1"],["SCRIPT","EXISTS","e0e1f9fabfc9d4800c877a703b823ac0578ff8db","aa"],["SCRIPT","KILL"],["SCRIPT","FLUSH"],["SCRIPT","FOO"],["SCRIPT","EXISTS","e0e1f9fabfc9d4800c877a703b823ac0578ff8db"],
["EVAL","return redis.call('ping')","0"],
["EVAL","redis.log(redis.LOG_WARNING,'hi') return 1","0"],
["EVAL","return redis.call('mget','s','nokey')","0"],
["EVAL","return redis.pcall('nosuch')","0"],
["EVAL","local t = redis.pcall('incr','s') return t['err']","0"],
["EVAL","return {ok='fine'}","0"],
["EVAL","return 3.99","0"],
["EVAL","return -3.99","0"],
["EVAL","return nil","0"],
["EVAL","return true","0"],
["EVAL","return {1,{2,{3,'x'}},'y'}","0"],
["EVAL","return redis.call('set','n','10') and redis.call('incrby','n',5)","0"],
["EVAL","return redis.call('exists', 'n', 1.5)","0"],
["EVAL","return string.format('%d', 5)","0"],
["EVAL","string.upper = nil return 1","0"],
["EVAL","redis.call = nil return 1","0"],
["EVAL","return rawset","0"],
["EVAL","return dofile","0"],
["EVAL","return loadfile","0"],
["EVAL","return setfenv","0"],
["EVAL","return redis.call()","0"],
["EVAL","return redis.call('get', nil)","0"],
["EVAL","local function f() return f() + 1 end return f()","0"],
["EVAL","return redis.setresp(2)","0"],
["EVAL","return redis.call('eval','return 1','0')","0"],
["EVAL","return redis.call('subscribe','x')","0"],
["EVAL","return redis.call('watch','x')","0"],
["EVAL","return redis.call('exec')","0"],
["EVALSHA_RO","ffffffffffffffffffffffffffffffffffffffff","0"],
["EVAL","return 1"],
["EVALSHA","e0e1f9fabfc9d4800c877a703b823ac0578ff8db","0"],
# Shebangs (#!lua flags=...) and their flags.
["EVAL","#!lua\nreturn 1","0"],
["EVAL","#!lua flags=no-writes\nreturn redis.call(\"set\",\"x\",\"1\")","0"],
["EVAL","#!lua flags=foo\nreturn 1","0"],
["EVAL","#!python\nreturn 1","0"],
["EVAL","#!lua name=x\nreturn 1","0"],
["EVAL","#!lua flags=no-writes,allow-oom\nreturn 2","0"],
["EVAL","#!lua  flags=no-writes\nreturn 3","0"],
["EVAL","#!lua flags=\nreturn 4","0"],
["EVAL","#!lua flags=no-writes flags=allow-oom\nreturn 5","0"],
["EVAL","#!lua\nreturn error(\"x\")","0"],
["EVAL","#!luax\nreturn 1","0"],
["EVAL","#!lua flags=no-writes","0"],
["EVAL","#!lua flags=no-writes,,allow-oom\nreturn 6","0"],
["EVAL","#!lua\tflags=allow-stale\nreturn 7","0"],
["EVAL","#!\nreturn 8","0"],
["EVAL","#!lua flags=no-writes\nreturn redis.call(\"get\",\"x\")","0"],
["EVAL_RO","#!lua\nreturn 1","0"],
["EVAL_RO","#!lua flags=no-writes\nreturn 1","0"],
["SCRIPT","LOAD","#!lua flags=bad\nreturn 1"],
# The cjson and bit libraries (Debian's lua-cjson and lua-bitop; Redis bundles the same).
["EVAL","return cjson.encode({a=1})","0"],
["EVAL","return cjson.decode('[1,2,3]')[2]","0"],
["EVAL","return bit.band(12, 10)","0"],
["EVAL","return bit.tohex(255)","0"],
["EVAL","return cjson.decode('{bad')","0"],
["EVAL","return cjson.decode('[1,2')","0"],
["EVAL","return cjson.encode({1,2,{x=true}})","0"],
["EVAL","return cjson.encode(cjson.decode('{\"a\":[1,2.5,\"x\",null,false]}'))","0"],
["EVAL","return cjson.encode(function() end)","0"],
["EVAL","return type(cjson.null)","0"],
["EVAL","return bit.bor(1,2,4)","0"],
["EVAL","return bit.bxor(5,3)","0"],
["EVAL","return bit.lshift(1,31)","0"],
["EVAL","return bit.tobit(2^32+1)","0"],
["EVAL","return bit.bnot(0)","0"],
["EVAL","return bit.tohex(-1, 4)","0"],
["EVAL","return bit.arshift(-256, 4)","0"],
["EVAL","cjson.x = 1","0"],
["EVAL","bit.band = nil","0"],
["EVAL","return type(require)","0"],
["EVAL","return type(package)","0"],
["EVAL","return type(cjson.new)","0"],
["EVAL","return cjson.encode({[1]=1,[3]=3})","0"],
["EVAL","return cjson.encode(1/0)","0"],
["EVAL","return cjson.decode('\"\\u00e9\"')","0"],
["EVAL","return cjson.encode(string.rep('x',3))","0"],
["EVAL","local t = {} t.t = t return cjson.encode(t)","0"],
["EVAL","return cjson.decode(string.rep('[',2000))","0"],
["EVAL","return cjson.encode_max_depth ~= nil","0"],
["EVAL","return bit.band('a', 1)","0"],
["EVAL","return bit.rol(1, 33)","0"],
]



def play(server):
    with server.conn() as c:
        assert c.cmd("FLUSHALL") == "OK"
        assert c.cmd("SCRIPT", "FLUSH") == "OK"
        return [(case, run_raw(c, *case)) for case in SCRIPT_CASES]


def test_same_bytes_as_redis(server, reference):
    got = play(server)
    if reference is None:
        pytest.skip("the target is the reference itself")
    want = play(reference)
    diffs = [(g[0], g[1], w[1]) for g, w in zip(got, want) if g != w]
    assert not diffs


def monitor_script_lines(server):
    """What MONITOR shows for scripts: the EVAL line, then each command the script ran, with the
    client address cut to "client" (ports differ) and the timestamp dropped."""
    with server.conn() as mon, server.conn() as c:
        assert mon.cmd("MONITOR") == "OK"
        c.cmd("SET", "mon-s", "notint")
        c.cmd("EVAL", "redis.call('set', KEYS[1], 'v') redis.pcall('nosuch') "
              "redis.pcall('incr', 'mon-s') return redis.call('get', KEYS[1])", "1", "mon-k")
        sha = c.cmd("SCRIPT", "LOAD", "return redis.call('incr', KEYS[1])")
        c.cmd("EVALSHA", sha, "1", "mon-n")
        c.cmd("EVALSHA", "0" * 40, "0")
        c.cmd("EVAL", "return 1", "5")
        c.cmd("MULTI")
        c.cmd("EVAL", "return redis.call('set', 'mon-q', '1')", "0")
        c.cmd("EXEC")
        c.cmd("PING")
        lines = []
        while True:
            line = mon.read_reply()
            if '"PING"' in line:
                break
            lines.append(re.sub(r"^\d+\.\d{6} \[0 127\.0\.0\.1:\d+\]", "client",
                                re.sub(r"^\d+\.\d{6} \[0 lua\]", "lua", line)))
        return lines


@pytest.mark.needs("monitor")
def test_monitor_shows_scripts_as_redis(server, reference):
    got = monitor_script_lines(server)
    assert got[1:4] == ['client "EVAL" "redis.call(\'set\', KEYS[1], \'v\') redis.pcall(\'nosuch\') '
                        'redis.pcall(\'incr\', \'mon-s\') return redis.call(\'get\', KEYS[1])" '
                        '"1" "mon-k"', 'lua "set" "mon-k" "v"', 'lua "incr" "mon-s"'], got
    if reference is None:
        pytest.skip("the target is the reference itself")
    assert got == monitor_script_lines(reference)


def test_redis_py_lock(server):
    a = redis.Redis(host=server.host, port=server.port)
    b = redis.Redis(host=server.host, port=server.port)
    a.flushall()
    a.script_flush()
    lock_a = a.lock("resource", timeout=30)
    lock_b = b.lock("resource", timeout=30, blocking=False)
    assert lock_a.acquire(blocking=False)
    assert not lock_b.acquire()  # held by a: excluded
    assert lock_a.extend(10)  # Lua: extend
    assert 30 < a.pttl("resource") <= 40000
    lock_a.release()  # Lua: release (compare token, delete)
    assert a.exists("resource") == 0
    assert lock_b.acquire()
    with pytest.raises(redis.exceptions.LockNotOwnedError):
        lock_a.do_release(b"not-the-token")  # the release script compares the token: refused
    assert a.exists("resource") == 1
    lock_b.release()
    a.close()
    b.close()


def test_registered_script_falls_back_from_noscript(server):
    client = redis.Redis(host=server.host, port=server.port)
    client.flushall()
    cas = client.register_script(
        "if redis.call('get', KEYS[1]) == ARGV[1] then "
        "return redis.call('set', KEYS[1], ARGV[2]) and 1 else return 0 end")
    client.set("k", "a")
    assert cas(keys=["k"], args=["a", "b"]) == 1  # EVALSHA -> NOSCRIPT -> EVAL (redis-py)
    assert client.get("k") == b"b"
    assert client.script_exists(cas.sha) == [True]
    assert cas(keys=["k"], args=["a", "c"]) == 0
    client.script_flush()
    assert client.script_exists(cas.sha) == [False]
    assert cas(keys=["k"], args=["b", "c"]) == 1
    assert client.get("k") == b"c"
    client.close()


@pytest.mark.cairn_only
def test_scripted_transfers_are_atomic_across_shards(make_server):
    s = make_server(shards=16, io_threads=4)
    keys = [f"acct:{i}" for i in range(8)]
    total = 1000 * len(keys)
    transfer = ("local a = tonumber(redis.call('get', KEYS[1])) "
                "for i = 1, 2000 do local _ = i * i end "  # widen the window between the writes
                "redis.call('set', KEYS[1], a - tonumber(ARGV[1])) "
                "for i = 1, 2000 do local _ = i * i end "
                "redis.call('incrby', KEYS[2], ARGV[1]) return 1")
    with s.conn() as c:
        c.cmd("MSET", *[x for k in keys for x in (k, 1000)])
        sha = c.cmd("SCRIPT", "LOAD", transfer).decode()

    def work(idx):
        with s.conn(timeout=30) as c:
            for j in range(200):
                a, b = keys[(idx + j) % len(keys)], keys[(idx + 3 * j + 1) % len(keys)]
                assert c.cmd("EVALSHA", sha, 2, a, b, 3) == 1

    assert_sum_holds_during(s, keys, total, work, workers=4)


def _answering(conns):
    """The first of `conns` that answers SCRIPT KILL within its timeout (one on another I/O
    thread than a running script's: connections are spread over the threads round robin, and a
    connection on the script's own thread waits for the script, as in Redis)."""
    errors = []
    for c in conns:
        try:
            return c, c.cmd("SCRIPT", "KILL")
        except (TimeoutError, OSError) as e:
            errors.append(repr(e))
            continue
    raise AssertionError(f"no connection answered: {errors}")


@pytest.mark.cairn_only
def test_busy_script_and_script_kill(make_server):
    s = make_server(busy_reply_threshold=50, io_threads=2)
    runner = s.conn(timeout=30)
    # Accepted (PING answered) before the script starts: the acceptor and the signal handler run
    # on the first I/O thread, which may be the script's.
    spares = [s.conn(timeout=2) for _ in range(3)]
    for c in spares:
        assert c.cmd("PING") == "PONG"
    busy = Error("BUSY Redis is busy running a script. You can only call SCRIPT KILL or "
                 "SHUTDOWN NOSAVE.")
    loop = "local i = 0 while true do i = i + 1 end"
    runner.send("EVAL", loop, 0)
    # SCRIPT KILL runs outside the gate: NOTBUSY until the EVAL has started, then OK.
    other, reply = _answering(spares)
    for _ in range(1000):
        if reply == "OK":
            break
        reply = other.cmd("SCRIPT", "KILL")
    assert reply == "OK"
    killed = runner.read_reply()
    assert isinstance(killed, Error)
    assert killed.startswith("ERR Script killed by user with SCRIPT KILL... script: ")
    assert other.cmd("GET", "x") is None
    assert other.cmd("SCRIPT", "KILL") == Error("NOTBUSY No scripts in execution right now.")
    # Another runaway script: once past busy-reply-threshold, other clients get -BUSY.
    runner.send("EVAL", loop, 0)
    try:
        replies = [other.cmd("GET", "x") for _ in range(1)]
        for _ in range(1000):
            if replies[-1] == busy:
                break
            replies.append(other.cmd("GET", "x"))
        assert replies[-1] == busy
    finally:
        for _ in range(1000):  # never leave a runaway script behind
            if other.cmd("SCRIPT", "KILL") == "OK":
                break
    assert isinstance(runner.read_reply(), Error)
    for c in spares + [runner]:
        c.close()
