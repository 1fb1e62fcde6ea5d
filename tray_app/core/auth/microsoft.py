"""Sign-in through Microsoft Entra ID with msal (auth_method "microsoft"). No Qt here.

Which token the intranet gets: the access token msal issues for `microsoft_scopes`,
i.e. for the intranet API's own scope (such as `api://<intranet-app-id>/.default`),
never the ID token. OpenID scopes (openid, profile, offline_access) are msal's to add,
so they are dropped from the setting; at least one other scope must remain.

Where the tokens live: msal's SerializableTokenCache, serialized into the SecretStore
under SECRET_NAME after every change and nowhere else. A cache easily grows past
Windows Credential Manager's ~2.5 KB per secret; the SecretStore chunks it.

How a person signs in:
- Browser (default): authorization code + PKCE through msal's
  `initiate_auth_code_flow` / `acquire_token_by_auth_code_flow`, with the shared
  loopback receiver (loopback.py) on 127.0.0.1 for the redirect (`http://localhost:<port>`,
  the loopback redirect URI Entra registers for desktop apps, any port;
  `oauth_redirect_port` fixes one). Our own random `state` goes to msal, so the receiver
  takes only the answer that carries it. msal's `acquire_token_interactive` cannot
  take the app's OpenBrowser: it always calls `webbrowser` itself, so the tray and
  tests could not drive it.
- Device code (`device=True`): `initiate_device_flow` / `acquire_token_by_device_flow`;
  `say` shows where to go and which code to enter.
- Broker: on Windows with `microsoft_use_broker`, msal's `acquire_token_interactive`
  through WAM (msal falls back to its own system-browser flow when WAM is missing).

Silent access: `acquire_token_silent_with_error` for the cached account; msal reuses
the cached access token until five minutes before it expires, then redeems the refresh
token. invalid_grant / interaction_required become SignInNeeded.

`microsoft_authority` is an Entra authority (https://login.microsoftonline.com/<tenant>)
or, for any other OpenID provider, its issuer URL (passed to msal as `oidc_authority`).
"""

from __future__ import annotations

import json
import logging
import secrets
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

import requests

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
from tray_app.core.auth.loopback import LoopbackReceiver
from tray_app.core.errors import CompanionError, ConfigError, ErrorKind, SignInNeeded
from tray_app.core.logs import register_secret

if TYPE_CHECKING:
    import msal

    from tray_app.core.config import Config
    from tray_app.core.secrets import SecretStore

log = logging.getLogger(__name__)
# msal's token cache logs whole token responses at DEBUG. The log redactor would mask
# them, but they are better never written at all.
logging.getLogger("msal.token_cache").setLevel(logging.INFO)

SECRET_NAME = "microsoft-token-cache"
REDIRECT_HOST = "localhost"  # Entra's desktop redirect URI is http://localhost (any port)

_OPENID_SCOPES = frozenset({"openid", "profile", "offline_access"})


@dataclass(frozen=True)
class MicrosoftSettings:
    authority: str
    client_id: str
    scopes: list[str]
    use_broker: bool
    redirect_port: int
    connect_timeout: float
    read_timeout: float

    @classmethod
    def from_config(cls, config: Config) -> MicrosoftSettings:
        """The settings msal needs, or ConfigError saying which one is wrong."""
        return cls(
            authority=_checked_authority(str(config.get("microsoft_authority"))),
            client_id=_required_text(config, "microsoft_client_id"),
            scopes=_api_scopes(str(config.get("microsoft_scopes"))),
            use_broker=bool(config.get("microsoft_use_broker")),
            redirect_port=int(config.get("oauth_redirect_port")),
            connect_timeout=float(config.get("connect_timeout_seconds")),
            read_timeout=float(config.get("read_timeout_seconds")),
        )


