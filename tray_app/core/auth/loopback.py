"""The loopback redirect receiver (RFC 8252 7.3) every browser sign-in shares. No Qt.

`LoopbackReceiver(state)` listens on 127.0.0.1 and waits for the one answer that carries
the `state` the sign-in sent. Anything else that reaches it (another path, a favicon, a
request without a state or with another one, a forged answer posted by some other page
or program) gets a short page with a 4xx status and is otherwise ignored: the receiver
keeps waiting, so the real answer still completes the sign-in. An `error=` answer with
the right state is a real answer (the person refused).

Requests are served on their own threads, so a connection that never sends anything
cannot hold up the real answer. The request line and body carry the authorization code
and the state: they are never logged.
"""

from __future__ import annotations

import logging
import secrets
import socketserver
import threading
import time
from html import escape
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

from tray_app.core import messages
from tray_app.core.errors import ConfigError
from tray_app.core.i18n import active_language, is_right_to_left

log = logging.getLogger(__name__)

LOOPBACK_HOST = "127.0.0.1"
MAX_FORM_BYTES = 64 * 1024
_POLL_SECONDS = 0.05
_MAX_FIELDS = 20


class LoopbackReceiver:
    """Receives the answer whose `state` matches; see the module's description.

    `port` 0 takes any free port. `path` is where the answer must arrive ("/callback"
    for the intranet, "/" for Entra's `http://localhost:<port>`). `form_post` also takes
    the answer as a POSTed form (response_mode=form_post). Use it as a context manager.
    """

    def __init__(self, expected_state: str, *, port: int = 0, path: str = "/callback",
                 form_post: bool = False) -> None:
        if not expected_state:
            raise ValueError("a sign-in needs a state to check its answer against")
        self.path = path
        self.form_post = form_post
        self._expected = expected_state.encode("utf-8")
        self._answer: dict[str, str] | None = None
        self._answered = threading.Event()
        self._lock = threading.Lock()
        self.turned_away = 0  # requests answered and ignored (for tests and the log)
        self._server = _bind(port, self)
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": _POLL_SECONDS},
            name="sign-in-loopback", daemon=True)
        self._thread.start()

    def __enter__(self) -> LoopbackReceiver:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    @property
    def port(self) -> int:
        return int(self._server.server_address[1])

    def redirect_uri(self, host: str = LOOPBACK_HOST) -> str:
        """The redirect URI to send; `host` "localhost" for Entra's desktop URIs."""
        path = "" if self.path == "/" else self.path
        return f"http://{host}:{self.port}{path}"

    def wait(self, timeout: float, cancelled: threading.Event | None = None
             ) -> dict[str, str] | None:
        """The answer's fields, or None once `timeout` seconds have passed or `cancelled`
        is set (from any thread). The caller knows which from its own event."""
        deadline = time.monotonic() + timeout
        while not (cancelled is not None and cancelled.is_set()):
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return None
            if self._answered.wait(min(remaining, _POLL_SECONDS)):
                return self._answer
        return None

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)
        if self.turned_away:
            log.info("The sign-in receiver turned away %d request(s) that were not the "
                     "answer", self.turned_away)

    # --- called from the request threads ----------------------------------------------

    def belongs(self, fields: dict[str, list[str]]) -> bool:
        states = fields.get("state", [])
        if len(states) != 1:
            return False
        return secrets.compare_digest(states[0].encode("utf-8"), self._expected)

    def take(self, fields: dict[str, list[str]]) -> bool:
        """Keeps the first answer that belongs; False when it does not belong."""
        if not self.belongs(fields):
            self.turn_away()
            return False
        with self._lock:
            if self._answer is None:
                self._answer = {name: values[0] for name, values in fields.items()}
                self._answered.set()
        return True

    def turn_away(self) -> None:
        with self._lock:
            self.turned_away += 1


def _bind(port: int, receiver: LoopbackReceiver) -> _Server:
    try:
        return _Server((LOOPBACK_HOST, port), receiver)
    except OSError as problem:
        raise ConfigError(messages.loopback_port_unavailable(
            LOOPBACK_HOST, port, problem.strerror or type(problem).__name__)) from None


class _Server(ThreadingHTTPServer):
    allow_reuse_address = False  # never share the port with another listener
    daemon_threads = True
    block_on_close = False

    def __init__(self, address: tuple[str, int], receiver: LoopbackReceiver) -> None:
        self.receiver = receiver
        super().__init__(address, _Handler)

    def server_bind(self) -> None:
        # HTTPServer.server_bind looks the host name up, which can stall; not needed here.
        socketserver.TCPServer.server_bind(self)
        self.server_name, self.server_port = str(self.server_address[0]), self.server_address[1]


class _Handler(BaseHTTPRequestHandler):
    server: _Server
    timeout = 10  # a connection that never sends its request is dropped

    def do_GET(self) -> None:
        parts = urlsplit(self.path)
        if parts.path != self.server.receiver.path:
            self._not_here()
            return
        self._answer(parts.query)

    def do_POST(self) -> None:
        receiver = self.server.receiver
        if not receiver.form_post or urlsplit(self.path).path != receiver.path:
            self._not_here()
            return
        body = self._form_body()
        if body is None:
            receiver.turn_away()
            self._page(400, messages.page_not_an_answer_title(), messages.page_not_an_answer())
            return
        self._answer(body)

    def _form_body(self) -> str | None:
        kind = self.headers.get("Content-Type", "").split(";")[0].strip().lower()
        length = self.headers.get("Content-Length", "")
        if kind != "application/x-www-form-urlencoded" or not length.isdigit():
            return None
        if not 0 < int(length) <= MAX_FORM_BYTES:
            return None
        return self.rfile.read(int(length)).decode("utf-8", "replace")

    def _answer(self, encoded: str) -> None:
        try:
            fields = parse_qs(encoded, keep_blank_values=True, max_num_fields=_MAX_FIELDS)
        except ValueError:  # too many fields
            fields = {}
        if not self.server.receiver.take(fields):
            self._page(400, messages.page_answer_refused_title(), messages.page_answer_refused())
        elif fields.get("error"):
            self._page(200, messages.page_not_completed_title(), messages.page_not_completed())
        else:
            self._page(200, messages.page_received_title(), messages.page_received())

    def _not_here(self) -> None:
        self.server.receiver.turn_away()
        self._page(404, messages.page_nothing_here_title(), messages.page_nothing_here())

    def _page(self, status: int, title: str, sentence: str) -> None:
        close_tab = f"<p>{escape(messages.page_close_tab())}</p>" if status == 200 else ""
        direction = ' dir="rtl"' if is_right_to_left() else ""
        body = (f"<!doctype html><html lang=\"{escape(active_language())}\"{direction}><head>"
                f"<meta charset=\"utf-8\"><title>{escape(title)}</title></head>"
                f"<body style=\"font-family: sans-serif; margin: 3em\"><h1>{escape(title)}</h1>"
                f"<p>{escape(sentence)}</p>{close_tab}</body></html>").encode()
        self.send_response(status)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "no-store")
        self.send_header("Referrer-Policy", "no-referrer")
        self.send_header("X-Content-Type-Options", "nosniff")
        self.send_header("Connection", "close")
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:
        pass  # the request line carries the authorization code and the state
