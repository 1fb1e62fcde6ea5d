"""Where the access token comes from: COMPANION_TOKEN, else the OS keyring.

Interactive sign-in plugs in through TokenProvider: a provider hands out an access
token and may refresh it once after the intranet answers 401.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any, Protocol

from tray_app import APP_ID
from tray_app.core.errors import SignInNeeded

TOKEN_ENV = "COMPANION_TOKEN"
KEYRING_SERVICE = APP_ID

SIGN_IN_HINT = (
    "Sign in with `intranet-companion sign-in` (or Sign in… in the tray menu), "
    "or set COMPANION_TOKEN for scripts."
)


class KeyringUnavailable(SignInNeeded):
    def __init__(self, detail: str = "") -> None:
        super().__init__(
            "No secure password store (keyring) is available on this computer, so the "
            "companion cannot keep your sign-in and has saved nothing. Start a desktop "
            "session with a keyring (such as GNOME Keyring or KWallet), or set "
            "COMPANION_TOKEN for scripts." + (f" ({detail})" if detail else "")
        )


class TokenProvider(Protocol):
    def access_token(self) -> str:
        """The current access token; raise SignInNeeded when there is none."""
        ...

    def refresh(self) -> str:
        """A fresh token after the intranet refused the current one, or SignInNeeded."""
        ...


class StaticToken:
    """A token given by the environment: nothing to refresh."""

    def __init__(self, token: str) -> None:
        self._token = token

    def access_token(self) -> str:
        return self._token

    def refresh(self) -> str:
        raise SignInNeeded(
            "The intranet did not accept the token in COMPANION_TOKEN. "
            "Set a valid one, or unset it and sign in."
        )


def secure_keyring() -> Any:  # keyring is imported lazily: it is slow
    """The keyring backend, or KeyringUnavailable when only an insecure or failing one exists."""
    try:
        import keyring
        from keyring.backends import chainer, fail
    except Exception as problem:  # a broken install must not crash the app
        raise KeyringUnavailable(type(problem).__name__) from None
    backend = keyring.get_keyring()
    if isinstance(backend, fail.Keyring):
        raise KeyringUnavailable()
    if isinstance(backend, chainer.ChainerBackend) and not backend.backends:
        raise KeyringUnavailable()
    if "plaintext" in type(backend).__name__.lower():
        raise KeyringUnavailable("only a plain-text store was found")
    return backend


class KeyringToken:
    """An access token kept in the OS keyring under the intranet's origin."""

    def __init__(self, intranet_url: str) -> None:
        self.intranet_url = intranet_url

    def access_token(self) -> str:
        backend = secure_keyring()
        try:
            token = backend.get_password(KEYRING_SERVICE, self.intranet_url)
        except Exception as problem:  # keyring backends raise many kinds (locked, D-Bus, ...)
            raise KeyringUnavailable(type(problem).__name__) from None
        if not token:
            raise SignInNeeded(f"You are not signed in to {self.intranet_url}. {SIGN_IN_HINT}")
        return token

    def refresh(self) -> str:
        raise SignInNeeded(
            f"Your sign-in to {self.intranet_url} has expired or was revoked. {SIGN_IN_HINT}"
        )


def token_provider(intranet_url: str, environ: Mapping[str, str] | None = None) -> TokenProvider:
    environ = os.environ if environ is None else environ
    token = environ.get(TOKEN_ENV, "").strip()
    if token:
        return StaticToken(token)
    return KeyringToken(intranet_url)
