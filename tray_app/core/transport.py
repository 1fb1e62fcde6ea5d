"""The transport rules for talking to one intranet origin.

Owns the HTTPS session (TLS against the operating system's trust store, no proxy for an
intranet on this computer, no credentials from ~/.netrc), one exchange with its
same-origin redirects, the overall deadline, the size caps and the reading of the body.
What goes wrong leaves as a TransportFailure naming the fact (refused, timed out,
redirected away...); turning facts into sentences is `failures`'s job. No Qt here.
"""

from __future__ import annotations

import logging
import os
import socket
import ssl
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from enum import Enum, auto
from typing import Any
from urllib.parse import urljoin, urlsplit

import requests
import truststore
from requests.adapters import HTTPAdapter
from requests.auth import AuthBase
from urllib3.exceptions import DecodeError, NameResolutionError, ProtocolError, ReadTimeoutError
from urllib3.exceptions import SSLError as TransportSSLError

from tray_app.core.errors import CompanionError, ErrorKind
from tray_app.core.urls import is_loopback_host, same_origin

log = logging.getLogger(__name__)

MAX_REDIRECTS = 5
# Error bodies only ever give us a short message; no need to read much of them.
ERROR_BODY_LIMIT = 64 * 1024

_REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})
_READ_CHUNK_BYTES = 64 * 1024
# Setting a scheme to None removes any proxy the environment names for it.
_NO_PROXIES: dict[str, Any] = {"http": None, "https": None, "all": None}


class Failure(Enum):
    """What stopped an exchange."""

    REFUSED = auto()  # nothing listens at the address
    NAME_NOT_FOUND = auto()  # DNS does not know the host
    PROXY = auto()  # the environment's proxy could not connect us
    UNREACHABLE = auto()  # any other failure to connect
    CONNECT_TIMEOUT = auto()
    READ_TIMEOUT = auto()
    DEADLINE = auto()  # the whole exchange took longer than its total timeout
    TLS_UNTRUSTED = auto()  # the certificate did not verify
    TLS_FAILED = auto()  # any other TLS failure
    BROKE_MID_BODY = auto()
    DAMAGED_COMPRESSION = auto()
    REDIRECTED_AWAY = auto()  # a redirect to another origin, not followed
    BAD_REDIRECT = auto()  # a Location that is no address
    TOO_MANY_REDIRECTS = auto()


class TransportFailure(Exception):
    """A Failure and the facts that come with it. `seconds` is the timeout that ran out,
    `verify_message` what TLS said about the certificate, `location` where a redirect
    pointed. Never shown to a person as it is."""

    def __init__(
        self,
        failure: Failure,
        *,
        seconds: float | None = None,
        verify_message: str | None = None,
        location: str | None = None,
    ) -> None:
        super().__init__(failure.name)
        self.failure = failure
        self.seconds = seconds
        self.verify_message = verify_message
        self.location = location


@dataclass(frozen=True)
class Reply:
    status: int
    headers: Mapping[str, str]
    body: bytes
    complete: bool  # False when the body was over the size limit and cut short


