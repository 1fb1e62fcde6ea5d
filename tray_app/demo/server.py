"""The built-in demo intranet: a real HTTP server on 127.0.0.1 implementing intranet-api.md.

Use it in-process (`DemoIntranet().start()`, as the tray's `--demo` does and as tests
do) or alone with `python main.py demo-server` / `python -m tray_app.demo`. Standard
library only. Data lives in SQLite (in memory unless `db_path` is given; a database
file that already holds data is used as it is, not seeded again).

Endpoints (see routes.py): the API (`/api/v1/me/integrations`,
`/api/v1/me/notices/ack`, and `/api/v1/me/integrations/<id>/grant` for the integrations
a scenario offers native reconnect for, see grant.py), the External apps page, an
admin page plus admin JSON endpoints (`POST /admin/api/integrations/<id>` to break and
fix integrations, `POST /admin/api/sessions` to revoke sign-ins), and an OAuth 2.0
authorization server (oauth.py: discovery, /oauth/authorize, /oauth/token,
/oauth/revoke). The API accepts the static bearer token and the access tokens the OAuth
server issues.

With `smtp=(host, port)` (`--smtp HOST:PORT`) it emails the user each new notice
(mail.py), checked at start, after every change and every minute.
"""

from __future__ import annotations

import argparse
import errno
import hmac
import logging
import re
import secrets
import signal
import sqlite3
import sys
import threading
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from types import FrameType
from typing import Any

import tray_app.demo.routes as routes
from tray_app.core import i18n
from tray_app.core.classify import Notice, classify
from tray_app.core.model import parse_integration_list
from tray_app.core.text import inert
from tray_app.core.timeutil import format_utc, utc_now
from tray_app.core.urls import origin_of
from tray_app.demo.grant import checked_grant, grant_path
from tray_app.demo.mail import NoticeMailer, SmtpAddressError, parse_smtp_address
from tray_app.demo.oauth import DEFAULT_ACCESS_TOKEN_SECONDS, DISCOVERY_PATH, OAuthServer
from tray_app.demo.pages import ADMIN_PATH, EXTERNAL_APPS_PATH
from tray_app.demo.scenario import (
    DEFAULT_SCENARIO,
    ScenarioError,
    load_scenario,
    seed_rows,
    validate_scenario,
)
from tray_app.demo.store import InvalidChange, Store
from tray_app.demo.web import DemoHTTPServer, HttpError, Request, Response

log = logging.getLogger("tray_app.demo")

HOST = "127.0.0.1"
RECONNECT_LIFETIME = timedelta(days=90)
# "Expire now" puts the expiry this far back, so it is in the past even at 1 s resolution.
_EXPIRED_AGO = timedelta(minutes=1)
_REASON_WORD = re.compile(r"^[a-z][a-z0-9_]{0,63}$")


def _as_utc(moment: datetime) -> datetime:
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)


