"""A tiny HTTP layer over http.server: requests, responses, a route table and the server.

Handlers are plain functions `handler(app, request) -> Response`; the table maps a
method and a path template (`/admin/integrations/{id}/{action}`) to one. Adding an
endpoint is adding a row, never another branch.
"""

from __future__ import annotations

import contextlib
import json
import logging
import re
import socket
import socketserver
import sys
import threading
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from email.message import Message
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Protocol

log = logging.getLogger("tray_app.demo")

JSON_TYPE = "application/json"
MAX_BODY_BYTES = 64 * 1024
_PLACEHOLDER = re.compile(r"\{(\w+)\}")
_SEGMENT = r"[A-Za-z0-9_.-]{1,64}"
_ERROR_CODES = {
    400: "invalid_request",
    401: "invalid_token",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    411: "length_required",
    413: "payload_too_large",
    414: "uri_too_long",
    431: "headers_too_large",
    500: "server_error",
    501: "not_implemented",
}


@dataclass(frozen=True)
class Request:
    method: str
    path: str
    query: str
    headers: Message
    body: bytes
    params: dict[str, str] = field(default_factory=dict)

    def header(self, name: str) -> str | None:
        return self.headers.get(name)


@dataclass(frozen=True)
class Response:
    status: int
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)


class HttpError(Exception):
    """Raised by handlers to answer with a JSON error body."""

    def __init__(
        self, status: int, message: str, *, code: str | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.code = code or _ERROR_CODES.get(status, "error")
        self.message = message
        self.headers = headers or {}

    def response(self) -> Response:
        return error_response(self.status, self.code, self.message, self.headers)


def json_response(status: int, payload: Any, headers: dict[str, str] | None = None) -> Response:
    return Response(status, encode_json(payload), {"Content-Type": JSON_TYPE, **(headers or {})})


def encode_json(payload: Any) -> bytes:
    return json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def error_response(
    status: int, code: str, message: str, headers: dict[str, str] | None = None
) -> Response:
    return json_response(status, {"error": code, "message": message}, headers)


def html_response(page: str, *, status: int = 200, form_action: str = "'self'") -> Response:
    """`form_action`: where the page's forms may go, redirects after submitting included."""
    return Response(
        status,
        page.encode("utf-8"),
        {
            "Content-Type": "text/html; charset=utf-8",
            "Cache-Control": "no-store",
            "Content-Security-Policy": (
                f"default-src 'none'; style-src 'unsafe-inline'; form-action {form_action}; "
                "frame-ancestors 'none'; base-uri 'none'"
            ),
            "X-Content-Type-Options": "nosniff",
            "Referrer-Policy": "same-origin",
        },
    )


def see_other(location: str) -> Response:
    return Response(303, headers={"Location": location})


Handler = Callable[[Any, Request], Response]


@dataclass(frozen=True)
class Route:
    method: str
    pattern: re.Pattern[str]
    handler: Handler


def route(method: str, template: str, handler: Handler) -> Route:
    """`{name}` in the template matches one id-like path segment."""
    parts = _PLACEHOLDER.split(template)
    regex = "".join(
        re.escape(part) if index % 2 == 0 else f"(?P<{part}>{_SEGMENT})"
        for index, part in enumerate(parts)
    )
    return Route(method, re.compile(f"^{regex}$"), handler)


class Router:
    def __init__(self, routes: list[Route]) -> None:
        self._routes = routes

    def dispatch(self, app: Any, request: Request) -> Response:
        method = "GET" if request.method == "HEAD" else request.method
        allowed: list[str] = []
        for candidate in self._routes:
            found = candidate.pattern.match(request.path)
            if found is None:
                continue
            if candidate.method != method:
                allowed.append(candidate.method)
                continue
            matched = replace(request, params=found.groupdict())
            try:
                return candidate.handler(app, matched)
            except HttpError as problem:
                return problem.response()
        if allowed:
            return _method_not_allowed(request.method, allowed)
        return error_response(404, "not_found", f"There is nothing at {request.path}.")


def _method_not_allowed(method: str, allowed: list[str]) -> Response:
    if "GET" in allowed:
        allowed.append("HEAD")
    return error_response(
        405,
        "method_not_allowed",
        f"{method} is not allowed here; use {' or '.join(allowed)}.",
        {"Allow": ", ".join(allowed)},
    )


class App(Protocol):
    def dispatch(self, request: Request) -> Response: ...

    def http_date(self) -> str: ...


class DemoRequestHandler(BaseHTTPRequestHandler):
    server_version = "IntranetCompanionDemo"
    sys_version = ""
    protocol_version = "HTTP/1.1"
    timeout = 30  # an idle keep-alive connection is closed after this many seconds
    server: DemoHTTPServer

    def version_string(self) -> str:
        return self.server_version

    def date_time_string(self, timestamp: float | None = None) -> str:
        return self.server.app.http_date()

    def log_message(self, format: str, *args: Any) -> None:
        log.debug("%s %s", self.client_address[0], format % args)

    def send_error(self, code: int, message: str | None = None, explain: str | None = None) -> None:
        # The base class answers in HTML; the contract wants JSON errors everywhere.
        self.close_connection = True
        text = message or HTTPStatus(code).phrase
        response = error_response(code, _ERROR_CODES.get(code, "error"), text)
        self._write(response, head_only=self.command == "HEAD")

    def do_GET(self) -> None:
        self._serve()

    do_HEAD = do_POST = do_PUT = do_PATCH = do_DELETE = do_OPTIONS = do_GET

    def _serve(self) -> None:
        path = self.path.split("#", 1)[0]
        path, _, query = path.partition("?")
        try:
            request = Request(self.command, path, query, self.headers, self._read_body())
            response = self.server.app.dispatch(request)
        except HttpError as problem:
            response = problem.response()
        except Exception as problem:
            log.error("Failed to answer %s %s: %r", self.command, path, problem)
            log.debug("Details of the failure", exc_info=True)
            response = error_response(500, "server_error", "The demo intranet failed.")
        self._write(response, head_only=self.command == "HEAD")
        log.info("%s %s -> %d", self.command, path, response.status)

    def _read_body(self) -> bytes:
        if "Transfer-Encoding" in self.headers:
            self.close_connection = True
            raise HttpError(411, "Send the body with a Content-Length header.")
        raw = self.headers.get("Content-Length", "0").strip() or "0"
        if not raw.isdigit():
            self.close_connection = True
            raise HttpError(400, "The Content-Length header is not a number.")
        if int(raw) > MAX_BODY_BYTES:
            self.close_connection = True
            raise HttpError(413, f"The body is larger than {MAX_BODY_BYTES} bytes.")
        return self.rfile.read(int(raw))

    def _write(self, response: Response, *, head_only: bool) -> None:
        self.send_response(response.status)
        for name, value in response.headers.items():
            self.send_header(name, value)
        has_body = response.status not in (204, 304)
        if has_body:
            self.send_header("Content-Length", str(len(response.body)))
        if self.close_connection:
            self.send_header("Connection", "close")
        self.end_headers()
        if has_body and not head_only:
            self.wfile.write(response.body)


class DemoHTTPServer(ThreadingHTTPServer):
    daemon_threads = True
    # On Windows SO_REUSEADDR would let a second server take a port already in use.
    allow_reuse_address = sys.platform != "win32"

    def __init__(self, address: tuple[str, int], app: App) -> None:
        self.app = app
        self._connections: set[socket.socket] = set()
        self._connections_lock = threading.Lock()
        super().__init__(address, DemoRequestHandler)

    def server_bind(self) -> None:
        # HTTPServer.server_bind resolves the host name, which can stall; it is not needed.
        socketserver.TCPServer.server_bind(self)
        self.server_name, self.server_port = self.server_address[:2]

    def process_request(self, request: Any, client_address: Any) -> None:
        with self._connections_lock:
            self._connections.add(request)
        super().process_request(request, client_address)

    def shutdown_request(self, request: Any) -> None:
        with self._connections_lock:
            self._connections.discard(request)
        super().shutdown_request(request)

    def handle_error(self, request: Any, client_address: Any) -> None:
        # The base class prints a traceback to stderr; a dropped client is not worth one.
        log.debug("Connection from %s ended with an error", client_address[0], exc_info=True)

    def close_open_connections(self) -> None:
        """End kept-alive connections so nothing is served after stop()."""
        with self._connections_lock:
            open_now = list(self._connections)
        for connection in open_now:
            with contextlib.suppress(OSError):
                connection.shutdown(socket.SHUT_RDWR)
