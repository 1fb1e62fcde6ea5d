"""What every sign-in method offers. No Qt here.

A method signs a person in once, interactively (system browser, device code, or a
token given on standard input), keeps what it needs in the SecretStore, and from then
on hands out access tokens silently through a TokenProvider, refreshing as needed.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol

from tray_app.core.tokens import TokenProvider

# Opens a URL in the system browser (never an embedded view). The CLI passes
# webbrowser.open; tests pass a driver that plays the user approving.
OpenBrowser = Callable[[str], object]
# Shows a sentence to the person (device code instructions, progress).
Say = Callable[[str], None]

# What a sign-in stopped by cancel() ends with (SignInNeeded), whatever the method.


class SignInMethod(Protocol):
    name: str  # "oauth", "microsoft", "google", "token"

    def sign_in(self, open_browser: OpenBrowser, say: Say) -> None:
        """Interactive sign-in; stores tokens in the SecretStore. Raises CompanionError
        (kind auth or config) with a sentence for the user when it fails."""
        ...

    def provider(self) -> TokenProvider:
        """Silent access: raises SignInNeeded when a person must act."""
        ...

    def sign_out(self) -> None:
        """Forget every secret this method kept (and revoke where the server offers it)."""
        ...


class Cancellable(Protocol):
    """What the methods that wait for a person (browser, device code) also offer."""

    def cancel(self) -> None:
        """From any thread: the sign-in under way stops waiting, stores nothing and
        raises SignInNeeded(messages.sign_in_cancelled()). A cancel() before the wait began
        counts."""
        ...
