"""Where the access token comes from: COMPANION_TOKEN, else the configured sign-in method.

A TokenProvider hands out an access token (refreshing it silently when it has expired)
and may refresh it once more after the intranet answers 401. The methods and their
tokens live in tray_app.core.auth and tray_app.core.secrets, imported only when needed:
`check` with COMPANION_TOKEN never loads keyring.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import TYPE_CHECKING, Protocol

from tray_app import APP_ID
from tray_app.core.errors import SignInNeeded

if TYPE_CHECKING:
    from tray_app.core.config import Config

TOKEN_ENV = "COMPANION_TOKEN"
KEYRING_SERVICE = APP_ID

SIGN_IN_HINT = (
    "Sign in with `intranet-companion sign-in` (or Sign in… in the tray menu), "
    "or set COMPANION_TOKEN for scripts."
)


class KeyringUnavailable(SignInNeeded):
    """No usable secure password store. `message` replaces the general sentence."""

    def __init__(self, detail: str = "", *, message: str | None = None) -> None:
        super().__init__(message or (
            "No secure password store (keyring) is available on this computer, so the "
            "companion cannot keep your sign-in and has saved nothing. Start a desktop "
            "session with a keyring (such as GNOME Keyring or KWallet), or set "
            "COMPANION_TOKEN for scripts." + (f" ({detail})" if detail else "")
        ))


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


def token_provider(config: Config, environ: Mapping[str, str] | None = None) -> TokenProvider:
    """COMPANION_TOKEN when set; else the configured method's provider over the secret
    store (KeyringUnavailable when there is no store, SignInNeeded later when there is
    no sign-in)."""
    environ = os.environ if environ is None else environ
    token = environ.get(TOKEN_ENV, "").strip()
    if token:
        return StaticToken(token)
    from tray_app.core.auth import method_for
    from tray_app.core.secrets import open_secret_store

    return method_for(config, open_secret_store(config)).provider()
