"""The `oauth` sign-in method: the intranet's own OAuth 2.0 server, as intranet-api.md
("Signing in") and RFC 8252 want a native app to use it.

Sign-in: endpoints from RFC 8414 discovery (policy may override them), the system
browser, the shared loopback receiver on 127.0.0.1 (loopback.py: only the answer with our
`state` counts), PKCE S256 and a random `state`. Afterwards the provider hands out the
access token silently, refreshing it when it has expired and once more after a 401, and
keeps the newest refresh token (rotation). The tokens live only in the SecretStore, as
one JSON record per intranet.
"""

from __future__ import annotations

import base64
import hashlib
import json
import logging
import re
import secrets
import threading
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode, urljoin, urlsplit

from tray_app.core import messages
from tray_app.core.auth.base import OpenBrowser, Say
from tray_app.core.config import Config
from tray_app.core.errors import CompanionError, ConfigError, ErrorKind, SignInNeeded
from tray_app.core.logs import register_secret
from tray_app.core.secrets import SecretStore
from tray_app.core.urls import allowed_origin

if TYPE_CHECKING:
    from tray_app.core.client import FormAnswer, IntranetClient

log = logging.getLogger(__name__)

DISCOVERY_PATH = "/.well-known/oauth-authorization-server"
DEFAULT_AUTHORIZATION_PATH = "/oauth/authorize"
DEFAULT_TOKEN_PATH = "/oauth/token"
CALLBACK_PATH = "/callback"
SCOPE = "read"
SIGN_IN_TIMEOUT_SECONDS = 300.0
# An access token is treated as expired this long before the server says, so it does not
# run out between being handed out and being used (a tenth of its life, at most a minute).
MAX_EXPIRY_MARGIN_SECONDS = 60.0
_ERROR_CODE = re.compile(r"^[a-z_]{1,40}$")
_RECORD_VERSION = 1
_RECORD_FIELDS = ("intranet_url", "client_id", "token_endpoint", "revocation_endpoint",
                  "access_token", "expires_at", "refresh_token")
# One refresh at a time in this process: the tray's check and its "Sign in…" may overlap.
_REFRESH_LOCK = threading.Lock()


@dataclass(frozen=True)
class Endpoints:
    authorization: str
    token: str
    revocation: str | None = None


@dataclass(frozen=True)
class TokenRecord:
    """What one sign-in keeps in the SecretStore."""

    intranet_url: str
    client_id: str
    token_endpoint: str
    revocation_endpoint: str | None
    access_token: str
    expires_at: float | None  # epoch seconds, margin already taken off; None: unknown
    refresh_token: str | None

    def is_fresh(self, now: float) -> bool:
        return self.expires_at is None or now < self.expires_at

    def to_text(self) -> str:
        return json.dumps({"version": _RECORD_VERSION, **asdict(self)})

    @classmethod
    def from_text(cls, text: str) -> TokenRecord | None:
        """The record `to_text` wrote; None for anything else (the store holds any bytes)."""
        try:
            data = json.loads(text)
        except (ValueError, RecursionError):
            return None
        if not isinstance(data, dict) or data.get("version") != _RECORD_VERSION:
            return None
        fields = {name: data.get(name) for name in _RECORD_FIELDS}
        texts = ("intranet_url", "client_id", "token_endpoint", "access_token")
        optional = ("revocation_endpoint", "refresh_token")
        expires_at = fields["expires_at"]
        if not all(isinstance(fields[name], str) and fields[name] for name in texts) \
                or not all(fields[name] is None or isinstance(fields[name], str)
                           for name in optional) \
                or not (expires_at is None or (isinstance(expires_at, int | float)
                                               and not isinstance(expires_at, bool))):
            return None
        return cls(**fields)


