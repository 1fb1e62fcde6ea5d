"""A small Dropbox stand-in over TLS for the native reconnect tests.

Serves what the dropbox SDK calls, on one 127.0.0.1 port that DROPBOX_WEB_HOST and
DROPBOX_API_HOST both name (the SDK reads them when it is imported):
- GET /oauth2/authorize: checks the request (app key, loopback redirect URI, PKCE S256,
  token_access_type=offline, a state) and shows a sign-in form whose `login` field
  oidc_harness.BrowserDriver fills in; login "nobody" means the person pressed Cancel;
- POST /oauth2/authorize/decide: redirects to the redirect URI with a one-time code (or
  error=access_denied) and the state;
- POST /oauth2/token: redeems the code once, checking the PKCE verifier and redirect
  URI, and answers as Dropbox does (short-lived access token, refresh token, account_id);
- POST /2/users/get_current_account: the FullAccount of the token's person.

`issued` holds every token handed out, for the tests to search the disk and log for.
"""

from __future__ import annotations

import base64
import hashlib
import secrets
import ssl
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from html import escape
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit

import pytest
import trustme
from fakeserver import FakeServer, RecordedRequest, Reply

APP_KEY = "companion-dropbox-app"
DOMAIN = "example.test"


@dataclass
class _Code:
    challenge: str
    redirect_uri: str
    login: str


@dataclass
class DropboxStandIn:
    server: FakeServer
    ca_path: Path
    app_key: str = APP_KEY
    issued: set[str] = field(default_factory=set)
    token_requests: list[dict[str, str]] = field(default_factory=list)
    _codes: dict[str, _Code] = field(default_factory=dict)
    _people: dict[str, str] = field(default_factory=dict)  # access token -> login
    _lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def host(self) -> str:
        return f"127.0.0.1:{self.server.port}"

    def environment(self) -> dict[str, str]:
        """What a process needs to reach this stand-in through the SDK."""
        return {"DROPBOX_API_HOST": self.host, "DROPBOX_WEB_HOST": self.host,
                "DROPBOX_API_CONTENT_HOST": self.host, "DROPBOX_API_NOTIFY_HOST": self.host,
                "REQUESTS_CA_BUNDLE": str(self.ca_path)}

    def install(self) -> None:
        self.server.respond("GET", "/oauth2/authorize", self._authorize)
        self.server.respond("POST", "/oauth2/authorize/decide", self._decide)
        self.server.respond("POST", "/oauth2/token", self._token)
        self.server.respond("POST", "/2/users/get_current_account", self._current_account)

    # --- the web pages -------------------------------------------------------------------

    def _authorize(self, request: RecordedRequest) -> Reply:
        query = dict(parse_qsl(request.query))
        problem = self._authorize_problem(query)
        if problem:
            return Reply.text(problem, status=400)
        hidden = "".join(f'<input type="hidden" name="{escape(k)}" value="{escape(v)}">'
                         for k, v in query.items())
        page = ('<!doctype html><title>Dropbox stand-in</title><form method="post" '
                f'action="/oauth2/authorize/decide">{hidden}<input name="login" value="">'
                '<button>Allow</button></form>')
        return Reply.text(page, content_type="text/html")

    def _authorize_problem(self, query: dict[str, str]) -> str | None:
        redirect = urlsplit(query.get("redirect_uri", ""))
        checks = {
            "response_type must be code": query.get("response_type") == "code",
            "unknown app key": query.get("client_id") == self.app_key,
            "redirect_uri must be a loopback address": redirect.scheme == "http"
            and redirect.hostname in ("localhost", "127.0.0.1"),
            "PKCE S256 is required": query.get("code_challenge_method") == "S256"
            and bool(query.get("code_challenge")),
            "token_access_type must be offline": query.get("token_access_type") == "offline",
            "state is required": bool(query.get("state")),
        }
        return next((problem for problem, passed in checks.items() if not passed), None)

    def _decide(self, request: RecordedRequest) -> Reply:
        form = dict(parse_qsl(request.body.decode()))
        redirect, state = form["redirect_uri"], form["state"]
        if form.get("login") == "nobody":
            answer = {"error": "access_denied", "error_description": "The user said no",
                      "state": state}
        else:
            code = secrets.token_urlsafe(24)
            with self._lock:
                self._codes[code] = _Code(form["code_challenge"], redirect, form["login"])
            answer = {"code": code, "state": state}
        return Reply.redirect(f"{redirect}?{urlencode(answer)}")

    # --- the API ----------------------------------------------------------------------------

    def _token(self, request: RecordedRequest) -> Reply:
        form = dict(parse_qsl(request.body.decode()))
        self.token_requests.append({k: v for k, v in form.items() if k != "code_verifier"})
        with self._lock:
            code = self._codes.pop(form.get("code", ""), None)
        if code is None or form.get("grant_type") != "authorization_code" \
                or form.get("client_id") != self.app_key \
                or form.get("redirect_uri") != code.redirect_uri \
                or _s256(form.get("code_verifier", "")) != code.challenge:
            return Reply.json({"error": "invalid_grant",
                               "error_description": "code doesn't exist or has expired"},
                              status=400)
        access, refresh = f"sl.{secrets.token_urlsafe(48)}", secrets.token_urlsafe(48)
        with self._lock:
            self.issued |= {access, refresh}
            self._people[access] = code.login
        return Reply.json({
            "access_token": access, "token_type": "bearer", "expires_in": 14400,
            "refresh_token": refresh, "scope": "account_info.read files.content.read",
            "uid": "12345", "account_id": account_id(code.login)})

    def _current_account(self, request: RecordedRequest) -> Reply:
        token = (request.headers["Authorization"] or "").removeprefix("Bearer ")
        with self._lock:
            login = self._people.get(token)
        if login is None:
            return Reply.json({"error_summary": "invalid_access_token/",
                               "error": {".tag": "invalid_access_token"}}, status=401)
        return Reply.json(full_account(login))