class MicrosoftSignIn:
    """The "microsoft" SignInMethod (see base.py)."""

    name = "microsoft"

    def __init__(
        self,
        config: Config,
        secret_store: SecretStore,
        device: bool = False,
        *,
        browser_timeout_seconds: float = BROWSER_TIMEOUT_SECONDS,
    ) -> None:
        self._config = config
        self._secrets = secret_store
        self._device = device
        self._browser_timeout = browser_timeout_seconds
        self._settings: MicrosoftSettings | None = None
        self._app: msal.PublicClientApplication | None = None
        self._cancelled = threading.Event()
        self._device_flow: dict[str, Any] | None = None

    # --- SignInMethod ------------------------------------------------------------

    def sign_in(self, open_browser: OpenBrowser, say: Say) -> None:
        try:
            app = self._application()
            with _reaching(self._idp_host()):
                if self._device:
                    result = self._sign_in_with_device_code(app, say)
                elif self._use_broker():
                    result = self._sign_in_with_broker(app)
                else:
                    result = self._sign_in_with_browser(app, open_browser, say)
            if self._cancelled.is_set():
                self._app = None  # msal's cache may hold the redeemed tokens: drop it
                raise SignInNeeded(messages.sign_in_cancelled())
            _raise_for_error(result, messages.microsoft_sign_in_failed())
            _forget_other_accounts(app, result)
            self._save_cache()
        finally:
            self._cancelled.clear()  # only now: a cancel() that came early still counts
        log.info("Signed in with Microsoft")

    def provider(self) -> MicrosoftTokens:
        return MicrosoftTokens(self)

    def cancel(self) -> None:
        """Stop a sign-in waiting for the browser or the device code (any thread); it
        then raises SignInNeeded(messages.sign_in_cancelled()) and stores nothing."""
        self._cancelled.set()
        if self._device_flow is not None:
            self._device_flow["expires_at"] = 0  # how msal's polling is stopped

    def sign_out(self) -> None:
        """Forget the token cache. Entra offers public clients no revocation endpoint,
        so nothing is sent; an administrator revokes sessions in Entra itself."""
        self._secrets.delete(SECRET_NAME)
        self._app = None
        log.info("Signed out of Microsoft")

    # --- silent access (MicrosoftTokens calls this) ------------------------------

    def silent_access_token(self, *, force_refresh: bool) -> str:
        if self._app is None and not self._secrets.get(SECRET_NAME):
            # Known without asking the network.
            raise SignInNeeded(messages.microsoft_not_signed_in())
        app = self._application()
        accounts = app.get_accounts()
        if not accounts:
            raise SignInNeeded(messages.microsoft_not_signed_in())
        settings = self._read_settings()
        with _reaching(self._idp_host()):
            result = app.acquire_token_silent_with_error(
                settings.scopes, account=accounts[0], force_refresh=force_refresh)
        self._save_cache()
        if not result:
            raise SignInNeeded(messages.microsoft_expired())
        _raise_for_error(result, messages.microsoft_renewal_failed())
        return _access_token_of(result)

    # --- the three interactive ways --------------------------------------------

    def _sign_in_with_browser(
        self, app: msal.PublicClientApplication, open_browser: OpenBrowser, say: Say
    ) -> dict[str, Any]:
        settings = self._read_settings()
        state = secrets.token_urlsafe(24)
        with LoopbackReceiver(state, port=settings.redirect_port, path="/",
                              form_post=True) as receiver:
            flow = app.initiate_auth_code_flow(
                settings.scopes,
                redirect_uri=receiver.redirect_uri(REDIRECT_HOST),
                state=state,
                response_mode="form_post",
            )
            say(messages.microsoft_in_browser())
            if open_browser(flow["auth_uri"]) is False:
                say(messages.no_browser_open_yourself(flow["auth_uri"]))
            answer = receiver.wait(self._browser_timeout, self._cancelled)
        if self._cancelled.is_set():
            return {}
        if answer is None:
            raise SignInNeeded(not_completed_in_time(self._browser_timeout))
        try:
            return app.acquire_token_by_auth_code_flow(flow, answer, scopes=settings.scopes)
        except ValueError:  # msal's own check of state and the flow's shape
            raise SignInNeeded(messages.microsoft_answer_not_ours()) from None

    def _sign_in_with_device_code(
        self, app: msal.PublicClientApplication, say: Say
    ) -> dict[str, Any]:
        flow = app.initiate_device_flow(scopes=self._read_settings().scopes)
        if "user_code" not in flow:
            _raise_for_error(flow, messages.microsoft_device_code_not_started())
            raise CompanionError(ErrorKind.PROTOCOL, messages.microsoft_device_code_no_code())
        self._device_flow = flow  # from here on, cancel() can stop it
        if self._cancelled.is_set():
            flow["expires_at"] = 0
        try:
            say(flow.get("message") or messages.microsoft_device_code(
                flow["verification_uri"], flow["user_code"]))
            return app.acquire_token_by_device_flow(flow)
        finally:
            self._device_flow = None

    def _sign_in_with_broker(self, app: msal.PublicClientApplication) -> dict[str, Any]:
        return app.acquire_token_interactive(
            self._read_settings().scopes,
            parent_window_handle=app.CONSOLE_WINDOW_HANDLE,
            prompt="select_account",
        )

    # --- msal application and cache ---------------------------------------------

    def _read_settings(self) -> MicrosoftSettings:
        if self._settings is None:
            self._settings = MicrosoftSettings.from_config(self._config)
        return self._settings

    def _use_broker(self) -> bool:
        return self._read_settings().use_broker and sys.platform == "win32"

    def _idp_host(self) -> str:
        return urlsplit(self._read_settings().authority).netloc

    def _application(self) -> msal.PublicClientApplication:
        if self._app is None:
            self._app = self._build_application()
        return self._app

    def _build_application(self) -> msal.PublicClientApplication:
        import msal  # slow to import; only the microsoft method needs it

        settings = self._read_settings()
        cache = msal.SerializableTokenCache()
        self._load_cache(cache)
        with _reaching(self._idp_host()):
            try:
                return msal.PublicClientApplication(
                    settings.client_id,
                    token_cache=cache,
                    http_client=idp_session(settings.connect_timeout, settings.read_timeout),
                    enable_broker_on_windows=self._use_broker(),
                    **_authority_arguments(settings.authority),
                )
            except ValueError as problem:  # msal's authority checks
                log.warning("msal refused the authority: %s", problem)
                raise ConfigError(
                    messages.microsoft_authority_not_openid(settings.authority)) from None

    def _load_cache(self, cache: msal.SerializableTokenCache) -> None:
        serialized = self._secrets.get(SECRET_NAME)
        if not serialized:
            return
        try:
            usable = isinstance(json.loads(serialized), dict)
        except (ValueError, RecursionError):
            usable = False
        if not usable:
            log.warning("The saved Microsoft sign-in could not be read; it is ignored")
            return
        cache.deserialize(serialized)
        _register_cache_secrets(cache)

    def _save_cache(self) -> None:
        cache = self._application().token_cache
        if not cache.has_state_changed:
            return
        _register_cache_secrets(cache)
        self._secrets.set(SECRET_NAME, cache.serialize())
        cache.has_state_changed = False


