"""A small scriptable HTTP(S) server on 127.0.0.1 for tests.

Each test says what the server answers and then reads back what it received.

    from fakeserver import Reply, running_servers

    @pytest.fixture
    def fake_server():
        with running_servers() as start:
            yield start

    def test_something(fake_server):
        server = fake_server()                       # started, closed after the test
        server.respond("GET", "/api/v1/me/integrations",
                       Reply.json({"user": {}}, headers={"ETag": '"v1"'}))
        ... call code against server.url (e.g. "http://127.0.0.1:54321") ...
        [request] = server.requests
        assert request.headers["Authorization"] == "Bearer t0ken"

This module also defines that `fake_server` fixture, so a conftest.py can offer it
to every test with `pytest_plugins = ["fakeserver"]` instead. (A test module that
imports from here should not list it in its own `pytest_plugins`: pytest would warn
that it cannot rewrite an already imported module.) `unused_port()` gives a port
with nothing listening, for "connection refused" cases.

What a route can answer (`respond(method, path, *answers)`):
- a `Reply`: status, headers, body bytes, `delay` before anything is sent,
  `drip_interval` to send the body one byte at a time, `content_length=False` to
  send the body without a length (connection closes at the end), `send_date=False`
  to leave out the automatic `Date` header. `Reply.json(...)`, `Reply.redirect(...)`
  and `Reply.text(...)` build the usual ones.
- a callable taking the `RecordedRequest` and returning a `Reply`, for answers that
  depend on the request.
Several answers are used in order, one per request, and the last one repeats.
A request no route matches gets a 404 with a JSON error body, and is recorded too.

HTTPS: pass an `ssl.SSLContext` for the server side, e.g. from `trustme`:
`fake_server(tls=context)`; `server.url` then starts with https://.

The server is threaded, so a slow or dripping answer does not block others, and
`close()` interrupts delays and drips so tests end quickly.
"""

from __future__ import annotations

import json
import socket
import ssl
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from email.message import Message
from email.utils import formatdate
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import urlsplit

import pytest

# Statuses that never carry a body (RFC 9110 6.4.1).
_NO_BODY_STATUSES = {204, 304}


@dataclass(frozen=True)
class RecordedRequest:
    """One request as the server received it.

    `headers` looks names up case-insensitively (`headers["authorization"]`) and
    gives None for a header that was not sent.
    """

    method: str
    path: str
    query: str
    headers: Message
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


@dataclass(frozen=True)
class Reply:
    """What the server sends back for one request."""

    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes = b""
    delay: float = 0.0
    drip_interval: float = 0.0
    content_length: bool = True
    send_date: bool = True

    @classmethod
    def json(cls, payload: Any, status: int = 200, **options: Any) -> Reply:
        headers = {"Content-Type": "application/json", **options.pop("headers", {})}
        return cls(status, headers, json.dumps(payload).encode(), **options)

    @classmethod
    def text(
        cls, text: str, status: int = 200, content_type: str = "text/plain", **options: Any
    ) -> Reply:
        headers = {"Content-Type": content_type, **options.pop("headers", {})}
        return cls(status, headers, text.encode(), **options)

    @classmethod
    def redirect(cls, location: str, status: int = 302, **options: Any) -> Reply:
        headers = {"Location": location, **options.pop("headers", {})}
        return cls(status, headers, **options)


Answer = Reply | Callable[[RecordedRequest], Reply]


class _Route:
    def __init__(self, answers: tuple[Answer, ...]) -> None:
        self._answers = list(answers)

    def next_reply(self, request: RecordedRequest) -> Reply:
        answer = self._answers.pop(0) if len(self._answers) > 1 else self._answers[0]
        return answer(request) if callable(answer) else answer