def _s256(verifier: str) -> str:
    digest = hashlib.sha256(verifier.encode()).digest()
    return base64.urlsafe_b64encode(digest).decode().rstrip("=")


def account_id(login: str) -> str:
    """A Dropbox account id: "dbid:" and 35 more characters."""
    return "dbid:" + hashlib.sha256(login.encode()).hexdigest()[:35]


def full_account(login: str) -> dict[str, Any]:
    name = login.capitalize()
    return {
        "account_id": account_id(login),
        "name": {"given_name": name, "surname": "Tester", "familiar_name": name,
                 "display_name": f"{name} Tester", "abbreviated_name": name[:1] + "T"},
        "email": f"{login}@{DOMAIN}", "email_verified": True, "disabled": False,
        "country": "DE", "locale": "en", "referral_link": "https://db.tt/standin",
        "is_paired": False, "account_type": {".tag": "basic"},
        "root_info": {".tag": "user", "root_namespace_id": "3235641",
                      "home_namespace_id": "3235641"},
    }


def tls_context(directory: Path) -> tuple[ssl.SSLContext, Path]:
    """A server context for 127.0.0.1 from a fresh trustme CA, and the CA's file."""
    authority = trustme.CA()
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    authority.issue_cert("127.0.0.1").configure_cert(context)
    ca_path = directory / "dropbox-ca.pem"
    authority.cert_pem.write_to_path(str(ca_path))
    return context, ca_path


def start_standin(directory: Path) -> DropboxStandIn:
    context, ca_path = tls_context(directory)
    standin = DropboxStandIn(FakeServer(tls=context), ca_path)
    standin.install()
    return standin


@pytest.fixture(name="dropbox")
def dropbox_fixture(tmp_path: Path) -> Iterator[DropboxStandIn]:
    """A started stand-in, closed after the test (import it into a test module)."""
    standin = start_standin(tmp_path)
    try:
        yield standin
    finally:
        standin.server.close()
