"""The application side of the success webhook: records and verifies every call it gets.

    hook = WebhookReceiver(secret).start()
    url = hook.url("/hook")             http://127.0.0.1:<port>/hook
    hook.reply_json({"appId": 7})       what it answers (default: 200 {"received": true})
    ... the responder calls it ...
    [call] = hook.wait_for(1)
    assert call.signature_ok, call.signature_problem
    assert call.json["key"] == key

Answers, switchable at any time: reply_json(obj, status=200), reply_empty(status=200),
reply_status(500, body=...), reply_slow(seconds, then=...) (sleeps before answering, longer than
the webhook timeout), go_down() (the port is closed: connection refused) and come_up(). Every
request that arrives is recorded, whatever the answer; the signature header

    X-Upload-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<body>")>

is checked the way an application should (verify_signature): a v1 entry matches the body, and
the timestamp is at most max_age seconds (5 minutes) from now. Standard library only
(and s3_proxy.pick_port).
"""

from __future__ import annotations

import dataclasses
import hashlib
import hmac
import http.server
import json
import socket
import threading
import time
from typing import Any, List, Optional, Tuple

from s3_proxy import pick_port

SIGNATURE_HEADER = "X-Upload-Signature"
EVENT_ID_HEADER = "X-Upload-Event-Id"
MAX_AGE = 300


def sign(secret: str, timestamp: int, body: bytes) -> str:
    """The header value the responder must send (the receiver's own reference)."""
    mac = hmac.new(secret.encode(), str(timestamp).encode() + b"." + body, hashlib.sha256)
    return f"t={timestamp},v1={mac.hexdigest()}"


def verify_signature(secret: str, header: Optional[str], body: bytes, now: Optional[float] = None,
                     max_age: int = MAX_AGE) -> Tuple[bool, str, Optional[int]]:
    """(ok, problem, timestamp): what an application does with the header before trusting it."""
    if not header:
        return False, "no signature header", None
    timestamp = None
    candidates = []
    for item in header.split(","):
        name, sep, value = item.strip().partition("=")
        if not sep:
            return False, f"malformed item {item!r}", None
        if name == "t":
            if timestamp is not None or not value.isdigit():
                return False, f"bad or repeated t in {header!r}", None
            timestamp = int(value)
        elif name == "v1":
            candidates.append(value)
    if timestamp is None or not candidates:
        return False, f"t or v1 missing in {header!r}", timestamp
    expected = hmac.new(secret.encode(), str(timestamp).encode() + b"." + body,
                        hashlib.sha256).hexdigest()
    if not any(hmac.compare_digest(expected, c) for c in candidates):
        return False, "no v1 signature matches the body", timestamp
    now = time.time() if now is None else now
    if abs(now - timestamp) > max_age:
        return False, f"timestamp {timestamp} is {now - timestamp:.0f}s away from now", timestamp
    return True, "", timestamp


@dataclasses.dataclass
class Call:
    """One request the receiver got."""

    method: str
    path: str
    headers: dict  # lower-cased names
    body: bytes
    received: float  # time.monotonic()
    signature_ok: bool
    signature_problem: str
    timestamp: Optional[int]

    @property
    def json(self) -> Any:
        return json.loads(self.body.decode("utf-8"))

    @property
    def event_id(self) -> Optional[str]:
        return self.headers.get(EVENT_ID_HEADER.lower())


