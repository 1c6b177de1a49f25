"""ACL users (issue 20) as clients and operators meet them: redis-py with username=/password=,
node-redis with the user in its URL, `user` lines in the config file, an aclfile with ACL SAVE and
ACL LOAD, CONFIG REWRITE keeping the users, acllog-max-len, and requirepass as the default user's
password. Replies are compared with Redis 7.0 in test_acl_differential.py."""

import pytest
import redis

from resp_client import Error
from test_node_redis import node_redis, run_node  # noqa: F401 (fixture)

pytestmark = pytest.mark.cairn_only


def test_redis_py_username_and_password(make_server):
    s = make_server()
    with s.conn() as admin:
        assert admin.cmd("ACL", "SETUSER", "app", "on", ">s3cret", "~app:*", "&app.*", "+@all",
                         "-@dangerous") == "OK"
    c = s.client(username="app", password="s3cret")
    assert c.acl_whoami() == "app"  # redis-py decodes this reply itself
    assert c.set("app:1", "v") is True
    assert c.get("app:1") == b"v"
    with pytest.raises(redis.exceptions.NoPermissionError, match="access one of the keys"):
        c.get("other")
    with pytest.raises(redis.exceptions.NoPermissionError, match="'flushall' command"):
        c.flushall()
    assert c.publish("app.news", "m") == 0
    with pytest.raises(redis.exceptions.NoPermissionError, match="channels"):
        c.publish("other", "m")
    with pytest.raises((redis.exceptions.AuthenticationError, redis.exceptions.ResponseError),
                       match="WRONGPASS|invalid username-password"):
        s.client(username="app", password="nope").ping()
    c.close()


def test_node_redis_user_in_url(make_server, node_redis):  # noqa: F811
    s = make_server()
    with s.conn() as admin:
        assert admin.cmd("ACL", "SETUSER", "app", "on", ">p w", "~app:*", "+@all",
                         "-@dangerous") == "OK"
    out = run_node(node_redis, "acl.mjs", str(s.port), "app", "p w")
    assert "permissions ok" in out and "wrong password refused" in out


def test_user_lines_in_the_config_file_and_config_rewrite(make_server, tmp_path):
    conf = tmp_path / "cairn.conf"
    conf.write_text("timeout 0\n"
                    "user reader on >rpw ~* +@read +@connection\n"
                    "user writer on #" + "b" * 64 + " ~w:* +set\n")
    s = make_server(config_file=conf)
    with s.conn() as c:
        assert c.cmd("ACL", "USERS") == [b"default", b"reader", b"writer"]
        assert c.cmd("AUTH", "reader", "rpw") == "OK"
        assert c.cmd("GET", "x") is None
        assert c.cmd("SET", "x", "1") == Error(
            "NOPERM this user has no permissions to run the 'set' command")
        assert c.cmd("AUTH", "default", "x") == "OK"  # default is nopass
        assert c.cmd("ACL", "SETUSER", "late", "on", "nopass", "+ping") == "OK"
        assert c.cmd("CONFIG", "REWRITE") == "OK"
    assert "user late on nopass" in conf.read_text()
    assert s.stop() == 0
    s2 = make_server(config_file=conf)
    with s2.conn() as c:
        assert c.cmd("ACL", "USERS") == [b"default", b"late", b"reader", b"writer"]


def test_user_lines_and_aclfile_together_refuse_to_start(make_server, tmp_path):
    acl = tmp_path / "users.acl"
    acl.write_text("user default on nopass ~* &* +@all\n")
    conf = tmp_path / "cairn.conf"
    conf.write_text(f"aclfile {acl}\nuser a on nopass +@all\n")
    code, out = make_server(config_file=conf, start=False).run_expecting_failure()
    assert code == 1 and "ACL file path is invalid" in out


def test_aclfile_load_and_save(make_server, tmp_path):
    acl = tmp_path / "users.acl"
    acl.write_text("user default on nopass ~* &* +@all\n"
                   "user ops on >opw ~* &* +@all -flushall\n")
    s = make_server(aclfile=str(acl))
    with s.conn() as admin, s.conn() as ops:
        assert admin.cmd("ACL", "USERS") == [b"default", b"ops"]
        assert ops.cmd("AUTH", "ops", "opw") == "OK"
        assert admin.cmd("ACL", "SETUSER", "new", "on", ">n", "+get", "~n:*") == "OK"
        assert admin.cmd("ACL", "SAVE") == "OK"
        saved = acl.read_text()
        assert "user new on #" in saved and "~n:* resetchannels -@all +get" in saved
        # A file that does not parse changes nothing.
        acl.write_text("user ops on +nosuchcommand\n")
        reply = admin.cmd("ACL", "LOAD")
        assert isinstance(reply, Error) and "nosuchcommand" in reply.message
        assert admin.cmd("ACL", "USERS") == [b"default", b"new", b"ops"]
        # A good one replaces the users, and closes the connections of users other than default.
        acl.write_text(saved.replace("user new", "user renamed"))
        assert admin.cmd("ACL", "LOAD") == "OK"
        assert admin.cmd("ACL", "USERS") == [b"default", b"ops", b"renamed"]
        with pytest.raises(Exception):
            ops.cmd("PING")
        assert admin.cmd("PING") == "PONG"


def test_acllog_max_len_and_requirepass(make_server):
    s = make_server(requirepass="pw", acllog_max_len=2)
    with s.conn() as c:
        assert c.cmd("GET", "a") == Error("NOAUTH Authentication required.")
        for user in ("u1", "u2", "u3"):
            assert c.cmd("AUTH", user, "x") == Error(
                "WRONGPASS invalid username-password pair or user is disabled.")
        assert c.cmd("AUTH", "pw") == "OK"
        log = c.cmd("ACL", "LOG")
        assert [e[9] for e in log] == [b"u3", b"u2"]
        assert c.cmd("CONFIG", "SET", "acllog-max-len", "1") == "OK"
        assert len(c.cmd("ACL", "LOG")) == 1
        assert c.cmd("ACL", "GETUSER", "default")[3] != []  # requirepass: one SHA-256 hash
        assert c.cmd("CONFIG", "SET", "requirepass", "") == "OK"
        assert c.cmd("ACL", "GETUSER", "default")[1] == [b"on", b"nopass"]
    with s.conn() as fresh:
        assert fresh.cmd("GET", "a") is None  # no password: authenticated from the start


def test_denials_are_counted_in_info_stats(make_server):
    s = make_server()
    with s.conn() as admin, s.conn() as c:
        assert admin.cmd("ACL", "SETUSER", "u", "on", ">pw", "+get", "+publish", "~k*",
                         "&ch") == "OK"
        assert c.cmd("AUTH", "u", "bad") == Error(
            "WRONGPASS invalid username-password pair or user is disabled.")
        assert c.cmd("AUTH", "u", "pw") == "OK"
        assert isinstance(c.cmd("SET", "k", "v"), Error)
        assert isinstance(c.cmd("GET", "other"), Error)
        assert isinstance(c.cmd("GET", "other2"), Error)
        assert isinstance(c.cmd("PUBLISH", "x", "m"), Error)
        stats = s.info("stats", conn=admin)
        assert [stats[f"acl_access_denied_{k}"] for k in ("auth", "cmd", "key", "channel")] == \
            [1, 1, 2, 1]
        assert admin.cmd("CONFIG", "RESETSTAT") == "OK"
        assert s.info("stats", conn=admin)["acl_access_denied_key"] == 0
