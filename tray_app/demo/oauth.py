"""The demo intranet's OAuth 2.0 authorization server (intranet-api.md, "Signing in").

RFC 8414 discovery, an authorize page with Approve and Deny, a token endpoint with PKCE
S256 verification (RFC 7636), single-use short-lived codes, refresh token rotation, RFC
7009 revocation, and a way for the admin to revoke every sign-in of the user. The one
client it knows is the public client `intranet-companion`; redirect URIs must be the
loopback `http://127.0.0.1:<any port>/callback` of RFC 8252.

Tokens and codes are kept only as SHA-256 hashes, in memory: restarting the demo signs
everyone out. Nothing here logs a token or a code.
"""

from __future__ import annotations

import base64
import hashlib
import logging
import re
import secrets
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs, urlencode

import tray_app.demo.pages as pages
from tray_app.demo.guards import form_fields, json_body, require_bearer, require_own_origin
from tray_app.demo.web import (
    HttpError,
    Request,
    Response,
    html_response,
    json_response,
    see_other,
)

if TYPE_CHECKING:
    from tray_app.demo.server import DemoIntranet

log = logging.getLogger("tray_app.demo")

CLIENT_ID = "intranet-companion"
SCOPE = "read"
DISCOVERY_PATH = "/.well-known/oauth-authorization-server"
AUTHORIZE_PATH = "/oauth/authorize"
TOKEN_PATH = "/oauth/token"
REVOKE_PATH = "/oauth/revoke"
CODE_LIFETIME = timedelta(seconds=60)
DEFAULT_ACCESS_TOKEN_SECONDS = 60
_LOOPBACK_REDIRECT = re.compile(r"^http://127\.0\.0\.1:([1-9][0-9]{0,4})/callback$")
_PKCE_VALUE = re.compile(r"^[A-Za-z0-9._~-]{43,128}$")
_FORM_TYPE = "application/x-www-form-urlencoded"
_AUTHORIZE_FIELDS = ("response_type", "client_id", "redirect_uri", "scope", "state",
                     "code_challenge", "code_challenge_method", "access_type")


class OAuthError(Exception):
    """An RFC 6749 error answer: `{"error": code, "error_description": text}`."""

    def __init__(self, code: str, description: str, status: int = 400) -> None:
        super().__init__(description)
        self.code = code
        self.description = description
        self.status = status

    def response(self) -> Response:
        body = {"error": self.code, "error_description": self.description}
        return json_response(self.status, body, _NO_STORE)


_NO_STORE = {"Cache-Control": "no-store", "Pragma": "no-cache"}


@dataclass
class _Code:
    redirect_uri: str
    challenge: str
    expires_at: datetime
    used: bool = False
    session: str | None = None  # set once redeemed, so a second redemption can revoke it


@dataclass
class _Session:
    """One sign-in: the current refresh token, its rotated predecessors, access tokens."""

    refresh_hash: str
    access: dict[str, datetime] = field(default_factory=dict)  # hash -> expiry
    rotated: set[str] = field(default_factory=set)
    revoked: bool = False


def _hash(value: str) -> str:
    return hashlib.sha256(value.encode("utf-8")).hexdigest()


def s256(verifier: str) -> str:
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