class DemoIntranet:
    """The demo intranet. `url` and the served data are valid after `start()`.

    An instance is started once; `stop()` ends it for good (and closes its database).
    """

    def __init__(
        self,
        *,
        port: int = 0,
        token: str | None = None,
        scenario: dict | None = None,
        db_path: str | None = None,
        clock: Callable[[], datetime] | None = None,
        access_token_seconds: int = DEFAULT_ACCESS_TOKEN_SECONDS,
        smtp: tuple[str, int] | None = None,
    ) -> None:
        """`access_token_seconds`: how long the OAuth server's access tokens last;
        `smtp`: the loopback mail server that gets the notice emails (None: none sent)."""
        if not 0 <= port <= 65535:
            raise ValueError(f"port {port} is not between 0 and 65535")
        checked = DEFAULT_SCENARIO if scenario is None else validate_scenario(scenario)
        self.token: str = token or secrets.token_urlsafe(32)
        self.url: str = ""
        self.acks: list[dict[str, str]] = []
        self._port = port
        self._clock = clock or utc_now
        self.oauth = OAuthServer(self.now, access_token_seconds)
        self._lock = threading.Lock()
        self._stopped = threading.Event()
        self._http: DemoHTTPServer | None = None
        self._thread: threading.Thread | None = None
        self._store = Store(db_path or ":memory:")
        self._seed_if_empty(checked, given=scenario is not None)
        self.mailer = None if smtp is None else NoticeMailer(
            smtp, self._store, self.current_notices, self.now)

    def __repr__(self) -> str:
        return f"DemoIntranet(url={self.url!r})"  # never the token

    def __enter__(self) -> DemoIntranet:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    # --- lifecycle ---------------------------------------------------------------------

    def start(self) -> DemoIntranet:
        """Listen on 127.0.0.1 and serve in a daemon thread. Raises OSError (port in use)."""
        if self._http is not None or self._stopped.is_set():
            raise RuntimeError("a DemoIntranet can be started only once")
        self._http = DemoHTTPServer((HOST, self._port), self)
        self.url = f"http://{HOST}:{self._http.server_address[1]}"
        self._thread = threading.Thread(
            target=self._http.serve_forever,
            kwargs={"poll_interval": 0.1},
            name="demo-intranet",
            daemon=True,
        )
        self._thread.start()
        log.info("Demo intranet serving at %s", self.url)
        if self.mailer is not None:
            self.mailer.start()
        return self

    def stop(self) -> None:
        with self._lock:
            if self._stopped.is_set():
                return
            self._stopped.set()
        if self._http is not None and self._thread is not None:
            self._http.shutdown()
            self._http.server_close()
            self._http.close_open_connections()
            self._thread.join(timeout=5)
            log.info("Demo intranet at %s stopped", self.url)
        if self.mailer is not None:
            self.mailer.stop()
        self._store.close()

    def serve_forever(self) -> None:
        """Serve in the foreground until KeyboardInterrupt or stop()."""
        if self._http is None:
            self.start()
        try:
            while not self._stopped.wait(0.5):
                pass
        except KeyboardInterrupt:
            pass
        finally:
            self.stop()

    # --- admin operations ----------------------------------------------------------------

    def disconnect(self, integration_id: str, reason: str = "revoked") -> None:
        if not isinstance(reason, str) or not _REASON_WORD.match(reason):
            raise InvalidChange(
                "The reason must be a lower-case word such as refresh_failed or revoked."
            )
        self._store.update(integration_id, {
            "status": "disconnected",
            "expires_at": None,
            "disconnected_at": format_utc(self.now()),
            "reason": reason,
        })
        self._changed()

    def expire(self, integration_id: str) -> None:
        """Connected, with `expires_at` just past."""
        self.set_expiry(integration_id, self.now() - _EXPIRED_AGO)

    def set_expiry(self, integration_id: str, expires_at: datetime | None) -> None:
        """Connected, expiring at `expires_at` (None: never); clears any disconnection."""
        row = self._store.row(integration_id)
        self._store.update(integration_id, {
            "status": "connected",
            "account": row["account"] or self._store.snapshot()[0]["email"],
            "expires_at": None if expires_at is None else format_utc(_as_utc(expires_at)),
            "disconnected_at": None,
            "reason": None,
        })
        self._changed()

    def reconnect(self, integration_id: str) -> None:
        """Connected, with a fresh grant that expires in 90 days."""
        self.set_expiry(integration_id, self.now() + RECONNECT_LIFETIME)

    def accept_grant(self, integration_id: str, body: bytes) -> None:
        """Store a grant handed over to grant_url (the raw JSON body; see grant.py).
        Raises UnknownIntegration, or HttpError (404 when native reconnect is not
        offered, 400 invalid_grant, 409 account_mismatch)."""
        self._store.row(integration_id)
        offer = self._store.native_connects().get(integration_id)
        if offer is None:
            raise HttpError(404, f"Native reconnect is not offered for '{integration_id}'; "
                                 "use its reconnect_url instead.")
        kept = checked_grant(body, offer, self.now())
        self._store.store_grant(integration_id, kept)
        log.info("Grant handed over for %s (account %s)", integration_id, inert(kept["account"]))
        self._changed()

    def grant(self, integration_id: str) -> dict[str, Any] | None:
        """What is kept of the grant last handed over for it: never a token."""
        return self._store.grant(integration_id)

    def integration(self, integration_id: str) -> dict[str, Any]:
        """One integration as the API serves it. Raises UnknownIntegration (a LookupError)."""
        offers = self._store.native_connects()
        return self._contract_entry(self._store.row(integration_id), offers)

    # --- what the endpoints use -------------------------------------------------------

    @property
    def external_apps_url(self) -> str:
        return self.url + EXTERNAL_APPS_PATH

    def now(self) -> datetime:
        return _as_utc(self._clock())

    def http_date(self) -> str:
        return format_datetime(self.now(), usegmt=True)

    def integration_list(self) -> dict[str, Any]:
        """The body of GET /api/v1/me/integrations."""
        user, window, rows = self._store.snapshot()
        offers = self._store.native_connects()
        return {
            "user": user,
            "external_apps_url": self.external_apps_url,
            "warning_window_days": window,
            "integrations": [self._contract_entry(row, offers) for row in rows],
        }

    def current_notices(self) -> tuple[dict[str, Any], list[Notice]]:
        """The user and the notices the companion would show now (core/classify.py)."""
        listing = self.integration_list()
        answer = parse_integration_list(listing)
        return listing["user"], list(classify(answer, self.now(), self.url).notices)

    def record_ack(self, ack: dict[str, str]) -> None:
        with self._lock:
            self.acks.append(ack)
        log.info("Notice acknowledged: %s %s", ack["integration_id"], ack["kind"])

    def accepts_token(self, candidate: str) -> bool:
        static = hmac.compare_digest(candidate.encode("utf-8"), self.token.encode("utf-8"))
        return static or self.oauth.accepts_access_token(candidate)

    def revoke_sessions(self) -> int:
        """Revoke every OAuth sign-in of the user (their tokens stop working at once);
        returns how many were active. The static token is not affected."""
        return self.oauth.revoke_all()

    def is_own_origin(self, url: str) -> bool:
        mine = origin_of(self.url)
        if mine is None:
            return False
        theirs = origin_of(url)
        return theirs in (mine, ("http", "localhost", mine[2]))

    def dispatch(self, request: Request) -> Response:
        return routes.dispatch(self, request)

    # --- internals ---------------------------------------------------------------------

    def _seed_if_empty(self, scenario: dict[str, Any], *, given: bool) -> None:
        if not self._store.is_empty():
            if given:
                log.info("The database already holds data; the scenario is not applied")
            return
        rows = seed_rows(scenario, self.now())
        self._store.seed(scenario["user"], scenario["warning_window_days"], rows)

    def _changed(self) -> None:
        if self.mailer is not None and self._http is not None:
            self.mailer.check_soon()

    def _contract_entry(self, row: dict[str, Any], offers: dict[str, dict]) -> dict[str, Any]:
        entry = {**row, "reconnect_url": f"{self.external_apps_url}#{row['id']}"}
        offer = offers.get(row["id"])
        if offer is not None:
            entry["native_connect"] = {**offer, "grant_url": self.url + grant_path(row["id"])}
        return entry


