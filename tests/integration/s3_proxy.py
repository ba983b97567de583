"""A TCP proxy in front of radosgw that counts what reaches it, and can play a dead S3.

    proxy = S3Proxy(("127.0.0.1", rgw.port)).start()
    profile endpoint: proxy.url                      http://localhost:<port>
    virtual-hosted bucket host: proxy.host_for(b)    <b>.localhost:<port>

Every HTTP request line the client sends is counted (the client->server stream is parsed as a
sequence of HTTP/1.1 requests, bodies skipped by Content-Length or chunked framing, so several
requests on one kept-alive connection count one by one), together with the connections accepted.
Modes, switchable at any time (set_mode):

    "forward"    (default) bytes go to the upstream and back unchanged
    "refuse"     the listening socket is closed: connecting gets ECONNREFUSED, exactly what a
                 stopped radosgw looks like from the client (the same port is bound again later)
    "blackhole"  connections are accepted and read, but nothing is ever answered
    "status"     every request gets an S3-style error answer with set_mode("status", status=503)

Every mode change closes the connections open at that moment (a kept-alive connection of the
client must not carry on in the old mode; a real S3 going away closes them too). reset() clears
the counters. Standard library only; all threads are daemons and stop() ends them.
"""

from __future__ import annotations

import dataclasses
import random
import select
import socket
import threading
import time
from typing import List, Optional

MODES = ("forward", "refuse", "blackhole", "status")

_REASONS = {400: "Bad Request", 403: "Forbidden", 404: "Not Found", 500: "Internal Server Error",
            502: "Bad Gateway", 503: "Service Unavailable", 504: "Gateway Timeout"}
_S3_CODES = {403: "AccessDenied", 500: "InternalError", 503: "SlowDown", 404: "NoSuchKey"}


@dataclasses.dataclass
class ProxiedRequest:
    """One request line seen on a client->server stream."""

    method: str
    target: str
    version: str
    mode: str  # the proxy's mode for the connection that carried it
    connection: int  # the connection's number (1, 2, ... since the proxy started)
    time: float  # time.monotonic() when the request line was complete
    headers: dict = dataclasses.field(default_factory=dict)  # lower-cased names, once complete

    @property
    def host(self) -> Optional[str]:
        return self.headers.get("host")

    @property
    def path(self) -> str:
        return self.target.split("?", 1)[0]


class RequestParser:
    """Incremental parser of a client->server HTTP/1.x byte stream: request lines and headers;
    bodies are skipped by their framing (Content-Length, or Transfer-Encoding: chunked).

    feed(data) calls on_request_line(method, target, version) as soon as a request line is
    complete and on_headers(headers) when its header block is. Whatever cannot be parsed (not
    HTTP) stops the parser (`broken` is set) without raising."""

    _MAX_HEAD = 256 * 1024

    def __init__(self, on_request_line, on_headers=None):
        self._on_request_line = on_request_line
        self._on_headers = on_headers or (lambda headers: None)
        self._buffer = b""
        self._state = "line"  # line, headers, body, chunk-size, chunk-data, chunk-crlf, trailers
        self._remaining = 0
        self._header_lines: List[bytes] = []
        self.broken = False

    def feed(self, data: bytes) -> None:
        if self.broken:
            return
        self._buffer += data
        while self._step():
            pass
        if len(self._buffer) > self._MAX_HEAD and self._state not in ("body", "chunk-data"):
            self.broken = True
            self._buffer = b""

    def _take_line(self) -> Optional[bytes]:
        index = self._buffer.find(b"\n")
        if index < 0:
            return None
        line, self._buffer = self._buffer[:index], self._buffer[index + 1:]
        return line[:-1] if line.endswith(b"\r") else line

    def _step(self) -> bool:
        state = self._state
        if state == "line":
            line = self._take_line()
            if line is None:
                return False
            if not line:
                return True  # empty lines before a request line are allowed (RFC 9112 2.2)
            parts = line.decode("latin-1").split(" ")
            if len(parts) != 3 or not parts[2].startswith("HTTP/"):
                self.broken = True
                return False
            self._on_request_line(*parts)
            self._header_lines = []
            self._state = "headers"
            return True
        if state == "headers":
            line = self._take_line()
            if line is None:
                return False
            if line:
                self._header_lines.append(line)
                return True
            headers = {}
            for raw in self._header_lines:
                name, _, value = raw.decode("latin-1").partition(":")
                name = name.strip().lower()
                value = value.strip()
                headers[name] = f"{headers[name]}, {value}" if name in headers else value
            self._on_headers(headers)
            if "chunked" in headers.get("transfer-encoding", "").lower():
                self._state = "chunk-size"
            else:
                try:
                    self._remaining = int(headers.get("content-length", "0") or "0")
                except ValueError:
                    self.broken = True
                    return False
                self._state = "body" if self._remaining > 0 else "line"
            return True
        if state in ("body", "chunk-data"):
            if not self._buffer:
                return False
            used = min(self._remaining, len(self._buffer))
            self._buffer = self._buffer[used:]
            self._remaining -= used
            if self._remaining == 0:
                self._state = "line" if state == "body" else "chunk-crlf"
            return True
        if state == "chunk-size":
            line = self._take_line()
            if line is None:
                return False
            try:
                size = int(line.split(b";", 1)[0].strip() or b"x", 16)
            except ValueError:
                self.broken = True
                return False
            if size == 0:
                self._state = "trailers"
            else:
                self._remaining = size
                self._state = "chunk-data"
            return True
        if state == "chunk-crlf":
            line = self._take_line()
            if line is None:
                return False
            self._state = "chunk-size"
            return True
        if state == "trailers":
            line = self._take_line()
            if line is None:
                return False
            if not line:
                self._state = "line"
            return True
        raise AssertionError(state)


