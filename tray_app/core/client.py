"""The intranet API calls (intranet-api.md).

Fetches the user's integrations, acknowledges notices, and gives the OAuth code its
token-less form POSTs and JSON GETs. The transport rules live in `transport` and the
sentences in `failures`; every failure leaves here as a CompanionError whose message a
person can read. No Qt here: `check` imports this on its fast path.
"""

from __future__ import annotations

import json
import logging
import platform
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

from tray_app import __version__
from tray_app.core import failures
from tray_app.core.errors import CompanionError
from tray_app.core.failures import Fault
from tray_app.core.schedule import MAX_RETRY_AFTER_SECONDS
from tray_app.core.timeutil import parse_http_date, utc_now
from tray_app.core.transport import (
    MAX_REDIRECTS,
    Auth,
    BearerAuth,
    NoAuth,
    Reply,
    Transport,
    TransportFailure,
)
from tray_app.core.urls import allowed_origin, same_origin

# MAX_REDIRECTS lives in `transport`; still importable from here.
__all__ = [
    "ACK_PATH",
    "INTEGRATIONS_PATH",
    "MAX_ETAG_CHARS",
    "MAX_REDIRECTS",
    "FetchResult",
    "FormAnswer",
    "IntranetClient",
    "default_user_agent",
    "retry_after_seconds",
]

log = logging.getLogger(__name__)

INTEGRATIONS_PATH = "/api/v1/me/integrations"
ACK_PATH = "/api/v1/me/notices/ack"
MAX_ETAG_CHARS = 1024

_JSON_MEDIA_TYPE = re.compile(r"^application/([\w.+-]+\+)?json$", re.IGNORECASE)


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
        self._max_response_bytes = max_response_bytes
        self._transport = Transport(
            self._base_url,
            user_agent=user_agent or default_user_agent(),
            connect_timeout=connect_timeout,
            read_timeout=read_timeout,
            max_response_bytes=max_response_bytes,
            total_timeout=total_timeout,
        )

    def fetch_integrations(self, token: str, etag: str | None = None) -> FetchResult:
        headers = {}
        if etag and _is_header_safe(etag):
            headers["If-None-Match"] = etag
        elif etag:
            log.debug("Not sending a stored ETag that is not a valid header value")
        reply = self._exchange("GET", INTEGRATIONS_PATH, self._bearer_auth(token), headers=headers)
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
        auth = self._bearer_auth(token)
        reply = self._exchange("POST", ACK_PATH, auth, body={"json": payload})
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

    def close(self) -> None:
        self._transport.close()

    def __enter__(self) -> IntranetClient:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    def _public_exchange(self, method: str, url: str, body: dict[str, Any] | None) -> FormAnswer:
        """Transport failures, timeouts, 429 and 5xx raise as they do for the API; other
        answers are returned for the caller to judge, with the JSON object they carry."""
        if not same_origin(url, self._base_url):
            raise failures.fault_error(Fault.OFF_ORIGIN_URL, self._host, url=url)
        parts = urlsplit(url)
        path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        reply = self._exchange(method, path, NoAuth(), body=body)
        if reply.status == 429 or 500 <= reply.status <= 599:
            raise failures.status_error(
                reply.status, self._host, retry_after=retry_after_seconds(reply.headers)
            )
        if not reply.complete:
            raise failures.fault_error(Fault.TOO_LARGE, self._host)
        try:
            data = json.loads(reply.body) if reply.body else None
        except (ValueError, RecursionError):
            data = None
        return FormAnswer(reply.status, data if isinstance(data, dict) else None)

    def _exchange(
        self,
        method: str,
        path: str,
        auth: Auth,
        *,
        headers: dict[str, str] | None = None,
        body: dict[str, Any] | None = None,
    ) -> Reply:
        try:
            return self._transport.exchange(method, path, auth, headers=headers, body=body)
        except TransportFailure as failure:
            # Chained to what the transport met, as if it had been raised here.
            raise failures.transport_error(failure, self._host) from failure.__cause__

    def _bearer_auth(self, token: str) -> BearerAuth:
        if not token or not _is_header_safe(token):
            raise failures.fault_error(Fault.UNUSABLE_TOKEN, self._host)
        return BearerAuth(token)

    def _json_object(self, reply: Reply) -> dict[str, Any]:
        if not reply.complete:
            raise failures.fault_error(
                Fault.OVER_SIZE_LIMIT, self._host, size=self._max_response_bytes
            )
        media_type = _media_type(reply.headers.get("Content-Type"))
        # A missing Content-Type is tolerated; a declared non-JSON one is not.
        if media_type and not _JSON_MEDIA_TYPE.match(media_type):
            raise failures.fault_error(Fault.NOT_JSON_TYPE, self._host, media_type=media_type)
        try:
            data = json.loads(reply.body)
        except (ValueError, RecursionError) as exc:
            raise failures.fault_error(Fault.INVALID_JSON, self._host) from exc
        if not isinstance(data, dict):
            raise failures.fault_error(Fault.NOT_AN_OBJECT, self._host)
        return data

    def _status_error(self, reply: Reply, token: str) -> CompanionError:
        return failures.status_error(
            reply.status,
            self._host,
            detail=failures.server_detail(reply.body, token),
            retry_after=retry_after_seconds(reply.headers),
        )


def _checked_host(base_url: str) -> str:
    """The host[:port] of an allowed intranet origin; ConfigError otherwise."""
    allowed_origin(base_url)
    return urlsplit(base_url).netloc


def _is_header_safe(value: str) -> bool:
    return all("!" <= char <= "~" for char in value)


def _usable_etag(value: str | None) -> str | None:
    """The ETag to keep and send back, when it is one we can send back."""
    if value and len(value) <= MAX_ETAG_CHARS and _is_header_safe(value):
        return value
    return None


def _media_type(content_type: str | None) -> str:
    return (content_type or "").split(";", 1)[0].strip().lower()


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