# --- command line ----------------------------------------------------------------------

def _port_number(text: str) -> int:
    if not text.isdigit() or int(text) > 65535:
        raise argparse.ArgumentTypeError(f"'{text}' is not a port number from 0 to 65535")
    return int(text)


def _parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python main.py demo-server",
        description="Run the built-in demo intranet alone on 127.0.0.1.",
    )
    parser.add_argument("--port", type=_port_number, default=0,
                        help="port to listen on (default: any free port)")
    parser.add_argument("--token", help="bearer token to accept (default: a random one)")
    parser.add_argument("--scenario", metavar="FILE",
                        help="JSON scenario to seed (format: tray_app/demo/scenario.py)")
    parser.add_argument("--db", metavar="FILE",
                        help="SQLite file that keeps the data across restarts")
    parser.add_argument("--access-token-seconds", type=_positive_seconds,
                        default=DEFAULT_ACCESS_TOKEN_SECONDS, metavar="N",
                        help="lifetime of the access tokens its OAuth server issues "
                             f"(default {DEFAULT_ACCESS_TOKEN_SECONDS})")
    parser.add_argument("--smtp", type=_smtp_address, metavar="HOST:PORT",
                        help="email each new notice to the user through this SMTP server "
                             "on loopback, plain and without authentication (default: none)")
    return parser.parse_args(argv)