class _Server(http.server.ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 64
    block_on_close = False

    def handle_error(self, request, client_address):
        # a caller that gave up (timeout) before the answer: expected here, not worth a trace
        pass


class WebhookReceiver:
    DEFAULT_REPLY = {"received": True}

    def __init__(self, secret: str, port: Optional[int] = None, max_age: int = MAX_AGE):
        self.secret = secret
        self.max_age = max_age
        # below the ephemeral range, like S3Proxy's: while "down" the port is unbound, and no
        # outgoing connection may take it as its local port meanwhile
        self.port = port or pick_port()
        self._lock = threading.Lock()
        self._arrived = threading.Condition(self._lock)
        self._calls: List[Call] = []
        self._behaviour = ("json", 200, self.DEFAULT_REPLY, 0.0)
        self._server: Optional[_Server] = None
        self._thread: Optional[threading.Thread] = None
        self._open: set = set()  # the client connections being served (kept-alive ones too)
        self._stopped = threading.Event()  # cuts the sleeps of reply_slow short at stop()

    # --- life cycle ------------------------------------------------------------------------------
    def url(self, path: str = "/hook") -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def start(self) -> "WebhookReceiver":
        self.come_up()
        return self

    def come_up(self) -> None:
        if self._server is not None:
            return
        deadline = time.monotonic() + 5
        while True:
            try:
                server = _Server(("127.0.0.1", self.port), self._handler_class())
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.05)
        self._server = server
        self._thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05},
                                        daemon=True, name=f"webhook-{self.port}")
        self._thread.start()

    def go_down(self) -> None:
        """Closes the listening socket and every open connection (a kept-alive one must not go
        on being served): calls get "connection refused" until come_up()."""
        server, self._server = self._server, None
        if server is not None:
            server.shutdown()
            server.server_close()
            self._thread.join(5)
        with self._lock:
            connections = list(self._open)
            self._open.clear()
        for connection in connections:
            try:
                connection.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass

    @property
    def is_up(self) -> bool:
        return self._server is not None

    def stop(self) -> None:
        self._stopped.set()
        self.go_down()

    def __enter__(self):
        return self.start() if self._server is None else self

    def __exit__(self, *exc):
        self.stop()
        return False

    # --- behaviour -------------------------------------------------------------------------------
    def reply_json(self, obj: Any, status: int = 200) -> None:
        self._behaviour = ("json", status, obj, 0.0)

    def reply_empty(self, status: int = 200) -> None:
        self._behaviour = ("raw", status, b"", 0.0)

    def reply_status(self, status: int, body: bytes = b'{"error":"webhook says no"}') -> None:
        self._behaviour = ("raw", status, body, 0.0)

    def reply_slow(self, seconds: float, then: Any = None) -> None:
        """Sleeps `seconds` before answering 200 with `then` (JSON) or the default reply."""
        self._behaviour = ("json", 200, self.DEFAULT_REPLY if then is None else then, seconds)

    # --- what arrived ----------------------------------------------------------------------------
    @property
    def calls(self) -> List[Call]:
        with self._lock:
            return list(self._calls)

    def reset(self) -> None:
        with self._lock:
            self._calls = []

    def wait_for(self, count: int, timeout: float = 5.0) -> List[Call]:
        """The calls once there are at least `count` (or whatever arrived within timeout)."""
        deadline = time.monotonic() + timeout
        with self._lock:
            while len(self._calls) < count:
                left = deadline - time.monotonic()
                if left <= 0:
                    break
                self._arrived.wait(left)
            return list(self._calls)

    # --- the HTTP side ---------------------------------------------------------------------------
    def _record(self, call: Call) -> None:
        with self._lock:
            self._calls.append(call)
            self._arrived.notify_all()

    def _handler_class(self):
        receiver = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            server_version = "webhook-receiver"

            def log_message(self, *args):  # quiet
                pass

            def setup(self):
                super().setup()
                with receiver._lock:
                    receiver._open.add(self.connection)

            def finish(self):
                with receiver._lock:
                    receiver._open.discard(self.connection)
                try:
                    super().finish()
                except OSError:
                    pass

            def _read_body(self) -> bytes:
                if "chunked" in (self.headers.get("Transfer-Encoding") or "").lower():
                    chunks = []
                    while True:
                        size = int(self.rfile.readline().split(b";")[0].strip(), 16)
                        if size == 0:
                            while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                                pass
                            return b"".join(chunks)
                        chunks.append(self.rfile.read(size))
                        self.rfile.readline()
                return self.rfile.read(int(self.headers.get("Content-Length") or 0))

            def _handle(self):
                body = self._read_body()
                headers = {k.lower(): v for k, v in self.headers.items()}
                ok, problem, timestamp = verify_signature(
                    receiver.secret, headers.get(SIGNATURE_HEADER.lower()), body,
                    max_age=receiver.max_age)
                receiver._record(Call(self.command, self.path, headers, body, time.monotonic(),
                                      ok, problem, timestamp))
                kind, status, payload, delay = receiver._behaviour
                if delay > 0 and receiver._stopped.wait(delay):
                    return
                data = json.dumps(payload).encode() if kind == "json" else payload
                try:
                    self.send_response(status)
                    if data:
                        self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(data)))
                    self.end_headers()
                    if data:
                        self.wfile.write(data)
                except OSError:  # the caller is gone (it timed out)
                    self.close_connection = True

            do_POST = _handle
            do_PUT = _handle
            do_GET = _handle

        return Handler
