"""UNDO / REDO (issue 4): per-connection history of inverse operations.

  UNDO [count]  reverts the calling connection's own last mutations, newest first; the reply is
                the number of steps applied (0 when there is nothing to undo)
  REDO [count]  re-applies undone steps; any new mutation clears the redo stack
  -CONFLICT     when another client changed the key since: that step is refused, nothing changes
Multi-key commands (MSET, RENAME) undo as one step. Undo restores absence and absolute expiry.
"""

import time

import pytest

from helpers import wait_until
from resp_client import Error

pytestmark = [pytest.mark.cairn_only, pytest.mark.needs("undo")]


@pytest.fixture
def undo_server(make_server):
    return make_server(undo_depth=100)


def test_undo_redo_basic(undo_server):
    with undo_server.conn() as c:
        assert c.cmd("UNDO") == 0, "nothing to undo"
        assert c.cmd("SET", "k", "v1") == "OK"
        assert c.cmd("SET", "k", "v2") == "OK"
        assert c.cmd("UNDO") == 1
        assert c.cmd("GET", "k") == b"v1"
        assert c.cmd("UNDO") == 1
        assert c.cmd("EXISTS", "k") == 0, "undo restores absence"
        assert c.cmd("UNDO") == 0
        assert c.cmd("REDO") == 1
        assert c.cmd("GET", "k") == b"v1"
        assert c.cmd("REDO", "5") == 1, "only one step left to redo"
        assert c.cmd("GET", "k") == b"v2"
        assert c.cmd("REDO") == 0


def test_undo_count_newest_first(undo_server):
    with undo_server.conn() as c:
        for i in range(5):
            assert c.cmd("SET", "k", str(i)) == "OK"
        assert c.cmd("UNDO", "3") == 3
        assert c.cmd("GET", "k") == b"1"
        assert c.cmd("REDO", "2") == 2
        assert c.cmd("GET", "k") == b"3"
        assert c.cmd("UNDO", "100") == 4
        assert c.cmd("EXISTS", "k") == 0
        assert isinstance(c.cmd("UNDO", "abc"), Error)
        assert isinstance(c.cmd("UNDO", "-1"), Error)


def test_new_mutation_clears_redo(undo_server):
    with undo_server.conn() as c:
        assert c.cmd("SET", "a", "1") == "OK"
        assert c.cmd("SET", "a", "2") == "OK"
        assert c.cmd("UNDO") == 1
        assert c.cmd("SET", "b", "x") == "OK"
        assert c.cmd("REDO") == 0
        assert c.cmd("GET", "a") == b"1"


def test_undo_of_each_write_kind(undo_server):
    with undo_server.conn() as c:
        assert c.cmd("SET", "s", "hello") == "OK"
        script = [(("DEL", "s"), 1), (("APPEND", "s2", "x"), 1), (("INCRBY", "n", "5"), 5),
                  (("INCR", "n"), 6), (("SETRANGE", "s2", "3", "yz"), 5),
                  (("GETDEL", "s2"), b"x\x00\x00yz")]
        for cmd, reply in script:
            assert c.cmd(*cmd) == reply, cmd
        assert c.cmd("UNDO") == 1
        assert c.cmd("GET", "s2") == b"x\x00\x00yz"
        assert c.cmd("UNDO") == 1
        assert c.cmd("GET", "s2") == b"x"
        assert c.cmd("UNDO", "2") == 2
        assert c.cmd("EXISTS", "n") == 0
        assert c.cmd("UNDO") == 1
        assert c.cmd("EXISTS", "s2") == 0
        assert c.cmd("UNDO") == 1
        assert c.cmd("GET", "s") == b"hello"


