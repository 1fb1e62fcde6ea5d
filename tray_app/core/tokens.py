"""What every source of access tokens shares: the TokenProvider protocol, the token
from the environment, and the errors for a missing sign-in (their sentences, and the hint
on how to sign in, are in core/messages.py). Nothing here imports the sign-in methods or
the secret store, so they (and credentials.py, which chooses between them) can all import
it."""

from __future__ import annotations

from typing import Protocol

from tray_app.core import messages
from tray_app.core.errors import SignInNeeded

TOKEN_ENV = "COMPANION_TOKEN"


class KeyringUnavailable(SignInNeeded):
    """No usable secure password store (`check` exits 4, as for a missing sign-in), which
    signing in cannot fix. `message` replaces the general sentence."""

    offers_sign_in_by_default = False

    def __init__(self, detail: str = "", *, message: str | None = None) -> None:
        super().__init__(title=messages.no_password_store_title(),
                         message=message or messages.no_password_store(detail))


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
        raise SignInNeeded(messages.environment_token_refused())
