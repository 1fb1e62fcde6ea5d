"""What the Microsoft and Google sign-in methods share: the HTTPS session to an identity
provider, OAuth error codes, and the sentences for common failures."""

from __future__ import annotations

import re
from typing import Any

import requests

from tray_app.core.errors import CompanionError, ErrorKind
from tray_app.core.transport import TruststoreAdapter

BROWSER_TIMEOUT_SECONDS = 300.0

# Answers that mean a person has to sign in again; anything else is not their doing.
SIGN_IN_AGAIN_ERRORS = frozenset({
    "invalid_grant", "interaction_required", "login_required", "consent_required",
    "access_denied", "authorization_declined", "expired_token", "bad_verification_code",
})
SETUP_ERRORS = frozenset({
    "invalid_client", "unauthorized_client", "invalid_scope", "invalid_request",
    "unsupported_grant_type", "unsupported_response_type", "invalid_resource",
})
DECLINED_ERRORS = frozenset({"access_denied", "authorization_declined"})
_ERROR_CODE = re.compile(r"[a-z][a-z0-9_.-]{0,63}")


def not_completed_in_time(timeout_seconds: float) -> str:
    minutes = max(1, round(timeout_seconds / 60))
    return (f"The sign-in was not completed in the browser within {minutes} "
            f"minute{'' if minutes == 1 else 's'}. Try again.")


def shown_error_code(error: object) -> str:
    """An OAuth error code fit for a sentence; whatever else a server sent is not shown."""
    text = str(error or "")
    return text if _ERROR_CODE.fullmatch(text) else "an unknown error"


def unreachable_error(problem: requests.RequestException, host: str) -> CompanionError:
    """The sentence for an identity provider that cannot be reached."""
    if isinstance(problem, requests.exceptions.SSLError):
        return CompanionError(
            ErrorKind.TLS,
            f"The secure connection to the sign-in service {host} failed: its certificate "
            "is not trusted on this computer.")
    if isinstance(problem, requests.exceptions.Timeout):
        return CompanionError(
            ErrorKind.TIMEOUT, f"The sign-in service {host} did not answer in time.")
    return CompanionError(
        ErrorKind.NETWORK,
        f"Cannot reach the sign-in service {host}. Check the network connection.")


class _TimeoutSession(requests.Session):
    def __init__(self, timeout: tuple[float, float]) -> None:
        super().__init__()
        self._timeout = timeout
        self.mount("https://", TruststoreAdapter())

    def request(self, method: str | bytes, url: str | bytes, *args: Any,
                **kwargs: Any) -> requests.Response:
        kwargs.setdefault("timeout", self._timeout)
        return super().request(method, url, *args, **kwargs)


def idp_session(connect_timeout: float, read_timeout: float) -> requests.Session:
    """HTTPS to the identity provider as to the intranet: the OS trust store (plus
    REQUESTS_CA_BUNDLE's CAs), the environment's proxies, bounded waits."""
    return _TimeoutSession((connect_timeout, read_timeout))
