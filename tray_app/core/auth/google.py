"""Sign-in through Google with google-auth-oauthlib (auth_method "google"). No Qt here.

Which token the intranet gets: Google's OAuth access token (the intranet checks it
with Google, e.g. at its tokeninfo endpoint, and reads the user's email from it with
the default scopes "openid email"), not the OpenID ID token, which the companion
neither keeps nor sends.

Where the tokens live: one JSON secret in the SecretStore under SECRET_NAME holding
the refresh token and the current access token with its expiry, nowhere else.

Signing in: `InstalledAppFlow.run_local_server` on 127.0.0.1 (any port unless
`oauth_redirect_port` fixes one), with PKCE S256, state, access_type=offline and
prompt=consent (so that Google hands out a refresh token even to a person who approved
the companion before). run_local_server can only open a page through the `webbrowser`
module, so the app's OpenBrowser is registered there under a name of its own and passed
as `browser=`; the flow then never prints, and never opens anything else.

Silent access: `google.oauth2.credentials.Credentials.refresh` with the kept refresh
token when the access token is missing or near its end; the newest refresh token (if the
server rotates it) is kept. invalid_grant (RefreshError) becomes SignInNeeded.

Google's endpoints are the defaults; tests pass `google_auth_uri`, `google_token_uri`
and `google_revoke_uri` to point at another OpenID provider.
"""

from __future__ import annotations

import contextlib
import itertools
import json
import logging
import threading
import webbrowser
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

import requests
from google_auth_oauthlib.flow import InstalledAppFlow

from tray_app.core import messages
from tray_app.core.auth.base import OpenBrowser, Say
from tray_app.core.auth.idp import (
    BROWSER_TIMEOUT_SECONDS,
    DECLINED_ERRORS,
    SETUP_ERRORS,
    SIGN_IN_AGAIN_ERRORS,
    idp_session,
    not_completed_in_time,
    shown_error_code,
    unreachable_error,
)
from tray_app.core.errors import CompanionError, ConfigError, ErrorKind, SignInNeeded
from tray_app.core.logs import register_secret

if TYPE_CHECKING:
    from google.oauth2.credentials import Credentials

    from tray_app.core.config import Config
    from tray_app.core.secrets import SecretStore

log = logging.getLogger(__name__)
# requests-oauthlib and oauthlib log token requests and responses at DEBUG. The log
# redactor would mask them, but they are better never written at all.
for _chatty in ("requests_oauthlib", "oauthlib"):
    logging.getLogger(_chatty).setLevel(logging.INFO)

SECRET_NAME = "google-sign-in"
GOOGLE_AUTH_URI = "https://accounts.google.com/o/oauth2/auth"
GOOGLE_TOKEN_URI = "https://oauth2.googleapis.com/token"
GOOGLE_REVOKE_URI = "https://oauth2.googleapis.com/revoke"

@dataclass(frozen=True)
class GoogleSettings:
    client_id: str
    client_secret: str
    scopes: list[str]
    redirect_port: int
    timeout: tuple[float, float]

    @classmethod
    def from_config(cls, config: Config) -> GoogleSettings:
        """The settings the flow needs, or ConfigError saying which one is wrong."""
        client_id = str(config.get("google_client_id") or "").strip()
        if not client_id:
            raise ConfigError(messages.google_client_id_empty())
        scopes = str(config.get("google_scopes") or "").split()
        if not scopes:
            raise ConfigError(messages.google_scopes_empty())
        return cls(
            client_id=client_id,
            client_secret=str(config.get("google_client_secret") or "").strip(),
            scopes=scopes,
            redirect_port=int(config.get("oauth_redirect_port")),
            timeout=(float(config.get("connect_timeout_seconds")),
                     float(config.get("read_timeout_seconds"))),
        )


