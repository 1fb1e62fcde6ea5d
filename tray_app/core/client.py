"""HTTP client for the intranet API (intranet-api.md).

Fetches the user's integrations and acknowledges notices. Every failure leaves as a
CompanionError whose message a person can read. No Qt here: `check` imports this on
its fast path.
"""

from __future__ import annotations

import json
import logging
import math
import os
import platform
import re
import socket
import ssl
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import urljoin, urlsplit

import requests
import truststore
from requests.adapters import HTTPAdapter
from requests.auth import AuthBase
from urllib3.exceptions import DecodeError, NameResolutionError, ProtocolError, ReadTimeoutError
from urllib3.exceptions import SSLError as TransportSSLError

from tray_app import __version__
from tray_app.core.errors import CompanionError, ConfigError, ErrorKind, SignInNeeded
from tray_app.core.schedule import MAX_RETRY_AFTER_SECONDS
from tray_app.core.timeutil import parse_http_date, utc_now
from tray_app.core.urls import allowed_origin, is_loopback_host, same_origin

log = logging.getLogger(__name__)

INTEGRATIONS_PATH = "/api/v1/me/integrations"
ACK_PATH = "/api/v1/me/notices/ack"
MAX_REDIRECTS = 5
MAX_ETAG_CHARS = 1024

_REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})
_READ_CHUNK_BYTES = 64 * 1024
# Error bodies only ever give us a short message; no need to read much of them.
_ERROR_BODY_LIMIT = 64 * 1024
_DETAIL_MAX_CHARS = 200
# Setting a scheme to None removes any proxy the environment names for it.
_NO_PROXIES: dict[str, Any] = {"http": None, "https": None, "all": None}
_JSON_MEDIA_TYPE = re.compile(r"^application/([\w.+-]+\+)?json$", re.IGNORECASE)
_MEDIA_TYPE = re.compile(r"^[\w.+-]{1,40}/[\w.+-]{1,60}$")
_SIGN_IN_AGAIN = (
    "Sign in again: choose Sign in… in the tray menu, or run `intranet-companion sign-in`."
)


@dataclass(frozen=True)
class FetchResult:
    not_modified: bool  # True on 304
    body: dict[str, Any] | None  # the parsed JSON object on 200, None on 304
    etag: str | None  # the ETag header as sent (quotes included)
    server_time: datetime | None  # from the Date header, aware UTC


@dataclass(frozen=True)
class FormAnswer:
    """What an OAuth endpoint answered to a form POST (see `post_form`)."""

    status: int
    body: dict[str, Any] | None  # the JSON object it sent, None when it sent none


@dataclass(frozen=True)
class _Reply:
    status: int
    headers: Mapping[str, str]
    body: bytes
    complete: bool  # False when the body was over the size limit and cut short


def default_user_agent() -> str:
    return f"IntranetCompanion/{__version__} ({platform.system() or 'unknown'})"


