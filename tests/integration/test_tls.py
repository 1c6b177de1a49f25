"""TLS (tls-port and Redis 7.0's tls-* keys): real clients over TLS with mutual TLS, refusals of
bad peers, the bounded handshake and certificate reload.

Certificates are made for this module with the `openssl` command line (EC keys: fast): a CA, a
server certificate for 127.0.0.1, a second server certificate (for the reload), a client
certificate, an expired client certificate, and a second CA with a client certificate of its own
(the "wrong CA"). The same tests run against redis-server (--target-redis) except the ones marked
cairn_only (Cairn's tls-handshake-timeout-ms, its CLIENT LIST tls= field and log lines).
"""

import shutil
import socket
import ssl
import subprocess
import time

import pytest
import redis

from helpers import HOST, free_port, wait_until
from resp_client import ConnectionClosed, RespConn
from test_node_redis import NODE_DIR, RUN_TIMEOUT_S, node_redis  # noqa: F401 (fixture)

pytestmark = pytest.mark.skipif(shutil.which("openssl") is None, reason="openssl CLI missing")


def _openssl(*args, cwd):
    subprocess.run(["openssl", *args], cwd=cwd, check=True, capture_output=True, timeout=30)


def _key(name, cwd):
    _openssl("genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:prime256v1",
             "-out", f"{name}.key", cwd=cwd)


def _ca(name, cwd):
    _key(name, cwd)
    _openssl("req", "-x509", "-new", "-key", f"{name}.key", "-out", f"{name}.crt", "-days", "2",
             "-subj", f"/CN={name}", cwd=cwd)


def _signed(name, ca, cn, cwd, days=2, san=None):
    _key(name, cwd)
    _openssl("req", "-new", "-key", f"{name}.key", "-out", f"{name}.csr", "-subj", f"/CN={cn}",
             cwd=cwd)
    extra = []
    if san:
        (cwd / f"{name}.ext").write_text(f"subjectAltName={san}\n")
        extra = ["-extfile", f"{name}.ext"]
    _openssl("x509", "-req", "-in", f"{name}.csr", "-CA", f"{ca}.crt", "-CAkey", f"{ca}.key",
             "-CAcreateserial", "-out", f"{name}.crt", "-days", str(days), *extra, cwd=cwd)


@pytest.fixture(scope="module")
def certs(tmp_path_factory):
    d = tmp_path_factory.mktemp("tls")
    _ca("ca", d)
    _ca("otherca", d)
    san = "IP:127.0.0.1,DNS:localhost"
    _signed("server", "ca", "cairn-a", d, san=san)
    _signed("server2", "ca", "cairn-b", d, san=san)
    _signed("client", "ca", "client", d)
    _signed("expired", "ca", "expired-client", d, days=-1)
    _signed("rogue", "otherca", "rogue-client", d)
    return d


def tls_options(certs, **extra):
    """Options of a server with TLS on a free port, and plain TCP on another: an explicit port,
    since with tls-port set "port 0" means no plain TCP (Redis's meaning)."""
    opts = {"port": free_port(), "tls_port": free_port(), "tls_cert_file": certs / "server.crt",
            "tls_key_file": certs / "server.key", "tls_ca_cert_file": certs / "ca.crt"}
    opts.update(extra)
    return opts


def client_context(certs, cert="client", ca="ca"):
    ctx = ssl.create_default_context(cafile=str(certs / f"{ca}.crt"))
    if cert:
        ctx.load_cert_chain(str(certs / f"{cert}.crt"), str(certs / f"{cert}.key"))
    return ctx


class TlsConn(RespConn):
    """RespConn over TLS (the handshake is done here, so a refusal raises at once or on the
    first read: with TLS 1.3 the server checks the client's certificate after the client has
    finished its side)."""

    def __init__(self, port, ctx, timeout=10.0):
        raw = socket.create_connection((HOST, port), timeout=timeout)
        self.sock = ctx.wrap_socket(raw, server_hostname=HOST)
        self.buf = bytearray()
        self.pos = 0


