"""A tiny, strict RESP client for black-box tests.

redis-py normalises replies (error classes, decoding, status vs bulk); these tests need the exact
wire format, so this client keeps the types apart:
  +simple string -> Status (a str subclass)    -error  -> Error (not a str, compares by message)
  :integer       -> int                        $bulk   -> bytes, $-1 -> None
  *array         -> list, *-1 -> None          RESP3 types are parsed too (map -> dict, _ -> None).
"""

import socket
import time


class Status(str):
    """A RESP simple string (+OK). Equal to the plain str with the same text."""

    def __repr__(self):
        return f"Status({str.__repr__(self)})"


class Error:
    """A RESP error reply (-ERR ...). Equal only to another Error with the same text."""

    def __init__(self, message):
        self.message = message

    def __eq__(self, other):
        return isinstance(other, Error) and other.message == self.message

    def __hash__(self):
        return hash(self.message)

    def __repr__(self):
        return f"Error({self.message!r})"

    def startswith(self, prefix):
        return self.message.startswith(prefix)


class ConnectionClosed(Exception):
    pass


def encode(*args):
    """Encodes one command as a RESP multibulk request."""
    out = [b"*%d\r\n" % len(args)]
    for a in args:
        if isinstance(a, str):
            a = a.encode()
        elif isinstance(a, int):
            a = str(a).encode()
        elif isinstance(a, float):
            a = repr(a).encode()
        out.append(b"$%d\r\n%s\r\n" % (len(a), a))
    return b"".join(out)


class RespConn:
    """One TCP connection to the server. Every socket operation is bounded by `timeout`."""

    def __init__(self, host, port, timeout=10.0):
        self.sock = socket.create_connection((host, port), timeout=timeout)
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.buf = bytearray()
        self.pos = 0

    def close(self):
        try:
            self.sock.close()
        except OSError:
            pass

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    # -- sending ------------------------------------------------------------------------------
    def send_raw(self, data):
        self.sock.sendall(data)

    def send(self, *args):
        self.sock.sendall(encode(*args))

    def cmd(self, *args):
        """Sends one command and returns its parsed reply."""
        self.send(*args)
        return self.read_reply()

    def pipeline(self, commands):
        """Sends all commands in one write and reads one reply per command."""
        self.sock.sendall(b"".join(encode(*c) for c in commands))
        return [self.read_reply() for _ in commands]

    # -- receiving ----------------------------------------------------------------------------
    def _fill(self):
        chunk = self.sock.recv(1 << 16)
        if not chunk:
            raise ConnectionClosed("server closed the connection")
        if self.pos > 0 and self.pos == len(self.buf):
            self.buf.clear()
            self.pos = 0
        self.buf += chunk

    def _line(self):
        while True:
            idx = self.buf.find(b"\r\n", self.pos)
            if idx >= 0:
                line = bytes(self.buf[self.pos:idx])
                self.pos = idx + 2
                return line
            self._fill()

    def _exact(self, n):
        while len(self.buf) - self.pos < n + 2:
            self._fill()
        data = bytes(self.buf[self.pos:self.pos + n])
        if self.buf[self.pos + n:self.pos + n + 2] != b"\r\n":
            raise AssertionError("bulk string not terminated by CRLF")
        self.pos += n + 2
        return data

    def read_reply(self):
        line = self._line()
        if not line:
            raise AssertionError("empty reply line")
        t, rest = line[:1], line[1:]
        if t == b"+":
            return Status(rest.decode("utf-8", "surrogateescape"))
        if t == b"-":
            return Error(rest.decode("utf-8", "surrogateescape"))
        if t == b":":
            return int(rest)
        if t in (b"$", b"="):
            n = int(rest)
            return None if n < 0 else self._exact(n)
        if t in (b"*", b"~", b">"):
            n = int(rest)
            return None if n < 0 else [self.read_reply() for _ in range(n)]
        if t == b"%":
            n = int(rest)
            out = {}
            for _ in range(n):
                k = self.read_reply()
                out[k] = self.read_reply()
            return out
        if t == b"_":
            return None
        if t == b",":
            return float(rest)
        if t == b"#":
            return rest == b"t"
        if t == b"(":
            return int(rest)
        raise AssertionError(f"unexpected reply type byte in {line!r}")

    def read_raw(self, n):
        """Reads exactly n raw bytes (for wire-format assertions)."""
        while len(self.buf) - self.pos < n:
            self._fill()
        data = bytes(self.buf[self.pos:self.pos + n])
        self.pos += n
        return data

    def is_closed(self, timeout=5.0):
        """True once the server has closed this connection (EOF or reset) within `timeout`.
        Any bytes that arrive first are kept in the buffer. False if still open at the deadline."""
        deadline = time.monotonic() + timeout
        old = self.sock.gettimeout()
        try:
            while time.monotonic() < deadline:
                self.sock.settimeout(max(0.01, deadline - time.monotonic()))
                try:
                    chunk = self.sock.recv(1 << 16)
                except socket.timeout:
                    return False
                except (ConnectionResetError, BrokenPipeError):
                    return True
                if not chunk:
                    return True
                self.buf += chunk
            return False
        finally:
            self.sock.settimeout(old)


class RawConn:
    """One TCP connection that returns whole RESP2/RESP3 frames as their exact bytes (nested
    aggregates included), for byte-for-byte comparisons and for telling pushes (>) from arrays."""

    def __init__(self, host, port, timeout=10.0):
        self.sock = socket.create_connection((host, port), timeout=timeout)
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.buf = b""

    def close(self):
        self.sock.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def _need(self, n):
        while len(self.buf) < n:
            chunk = self.sock.recv(1 << 16)
            if not chunk:
                raise ConnectionClosed(f"server closed the connection; buffered {self.buf!r}")
            self.buf += chunk

    def _frame_end(self, pos):
        while True:
            eol = self.buf.find(b"\r\n", pos)
            if eol >= 0:
                break
            self._need(len(self.buf) + 1)
        t, head, end = self.buf[pos:pos + 1], self.buf[pos + 1:eol], eol + 2
        if t in (b"$", b"=", b"!") and head != b"-1":
            end += int(head) + 2
            self._need(end)
        elif t in (b"*", b"~", b">", b"%") and head != b"-1":
            for _ in range(int(head) * (2 if t == b"%" else 1)):
                end = self._frame_end(end)
        return end

    def frame(self):
        """The exact bytes of the next reply or push."""
        end = self._frame_end(0)
        data, self.buf = self.buf[:end], self.buf[end:]
        return data

    def send(self, *args):
        self.sock.sendall(encode(*args))

    def cmd(self, *args):
        self.send(*args)
        return self.frame()