class IntranetClient:
    """Talks to one intranet. Not thread-safe; use one per thread."""

    def __init__(
        self,
        intranet_url: str,
        *,
        connect_timeout: float = 5,
        read_timeout: float = 20,
        max_response_bytes: int = 2 * 1024 * 1024,
        user_agent: str | None = None,
        total_timeout: float | None = None,
    ) -> None:
        """`total_timeout` bounds a whole call, redirects and body included; by
        default one read timeout for the server to think and another to send."""
        self._base_url = intranet_url.rstrip("/")
        self._host = _checked_host(self._base_url)
        self._connect_timeout = connect_timeout
        self._read_timeout = read_timeout
        self._total_timeout = (
            total_timeout if total_timeout is not None else connect_timeout + 2 * read_timeout
        )
        self._max_response_bytes = max_response_bytes
        # The demo intranet on this computer must never be reached through a proxy.
        self._proxies = _NO_PROXIES if is_loopback_host(urlsplit(self._base_url).hostname) else None
        self._session = _make_session(user_agent or default_user_agent())

    def fetch_integrations(self, token: str, etag: str | None = None) -> FetchResult:
        headers = {}
        if etag and _is_header_safe(etag):
            headers["If-None-Match"] = etag
        elif etag:
            log.debug("Not sending a stored ETag that is not a valid header value")
        reply = self._exchange("GET", INTEGRATIONS_PATH, _bearer_auth(token), headers=headers)
        server_time = parse_http_date(reply.headers.get("Date"))
        new_etag = _usable_etag(reply.headers.get("ETag"))
        if reply.status == 304:
            return FetchResult(True, None, new_etag or etag, server_time)
        if reply.status != 200:
            raise self._status_error(reply, token)
        return FetchResult(False, self._json_object(reply), new_etag, server_time)

    def ack_notice(self, token: str, integration_id: str, kind: str, key: str) -> bool:
        """True when the intranet recorded the notice as seen, False when it does not
        support acknowledgements (404)."""
        payload = {"integration_id": integration_id, "kind": kind, "key": key}
        reply = self._exchange("POST", ACK_PATH, _bearer_auth(token), body={"json": payload})
        if reply.status == 404:
            log.debug("The intranet does not support notice acknowledgements")
            return False
        if 200 <= reply.status < 300:
            return True
        raise self._status_error(reply, token)

    def post_form(self, url: str, fields: Mapping[str, str]) -> FormAnswer:
        """POST `fields` form-encoded to `url` on this client's origin, with no bearer
        token (OAuth token and revocation endpoints). See `_public_exchange`."""
        return self._public_exchange("POST", url, {"data": dict(fields)})

    def get_public_json(self, url: str) -> FormAnswer:
        """GET `url` on this client's origin with no bearer token (OAuth discovery)."""
        return self._public_exchange("GET", url, None)

    def _public_exchange(self, method: str, url: str, body: dict[str, Any] | None) -> FormAnswer:
        """Transport failures, timeouts, 429 and 5xx raise as they do for the API; other
        answers are returned for the caller to judge, with the JSON object they carry."""
        if not same_origin(url, self._base_url):
            raise ConfigError(f"'{_host_label(url)}' is not on {self._host}.")
        parts = urlsplit(url)
        path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        reply = self._exchange(method, path, _NoAuth(), body=body)
        if reply.status == 429 or 500 <= reply.status <= 599:
            raise self._try_later_error(reply, None)
        if not reply.complete:
            raise self._protocol_error("the answer is too large")
        try:
            data = json.loads(reply.body) if reply.body else None
        except (ValueError, RecursionError):
            data = None
        return FormAnswer(reply.status, data if isinstance(data, dict) else None)

    def close(self) -> None:
        self._session.close()

    def __enter__(self) -> IntranetClient:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    # --- one exchange, redirects included -------------------------------------

    def _exchange(
        self,
        method: str,
        path: str,
        auth: AuthBase,
        *,
        headers: dict[str, str] | None = None,
        body: dict[str, Any] | None = None,
    ) -> _Reply:
        """`body` holds the requests keyword for the payload: {"json": ...} or {"data": ...}."""
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
        raise self._protocol_error(f"it redirected more than {MAX_REDIRECTS} times")

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
            raise self._transport_error(exc) from exc

    def _redirect_target(self, response: requests.Response, url: str) -> str | None:
        location = response.headers.get("Location")
        if response.status_code not in _REDIRECT_STATUSES or not location:
            return None
        try:
            target = urljoin(url, location.strip())
        except ValueError:
            raise self._protocol_error("it redirected to an invalid address") from None
        if not same_origin(target, self._base_url):
            # Following would send the bearer token to whoever runs the other site.
            raise CompanionError(
                ErrorKind.PROTOCOL,
                f"The intranet at {self._host} sent the companion on to another site, "
                f"{_host_label(target)}. The companion did not go there, so your sign-in "
                "stays with the intranet. Check the intranet address with IT.",
            )
        log.debug("Following a %s redirect to %s", response.status_code, target)
        return target

    def _read_reply(self, response: requests.Response, deadline: float) -> _Reply:
        is_success = 200 <= response.status_code < 300
        limit = self._max_response_bytes if is_success else _ERROR_BODY_LIMIT
        body, complete = self._read_body(response, limit, deadline)
        log.debug("HTTP %s, %d bytes", response.status_code, len(body))
        return _Reply(response.status_code, response.headers, body, complete)

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
            raise self._read_timeout_error() from exc
        except TransportSSLError as exc:
            raise self._tls_error(exc) from exc
        except DecodeError as exc:
            raise self._protocol_error("its compressed answer is damaged") from exc
        except (ProtocolError, OSError) as exc:
            raise CompanionError(
                ErrorKind.NETWORK,
                f"The connection to the intranet at {self._host} broke while its answer "
                "was arriving. Check the network connection and try again.",
            ) from exc
        return b"".join(chunks)[:limit], False

    def _remaining(self, deadline: float) -> float:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise CompanionError(
                ErrorKind.TIMEOUT,
                f"The intranet at {self._host} took longer than {_seconds(self._total_timeout)} "
                "to answer. Try again later; if it keeps happening, contact IT.",
            )
        return remaining

    # --- turning answers and failures into results ------------------------------

    def _json_object(self, reply: _Reply) -> dict[str, Any]:
        if not reply.complete:
            size = _describe_size(self._max_response_bytes)
            raise self._protocol_error(f"the answer is larger than {size}")
        media_type = _media_type(reply.headers.get("Content-Type"))
        # A missing Content-Type is tolerated; a declared non-JSON one is not.
        if media_type and not _JSON_MEDIA_TYPE.match(media_type):
            shown = media_type if _MEDIA_TYPE.match(media_type) else "another format"
            raise self._protocol_error(f"it is {shown}, not JSON")
        try:
            data = json.loads(reply.body)
        except (ValueError, RecursionError) as exc:
            raise self._protocol_error("it is not valid JSON") from exc
        if not isinstance(data, dict):
            raise self._protocol_error("it is not a JSON object")
        return data

    def _status_error(self, reply: _Reply, token: str) -> CompanionError:
        status = reply.status
        detail = _server_detail(reply.body, token)
        if status == 401:
            return SignInNeeded(
                _with_detail(
                    f"The intranet at {self._host} did not accept your sign-in; it may have "
                    f"expired or been withdrawn. {_SIGN_IN_AGAIN}",
                    detail,
                )
            )
        if status == 403:
            return CompanionError(
                ErrorKind.AUTH,
                _with_detail(
                    f"Your intranet account may not use Intranet Companion at {self._host}. "
                    "Contact IT if you need it.",
                    detail,
                ),
                title="Not allowed to use Intranet Companion",
            )
        if status == 404:
            return ConfigError(
                f"The intranet at {self._host} has no Intranet Companion API. The intranet "
                "address may be wrong, or the intranet is too old for the companion. "
                "Check the address with IT."
            )
        if status == 429 or 500 <= status <= 599:
            return self._try_later_error(reply, detail)
        return self._protocol_error(f"HTTP status {status}")

    def _try_later_error(self, reply: _Reply, detail: str | None) -> CompanionError:
        retry_after = retry_after_seconds(reply.headers)
        when = _when_to_retry(retry_after)
        if reply.status == 429:
            kind = ErrorKind.RATE_LIMITED
            sentence = f"The intranet at {self._host} is busy and asked the companion to wait."
        elif reply.status == 503:
            kind = ErrorKind.SERVER
            sentence = f"The intranet at {self._host} is unavailable at the moment (HTTP 503)."
        else:
            kind = ErrorKind.SERVER
            sentence = f"The intranet at {self._host} had a problem (HTTP {reply.status})."
        return CompanionError(
            kind, _with_detail(f"{sentence} {when}", detail), retry_after=retry_after
        )

    def _transport_error(self, exc: requests.RequestException) -> CompanionError:
        host = self._host
        if isinstance(exc, requests.exceptions.SSLError):
            return self._tls_error(exc)
        if isinstance(exc, requests.exceptions.ConnectTimeout):
            return CompanionError(
                ErrorKind.TIMEOUT,
                f"The intranet at {host} did not accept a connection within "
                f"{_seconds(self._connect_timeout)}. Check the network connection (and VPN).",
            )
        if isinstance(exc, requests.Timeout):
            return self._read_timeout_error()
        if isinstance(exc, requests.exceptions.ProxyError):
            return CompanionError(
                ErrorKind.NETWORK,
                f"The proxy server could not connect the companion to the intranet at {host}. "
                "Check the proxy settings, or contact IT.",
            )
        if _find_cause(exc, socket.gaierror, NameResolutionError):
            return CompanionError(
                ErrorKind.NETWORK,
                f"The address {host} could not be found. Check the network connection "
                "(and VPN), and that the intranet address is right.",
            )
        if _find_cause(exc, ConnectionRefusedError):
            return CompanionError(
                ErrorKind.NETWORK,
                f"The intranet at {host} refused the connection. It may be down, or the "
                "address or port may be wrong.",
            )
        return CompanionError(
            ErrorKind.NETWORK,
            f"The companion could not reach the intranet at {host}. Check the network "
            "connection (and VPN) and try again.",
        )

    def _tls_error(self, exc: BaseException) -> CompanionError:
        verification = _find_cause(exc, ssl.SSLCertVerificationError)
        reason = _plain_text(getattr(verification, "verify_message", None), 120)
        if verification is not None:
            because = f" ({reason})" if reason else ""
            message = (
                f"The companion could not verify the secure connection to the intranet at "
                f"{self._host}: this computer does not trust its certificate{because}. "
                "Contact IT."
            )
        else:
            message = (
                f"The secure connection to the intranet at {self._host} failed. Try again; "
                "if it keeps happening, contact IT."
            )
        return CompanionError(ErrorKind.TLS, message)

    def _read_timeout_error(self) -> CompanionError:
        return CompanionError(
            ErrorKind.TIMEOUT,
            f"The intranet at {self._host} did not answer within {_seconds(self._read_timeout)}. "
            "Try again later; if it keeps happening, contact IT.",
        )

    def _protocol_error(self, what: str) -> CompanionError:
        return CompanionError(
            ErrorKind.PROTOCOL,
            f"The intranet at {self._host} sent an answer the companion does not "
            f"understand ({what}). The intranet may be too old or misconfigured; contact IT.",
        )