def refused(port, ctx):
    """True when a TLS client with `ctx` gets no reply to PING: the handshake fails on either
    side, or the server closes the connection."""
    try:
        with TlsConn(port, ctx, timeout=10) as c:
            return c.cmd("PING") != "PONG"
    except (ssl.SSLError, ConnectionClosed, ConnectionResetError, BrokenPipeError):
        return True


@pytest.fixture(scope="module")
def tls_server(kind, certs, tmp_path_factory):
    from helpers import Server
    opts = {k.replace("_", "-"): v for k, v in tls_options(certs).items()}
    s = Server(kind, tmp_path_factory.mktemp("data"), opts).start()
    yield s
    s.stop()


def tls_port(s):
    return int(s.options["tls-port"])


def test_redis_cli_with_client_certificate(tls_server, certs):
    base = ["redis-cli", "-h", HOST, "-p", str(tls_port(tls_server)), "--tls",
            "--cacert", str(certs / "ca.crt"), "--cert", str(certs / "client.crt"),
            "--key", str(certs / "client.key")]
    run = lambda *a: subprocess.run(base + list(a), capture_output=True, text=True,  # noqa: E731
                                    timeout=10)
    assert run("PING").stdout == "PONG\n"
    assert run("SET", "cli:k", "v").stdout == "OK\n"
    assert run("GET", "cli:k").stdout == "v\n"
    # Without --cert the server (tls-auth-clients yes) refuses the connection.
    res = subprocess.run(base[:7] + ["PING"], capture_output=True, text=True, timeout=10)
    assert "PONG" not in res.stdout


def test_redis_py_pipeline_pubsub_and_client_list(tls_server, certs):
    port = tls_port(tls_server)
    r = redis.Redis(host=HOST, port=port, socket_timeout=10, ssl=True, ssl_ca_certs=str(certs / "ca.crt"),
                          ssl_certfile=str(certs / "client.crt"),
                          ssl_keyfile=str(certs / "client.key"))
    assert r.ping()
    pipe = r.pipeline(transaction=False)
    for _ in range(500):
        pipe.incr("py:n")
    assert pipe.execute()[-1] == 500
    big = b"v" * (3 << 20)  # several TLS records and a write that the socket cannot take at once
    assert r.set("py:big", big)
    assert r.get("py:big") == big

    sub = r.pubsub()
    sub.subscribe("py:ch")
    assert sub.get_message(timeout=5)["type"] == "subscribe"
    assert r.publish("py:ch", "hello") == 1
    msg = sub.get_message(timeout=5)
    assert msg["data"] == b"hello"
    sub.close()

    me = r.client_info()
    assert me["laddr"] == f"127.0.0.1:{port}"
    if tls_server.kind == "cairn":
        assert me["tls"].strip() == "TLSv1.3"
        plain = tls_server.client()
        assert "tls" not in plain.client_info(), "a plain TCP line is Redis's exactly"
        assert plain.ping()
    r.close()


def test_resp3_and_pipelining_in_one_write(tls_server, certs):
    with TlsConn(tls_port(tls_server), client_context(certs)) as c:
        hello = c.cmd("HELLO", "3")
        assert hello[b"proto"] == 3
        assert c.cmd("CONFIG", "GET", "maxclients") == {b"maxclients": b"10000"}  # a RESP3 map
        replies = c.pipeline([("ECHO", f"e{i}") for i in range(1000)])
        assert replies[0] == b"e0" and replies[-1] == b"e999"


def test_replies_larger_than_the_socket_takes_arrive_in_order(tls_server, certs):
    """Encrypted replies the kernel cannot take at once wait in the connection's backlog and are
    drained before the next read: a client that sends a pipeline of large GETs and reads only
    later gets every reply, whole and in order."""
    with TlsConn(tls_port(tls_server), client_context(certs), timeout=30) as c:
        values = [bytes([65 + i]) * (1 << 20) + b"%d" % i for i in range(24)]
        assert c.pipeline([("SET", f"big:{i}", v) for i, v in enumerate(values)]) == ["OK"] * 24
        c.send_raw(b"".join(b"*2\r\n$3\r\nGET\r\n$%d\r\nbig:%d\r\n" % (len(b"big:%d" % i), i)
                            for i in range(24)))
        time.sleep(1.0)  # let the server fill the socket and queue the rest
        assert [c.read_reply() for _ in range(24)] == values
        assert c.cmd("PING") == "PONG"


