"""Sign-in methods (setting `auth_method`) and the sign-in actions the tray and CLI call.

- `method_for(config, secrets, name)`: the SignInMethod for a name; `microsoft` and
  `google` are imported only when chosen (msal and Google's libraries are heavy).
- `Account`: sign in, sign out and token providers over one secret store. The tray uses
  `Account(config)` (the OS keyring) or, with --demo, `Account.for_demo(config)` (the
  demo's own OAuth server, secrets in memory only).
"""

from __future__ import annotations

import importlib
import logging
import threading
from collections.abc import Callable
from urllib.parse import urlsplit

from tray_app.core import messages
from tray_app.core.auth.base import OpenBrowser, Say, SignInMethod
from tray_app.core.config import Config
from tray_app.core.errors import CompanionError, ConfigError, SignInNeeded
from tray_app.core.secrets import (
    SecretStore,
    backend_memory_file,
    forget_secret_store,
    memory_secret_store,
    open_secret_store,
)
from tray_app.core.tokens import KeyringUnavailable, TokenProvider

log = logging.getLogger(__name__)

METHOD_NAMES = ("oauth", "microsoft", "google", "token")
_LAZY_METHODS = {
    "microsoft": ("tray_app.core.auth.microsoft", "MicrosoftSignIn", "Microsoft Entra ID"),
    "google": ("tray_app.core.auth.google", "GoogleSignIn", "Google"),
}


def method_for(
    config: Config, secrets: SecretStore, name: str | None = None, *, device: bool = False
) -> SignInMethod:
    """The method `name` (default: setting `auth_method`). `device` asks the microsoft
    method for the device code flow."""
    chosen = name or str(config.get("auth_method"))
    if chosen == "oauth":
        from tray_app.core.auth.oauth import OAuthSignIn

        return OAuthSignIn(config, secrets)
    if chosen == "token":
        from tray_app.core.auth.token import TokenSignIn

        return TokenSignIn(config, secrets)
    if chosen not in _LAZY_METHODS:
        raise ConfigError(messages.sign_in_method_unknown(chosen, ", ".join(METHOD_NAMES)))
    method_class = _lazy_method_class(chosen)
    if chosen == "microsoft":
        return method_class(config, secrets, device=device)
    return method_class(config, secrets)


def _lazy_method_class(name: str) -> type:
    module_name, class_name, label = _LAZY_METHODS[name]
    try:
        module = importlib.import_module(module_name)
        return getattr(module, class_name)
    except (ImportError, AttributeError) as problem:
        log.warning("Sign-in method %s cannot be loaded: %r", name, problem)
        raise ConfigError(messages.sign_in_method_unavailable(label)) from None


class Account:
    """Sign-in actions over one configuration and one secret store.

    Blocking calls (`sign_in` waits for the browser; the others may touch the network or
    the keyring): the tray runs them off the GUI thread.
    """

    def __init__(
        self, config: Config, secrets: SecretStore | None = None, method: str | None = None
    ) -> None:
        self.config = config
        self._secrets = secrets
        self._method_name = method
        self._signing_in: SignInMethod | None = None
        self._attempt: threading.Event | None = None
        self._lock = threading.Lock()

    @classmethod
    def for_demo(cls, config: Config) -> Account:
        """The built-in demo: its OAuth server, secrets kept in memory only, never in the
        person's keyring."""
        return cls(config, memory_secret_store(), "oauth")

    def secrets(self) -> SecretStore:
        """The store (opened on first use); KeyringUnavailable when there is none."""
        if self._secrets is None:
            self._secrets = open_secret_store(self.config)
        return self._secrets

    def method(self, *, device: bool = False) -> SignInMethod:
        return method_for(self.config, self.secrets(), self._method_name, device=device)

    def provider_factory(self) -> Callable[[str], TokenProvider] | None:
        """For Checker(provider_factory=...): None means Checker's default, which honours
        COMPANION_TOKEN and opens the OS keyring at each check."""
        if self._method_name is None and self._secrets is None:
            return None
        return lambda _url: self.method().provider()

    def describe_store(self) -> str:
        try:
            return self.secrets().describe()
        except CompanionError as problem:
            return problem.message

    def sign_in(self, open_browser: OpenBrowser, say: Say, *, device: bool = False,
                cancelled: threading.Event | None = None) -> str:
        """Interactive sign-in. Returns the sentence to show; raises CompanionError, and
        SignInNeeded(messages.sign_in_cancelled()) when `cancelled` is set (or cancel_sign_in() is
        called) before it completes. The caller's own `cancelled` may be set even before
        this runs."""
        attempt = cancelled if cancelled is not None else threading.Event()
        with self._lock:
            self._attempt = attempt
        try:
            return self._sign_in(open_browser, say, device, attempt)
        except CompanionError:
            if attempt.is_set():
                raise SignInNeeded(messages.sign_in_cancelled()) from None
            raise
        finally:
            with self._lock:
                self._signing_in, self._attempt = None, None

    def _sign_in(self, open_browser: OpenBrowser, say: Say, device: bool,
                 attempt: threading.Event) -> str:
        intranet_url = self.config.intranet_url()
        method = self.method(device=device)
        with self._lock:
            self._signing_in = method
        if attempt.is_set():
            raise SignInNeeded(messages.sign_in_cancelled())
        method.sign_in(open_browser, say)
        return messages.signed_in_to(urlsplit(intranet_url).netloc)

    def cancel_sign_in(self) -> None:
        """From any thread: stop the sign-in under way (where the method can be stopped:
        browser and device code sign-ins); it then ends with "Sign-in was cancelled."."""
        with self._lock:
            if self._attempt is not None:
                self._attempt.set()
            method = self._signing_in
        cancel = getattr(method, "cancel", None)
        if callable(cancel):
            cancel()

    def sign_out(self) -> str:
        """Revoke where the server allows (best effort), then forget every secret the
        companion kept for this user, whatever the method. Returns the sentence to show."""
        try:
            store = self.secrets()
        except KeyringUnavailable as problem:
            if not backend_memory_file().exists():
                return messages.signed_out_nothing_stored()
            forget_secret_store()
            raise KeyringUnavailable(message=messages.store_given_up(problem.message)) from None
        self._revoke_quietly(store)
        count = store.delete_all()
        log.info("Signed out: %d secret(s) removed from %s", count, store.describe())
        return messages.signed_out()

    def _revoke_quietly(self, store: SecretStore) -> None:
        try:
            method_for(self.config, store, self._method_name).sign_out()
        except CompanionError as problem:
            log.info("Sign-out could not revoke at the server: %s", problem.message)
