"""What the Microsoft and Google sign-in methods share: the HTTPS session to an identity
provider, OAuth error codes, and the sentences for common failures."""

from __future__ import annotations

import os
import re
import ssl
from typing import Any

import requests
import truststore
from requests.adapters import HTTPAdapter

from tray_app.core import messages
from tray_app.core.errors import CompanionError, ErrorKind
from tray_app.core.transport import missing_ca_bundle_error

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
    return messages.sign_in_not_completed_in_time(max(1, round(timeout_seconds / 60)))


def shown_error_code(error: object) -> str:
    """An OAuth error code fit for a sentence; whatever else a server sent is not shown."""
    text = str(error or "")
    return text if _ERROR_CODE.fullmatch(text) else messages.unknown_error_code()


def unreachable_error(problem: requests.RequestException, host: str) -> CompanionError:
    """The sentence for an identity provider that cannot be reached."""
    if isinstance(problem, requests.exceptions.SSLError):
        return CompanionError(ErrorKind.TLS, messages.sign_in_service_untrusted(host))
    if isinstance(problem, requests.exceptions.Timeout):
        return CompanionError(ErrorKind.TIMEOUT, messages.sign_in_service_timeout(host))
    return CompanionError(ErrorKind.NETWORK, messages.sign_in_service_unreachable(host))


class TruststoreAdapter(HTTPAdapter):
    """Verifies TLS against the operating system's trust store, directly and
    through proxies, and never lets verification be switched off.

    How the environment's CA bundle interacts: with `trust_env` on, requests turns
    `verify=True` into the path in REQUESTS_CA_BUNDLE or CURL_CA_BUNDLE when one is
    set, and urllib3 hands it to our context's `load_verify_locations`. That *adds*
    the bundle's CAs to the OS store (truststore honours such extra CAs on every
    platform); it never replaces the store or weakens any check. Without such a
    variable, stock requests would add certifi's bundle the same way; we do not, so
    trust stays what IT manages in the OS store. (The intranet's own transport,
    core/transport.py, does the same without requests.)
    """

    def __init__(self) -> None:
        # Set before super().__init__(), which builds the pool manager.
        self._ssl_context = truststore.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
        super().__init__(max_retries=0)

    def init_poolmanager(self, *args: Any, **pool_kwargs: Any) -> None:
        super().init_poolmanager(*args, ssl_context=self._ssl_context, **pool_kwargs)

    def proxy_manager_for(self, proxy: str, **proxy_kwargs: Any) -> Any:
        # Otherwise TLS tunnelled through an environment proxy would use urllib3's
        # default context and certifi instead of the OS store.
        proxy_kwargs.setdefault("ssl_context", self._ssl_context)
        return super().proxy_manager_for(proxy, **proxy_kwargs)

    def cert_verify(self, conn: Any, url: str, verify: Any, cert: Any) -> None:
        if not url.lower().startswith("https"):
            return
        conn.cert_reqs = "CERT_REQUIRED"
        conn.ca_certs = conn.ca_cert_dir = None
        if not isinstance(verify, str):
            return
        if not os.path.exists(verify):
            raise missing_ca_bundle_error(verify)
        if os.path.isdir(verify):
            conn.ca_cert_dir = verify
        else:
            conn.ca_certs = verify


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