@pytest.mark.parametrize("cert", ["rogue", "expired", None],
                         ids=["wrong-ca", "expired", "no-certificate"])
def test_bad_client_certificates_are_refused(tls_server, certs, cert):
    port = tls_port(tls_server)
    assert refused(port, client_context(certs, cert=cert))
    assert refused(port, client_context(certs, cert=cert))  # still refused: nothing cached
    with TlsConn(port, client_context(certs)) as good:
        assert good.cmd("PING") == "PONG"


def test_client_trusting_another_ca_refuses_the_server(tls_server, certs):
    with pytest.raises(ssl.SSLCertVerificationError):
        TlsConn(tls_port(tls_server), client_context(certs, ca="otherca"))


def test_plain_text_client_on_the_tls_port_is_closed(tls_server, certs):
    port = tls_port(tls_server)
    with socket.create_connection((HOST, port), timeout=10) as s:
        s.sendall(b"PING\r\n")
        got = b""
        try:
            while chunk := s.recv(4096):
                got += chunk
        except ConnectionResetError:
            pass
    assert b"PONG" not in got
    with TlsConn(port, client_context(certs)) as good:
        assert good.cmd("PING") == "PONG"


def test_protected_mode_refusal_is_sent_over_tls(tls_server, certs):
    """No password and protected mode on: a client from 127.0.0.2 (loopback traffic, but not
    127.0.0.1 for Redis's check) completes the handshake and reads Redis's -DENIED text."""
    raw = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    raw.settimeout(10)
    raw.bind(("127.0.0.2", 0))
    raw.connect((HOST, tls_port(tls_server)))
    with client_context(certs).wrap_socket(raw, server_hostname=HOST) as s:
        got = b""
        try:
            while chunk := s.recv(4096):
                got += chunk
        except (ssl.SSLError, ConnectionResetError):
            pass
    assert got.startswith(b"-DENIED Redis is running in protected mode"), got[:80]
    assert got.endswith(b"\r\n")


@pytest.mark.parametrize("mode", ["optional", "no"])
def test_auth_clients_optional_and_no(make_server, certs, mode):
    s = make_server(**tls_options(certs, tls_auth_clients=mode))
    port = tls_port(s)
    with TlsConn(port, client_context(certs, cert=None)) as anon:
        assert anon.cmd("PING") == "PONG"
    with TlsConn(port, client_context(certs)) as c:
        assert c.cmd("CONFIG", "GET", "tls-auth-clients") == [b"tls-auth-clients", mode.encode()]
    # optional still checks a certificate that is sent; no does not ask for one at all.
    assert refused(port, client_context(certs, cert="rogue")) == (mode == "optional")


# Redis 7.0 with tls-session-caching no turns its session cache off but still issues TLS 1.3
# tickets, so clients resume anyway; Cairn turns tickets off too, as the key's text promises.
@pytest.mark.parametrize("caching", ["yes", pytest.param("no", marks=pytest.mark.cairn_only)])
def test_session_resumption_follows_tls_session_caching(make_server, certs, caching):
    s = make_server(**tls_options(certs, tls_session_caching=caching))
    ctx = client_context(certs)
    with TlsConn(tls_port(s), ctx) as first:
        assert first.cmd("PING") == "PONG"  # TLS 1.3 tickets arrive after the handshake
        session = first.sock.session
    raw = socket.create_connection((HOST, tls_port(s)), timeout=10)
    with ctx.wrap_socket(raw, server_hostname=HOST, session=session) as again:
        again.sendall(b"PING\r\n")
        assert again.recv(64) == b"+PONG\r\n"
        assert again.session_reused == (caching == "yes")