def test_undo_restores_absolute_expiry(undo_server):
    with undo_server.conn() as c:
        assert c.cmd("SET", "k", "v", "EX", "1000") == "OK"
        assert c.cmd("SET", "k", "w") == "OK"  # drops the TTL
        assert c.cmd("TTL", "k") == -1
        assert c.cmd("UNDO") == 1
        assert c.cmd("GET", "k") == b"v"
        assert 990 * 1000 < c.cmd("PTTL", "k") <= 1000 * 1000
        assert c.cmd("PERSIST", "k") == 1
        assert c.cmd("UNDO") == 1
        assert c.cmd("PTTL", "k") > 990 * 1000
        assert c.cmd("EXPIRE", "k", "5000") == 1
        assert c.cmd("UNDO") == 1
        assert c.cmd("PTTL", "k") <= 1000 * 1000
        # an undo that would bring back an entry whose absolute expiry has passed leaves it gone
        assert c.cmd("SET", "short", "v", "PX", "100") == "OK"
        expires_at = time.time() + 0.1
        assert c.cmd("SET", "short", "w") == "OK"
        wait_until(lambda: time.time() > expires_at + 0.05, message="the old TTL to pass")
        assert not isinstance(c.cmd("UNDO"), Error)
        assert c.cmd("GET", "short") is None


def test_multi_key_commands_undo_as_one_step(undo_server):
    with undo_server.conn() as c:
        assert c.cmd("SET", "a", "old") == "OK"
        assert c.cmd("MSET", "a", "1", "b", "2", "c", "3") == "OK"
        assert c.cmd("UNDO") == 1
        assert c.cmd("MGET", "a", "b", "c") == [b"old", None, None]
        assert c.cmd("REDO") == 1
        assert c.cmd("MGET", "a", "b", "c") == [b"1", b"2", b"3"]
        assert c.cmd("RENAME", "a", "c") == "OK"
        assert c.cmd("MGET", "a", "c") == [None, b"1"]
        assert c.cmd("UNDO") == 1
        assert c.cmd("MGET", "a", "c") == [b"1", b"3"]
        assert c.cmd("DEL", "a", "b", "c") == 3
        assert c.cmd("UNDO") == 1
        assert c.cmd("MGET", "a", "b", "c") == [b"1", b"2", b"3"]


def test_history_is_per_connection(undo_server):
    with undo_server.conn() as a, undo_server.conn() as b:
        assert a.cmd("SET", "ka", "1") == "OK"
        assert b.cmd("SET", "kb", "1") == "OK"
        assert b.cmd("UNDO", "10") == 1
        assert a.cmd("GET", "ka") == b"1", "b undid a's write"
        assert b.cmd("EXISTS", "kb") == 0
    with undo_server.conn() as fresh:
        assert fresh.cmd("UNDO") == 0, "a new connection starts with no history"


def test_conflict_refuses_and_changes_nothing(undo_server):
    with undo_server.conn() as a, undo_server.conn() as b:
        assert a.cmd("SET", "free", "1") == "OK"
        assert a.cmd("SET", "k", "mine") == "OK"
        assert b.cmd("SET", "k", "theirs") == "OK"
        reply = a.cmd("UNDO")
        assert isinstance(reply, Error) and reply.message.startswith("CONFLICT"), reply
        assert a.cmd("GET", "k") == b"theirs"
        assert a.cmd("GET", "free") == b"1", "the refused step must not let older ones run"
        assert b.cmd("GET", "k") == b"theirs"


def test_undo_depth_bounds_history(make_server):
    s = make_server(undo_depth=3)
    with s.conn() as c:
        for i in range(6):
            assert c.cmd("SET", "k", str(i)) == "OK"
        assert c.cmd("UNDO", "10") == 3
        assert c.cmd("GET", "k") == b"2"
        assert c.cmd("CONFIG", "GET", "undo-depth") == [b"undo-depth", b"3"]


@pytest.mark.needs("persistence")
def test_undo_goes_through_the_write_policy(make_server):
    s = make_server(undo_depth=100, write_policy="write-through")
    with s.conn() as c:
        assert c.cmd("SET", "k", "v1") == "OK"
        assert c.cmd("SET", "k", "v2") == "OK"
        assert c.cmd("SET", "gone", "x") == "OK"
        assert c.cmd("UNDO", "2") == 2
        assert c.cmd("MGET", "k", "gone") == [b"v1", None]
    s.kill9()
    s2 = s.restart(warm_load="yes", read_through="yes")
    s2.wait_loaded()
    with s2.conn() as c:
        assert c.cmd("MGET", "k", "gone") == [b"v1", None]
