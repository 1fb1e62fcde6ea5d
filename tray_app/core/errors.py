"""Errors that carry the sentence the user will read.

Every failure the core can meet is a CompanionError with a `kind` (one of the
contract's error kinds), a short `title` for dialogs and a `message` that a
person understands. None of them ever contains a token.
"""

from __future__ import annotations

from enum import StrEnum


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

TITLES: dict[ErrorKind, str] = {
    ErrorKind.NETWORK: "Can't reach the intranet",
    ErrorKind.TLS: "Secure connection failed",
    ErrorKind.TIMEOUT: "The intranet did not answer in time",
    ErrorKind.SERVER: "The intranet has a problem",
    ErrorKind.RATE_LIMITED: "The intranet asked us to wait",
    ErrorKind.PROTOCOL: "Unexpected answer from the intranet",
    ErrorKind.AUTH: "Sign-in needed",
    ErrorKind.CONFIG: "Intranet Companion is not set up",
}


class CompanionError(Exception):
    """A failure with a user-facing message. `retry_after` is in seconds."""

    def __init__(
        self, kind: ErrorKind, message: str, *, retry_after: float | None = None
    ) -> None:
        super().__init__(message)
        self.kind = kind
        self.message = message
        self.retry_after = retry_after

    @property
    def title(self) -> str:
        return TITLES[self.kind]

    @property
    def exit_code(self) -> int:
        return EXIT_CODES[self.kind]

    def to_json(self) -> dict[str, str]:
        return {"kind": self.kind.value, "message": self.message}


class ConfigError(CompanionError):
    def __init__(self, message: str) -> None:
        super().__init__(ErrorKind.CONFIG, message)


class SignInNeeded(CompanionError):
    def __init__(self, message: str) -> None:
        super().__init__(ErrorKind.AUTH, message)