# --- transport set-up ------------------------------------------------------------


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


class _BearerAuth(AuthBase):
    # Given as `auth` rather than as a header, it also stops requests from replacing
    # the header with credentials from ~/.netrc.
    def __init__(self, token: str) -> None:
        self._token = token

    def __call__(self, request: requests.PreparedRequest) -> requests.PreparedRequest:
        request.headers["Authorization"] = f"Bearer {self._token}"
        return request

    def __repr__(self) -> str:
        return "<bearer token>"


class _NoAuth(AuthBase):
    # Sends no credentials, and keeps requests from adding some from ~/.netrc.
    def __call__(self, request: requests.PreparedRequest) -> requests.PreparedRequest:
        return request


def _make_session(user_agent: str) -> requests.Session:
    # trust_env stays on for the environment's proxies (and CA bundle, see
    # TruststoreAdapter); the ~/.netrc it would also read is kept out by _BearerAuth.
    session = requests.Session()
    session.mount("https://", TruststoreAdapter())
    session.headers.update({"User-Agent": user_agent, "Accept": "application/json"})
    return session


def _checked_host(base_url: str) -> str:
    """The host[:port] of an allowed intranet origin; ConfigError otherwise."""
    allowed_origin(base_url)
    return urlsplit(base_url).netloc