class FakeServer:
    """A running server; see the module docstring. Use as a context manager or
    call `close()`; the `fake_server` fixture does that for you."""

    def __init__(self, tls: ssl.SSLContext | None = None) -> None:
        self._routes: dict[tuple[str, str], _Route] = {}
        self._requests: list[RecordedRequest] = []
        self._lock = threading.Lock()
        self.stopping = threading.Event()
        self._httpd = _Server(("127.0.0.1", 0), _Handler, self, tls)
        self.port: int = self._httpd.server_address[1]
        self.url = f"{'https' if tls else 'http'}://127.0.0.1:{self.port}"
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self._thread.start()

    def respond(self, method: str, path: str, *answers: Answer) -> None:
        """Answer `method` requests to `path` (no query string) with `answers`."""
        if not answers:
            raise ValueError("respond() needs at least one answer")
        with self._lock:
            self._routes[(method.upper(), path)] = _Route(answers)

    @property
    def requests(self) -> list[RecordedRequest]:
        """Every request received so far, oldest first."""
        with self._lock:
            return list(self._requests)

    def requests_to(self, path: str) -> list[RecordedRequest]:
        return [request for request in self.requests if request.path == path]

    def close(self) -> None:
        self.stopping.set()
        self._httpd.shutdown()
        self._httpd.server_close()
        self._thread.join(timeout=5)

    def __enter__(self) -> FakeServer:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    def _answer(self, request: RecordedRequest) -> Reply:
        with self._lock:
            self._requests.append(request)
            route = self._routes.get((request.method, request.path))
        if route is None:
            return Reply.json({"error": "not_found", "message": "No such path."}, status=404)
        return route.next_reply(request)


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(
        self,
        address: tuple[str, int],
        handler: type[BaseHTTPRequestHandler],
        owner: FakeServer,
        tls: ssl.SSLContext | None,
    ) -> None:
        self.owner = owner
        self.tls = tls
        super().__init__(address, handler)

    def finish_request(self, request: Any, client_address: Any) -> None:
        # The TLS handshake happens here, in the connection's own thread, so a
        # client that rejects our certificate cannot stall the accept loop.
        if self.tls is not None:
            try:
                request = self.tls.wrap_socket(request, server_side=True)
            except (ssl.SSLError, OSError):
                return
        super().finish_request(request, client_address)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    timeout = 30  # so idle keep-alive connections do not hold a thread forever
    server: _Server

    def do_GET(self) -> None:
        self._handle()

    do_POST = do_PUT = do_DELETE = do_PATCH = do_HEAD = do_GET

    def log_message(self, format: str, *args: Any) -> None:
        pass  # keep test output clean

    def _handle(self) -> None:
        parts = urlsplit(self.path)
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        request = RecordedRequest(self.command, parts.path, parts.query, self.headers, body)
        reply = self.server.owner._answer(request)
        try:
            self._send(reply)
        except (BrokenPipeError, ConnectionResetError, ssl.SSLError):
            self.close_connection = True  # the client went away, as tests often make it

    def _send(self, reply: Reply) -> None:
        stopping = self.server.owner.stopping
        if reply.delay and stopping.wait(reply.delay):
            self.close_connection = True
            return
        self.send_response_only(reply.status)
        for name, value in self._headers_for(reply):
            self.send_header(name, value)
        self.end_headers()
        if reply.status in _NO_BODY_STATUSES or self.command == "HEAD":
            return
        if not reply.drip_interval:
            self.wfile.write(reply.body)
            return
        for index in range(len(reply.body)):
            self.wfile.write(reply.body[index : index + 1])
            self.wfile.flush()
            if stopping.wait(reply.drip_interval):
                self.close_connection = True
                return

    def _headers_for(self, reply: Reply) -> Iterator[tuple[str, str]]:
        given = {name.lower() for name in reply.headers}
        if reply.send_date and "date" not in given:
            yield "Date", formatdate(usegmt=True)
        yield from reply.headers.items()
        if reply.status in _NO_BODY_STATUSES or "content-length" in given:
            return
        if reply.content_length:
            yield "Content-Length", str(len(reply.body))
        else:
            # Without a length the body ends when the connection does.
            self.close_connection = True
            yield "Connection", "close"


def unused_port() -> int:
    """A port on 127.0.0.1 with nothing listening (free at the time of the call)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextmanager
def running_servers() -> Iterator[Callable[..., FakeServer]]:
    """A factory that starts servers (`start()` or `start(tls=ctx)`) and closes
    every one of them when the block ends."""
    started: list[FakeServer] = []

    def start(tls: ssl.SSLContext | None = None) -> FakeServer:
        server = FakeServer(tls)
        started.append(server)
        return server

    try:
        yield start
    finally:
        for server in started:
            server.close()


@pytest.fixture
def fake_server() -> Iterator[Callable[..., FakeServer]]:
    """The `running_servers()` factory as a fixture, for `pytest_plugins`."""
    with running_servers() as start:
        yield start