class GoogleSignIn:
    """The "google" SignInMethod (see base.py)."""

    name = "google"

    def __init__(
        self,
        config: Config,
        secret_store: SecretStore,
        *,
        google_auth_uri: str = GOOGLE_AUTH_URI,
        google_token_uri: str = GOOGLE_TOKEN_URI,
        google_revoke_uri: str = GOOGLE_REVOKE_URI,
        browser_timeout_seconds: float = BROWSER_TIMEOUT_SECONDS,
    ) -> None:
        self._config = config
        self._secrets = secret_store
        self._auth_uri = google_auth_uri
        self._token_uri = google_token_uri
        self._revoke_uri = google_revoke_uri
        self._browser_timeout = browser_timeout_seconds
        self._credentials: Credentials | None = None
        self._cancelled = threading.Event()
        self._flow: _CompanionFlow | None = None

    # --- SignInMethod ------------------------------------------------------------

    def sign_in(self, open_browser: OpenBrowser, say: Say) -> None:
        self._cancelled.clear()
        settings = GoogleSettings.from_config(self._config)
        self._flow = _CompanionFlow.for_settings(settings, self._auth_uri, self._token_uri)
        try:
            credentials = self._run_flow(self._flow, settings, open_browser, say)
        except CompanionError:
            if self._cancelled.is_set():
                raise SignInNeeded(messages.sign_in_cancelled()) from None
            raise
        finally:
            self._flow = None
        if not credentials.refresh_token:
            raise SignInNeeded(messages.google_no_refresh_token())
        self._keep(credentials)
        log.info("Signed in with Google")

    def provider(self) -> GoogleTokens:
        return GoogleTokens(self)

    def cancel(self) -> None:
        """Stop a sign-in waiting for the browser (from any thread)."""
        self._cancelled.set()
        self._wake_listener()

    def sign_out(self) -> None:
        """Revoke the refresh token at Google (best effort) and forget it."""
        saved = self._saved()
        if saved.get("refresh_token"):
            try:
                self._revoke(str(saved["refresh_token"]))
            except CompanionError as problem:  # e.g. settings no longer complete
                log.warning("Could not revoke the Google sign-in: %s", problem.message)
        self._secrets.delete(SECRET_NAME)
        self._credentials = None
        log.info("Signed out of Google")

    # --- silent access (GoogleTokens calls this) ---------------------------------

    def silent_token(self, *, force_refresh: bool) -> str:
        credentials = self._restored()
        if force_refresh or not credentials.valid:
            self._refresh(credentials)
        if not credentials.token:
            raise CompanionError(ErrorKind.PROTOCOL, messages.google_no_access_token())
        return str(credentials.token)

    # --- the browser part ------------------------------------------------------------

    def _run_flow(self, flow: _CompanionFlow, settings: GoogleSettings,
                  open_browser: OpenBrowser, say: Say) -> Credentials:
        with self._signing_in():
            return flow.run_local_server(
                host="127.0.0.1",
                port=settings.redirect_port,
                open_browser=True,
                browser=_as_webbrowser(self._opener(open_browser, say)),
                authorization_prompt_message=None,
                success_message=messages.google_signed_in_page(),
                timeout_seconds=self._browser_timeout,
                prompt="consent",
            )

    def _opener(self, open_browser: OpenBrowser, say: Say) -> OpenBrowser:
        """What run_local_server calls once it listens: the app's OpenBrowser, with the
        same sentences as the other methods."""
        def open_or_tell(url: str) -> bool:
            if self._cancelled.is_set():  # cancelled before the listener was up
                self._wake_listener()
                return True
            say(messages.google_in_browser())
            if open_browser(url) is False:
                say(messages.no_browser_open_yourself(url))
            return True
        return open_or_tell

    def _wake_listener(self) -> None:
        """run_local_server waits in handle_request(); an answer without a code ends
        the wait (and the flow, as cancelled)."""
        flow = self._flow
        redirect_uri = flow.redirect_uri if flow is not None else None
        if not redirect_uri:
            return

        def knock() -> None:
            direct = requests.Session()
            direct.trust_env = False  # straight to 127.0.0.1, never through a proxy
            with contextlib.suppress(requests.RequestException):
                direct.get(redirect_uri, params={"error": "cancelled"}, timeout=5)
        threading.Thread(target=knock, name="google-sign-in-cancel", daemon=True).start()

    # --- credentials in the SecretStore --------------------------------------------

    def _saved(self) -> dict[str, Any]:
        serialized = self._secrets.get(SECRET_NAME)
        if not serialized:
            return {}
        try:
            saved = json.loads(serialized)
        except (ValueError, RecursionError):
            saved = None
        usable = isinstance(saved, dict) and all(
            saved.get(key) is None or isinstance(saved.get(key), str)
            for key in ("refresh_token", "access_token", "expiry"))
        if not usable:
            log.warning("The saved Google sign-in could not be read; it is ignored")
            return {}
        return saved

    def _restored(self) -> Credentials:
        if self._credentials is not None:
            return self._credentials
        saved = self._saved()
        if not saved.get("refresh_token"):
            raise SignInNeeded(messages.google_not_signed_in())
        from google.oauth2.credentials import Credentials

        settings = GoogleSettings.from_config(self._config)
        _register_secrets(saved.get("refresh_token"), saved.get("access_token"))
        self._credentials = Credentials(
            saved.get("access_token"),
            refresh_token=saved["refresh_token"],
            token_uri=self._token_uri,
            client_id=settings.client_id,
            client_secret=settings.client_secret,
            expiry=_parsed_expiry(saved.get("expiry")),
        )
        return self._credentials

    def _keep(self, credentials: Credentials) -> None:
        _register_secrets(credentials.refresh_token, credentials.token)
        self._secrets.set(SECRET_NAME, json.dumps({
            "refresh_token": credentials.refresh_token,
            "access_token": credentials.token,
            "expiry": credentials.expiry.isoformat() if credentials.expiry else None,
        }))
        self._credentials = credentials

    # --- talking to Google -----------------------------------------------------------

    def _refresh(self, credentials: Credentials) -> None:
        from google.auth.transport.requests import Request

        settings = GoogleSettings.from_config(self._config)
        with self._refreshing():
            credentials.refresh(Request(session=idp_session(*settings.timeout)))
        self._keep(credentials)

    def _revoke(self, refresh_token: str) -> None:
        settings = GoogleSettings.from_config(self._config)
        try:
            reply = idp_session(*settings.timeout).post(self._revoke_uri, data={
                "token": refresh_token, "client_id": settings.client_id,
                "client_secret": settings.client_secret})
        except (requests.RequestException, CompanionError) as problem:
            log.warning("Could not revoke the Google sign-in (%s); forgetting it anyway",
                        type(problem).__name__)
            return
        if reply.status_code != 200:
            log.warning("Google did not revoke the sign-in (HTTP %s); forgetting it anyway",
                        reply.status_code)

    @contextmanager
    def _signing_in(self) -> Iterator[None]:
        from google_auth_oauthlib.flow import WSGITimeoutError
        from oauthlib.oauth2 import OAuth2Error

        host = urlsplit(self._token_uri).netloc
        try:
            yield
        except WSGITimeoutError:
            raise SignInNeeded(not_completed_in_time(self._browser_timeout)) from None
        except OAuth2Error as problem:
            raise _refused(problem.error, messages.google_sign_in_failed()) from None
        except requests.RequestException as problem:
            raise unreachable_error(problem, host) from None
        except OSError as problem:  # the loopback port is taken
            raise ConfigError(messages.cannot_listen_for_sign_in(str(problem.strerror))) from None

    @contextmanager
    def _refreshing(self) -> Iterator[None]:
        from google.auth.exceptions import RefreshError, TransportError

        host = urlsplit(self._token_uri).netloc
        try:
            yield
        except RefreshError as problem:
            details = problem.args[1] if len(problem.args) > 1 else None
            error = details.get("error") if isinstance(details, dict) else None
            raise _refused(error, messages.google_renewal_failed(),
                           retryable=problem.retryable) from None
        except TransportError as problem:
            cause = problem.__cause__
            if isinstance(cause, requests.RequestException):
                raise unreachable_error(cause, host) from None
            raise CompanionError(ErrorKind.NETWORK,
                                 messages.sign_in_service_unreachable(host)) from None