def _smtp_address(text: str) -> tuple[str, int]:
    try:
        return parse_smtp_address(text)
    except SmtpAddressError as problem:
        raise argparse.ArgumentTypeError(str(problem)) from None


def _positive_seconds(text: str) -> int:
    if not text.isdigit() or not 1 <= int(text) <= 86400:
        raise argparse.ArgumentTypeError(f"'{text}' is not a number of seconds from 1 to 86400")
    return int(text)


def _listen_failure(port: int, problem: OSError) -> str:
    if problem.errno == errno.EADDRINUSE:
        return (f"Port {port} on {HOST} is already in use; choose another with --port, "
                "or --port 0 for any free port.")
    if problem.errno == errno.EACCES:
        return f"Not allowed to listen on port {port}; choose a port above 1023."
    return f"Cannot listen on {HOST}:{port}: {problem.strerror or problem}."


def _print_banner(demo: DemoIntranet) -> None:
    print(f"Demo intranet: {demo.url}", flush=True)
    print(f"Bearer token: {demo.token}", flush=True)
    print(f"External apps: {demo.external_apps_url}", flush=True)
    print(f"Admin page: {demo.url}{ADMIN_PATH}", flush=True)
    lifetime = int(demo.oauth.access_token_lifetime.total_seconds())
    print(f"OAuth sign-in: {demo.url}{DISCOVERY_PATH} "
          f"(access tokens last {lifetime} s)", flush=True)
    if demo.mailer is not None:
        print(f"Notice emails: SMTP at {demo.mailer.where}", flush=True)
    print("Press Ctrl-C to stop.", flush=True)


def _configure_logging() -> None:
    if not logging.getLogger().handlers:
        logging.basicConfig(
            level=logging.INFO,
            stream=sys.stderr,
            format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        )


def _refuse(sentence: str) -> int:
    print(sentence, file=sys.stderr, flush=True)
    return 1


def _create(args: argparse.Namespace) -> DemoIntranet:
    scenario = load_scenario(args.scenario) if args.scenario else None
    return DemoIntranet(port=args.port, token=args.token, scenario=scenario, db_path=args.db,
                        access_token_seconds=args.access_token_seconds, smtp=args.smtp)


def _interrupt(signum: int, frame: FrameType | None) -> None:
    raise KeyboardInterrupt


def _stop_on_sigterm() -> Callable[[], None]:
    """SIGTERM (what `kill` and DemoProcess.stop send) stops the server as Ctrl-C does;
    returns what puts the previous handler back."""
    if threading.current_thread() is not threading.main_thread():
        return lambda: None
    previous = signal.signal(signal.SIGTERM, _interrupt)
    return lambda: signal.signal(signal.SIGTERM, previous)


def run(argv: list[str] | None = None) -> int:
    """`demo-server [--port N] [--token T] [--scenario FILE] [--db FILE]
    [--access-token-seconds N] [--smtp HOST:PORT]`; 0, 1 or 2."""
    args = _parse_args(argv)
    _configure_logging()
    if args.smtp is not None:
        i18n.use_machine_english()  # the notice emails: the same words whatever the desktop
    restore_sigterm = _stop_on_sigterm()
    try:
        return _serve(args)
    except KeyboardInterrupt:  # interrupted while still starting
        print("Demo intranet stopped.", flush=True)
        return 0
    finally:
        restore_sigterm()


def _serve(args: argparse.Namespace) -> int:
    try:
        demo = _create(args)
    except ScenarioError as problem:
        return _refuse(str(problem))
    except sqlite3.Error as problem:
        return _refuse(f"Cannot use the database file {args.db}: {problem}.")
    try:
        demo.start()
    except OSError as problem:
        demo.stop()
        return _refuse(_listen_failure(args.port, problem))
    try:
        _print_banner(demo)
        demo.serve_forever()
    except KeyboardInterrupt:
        demo.stop()
    print("Demo intranet stopped.", flush=True)
    return 0