class OAuthServer:
    """The authorization server's state; thread-safe (requests arrive on many threads)."""

    def __init__(self, clock: Callable[[], datetime],
                 access_token_seconds: int = DEFAULT_ACCESS_TOKEN_SECONDS) -> None:
        if access_token_seconds < 1:
            raise ValueError("access tokens must last at least one second")
        self.access_token_lifetime = timedelta(seconds=access_token_seconds)
        self.grants: dict[str, int] = {"authorization_code": 0, "refresh_token": 0}
        self._clock = clock
        self._lock = threading.Lock()
        self._codes: dict[str, _Code] = {}
        self._sessions: dict[str, _Session] = {}

    # --- what the API and the admin use ----------------------------------------------

    def accepts_access_token(self, candidate: str) -> bool:
        wanted = _hash(candidate)
        now = self._clock()
        with self._lock:
            for session in self._sessions.values():
                expires_at = session.access.get(wanted)
                if expires_at is not None:
                    return expires_at > now and not session.revoked
        return False

    def revoke_all(self) -> int:
        """Revoke every sign-in; returns how many were active."""
        with self._lock:
            active = [s for s in self._sessions.values() if not s.revoked]
            for session in active:
                session.revoked = True
        log.info("Revoked %d sign-in session(s)", len(active))
        return len(active)

    def active_sessions(self) -> int:
        with self._lock:
            return sum(1 for session in self._sessions.values() if not session.revoked)

    # --- authorization codes ------------------------------------------------------------

    def issue_code(self, redirect_uri: str, challenge: str) -> str:
        code = secrets.token_urlsafe(32)
        with self._lock:
            self._forget_expired_codes()
            self._codes[_hash(code)] = _Code(redirect_uri, challenge,
                                             self._clock() + CODE_LIFETIME)
        return code

    def redeem_code(self, code: str, redirect_uri: str, verifier: str | None) -> dict[str, Any]:
        with self._lock:
            record = self._codes.get(_hash(code))
            if record is None:
                raise OAuthError("invalid_grant", "The authorization code is not valid.")
            if record.used:
                # RFC 6749 4.1.2: a code used twice revokes what it gave.
                if record.session in self._sessions:
                    self._sessions[record.session].revoked = True
                raise OAuthError("invalid_grant", "The authorization code was already used.")
            record.used = True  # any attempt uses it up, right or wrong
            self._check_code(record, redirect_uri, verifier)
            session_id, tokens = self._new_session()
            record.session = session_id
            self.grants["authorization_code"] += 1
        log.info("Signed in: new session %s", session_id[:8])
        return tokens

    def _check_code(self, record: _Code, redirect_uri: str, verifier: str | None) -> None:
        if record.expires_at <= self._clock():
            raise OAuthError("invalid_grant", "The authorization code has expired.")
        if redirect_uri != record.redirect_uri:
            raise OAuthError("invalid_grant", "The redirect_uri does not match the one "
                             "the code was issued for.")
        if not verifier or not _PKCE_VALUE.match(verifier):
            raise OAuthError("invalid_grant", "A PKCE code_verifier is required.")
        if not secrets.compare_digest(s256(verifier), record.challenge):
            raise OAuthError("invalid_grant", "The code_verifier does not match the "
                             "code_challenge.")

    def _forget_expired_codes(self) -> None:
        now = self._clock()
        self._codes = {k: c for k, c in self._codes.items()
                       if c.expires_at > now - CODE_LIFETIME}

    # --- tokens -----------------------------------------------------------------------

    def refresh(self, refresh_token: str) -> dict[str, Any]:
        wanted = _hash(refresh_token)
        with self._lock:
            for session_id, session in self._sessions.items():
                if wanted == session.refresh_hash and not session.revoked:
                    tokens = self._rotate(session)
                    self.grants["refresh_token"] += 1
                    log.info("Refreshed session %s (refresh token rotated)", session_id[:8])
                    return tokens
        raise OAuthError("invalid_grant", "The refresh token is not valid: it was revoked, "
                         "or replaced by a newer one.")

    def revoke_token(self, token: str) -> None:
        """RFC 7009: revoking either token of a sign-in ends the whole sign-in."""
        wanted = _hash(token)
        with self._lock:
            for session in self._sessions.values():
                if wanted == session.refresh_hash or wanted in session.access:
                    session.revoked = True
                    log.info("A sign-in was revoked by its client")

    def _new_session(self) -> tuple[str, dict[str, Any]]:
        session_id = secrets.token_hex(8)
        session = _Session(refresh_hash="")
        self._sessions[session_id] = session
        return session_id, self._rotate(session)

    def _rotate(self, session: _Session) -> dict[str, Any]:
        access_token = secrets.token_urlsafe(32)
        refresh_token = secrets.token_urlsafe(48)
        now = self._clock()
        if session.refresh_hash:
            session.rotated.add(session.refresh_hash)
        session.refresh_hash = _hash(refresh_token)
        session.access = {h: t for h, t in session.access.items() if t > now}
        session.access[_hash(access_token)] = now + self.access_token_lifetime
        return {
            "access_token": access_token,
            "token_type": "Bearer",
            "expires_in": int(self.access_token_lifetime.total_seconds()),
            "refresh_token": refresh_token,
            "scope": SCOPE,
        }