class OAuthSignIn:
    """The `oauth` SignInMethod for one configuration and secret store."""

    name = "oauth"

    def __init__(
        self,
        config: Config,
        secrets_store: SecretStore,
        *,
        timeout_seconds: float = SIGN_IN_TIMEOUT_SECONDS,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._config = config
        self._secrets = secrets_store
        self._timeout = timeout_seconds
        self._clock = clock
        self._cancelled = threading.Event()

    # --- the SignInMethod interface ---------------------------------------------------

    def sign_in(self, open_browser: OpenBrowser, say: Say) -> None:
        intranet_url = self._config.intranet_url()
        endpoints = self.endpoints(intranet_url)
        verifier = secrets.token_urlsafe(64)
        state = secrets.token_urlsafe(24)
        register_secret(verifier)
        try:
            answer, redirect_uri = self._browser_answer(endpoints, state, verifier, open_browser,
                                                        say)
            code = self._code_from(answer, state, intranet_url)
            fields = {"grant_type": "authorization_code", "code": code,
                      "redirect_uri": redirect_uri, "code_verifier": verifier}
            body = self._token_request(endpoints.token, self._client_id(), fields,
                                       refreshing=False)
            record = self._record_from(body, intranet_url, endpoints.token, endpoints.revocation)
            if self._cancelled.is_set():  # cancelled while the code was being redeemed
                raise SignInNeeded(messages.sign_in_cancelled())
            self._save(record)
        finally:
            self._cancelled.clear()  # only now: a cancel() that came early still counts
        log.info("Signed in to %s with the intranet's OAuth server", intranet_url)

    def _browser_answer(
        self, endpoints: Endpoints, state: str, verifier: str, open_browser: OpenBrowser,
        say: Say,
    ) -> tuple[dict[str, str] | None, str]:
        """The answer brought back to the loopback receiver (None: timeout or cancelled),
        and the redirect URI it came to."""
        from tray_app.core.auth.loopback import LoopbackReceiver  # http.server: sign-in only

        port = self._config.get("oauth_redirect_port")
        with LoopbackReceiver(state, port=port, path=CALLBACK_PATH) as receiver:
            redirect_uri = receiver.redirect_uri()
            url = self._authorization_url(endpoints, redirect_uri, state, verifier)
            say(messages.sign_in_in_browser_at(_host(self._config.intranet_url())))
            if open_browser(url) is False:
                say(messages.no_browser_open_yourself(url))
            return receiver.wait(self._timeout, self._cancelled), redirect_uri

    def provider(self) -> OAuthTokens:
        return OAuthTokens(self)

    def sign_out(self) -> None:
        """Revoke at the server where it offers that (best effort), then forget."""
        intranet_url = self._config.intranet_url()
        record = self.load_record(intranet_url)
        if record is not None and record.revocation_endpoint:
            self._revoke(record)
        self._secrets.delete(secret_name(intranet_url))

    def cancel(self) -> None:
        """Stop a sign-in that is waiting for the browser or redeeming its code (from
        another thread); it then raises SignInNeeded(messages.sign_in_cancelled())."""
        self._cancelled.set()

    # --- endpoints ----------------------------------------------------------------------

    def endpoints(self, intranet_url: str) -> Endpoints:
        authorization = self._config.get("oauth_authorization_endpoint")
        token = self._config.get("oauth_token_endpoint")
        announced: dict[str, Any] = {}
        if not (authorization and token):
            announced = self._discover(intranet_url)
        revocation = announced.get("revocation_endpoint")
        return Endpoints(
            authorization=_checked_endpoint(
                intranet_url, authorization or announced.get("authorization_endpoint")
                or DEFAULT_AUTHORIZATION_PATH, "authorization"),
            token=_checked_endpoint(
                intranet_url, token or announced.get("token_endpoint") or DEFAULT_TOKEN_PATH,
                "token"),
            revocation=_checked_endpoint(intranet_url, revocation, "revocation")
            if isinstance(revocation, str) and revocation else None,
        )

    def _discover(self, intranet_url: str) -> dict[str, Any]:
        """RFC 8414 metadata, or {} when the intranet does not serve it."""
        client = self._client(intranet_url)
        try:
            answer = client.get_public_json(intranet_url + DISCOVERY_PATH)
        finally:
            client.close()
        if answer.status != 200 or answer.body is None:
            log.debug("No OAuth discovery document (HTTP %s); using the default paths",
                      answer.status)
            return {}
        return {key: value for key, value in answer.body.items() if isinstance(value, str)}

    # --- the authorization request and its answer ---------------------------------------

    def _client_id(self) -> str:
        return str(self._config.get("oauth_client_id")) or "intranet-companion"

    def _authorization_url(
        self, endpoints: Endpoints, redirect_uri: str, state: str, verifier: str
    ) -> str:
        params = {
            "response_type": "code",
            "client_id": self._client_id(),
            "redirect_uri": redirect_uri,
            "scope": SCOPE,
            "state": state,
            "code_challenge": pkce_challenge(verifier),
            "code_challenge_method": "S256",
            "access_type": "offline",
        }
        joiner = "&" if "?" in endpoints.authorization else "?"
        return endpoints.authorization + joiner + urlencode(params)

    def _code_from(self, answer: dict[str, str] | None, state: str, intranet_url: str) -> str:
        host = _host(intranet_url)
        if answer is None:
            if self._cancelled.is_set():
                raise SignInNeeded(messages.sign_in_cancelled())
            minutes = max(1, round(self._timeout / 60))
            raise CompanionError(ErrorKind.AUTH, messages.oauth_timed_out(host, minutes))
        if not secrets.compare_digest(answer.get("state", ""), state):
            raise CompanionError(ErrorKind.AUTH, messages.oauth_state_mismatch())
        error = answer.get("error")
        if error == "access_denied":
            raise CompanionError(ErrorKind.AUTH, messages.oauth_access_denied(host))
        if error:
            shown = error if _ERROR_CODE.match(error) else messages.oauth_an_error()
            raise CompanionError(ErrorKind.AUTH, messages.oauth_refused(host, shown))
        code = answer.get("code", "")
        if not code:
            raise CompanionError(ErrorKind.PROTOCOL, messages.oauth_no_code(host))
        register_secret(code)
        return code

    # --- the token endpoint --------------------------------------------------------------

    def _client(self, url: str) -> IntranetClient:
        from tray_app.core.client import IntranetClient  # HTTP: not to read a stored token

        parts = urlsplit(url)
        return IntranetClient(
            f"{parts.scheme}://{parts.netloc}",
            connect_timeout=self._config.get("connect_timeout_seconds"),
            read_timeout=self._config.get("read_timeout_seconds"),
        )

    def _token_request(
        self, token_endpoint: str, client_id: str, fields: Mapping[str, str], *, refreshing: bool
    ) -> dict[str, Any]:
        form = {**fields, "client_id": client_id}
        client_secret = self._config.get("oauth_client_secret")
        if client_secret:
            form["client_secret"] = client_secret
        client = self._client(token_endpoint)
        try:
            answer = client.post_form(token_endpoint, form)
        finally:
            client.close()
        if answer.status == 200 and answer.body is not None:
            return answer.body
        sent = [value for key, value in form.items() if key != "grant_type"]
        raise token_error(answer, token_endpoint, client_id, sent, refreshing=refreshing)

    def _record_from(
        self, body: Mapping[str, Any], intranet_url: str, token_endpoint: str,
        revocation_endpoint: str | None, previous: TokenRecord | None = None,
    ) -> TokenRecord:
        host = _host(token_endpoint)
        access_token = body.get("access_token")
        if not isinstance(access_token, str) or not _header_safe(access_token):
            raise CompanionError(ErrorKind.PROTOCOL, messages.oauth_no_access_token(host))
        token_type = body.get("token_type", "Bearer")
        if not isinstance(token_type, str) or token_type.lower() != "bearer":
            raise CompanionError(ErrorKind.PROTOCOL, messages.oauth_not_bearer(host))
        refresh_token = body.get("refresh_token")
        if not isinstance(refresh_token, str) or not refresh_token:
            # Rotation is optional for the server: without a new one, the old one stays.
            refresh_token = previous.refresh_token if previous else None
        for value in (access_token, refresh_token):
            register_secret(value or "")
        return TokenRecord(
            intranet_url=intranet_url,
            client_id=previous.client_id if previous else self._client_id(),
            token_endpoint=token_endpoint,
            revocation_endpoint=revocation_endpoint,
            access_token=access_token,
            expires_at=self._expiry(body.get("expires_in")),
            refresh_token=refresh_token,
        )

    def _expiry(self, expires_in: object) -> float | None:
        if isinstance(expires_in, str) and expires_in.isdigit():
            expires_in = int(expires_in)
        if isinstance(expires_in, bool) or not isinstance(expires_in, int | float):
            return None
        margin = min(MAX_EXPIRY_MARGIN_SECONDS, max(0.0, expires_in) / 10)
        return self._clock() + expires_in - margin

    # --- the stored record ------------------------------------------------------------

    def load_record(self, intranet_url: str | None = None) -> TokenRecord | None:
        intranet_url = intranet_url or self._config.intranet_url()
        text = self._secrets.get(secret_name(intranet_url))
        if text is None:
            return None
        record = TokenRecord.from_text(text)
        if record is None or record.intranet_url != intranet_url:
            log.warning("The stored sign-in for %s cannot be read; sign in again", intranet_url)
            return None
        register_secret(record.access_token)
        register_secret(record.refresh_token or "")
        return record

    def _save(self, record: TokenRecord) -> None:
        self._secrets.set(secret_name(record.intranet_url), record.to_text())

    def refreshed_record(self, record: TokenRecord) -> TokenRecord:
        """A new access token (and perhaps refresh token) for `record`, saved; SignInNeeded
        when the server no longer honours the refresh token."""
        if not record.refresh_token:
            self._secrets.delete(secret_name(record.intranet_url))
            raise SignInNeeded(messages.sign_in_expired_or_revoked())
        token_endpoint = self._config.get("oauth_token_endpoint") or record.token_endpoint
        fields = {"grant_type": "refresh_token", "refresh_token": record.refresh_token}
        try:
            body = self._token_request(token_endpoint, record.client_id, fields, refreshing=True)
        except SignInNeeded:
            latest = self.load_record(record.intranet_url)
            if latest is not None and latest.refresh_token != record.refresh_token:
                return latest  # another process rotated it meanwhile; its tokens are good
            self._secrets.delete(secret_name(record.intranet_url))
            raise
        fresh = self._record_from(body, record.intranet_url, token_endpoint,
                                  record.revocation_endpoint, previous=record)
        self._save(fresh)
        log.info("Refreshed the access token for %s", record.intranet_url)
        return fresh

    def _revoke(self, record: TokenRecord) -> None:
        assert record.revocation_endpoint is not None
        tokens = [("refresh_token", record.refresh_token), ("access_token", record.access_token)]
        for hint, token in tokens:
            if not token:
                continue
            form = {"token": token, "token_type_hint": hint, "client_id": record.client_id}
            client_secret = self._config.get("oauth_client_secret")
            if client_secret:
                form["client_secret"] = client_secret
            try:
                client = self._client(record.revocation_endpoint)
                try:
                    answer = client.post_form(record.revocation_endpoint, form)
                finally:
                    client.close()
            except CompanionError as problem:
                log.info("Could not revoke the %s at sign-out: %s", hint, problem.message)
                continue
            log.info("Revocation of the %s answered HTTP %s", hint, answer.status)

    @property
    def now(self) -> float:
        return self._clock()

    @property
    def intranet_url(self) -> str:
        return self._config.intranet_url()


class OAuthTokens:
    """The TokenProvider of the `oauth` method."""

    def __init__(self, method: OAuthSignIn) -> None:
        self._method = method
        self._handed_out: str | None = None

    def access_token(self) -> str:
        record = self._method.load_record()
        if record is None:
            raise _not_signed_in(self._method)
        if not record.is_fresh(self._method.now):
            record = self._refreshed(stale=record.access_token)
        self._handed_out = record.access_token
        return record.access_token

    def refresh(self) -> str:
        record = self._refreshed(stale=self._handed_out)
        self._handed_out = record.access_token
        return record.access_token

    def _refreshed(self, stale: str | None) -> TokenRecord:
        with _REFRESH_LOCK:
            record = self._method.load_record()
            if record is None:
                raise _not_signed_in(self._method)
            replaced = stale is not None and record.access_token != stale
            if replaced and record.is_fresh(self._method.now):
                return record  # refreshed by another thread or process meanwhile
            return self._method.refreshed_record(record)


def _not_signed_in(method: OAuthSignIn) -> SignInNeeded:
    host = _host(method.intranet_url)
    return SignInNeeded(messages.not_signed_in_to(host))


def secret_name(intranet_url: str) -> str:
    return f"oauth:{intranet_url}"


def pkce_challenge(verifier: str) -> str:
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


def token_error(
    answer: FormAnswer, token_endpoint: str, client_id: str, sent: Iterable[str], *,
    refreshing: bool,
) -> CompanionError:
    """The sentence for a token endpoint's refusal (RFC 6749 5.2)."""
    host = _host(token_endpoint)
    body = answer.body or {}
    code = body.get("error") if isinstance(body.get("error"), str) else None
    code = code if code and _ERROR_CODE.match(code) else None
    said = _server_said(body.get("error_description"), sent)
    if code == "invalid_grant":
        if refreshing:
            return SignInNeeded(messages.sign_in_expired_or_revoked())
        return SignInNeeded(messages.oauth_grant_refused(host, said))
    if code in ("invalid_client", "unauthorized_client"):
        return ConfigError(messages.oauth_client_refused(host, client_id, code, said))
    if answer.status == 404:
        return ConfigError(messages.oauth_no_token_endpoint(token_endpoint))
    if code:
        return CompanionError(ErrorKind.PROTOCOL,
                              messages.oauth_request_refused(host, code, said))
    return CompanionError(ErrorKind.PROTOCOL,
                          messages.oauth_request_refused_status(host, str(answer.status), said))


def _server_said(description: object, sent: Iterable[str]) -> str:
    """The server's own description when it may be shown (short plain text that repeats
    nothing the companion sent), else ""."""
    if not isinstance(description, str):
        return ""
    text = " ".join(description.split())[:200]
    if not text or not text.isprintable() or "<" in text:
        return ""
    if any(value and value in text for value in sent):
        return ""
    return text


def _checked_endpoint(intranet_url: str, url: str, what: str) -> str:
    absolute = urljoin(intranet_url + "/", url.strip())
    try:
        allowed_origin(absolute)
    except ConfigError:
        raise ConfigError(messages.oauth_endpoint_not_https(what, absolute)) from None
    if urlsplit(absolute).fragment:
        raise ConfigError(messages.oauth_endpoint_has_fragment(what, absolute))
    return absolute


def _host(url: str) -> str:
    return urlsplit(url).netloc or url


def _header_safe(value: str) -> bool:
    return bool(value) and all("!" <= char <= "~" for char in value)