class MicrosoftTokens:
    """TokenProvider over msal's silent flow."""

    def __init__(self, method: MicrosoftSignIn) -> None:
        self._method = method

    def access_token(self) -> str:
        return self._method.silent_access_token(force_refresh=False)

    def refresh(self) -> str:
        return self._method.silent_access_token(force_refresh=True)


# --- settings ------------------------------------------------------------------


def _required_text(config: Config, key: str) -> str:
    value = str(config.get(key) or "").strip()
    if not value:
        raise ConfigError(messages.microsoft_setting_empty(key))
    return value


def _checked_authority(authority: str) -> str:
    authority = authority.strip().rstrip("/")
    parts = urlsplit(authority)
    if parts.scheme != "https" or not parts.hostname or parts.path.strip("/") == "":
        raise ConfigError(messages.microsoft_authority_invalid())
    return authority


def _api_scopes(scopes: str) -> list[str]:
    chosen = [scope for scope in scopes.split() if scope not in _OPENID_SCOPES]
    if not chosen:
        raise ConfigError(messages.microsoft_scopes_invalid())
    return chosen


def _authority_arguments(authority: str) -> dict[str, str]:
    """Entra authorities go to msal as `authority`; any other issuer as
    `oidc_authority` (msal >= 1.28), which msal checks against its discovery."""
    from msal.authority import WELL_KNOWN_AUTHORITY_HOSTS, WELL_KNOWN_B2C_HOSTS

    host = (urlsplit(authority).hostname or "").lower()
    if host in WELL_KNOWN_AUTHORITY_HOSTS or any(
            host.endswith("." + suffix) for suffix in WELL_KNOWN_B2C_HOSTS):
        return {"authority": authority}
    return {"oidc_authority": authority}


# --- results, errors, transport ----------------------------------------------------


def _access_token_of(result: dict[str, Any]) -> str:
    token = result.get("access_token")
    if not isinstance(token, str) or not token:
        raise CompanionError(ErrorKind.PROTOCOL, messages.microsoft_no_access_token())
    register_secret(token)
    return token


def _raise_for_error(result: dict[str, Any] | None, what: str) -> None:
    """`what` is a short sentence such as messages.microsoft_sign_in_failed()."""
    if not result:
        raise SignInNeeded(messages.identity_provider_no_result(what))
    if not result.get("error"):
        return
    error = shown_error_code(result["error"])
    log.info("%s: %s (%s)", what, error, result.get("error_description", ""))
    if error in DECLINED_ERRORS:
        raise SignInNeeded(messages.identity_provider_not_approved(what))
    if error in SIGN_IN_AGAIN_ERRORS:
        raise SignInNeeded(messages.identity_provider_sign_in_again(what, error))
    if error in SETUP_ERRORS:
        raise ConfigError(messages.microsoft_settings_refused(what, error))
    raise CompanionError(ErrorKind.SERVER, messages.microsoft_service_answered(what, error))


def _forget_other_accounts(app: msal.PublicClientApplication, result: dict[str, Any]) -> None:
    """Keep only the account just signed in, so silent sign-in never picks an old one."""
    claims = result.get("id_token_claims") or {}
    current = claims.get("oid", claims.get("sub"))
    if not current:
        return
    for account in app.get_accounts():
        if account.get("local_account_id") != current:
            app.remove_account(account)


def _register_cache_secrets(cache: msal.SerializableTokenCache) -> None:
    """Tell the log redactor about every token in the cache."""
    kinds = cache.CredentialType
    for kind in (kinds.ACCESS_TOKEN, kinds.REFRESH_TOKEN, kinds.ID_TOKEN):
        for entry in cache.search(kind):
            register_secret(str(entry.get("secret", "")))


@contextmanager
def _reaching(host: str) -> Iterator[None]:
    """Turns failures to reach the identity provider, or to understand it, into
    CompanionErrors."""
    from msal.oauth2cli.oidc import IdTokenError

    try:
        yield
    except requests.RequestException as problem:
        raise unreachable_error(problem, host) from None
    except (IdTokenError, json.JSONDecodeError) as problem:
        log.warning("Unusable answer from %s: %s", host, type(problem).__name__)
        raise CompanionError(ErrorKind.PROTOCOL,
                             messages.sign_in_service_failed_checks(host)) from None