class TruststoreAdapter(HTTPAdapter):
    """Verifies TLS against the operating system's trust store, directly and
    through proxies, and never lets verification be switched off.

    How the environment's CA bundle interacts: with `trust_env` on, requests turns
    `verify=True` into the path in REQUESTS_CA_BUNDLE or CURL_CA_BUNDLE when one is
    set, and urllib3 hands it to our context's `load_verify_locations`. That *adds*
    the bundle's CAs to the OS store (truststore honours such extra CAs on every
    platform); it never replaces the store or weakens any check. Without such a
    variable, stock requests would add certifi's bundle the same way; we do not, so
    trust stays what IT manages in the OS store.
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
            # A sentence, unlike every other failure here: the identity providers'
            # sessions (auth/idp.py) use this adapter too and expect a CompanionError.
            raise CompanionError(
                ErrorKind.TLS,
                f"The certificate bundle named by REQUESTS_CA_BUNDLE or CURL_CA_BUNDLE "
                f"({verify}) does not exist, so the intranet's certificate cannot be "
                "checked. Correct or remove that setting.",
            )
        if os.path.isdir(verify):
            conn.ca_cert_dir = verify
        else:
            conn.ca_certs = verify


class BearerAuth(AuthBase):
    # Given as `auth` rather than as a header, it also stops requests from replacing
    # the header with credentials from ~/.netrc.
    def __init__(self, token: str) -> None:
        self._token = token

    def __call__(self, request: requests.PreparedRequest) -> requests.PreparedRequest:
        request.headers["Authorization"] = f"Bearer {self._token}"
        return request

    def __repr__(self) -> str:
        return "<bearer token>"


class NoAuth(AuthBase):
    # Sends no credentials, and keeps requests from adding some from ~/.netrc.
    def __call__(self, request: requests.PreparedRequest) -> requests.PreparedRequest:
        return request


class Transport:
    """Exchanges with one origin (`base_url`, already checked). Not thread-safe."""

    def __init__(
        self,
        base_url: str,
        *,
        user_agent: str,
        connect_timeout: float,
        read_timeout: float,
        max_response_bytes: int,
        total_timeout: float | None = None,
    ) -> None:
        """`total_timeout` bounds a whole exchange, redirects and body included; by
        default one read timeout for the server to think and another to send."""
        self._base_url = base_url
        self._connect_timeout = connect_timeout
        self._read_timeout = read_timeout
        self._total_timeout = (
            total_timeout if total_timeout is not None else connect_timeout + 2 * read_timeout
        )
        self._max_response_bytes = max_response_bytes
        # The demo intranet on this computer must never be reached through a proxy.
        self._proxies = _NO_PROXIES if is_loopback_host(urlsplit(base_url).hostname) else None
        self._session = _make_session(user_agent)

    def close(self) -> None:
        self._session.close()

    def exchange(
        self,
        method: str,
        path: str,
        auth: AuthBase,
        *,
        headers: dict[str, str] | None = None,
        body: dict[str, Any] | None = None,
    ) -> Reply:
        """`body` holds the requests keyword for the payload: {"json": ...} or {"data": ...}.
        A success body is cut at `max_response_bytes`, any other at ERROR_BODY_LIMIT."""
        deadline = time.monotonic() + self._total_timeout
        url = self._base_url + path
        for _hop in range(MAX_REDIRECTS + 1):
            response = self._send(method, url, auth, headers, body, deadline)
            with response:
                target = self._redirect_target(response, url)
                if target is None:
                    return self._read_reply(response, deadline)
            method, body = _method_after_redirect(response.status_code, method, body)
            url = target
        raise TransportFailure(Failure.TOO_MANY_REDIRECTS)

    def _send(
        self,
        method: str,
        url: str,
        auth: AuthBase,
        headers: dict[str, str] | None,
        body: dict[str, Any] | None,
        deadline: float,
    ) -> requests.Response:
        remaining = self._remaining(deadline)
        timeout = (min(self._connect_timeout, remaining), min(self._read_timeout, remaining))
        log.debug("%s %s", method, url)
        try:
            return self._session.request(
                method,
                url,
                headers=headers,
                auth=auth,
                timeout=timeout,
                proxies=self._proxies,
                allow_redirects=False,
                stream=True,
                **(body or {}),
            )
        except requests.RequestException as exc:
            log.debug("%s %s failed: %s", method, url, type(exc).__name__)
            raise self._request_failure(exc) from exc
        except ValueError:
            # requests parses a redirect's Location even when not following it; our own
            # URL is valid, so only the server's Location can be unusable here.
            raise TransportFailure(Failure.BAD_REDIRECT) from None

    def _redirect_target(self, response: requests.Response, url: str) -> str | None:
        location = response.headers.get("Location")
        if response.status_code not in _REDIRECT_STATUSES or not location:
            return None
        try:
            target = urljoin(url, location.strip())
        except ValueError:
            raise TransportFailure(Failure.BAD_REDIRECT) from None
        if not same_origin(target, self._base_url):
            # Following would send the bearer token to whoever runs the other site.
            raise TransportFailure(Failure.REDIRECTED_AWAY, location=target)
        log.debug("Following a %s redirect to %s", response.status_code, target)
        return target

    def _read_reply(self, response: requests.Response, deadline: float) -> Reply:
        is_success = 200 <= response.status_code < 300
        limit = self._max_response_bytes if is_success else ERROR_BODY_LIMIT
        body, complete = self._read_body(response, limit, deadline)
        log.debug("HTTP %s, %d bytes", response.status_code, len(body))
        return Reply(response.status_code, response.headers, body, complete)

    def _read_body(
        self, response: requests.Response, limit: int, deadline: float
    ) -> tuple[bytes, bool]:
        """Up to `limit` bytes of the body, and whether that was all of it."""
        if _declared_length(response) > limit:
            return b"", False
        chunks: list[bytes] = []
        size = 0
        try:
            while size <= limit:
                self._remaining(deadline)
                # read1 returns whatever has arrived, so a server dripping bytes
                # cannot keep one read going past the deadline.
                chunk = response.raw.read1(_READ_CHUNK_BYTES, decode_content=True)
                if not chunk:
                    return b"".join(chunks), True
                chunks.append(chunk)
                size += len(chunk)
        except ReadTimeoutError as exc:
            raise TransportFailure(Failure.READ_TIMEOUT, seconds=self._read_timeout) from exc
        except TransportSSLError as exc:
            raise _tls_failure(exc) from exc
        except DecodeError as exc:
            raise TransportFailure(Failure.DAMAGED_COMPRESSION) from exc
        except (ProtocolError, OSError) as exc:
            raise TransportFailure(Failure.BROKE_MID_BODY) from exc
        return b"".join(chunks)[:limit], False

    def _remaining(self, deadline: float) -> float:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise TransportFailure(Failure.DEADLINE, seconds=self._total_timeout)
        return remaining

    def _request_failure(self, exc: requests.RequestException) -> TransportFailure:
        if isinstance(exc, requests.exceptions.SSLError):
            return _tls_failure(exc)
        if isinstance(exc, requests.exceptions.ConnectTimeout):
            return TransportFailure(Failure.CONNECT_TIMEOUT, seconds=self._connect_timeout)
        if isinstance(exc, requests.Timeout):
            return TransportFailure(Failure.READ_TIMEOUT, seconds=self._read_timeout)
        if isinstance(exc, requests.exceptions.ProxyError):
            return TransportFailure(Failure.PROXY)
        if _find_cause(exc, socket.gaierror, NameResolutionError):
            return TransportFailure(Failure.NAME_NOT_FOUND)
        if _find_cause(exc, ConnectionRefusedError):
            return TransportFailure(Failure.REFUSED)
        return TransportFailure(Failure.UNREACHABLE)


def _make_session(user_agent: str) -> requests.Session:
    # trust_env stays on for the environment's proxies (and CA bundle, see
    # TruststoreAdapter); the ~/.netrc it would also read is kept out by the auth
    # every exchange passes (BearerAuth, NoAuth).
    session = requests.Session()
    session.mount("https://", TruststoreAdapter())
    session.headers.update({"User-Agent": user_agent, "Accept": "application/json"})
    return session


def _tls_failure(exc: BaseException) -> TransportFailure:
    verification = _find_cause(exc, ssl.SSLCertVerificationError)
    if verification is None:
        return TransportFailure(Failure.TLS_FAILED)
    message = getattr(verification, "verify_message", None)
    return TransportFailure(
        Failure.TLS_UNTRUSTED, verify_message=message if isinstance(message, str) else None
    )


def _method_after_redirect(
    status: int, method: str, body: dict[str, Any] | None
) -> tuple[str, dict[str, Any] | None]:
    # As browsers do: 303 (and 301/302 after a POST) continue as a GET without body.
    if status == 303 or (status in (301, 302) and method == "POST"):
        return "GET", None
    return method, body


def _declared_length(response: requests.Response) -> int:
    try:
        return int(response.headers.get("Content-Length", "0"))
    except ValueError:
        return 0


def _causes(exc: BaseException) -> Iterator[BaseException]:
    """`exc` and everything it wraps (requests and urllib3 nest several layers)."""
    pending, seen = [exc], set()
    while pending:
        current = pending.pop()
        if id(current) in seen:
            continue
        seen.add(id(current))
        yield current
        linked = (current.__cause__, current.__context__, getattr(current, "reason", None))
        pending.extend(e for e in (*linked, *current.args) if isinstance(e, BaseException))


def _find_cause(exc: BaseException, *types: type[BaseException]) -> BaseException | None:
    return next((cause for cause in _causes(exc) if isinstance(cause, types)), None)