class GoogleTokens:
    """TokenProvider over the kept refresh token."""

    def __init__(self, method: GoogleSignIn) -> None:
        self._method = method

    def access_token(self) -> str:
        return self._method.silent_token(force_refresh=False)

    def refresh(self) -> str:
        return self._method.silent_token(force_refresh=True)


class _CompanionFlow(InstalledAppFlow):
    """InstalledAppFlow that talks like the refresh does and trusts what the app trusts.

    - client_id and client_secret go in the token request body (client_secret_post),
      as google-auth's refresh sends them, instead of requests-oauthlib's Basic auth,
      so a provider registered for one method accepts both requests;
    - HTTPS through the OS trust store with bounded waits (idp_session);
    - Google spells granted scopes its own way ("email" comes back as
      ".../auth/userinfo.email"); oauthlib raises its Warning for that, which is no
      failure: the token it carries is kept.
    """

    timeout: tuple[float, float] = (5.0, 20.0)

    @classmethod
    def for_settings(cls, settings: GoogleSettings, auth_uri: str,
                     token_uri: str) -> _CompanionFlow:
        client_config = {"installed": {
            "client_id": settings.client_id,
            "client_secret": settings.client_secret,
            "auth_uri": auth_uri,
            "token_uri": token_uri,
            "redirect_uris": ["http://127.0.0.1"],
        }}
        flow = cls.from_client_config(client_config, scopes=settings.scopes)
        flow.timeout = settings.timeout
        for prefix, adapter in idp_session(*settings.timeout).adapters.items():
            flow.oauth2session.mount(prefix, adapter)
        return flow

    def fetch_token(self, **kwargs: Any) -> dict[str, Any]:
        kwargs.setdefault("include_client_id", True)
        kwargs.setdefault("timeout", self.timeout)
        try:
            return dict(super().fetch_token(**kwargs))
        except Warning as scope_spelling:
            token = getattr(scope_spelling, "token", None)
            if token is None:
                raise
            self.oauth2session.token = token
            return dict(token)