def _bearer_auth(token: str) -> _BearerAuth:
    if not token or not _is_header_safe(token):
        raise SignInNeeded(f"The saved sign-in cannot be used. {_SIGN_IN_AGAIN}")
    return _BearerAuth(token)


def _is_header_safe(value: str) -> bool:
    return all("!" <= char <= "~" for char in value)


def _usable_etag(value: str | None) -> str | None:
    """The ETag to keep and send back, when it is one we can send back."""
    if value and len(value) <= MAX_ETAG_CHARS and _is_header_safe(value):
        return value
    return None


def _method_after_redirect(
    status: int, method: str, body: dict[str, Any] | None
) -> tuple[str, dict[str, Any] | None]:
    # As browsers do: 303 (and 301/302 after a POST) continue as a GET without body.
    if status == 303 or (status in (301, 302) and method == "POST"):
        return "GET", None
    return method, body


# --- small helpers ---------------------------------------------------------------


def _declared_length(response: requests.Response) -> int:
    try:
        return int(response.headers.get("Content-Length", "0"))
    except ValueError:
        return 0


def _media_type(content_type: str | None) -> str:
    return (content_type or "").split(";", 1)[0].strip().lower()


def _host_label(url: str) -> str:
    """host[:port] of `url`, never its userinfo."""
    try:
        parts = urlsplit(url)
        host, port = parts.hostname, parts.port
    except ValueError:
        return "an invalid address"
    if not host:
        return "an invalid address"
    return f"{host}:{port}" if port else host


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


