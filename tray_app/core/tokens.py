"""What every source of access tokens shares: the TokenProvider protocol, the token
from the environment, and the errors and hint for a missing sign-in. Nothing here imports
the sign-in methods or the secret store, so they (and credentials.py, which chooses
between them) can all import it."""

from __future__ import annotations

from typing import Protocol

from tray_app.core.errors import SignInNeeded

TOKEN_ENV = "COMPANION_TOKEN"
SIGN_IN_CANCELLED = "Sign-in was cancelled."

SIGN_IN_HINT = (
    "Sign in with `intranet-companion sign-in` (or Sign in… in the tray menu), "
    "or set COMPANION_TOKEN for scripts."
)


class KeyringUnavailable(SignInNeeded):
    """No usable secure password store (`check` exits 4, as for a missing sign-in), which
    signing in cannot fix. `message` replaces the general sentence."""

    offers_sign_in_by_default = False

    def __init__(self, detail: str = "", *, message: str | None = None) -> None:
        super().__init__(title="No password store", message=message or (
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