# --- request checks -------------------------------------------------------------------


@dataclass(frozen=True)
class AuthorizeRequest:
    redirect_uri: str
    state: str | None
    code_challenge: str

    def redirect(self, **params: str) -> Response:
        if self.state is not None:
            params["state"] = self.state
        return see_other(f"{self.redirect_uri}?{urlencode(params)}")


class _RedirectableError(Exception):
    """An authorization error to send back to the (valid) redirect URI."""

    def __init__(self, request: AuthorizeRequest, code: str, description: str) -> None:
        super().__init__(description)
        self.response = request.redirect(error=code, error_description=description)


def _checked_authorize(fields: dict[str, str]) -> AuthorizeRequest:
    """The request when valid. Client and redirect URI problems raise HttpError (shown
    to the person, never redirected: RFC 6749 4.1.2.1); others _RedirectableError."""
    if fields.get("client_id") != CLIENT_ID:
        raise HttpError(400, f"Unknown client. The demo intranet only knows '{CLIENT_ID}'.")
    redirect_uri = fields.get("redirect_uri", "")
    found = _LOOPBACK_REDIRECT.match(redirect_uri)
    if found is None or int(found.group(1)) > 65535:
        raise HttpError(400, "The redirect_uri must be http://127.0.0.1:<port>/callback.")
    state = fields.get("state")
    request = AuthorizeRequest(redirect_uri, state, fields.get("code_challenge", ""))
    if state is not None and len(state) > 512:
        raise _RedirectableError(request, "invalid_request", "The state is too long.")
    if fields.get("response_type") != "code":
        raise _RedirectableError(request, "unsupported_response_type",
                                 "Only response_type=code is supported.")
    if fields.get("code_challenge_method") != "S256" or not _PKCE_VALUE.match(
            request.code_challenge):
        raise _RedirectableError(request, "invalid_request",
                                 "PKCE is required: code_challenge with code_challenge_method "
                                 "S256.")
    if set(fields.get("scope", SCOPE).split()) - {SCOPE}:
        raise _RedirectableError(request, "invalid_scope", "Only the scope 'read' exists.")
    return request


def _single_values(text: str) -> dict[str, str]:
    try:
        fields = parse_qs(text, keep_blank_values=True, max_num_fields=20, strict_parsing=False)
    except ValueError:
        raise HttpError(400, "Too many parameters.") from None
    return {name: values[0] for name, values in fields.items()}


def _form(request: Request) -> dict[str, str]:
    media_type = (request.header("Content-Type") or "").split(";", 1)[0].strip().lower()
    if media_type != _FORM_TYPE:
        raise OAuthError("invalid_request", f"Send the parameters as {_FORM_TYPE}.")
    try:
        return _single_values(request.body.decode("utf-8"))
    except UnicodeDecodeError:
        raise OAuthError("invalid_request", "The form is not UTF-8 text.") from None


def _check_client(fields: dict[str, str]) -> None:
    if fields.get("client_id") != CLIENT_ID:
        raise OAuthError("invalid_client", f"Unknown client. The demo intranet only knows "
                         f"'{CLIENT_ID}'.", status=401)


# --- endpoints --------------------------------------------------------------------------