def _plain_text(value: object, max_chars: int) -> str | None:
    """`value` as one line of printable text cut to `max_chars`, or None."""
    if not isinstance(value, str):
        return None
    text = " ".join(value.split())
    if not text or not text.isprintable() or "<" in text:
        return None
    return text if len(text) <= max_chars else text[: max_chars - 1] + "…"


def _server_detail(body: bytes, token: str) -> str | None:
    """The `message` of a JSON error body when it is short plain text without the token."""
    try:
        data = json.loads(body)
    except (ValueError, RecursionError):
        return None
    message = data.get("message") if isinstance(data, dict) else None
    text = _plain_text(message, _DETAIL_MAX_CHARS)
    if text is None or token in message:
        return None
    return text


def _with_detail(sentence: str, detail: str | None) -> str:
    return f'{sentence} The intranet said: "{detail}"' if detail else sentence


def retry_after_seconds(headers: Mapping[str, str]) -> float | None:
    """Retry-After in seconds (digits, or an HTTP date against the server's Date),
    capped at MAX_RETRY_AFTER_SECONDS; None when absent or unusable."""
    value = (headers.get("Retry-After") or "").strip()
    if not value:
        return None
    if value.isascii() and value.isdigit():
        # More than six digits is more than the cap anyway (and int() of thousands of
        # digits would be refused).
        seconds = MAX_RETRY_AFTER_SECONDS if len(value) > 6 else float(value)
    else:
        moment = parse_http_date(value)
        if moment is None:
            return None
        # Against the server's clock when it gave one, so a wrong desktop clock is harmless.
        reference = parse_http_date(headers.get("Date")) or utc_now()
        seconds = (moment - reference).total_seconds()
    return min(max(0.0, seconds), MAX_RETRY_AFTER_SECONDS)


def _when_to_retry(seconds: float | None) -> str:
    if seconds is None:
        return "Try again later."
    if seconds < 1:
        return "You can try again now."
    if seconds < 120:
        return f"Try again in {_seconds(math.ceil(seconds))}."
    if seconds < 2 * 3600:
        return f"Try again in about {math.ceil(seconds / 60)} minutes."
    return f"Try again in about {math.ceil(seconds / 3600)} hours."


def _seconds(value: float) -> str:
    return f"{value:g} second{'' if value == 1 else 's'}"


def _describe_size(size: int) -> str:
    if size >= 1024 * 1024:
        return f"{size / (1024 * 1024):g} MB"
    return f"{math.ceil(size / 1024)} KB"