# --- small helpers -------------------------------------------------------------------


class _OpenerBrowser(webbrowser.BaseBrowser):
    """The app's OpenBrowser as a `webbrowser` controller."""

    def __init__(self, open_browser: OpenBrowser) -> None:
        super().__init__("intranet-companion")
        self._open_browser = open_browser

    def open(self, url: str, new: int = 0, autoraise: bool = True) -> bool:
        return self._open_browser(url) is not False


_browser_numbers = itertools.count()


def _as_webbrowser(open_browser: OpenBrowser) -> str:
    """Registers `open_browser` with `webbrowser` under a fresh name, which is what
    run_local_server's `browser=` takes. (webbrowser has no way to unregister; an
    entry costs a few bytes per sign-in.)"""
    name = f"intranet-companion-sign-in-{next(_browser_numbers)}"
    webbrowser.register(name, None, _OpenerBrowser(open_browser))
    return name


def _refused(code: object, what: str, *, retryable: bool = False) -> CompanionError:
    """`what` is a short sentence such as messages.google_sign_in_failed()."""
    error = shown_error_code(code)
    log.info("%s: %s", what, error)
    if error in DECLINED_ERRORS:
        return SignInNeeded(messages.identity_provider_not_approved(what))
    if error in SIGN_IN_AGAIN_ERRORS or error in {"mismatching_state", "missing_code"}:
        return SignInNeeded(messages.identity_provider_sign_in_again(what, error))
    if error in SETUP_ERRORS or error == "insecure_transport":
        return ConfigError(messages.google_settings_refused(what, error))
    if retryable:
        return CompanionError(ErrorKind.SERVER,
                              messages.google_service_answered_retry_soon(what, error))
    return CompanionError(ErrorKind.SERVER, messages.google_service_answered(what, error))


def _register_secrets(*tokens: object) -> None:
    for token in tokens:
        if isinstance(token, str):
            register_secret(token)


def _parsed_expiry(text: object) -> datetime | None:
    """google-auth keeps expiry as naive UTC."""
    if not isinstance(text, str):
        return None
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        return None
    if moment.tzinfo is not None:
        try:
            moment = moment.astimezone(UTC).replace(tzinfo=None)
        except OverflowError:
            return None
    return moment