def discovery(demo: DemoIntranet, request: Request) -> Response:
    return json_response(200, {
        "issuer": demo.url,
        "authorization_endpoint": demo.url + AUTHORIZE_PATH,
        "token_endpoint": demo.url + TOKEN_PATH,
        "revocation_endpoint": demo.url + REVOKE_PATH,
        "response_types_supported": ["code"],
        "grant_types_supported": ["authorization_code", "refresh_token"],
        "code_challenge_methods_supported": ["S256"],
        "scopes_supported": [SCOPE],
        "token_endpoint_auth_methods_supported": ["none", "client_secret_post"],
        "revocation_endpoint_auth_methods_supported": ["none", "client_secret_post"],
    })


def _authorize_or_refusal(fields: dict[str, str]) -> AuthorizeRequest | Response:
    """The checked request, or the answer that refuses it (a redirect where RFC 6749
    allows one, else an error page)."""
    try:
        return _checked_authorize(fields)
    except _RedirectableError as refused:
        return refused.response
    except HttpError as refused:
        return html_response(pages.sign_in_error_page(refused.message), status=400)


def authorize_page(demo: DemoIntranet, request: Request) -> Response:
    fields = _single_values(request.query)
    authorize = _authorize_or_refusal(fields)
    if isinstance(authorize, Response):
        return authorize
    user = demo.integration_list()["user"]
    hidden = {name: fields[name] for name in _AUTHORIZE_FIELDS if name in fields}
    page = pages.authorize_page(user, demo.url + AUTHORIZE_PATH, hidden)
    # Approve ends in a redirect to the loopback URI, which form-action must allow.
    origin = authorize.redirect_uri.removesuffix("/callback")
    return html_response(page, form_action=f"'self' {origin}")


def authorize_decision(demo: DemoIntranet, request: Request) -> Response:
    require_own_origin(demo, request)
    fields = form_fields(request)
    authorize = _authorize_or_refusal(fields)
    if isinstance(authorize, Response):
        return authorize
    if fields.get("decision") != "approve":
        log.info("Sign-in denied on the authorize page")
        return authorize.redirect(error="access_denied",
                                  error_description="The user denied the sign-in.")
    code = demo.oauth.issue_code(authorize.redirect_uri, authorize.code_challenge)
    log.info("Sign-in approved on the authorize page")
    return authorize.redirect(code=code)


def token(demo: DemoIntranet, request: Request) -> Response:
    try:
        fields = _form(request)
        _check_client(fields)
        grant_type = fields.get("grant_type")
        if grant_type == "authorization_code":
            tokens = demo.oauth.redeem_code(fields.get("code", ""),
                                            fields.get("redirect_uri", ""),
                                            fields.get("code_verifier"))
        elif grant_type == "refresh_token":
            tokens = demo.oauth.refresh(fields.get("refresh_token", ""))
        else:
            raise OAuthError("unsupported_grant_type",
                             "Use grant_type authorization_code or refresh_token.")
    except OAuthError as refused:
        log.info("Token request refused: %s", refused.code)
        return refused.response()
    return json_response(200, tokens, _NO_STORE)


def revoke(demo: DemoIntranet, request: Request) -> Response:
    try:
        fields = _form(request)
        _check_client(fields)
    except OAuthError as refused:
        return refused.response()
    demo.oauth.revoke_token(fields.get("token", ""))
    return Response(200, headers=_NO_STORE)  # also for unknown tokens (RFC 7009 2.2)


def admin_revoke_form(demo: DemoIntranet, request: Request) -> Response:
    require_own_origin(demo, request)
    demo.revoke_sessions()
    return see_other(pages.ADMIN_PATH)


def admin_revoke_api(demo: DemoIntranet, request: Request) -> Response:
    require_bearer(demo, request)
    body = json_body(request)
    if not isinstance(body, dict) or body.get("action") != "revoke":
        raise HttpError(400, "The body must be {\"action\": \"revoke\"}.")
    return json_response(200, {"revoked": demo.revoke_sessions()})