def test_certificate_reload_keeps_existing_connections(make_server, certs, tmp_path):
    live_crt, live_key = tmp_path / "live.crt", tmp_path / "live.key"
    shutil.copy(certs / "server.crt", live_crt)
    shutil.copy(certs / "server.key", live_key)
    s = make_server(**tls_options(certs, tls_cert_file=live_crt, tls_key_file=live_key))
    port = tls_port(s)
    cn = lambda c: dict(x[0] for x in c.sock.getpeercert()["subject"])["commonName"]  # noqa
    old = TlsConn(port, client_context(certs))
    assert cn(old) == "cairn-a"

    # Rotate the files in place; setting the same path reloads them.
    shutil.copy(certs / "server2.crt", live_crt)
    shutil.copy(certs / "server2.key", live_key)
    with TlsConn(port, client_context(certs)) as c:
        assert cn(c) == "cairn-a", "nothing reloads before CONFIG SET"
        assert c.cmd("CONFIG", "SET", "tls-cert-file", str(live_crt)) == "OK"
    with TlsConn(port, client_context(certs)) as c:
        assert cn(c) == "cairn-b"
        # A configuration that cannot load is refused whole; the one in force stays.
        err = c.cmd("CONFIG", "SET", "tls-key-file", str(tmp_path / "missing.key"))
        assert err.message == ("ERR CONFIG SET failed (possibly related to argument "
                               "'tls-key-file') - Unable to update TLS configuration. "
                               "Check server logs.")
        assert c.cmd("CONFIG", "GET", "tls-key-file") == [b"tls-key-file", str(live_key).encode()]
    with TlsConn(port, client_context(certs)) as c:
        assert cn(c) == "cairn-b" and c.cmd("PING") == "PONG"
    # The connection made before the reload keeps its session.
    assert old.cmd("PING") == "PONG"
    old.close()


def test_idle_timeout_applies_over_tls(make_server, certs):
    s = make_server(**tls_options(certs, timeout=1))
    with TlsConn(tls_port(s), client_context(certs)) as c:
        assert c.cmd("PING") == "PONG"
        with pytest.raises((ConnectionClosed, ConnectionResetError, ssl.SSLError)):
            c.sock.settimeout(15)
            c.read_reply()


@pytest.mark.cairn_only
def test_silent_handshake_is_closed_without_holding_the_io_thread(make_server, certs):
    s = make_server(**tls_options(certs, io_threads=1, tls_handshake_timeout_ms=500))
    port = tls_port(s)
    with socket.create_connection((HOST, port), timeout=15) as silent:
        # The only I/O thread still serves others while this handshake waits.
        with TlsConn(port, client_context(certs)) as c:
            assert c.cmd("PING") == "PONG"
        assert silent.recv(1) == b"", "closed by the server once the handshake timed out"


@pytest.mark.cairn_only
def test_port_0_with_tls_port_means_tls_only(make_server, certs):
    s = make_server(**tls_options(certs, port=0))
    ready = [line for line in s.lines if "ready to accept connections" in line]
    assert len(ready) == 1 and ready[0].endswith(f"127.0.0.1:{tls_port(s)} over TLS"), ready
    with TlsConn(tls_port(s), client_context(certs)) as c:
        assert c.cmd("PING") == "PONG"


@pytest.mark.cairn_only
def test_startup_refuses_a_tls_port_without_certificate(make_server, certs):
    s = make_server(start=False, tls_port=free_port())
    code, out = s.run_expecting_failure()
    assert code != 0
    assert "No tls-cert-file configured!" in out


@pytest.mark.parametrize("resp", [3, 2])
def test_node_redis_rediss_with_mutual_tls(tls_server, certs, node_redis, resp):  # noqa: F811
    res = subprocess.run([node_redis, "tls.mjs", str(tls_port(tls_server)), str(certs), str(resp)],
                         cwd=NODE_DIR, capture_output=True, text=True, timeout=RUN_TIMEOUT_S)
    out = res.stdout + res.stderr
    assert res.returncode == 0, out
    assert out.splitlines()[-1] == "all ok", out
    for check in ("strings ok", "pipeline ok", "pubsub ok", "no certificate refused"):
        assert check in out, out