def _ephemeral_range():
    try:
        with open("/proc/sys/net/ipv4/ip_local_port_range") as f:
            low, high = (int(x) for x in f.read().split())
            return low, high
    except (OSError, ValueError):
        return 32768, 60999


def pick_port(host="127.0.0.1") -> int:
    """A free port below the kernel's ephemeral range: while the proxy is in "refuse" mode its
    port is unbound, and no outgoing connection must get it as its local port meanwhile."""
    low, _ = _ephemeral_range()
    candidates = list(range(max(1024, low - 12000), low))
    random.shuffle(candidates)
    for port in candidates[:200]:
        with socket.socket() as s:
            s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            try:
                s.bind((host, port))
            except OSError:
                continue
            return port
    with socket.socket() as s:
        s.bind((host, 0))
        return s.getsockname()[1]


class _Connection:
    def __init__(self, number, client, mode, status):
        self.number = number
        self.client = client
        self.mode = mode
        self.status = status
        self.upstream: Optional[socket.socket] = None
        self.closed = False

    def close(self):
        self.closed = True
        for sock in (self.client, self.upstream):
            if sock is None:
                continue
            try:
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            try:
                sock.close()
            except OSError:
                pass


class S3Proxy:
    def __init__(self, upstream, port=None, host="127.0.0.1"):
        self.upstream = tuple(upstream)
        self.listen_host = host
        self.port = port or pick_port(host)
        self._lock = threading.Lock()
        self._changed = threading.Condition(self._lock)
        self._mode = "forward"
        self._status = 503
        self._want_listening = True
        self._listening = False
        self._listener: Optional[socket.socket] = None
        self._connections: set = set()
        self._connection_count = 0  # since the last reset
        self._connection_serial = 0  # never reset
        self._requests: List[ProxiedRequest] = []
        self._stopping = False
        self._thread: Optional[threading.Thread] = None

    # --- addresses -------------------------------------------------------------------------------
    @property
    def url(self) -> str:
        """What a profile's endpoint is set to: http://localhost:<port>."""
        return f"http://localhost:{self.port}"

    def host_for(self, bucket: str) -> str:
        return f"{bucket}.localhost:{self.port}"

    # --- life cycle ------------------------------------------------------------------------------
    def start(self) -> "S3Proxy":
        self._listener = self._bind()
        self._listening = True
        self._thread = threading.Thread(target=self._accept_loop, name=f"s3proxy-{self.port}",
                                        daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        with self._lock:
            self._stopping = True
            connections = list(self._connections)
            self._changed.notify_all()
        for connection in connections:
            connection.close()
        if self._thread is not None:
            self._thread.join(5)
        if self._listener is not None:
            self._listener.close()
            self._listener = None

    def __enter__(self):
        return self.start() if self._thread is None else self

    def __exit__(self, *exc):
        self.stop()
        return False

    # --- modes and counters ----------------------------------------------------------------------
    @property
    def mode(self) -> str:
        return self._mode

    def set_mode(self, mode: str, status: int = 503, timeout: float = 5.0) -> None:
        """Switches the mode; returns once the listening socket is in the new state (closed for
        "refuse", bound again otherwise) and the connections of the old mode are closed."""
        if mode not in MODES:
            raise ValueError(f"unknown mode {mode!r}")
        with self._lock:
            changed = mode != self._mode or (mode == "status" and status != self._status)
            self._mode = mode
            self._status = status
            self._want_listening = mode != "refuse"
            connections = list(self._connections) if changed else []
            self._changed.notify_all()
        for connection in connections:
            connection.close()
        deadline = time.monotonic() + timeout
        with self._lock:
            while self._listening != self._want_listening:
                left = deadline - time.monotonic()
                if left <= 0:
                    raise RuntimeError(f"proxy did not switch to {mode} within {timeout}s")
                self._changed.wait(left)

    def reset(self) -> None:
        with self._lock:
            self._requests = []
            self._connection_count = 0

    @property
    def requests(self) -> List[ProxiedRequest]:
        with self._lock:
            return list(self._requests)

    @property
    def request_count(self) -> int:
        with self._lock:
            return len(self._requests)

    @property
    def connection_count(self) -> int:
        with self._lock:
            return self._connection_count

    @property
    def open_connections(self) -> int:
        with self._lock:
            return len(self._connections)

    def methods(self) -> List[str]:
        return [r.method for r in self.requests]

    def wait_for_requests(self, count: int, timeout: float = 5.0) -> List[ProxiedRequest]:
        deadline = time.monotonic() + timeout
        with self._lock:
            while len(self._requests) < count:
                left = deadline - time.monotonic()
                if left <= 0:
                    break
                self._changed.wait(left)
            return list(self._requests)

    def summary(self) -> str:
        return (f"{self.connection_count} connections, {self.request_count} requests: " +
                ", ".join(f"{r.method} {r.target} (Host {r.host})" for r in self.requests))

    # --- internals -------------------------------------------------------------------------------
    def _bind(self) -> socket.socket:
        listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind((self.listen_host, self.port))
        listener.listen(128)
        listener.setblocking(False)
        return listener

    def _accept_loop(self) -> None:
        while True:
            with self._lock:
                if self._stopping:
                    return
                want = self._want_listening
            if want and self._listener is None:
                try:
                    self._listener = self._bind()
                except OSError:
                    time.sleep(0.05)  # the port is briefly unavailable; try again
                    continue
            elif not want and self._listener is not None:
                # connections still waiting in the backlog get a reset, like a stopped server's
                self._listener.close()
                self._listener = None
            with self._lock:
                if self._listening != (self._listener is not None):
                    self._listening = self._listener is not None
                    self._changed.notify_all()
            if self._listener is None:
                with self._lock:
                    if not self._stopping and not self._want_listening:
                        self._changed.wait(0.05)
                continue
            try:
                readable, _, _ = select.select([self._listener], [], [], 0.05)
            except (OSError, ValueError):
                continue
            if not readable:
                continue
            try:
                client, _ = self._listener.accept()
            except (BlockingIOError, InterruptedError):
                continue
            except OSError:
                continue
            client.setblocking(True)
            client.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            with self._lock:
                self._connection_serial += 1
                self._connection_count += 1
                connection = _Connection(self._connection_serial, client, self._mode, self._status)
                self._connections.add(connection)
            threading.Thread(target=self._serve, args=(connection,), daemon=True,
                             name=f"s3proxy-conn-{connection.number}").start()

    def _record_parser(self, connection: _Connection, on_complete=None) -> RequestParser:
        current = []

        def on_request_line(method, target, version):
            record = ProxiedRequest(method, target, version, connection.mode, connection.number,
                                    time.monotonic())
            current[:] = [record]
            with self._lock:
                self._requests.append(record)
                self._changed.notify_all()

        def on_headers(headers):
            if current:
                current[0].headers = headers
                if on_complete is not None:
                    on_complete(current[0])

        return RequestParser(on_request_line, on_headers)

    def _forget(self, connection: _Connection) -> None:
        connection.close()
        with self._lock:
            self._connections.discard(connection)

    def _serve(self, connection: _Connection) -> None:
        try:
            if connection.mode == "forward":
                self._forward(connection)
            elif connection.mode == "blackhole":
                self._swallow(connection, self._record_parser(connection))
            else:
                self._answer_status(connection)
        except OSError:
            pass
        finally:
            self._forget(connection)

    def _swallow(self, connection: _Connection, parser: RequestParser) -> None:
        while not connection.closed:
            data = connection.client.recv(65536)
            if not data:
                return
            parser.feed(data)

    def _answer_status(self, connection: _Connection) -> None:
        status = connection.status
        answered = []

        def on_complete(request):
            code = _S3_CODES.get(status, "Error")
            body = (f'<?xml version="1.0" encoding="UTF-8"?><Error><Code>{code}</Code>'
                    f"<Message>s3_proxy status mode</Message></Error>").encode()
            head = (f"HTTP/1.1 {status} {_REASONS.get(status, 'Error')}\r\n"
                    f"Content-Type: application/xml\r\nContent-Length: {len(body)}\r\n"
                    f"x-amz-request-id: s3proxy\r\nConnection: close\r\n\r\n").encode()
            connection.client.sendall(head if request.method == "HEAD" else head + body)
            answered.append(request)

        parser = self._record_parser(connection, on_complete)
        while not connection.closed and not answered:
            data = connection.client.recv(65536)
            if not data:
                return
            parser.feed(data)

    def _forward(self, connection: _Connection) -> None:
        try:
            upstream = socket.create_connection(self.upstream, timeout=5)
        except OSError:
            return
        upstream.settimeout(None)
        upstream.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        connection.upstream = upstream
        if connection.closed:  # closed by a mode change meanwhile
            connection.close()
            return
        parser = self._record_parser(connection)

        def downstream():
            try:
                while not connection.closed:
                    data = upstream.recv(65536)
                    if not data:
                        break
                    connection.client.sendall(data)
            except OSError:
                pass
            finally:
                connection.close()

        back = threading.Thread(target=downstream, daemon=True,
                                name=f"s3proxy-back-{connection.number}")
        back.start()
        try:
            while not connection.closed:
                data = connection.client.recv(65536)
                if not data:
                    break
                parser.feed(data)
                upstream.sendall(data)
        finally:
            connection.close()
            back.join(5)
