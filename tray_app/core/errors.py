"""Errors that carry the sentence the user will read.

Every failure the core can meet is a CompanionError with a `kind` (one of the
contract's error kinds), a short `title` for dialogs and a `message` that a
person understands. None of them ever contains a token.
"""

from __future__ import annotations

from enum import StrEnum

from tray_app.core import messages


class ErrorKind(StrEnum):
    NETWORK = "network"
    TLS = "tls"
    TIMEOUT = "timeout"
    SERVER = "server"
    RATE_LIMITED = "rate_limited"
    PROTOCOL = "protocol"
    AUTH = "auth"
    CONFIG = "config"


# `check` exit status per kind (cli.md): 3 could not check, 4 sign-in, 5 config.
EXIT_CODES: dict[ErrorKind, int] = {
    ErrorKind.NETWORK: 3,
    ErrorKind.TLS: 3,
    ErrorKind.TIMEOUT: 3,
    ErrorKind.SERVER: 3,
    ErrorKind.RATE_LIMITED: 3,
    ErrorKind.PROTOCOL: 3,
    ErrorKind.AUTH: 4,
    ErrorKind.CONFIG: 5,
}


class CompanionError(Exception):
    """A failure with a user-facing message. It decides its own presentation: `title`
    for dialogs and the tray, and `offers_sign_in`, whether signing in again can fix it
    (only then does the tray show the key and offer Sign in…). `retry_after` is in
    seconds."""

    offers_sign_in_by_default = False

    def __init__(
        self, kind: ErrorKind, message: str, *, retry_after: float | None = None,
        title: str | None = None, offers_sign_in: bool | None = None,
    ) -> None:
        super().__init__(message)
        self.kind = kind
        self.message = message
        self.retry_after = retry_after
        self.title = title or messages.error_title(kind)
        self.offers_sign_in = (self.offers_sign_in_by_default if offers_sign_in is None
                               else offers_sign_in)

    @property
    def exit_code(self) -> int:
        return EXIT_CODES[self.kind]

    def to_json(self) -> dict[str, str]:
        """The `error` object of `check --json` (cli.md)."""
        return {"kind": self.kind.value, "message": self.message}

    def to_message(self) -> dict[str, object]:
        """Everything the tray needs to present it (the worker protocol)."""
        return {"kind": self.kind.value, "message": self.message, "title": self.title,
                "retry_after": self.retry_after, "offers_sign_in": self.offers_sign_in}

    @classmethod
    def from_message(cls, data: object) -> CompanionError:
        """The error `to_message` described; ValueError when `data` is not one."""
        if not isinstance(data, dict):
            raise ValueError("an error is not an object")
        kind, message, title = data.get("kind"), data.get("message"), data.get("title")
        retry_after, offers = data.get("retry_after"), data.get("offers_sign_in")
        if kind not in ErrorKind._value2member_map_ or not isinstance(message, str) \
                or not isinstance(title, str) or not isinstance(offers, bool):
            raise ValueError("an error lacks its kind, message, title or sign-in offer")
        if retry_after is not None and (isinstance(retry_after, bool)
                                        or not isinstance(retry_after, int | float)):
            raise ValueError("an error's retry_after is not a number")
        return cls(ErrorKind(kind), message, retry_after=retry_after, title=title,
                   offers_sign_in=offers)


class ConfigError(CompanionError):
    def __init__(self, message: str) -> None:
        super().__init__(ErrorKind.CONFIG, message)


class SignInNeeded(CompanionError):
    """Signing in (again) is what fixes it."""

    offers_sign_in_by_default = True

    def __init__(self, message: str, *, title: str | None = None) -> None:
        super().__init__(ErrorKind.AUTH, message, title=title)
