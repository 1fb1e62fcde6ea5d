"""From what went wrong talking to the intranet to the sentence a person reads.

Owns TABLE, the one table from each failure (a transport Failure, an HTTP Status, or a
Fault the client found in a call or an answer) to its CompanionError: kind, title,
sentence (from core/messages.py), and whether the server's short message and its
Retry-After go with it. Also chooses the phrases those sentences are built from: sizes,
when to retry, and which of the server's own words may be shown. No Qt here.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from enum import Enum, auto
from typing import Any
from urllib.parse import urlsplit

from tray_app.core import messages
from tray_app.core.errors import CompanionError, ConfigError, ErrorKind, SignInNeeded
from tray_app.core.transport import MAX_REDIRECTS, Failure, TransportFailure

_DETAIL_MAX_CHARS = 200
_VERIFY_MESSAGE_MAX_CHARS = 120
# Only a media type that looks like one is repeated to the user.
_MEDIA_TYPE = re.compile(r"^[\w.+-]{1,40}/[\w.+-]{1,60}$")


class Status(Enum):
    """The HTTP statuses the table tells apart (see `Status.of`)."""

    UNAUTHORIZED = 401
    FORBIDDEN = 403
    NOT_FOUND = 404
    TOO_MANY_REQUESTS = 429
    UNAVAILABLE = 503
    OTHER_5XX = "other 5xx"
    OTHER = "other"

    @classmethod
    def of(cls, status: int) -> Status:
        try:
            return cls(status)
        except ValueError:
            return cls.OTHER_5XX if 500 <= status <= 599 else cls.OTHER


class Fault(Enum):
    """What the client found wrong with a call or with an answer it got."""

    UNUSABLE_TOKEN = auto()  # empty, or not fit for an Authorization header
    OFF_ORIGIN_URL = auto()  # an OAuth endpoint on another origin than the intranet
    OVER_SIZE_LIMIT = auto()  # a success body over max_response_bytes
    TOO_LARGE = auto()  # an OAuth answer over its limit (which of two limits is not said)
    NOT_JSON_TYPE = auto()  # a declared Content-Type that is not JSON
    INVALID_JSON = auto()
    NOT_AN_OBJECT = auto()


Fields = Mapping[str, Any]
Sentence = Callable[[Fields], str]


@dataclass(frozen=True)
class Row:
    """`sentence` builds the sentence (core/messages.py) from the fields its builder
    gives: host, seconds, reason, other_site, status, when, size, media_type."""

    kind: ErrorKind
    sentence: Sentence
    title: Callable[[], str] | None = None  # None: the kind's usual title
    make: Callable[[str], CompanionError] | None = None  # ConfigError, SignInNeeded
    detail: bool = False  # the server's own short message is added
    waits: bool = False  # carries Retry-After as `retry_after`


def _not_understood(reason: Sentence) -> Row:
    return Row(ErrorKind.PROTOCOL,
               lambda f: messages.failure_not_understood(f["host"], reason(f)))


TABLE: dict[Failure | Status | Fault, Row] = {
    Failure.REFUSED: Row(ErrorKind.NETWORK, lambda f: messages.failure_refused(f["host"])),
    Failure.NAME_NOT_FOUND: Row(
        ErrorKind.NETWORK, lambda f: messages.failure_name_not_found(f["host"])),
    Failure.PROXY: Row(ErrorKind.NETWORK, lambda f: messages.failure_proxy(f["host"])),
    Failure.UNREACHABLE: Row(
        ErrorKind.NETWORK, lambda f: messages.failure_unreachable(f["host"])),
    Failure.CONNECT_TIMEOUT: Row(
        ErrorKind.TIMEOUT, lambda f: messages.failure_connect_timeout(f["host"], f["seconds"])),
    Failure.READ_TIMEOUT: Row(
        ErrorKind.TIMEOUT, lambda f: messages.failure_read_timeout(f["host"], f["seconds"])),
    Failure.DEADLINE: Row(
        ErrorKind.TIMEOUT, lambda f: messages.failure_deadline(f["host"], f["seconds"])),
    Failure.TLS_UNTRUSTED: Row(
        ErrorKind.TLS, lambda f: messages.failure_tls_untrusted(f["host"], f["reason"])),
    Failure.TLS_FAILED: Row(ErrorKind.TLS, lambda f: messages.failure_tls_failed(f["host"])),
    Failure.BROKE_MID_BODY: Row(
        ErrorKind.NETWORK, lambda f: messages.failure_broke_mid_body(f["host"])),
    Failure.DAMAGED_COMPRESSION: _not_understood(
        lambda _f: messages.not_understood_damaged_compression()),
    Failure.REDIRECTED_AWAY: Row(
        ErrorKind.PROTOCOL,
        lambda f: messages.failure_redirected_away(f["host"], f["other_site"])),
    Failure.BAD_REDIRECT: _not_understood(lambda _f: messages.not_understood_bad_redirect()),
    Failure.TOO_MANY_REDIRECTS: _not_understood(
        lambda _f: messages.not_understood_too_many_redirects(MAX_REDIRECTS)),
    Status.UNAUTHORIZED: Row(
        ErrorKind.AUTH, lambda f: messages.failure_unauthorized(f["host"]),
        make=SignInNeeded, detail=True),
    Status.FORBIDDEN: Row(
        ErrorKind.AUTH, lambda f: messages.failure_forbidden(f["host"]),
        title=messages.forbidden_title, detail=True),
    Status.NOT_FOUND: Row(
        ErrorKind.CONFIG, lambda f: messages.failure_no_api(f["host"]), make=ConfigError),
    Status.TOO_MANY_REQUESTS: Row(
        ErrorKind.RATE_LIMITED, lambda f: messages.failure_busy(f["host"], f["when"]),
        detail=True, waits=True),
    Status.UNAVAILABLE: Row(
        ErrorKind.SERVER, lambda f: messages.failure_unavailable(f["host"], f["when"]),
        detail=True, waits=True),
    Status.OTHER_5XX: Row(
        ErrorKind.SERVER,
        lambda f: messages.failure_server_problem(f["host"], f["status"], f["when"]),
        detail=True, waits=True),
    Status.OTHER: _not_understood(lambda f: messages.not_understood_http_status(f["status"])),
    Fault.UNUSABLE_TOKEN: Row(
        ErrorKind.AUTH, lambda _f: messages.failure_unusable_token(), make=SignInNeeded),
    Fault.OFF_ORIGIN_URL: Row(
        ErrorKind.CONFIG, lambda f: messages.failure_off_origin(f["other_site"], f["host"]),
        make=ConfigError),
    Fault.OVER_SIZE_LIMIT: _not_understood(
        lambda f: messages.not_understood_larger_than(f["size"])),
    Fault.TOO_LARGE: _not_understood(lambda _f: messages.not_understood_too_large()),
    Fault.NOT_JSON_TYPE: _not_understood(
        lambda f: messages.not_understood_media_type(f["media_type"])),
    Fault.INVALID_JSON: _not_understood(lambda _f: messages.not_understood_invalid_json()),
    Fault.NOT_AN_OBJECT: _not_understood(lambda _f: messages.not_understood_not_an_object()),
}


def transport_error(failure: TransportFailure, host: str) -> CompanionError:
    return _error(
        failure.failure,
        host=host,
        seconds=failure.seconds or 0.0,
        reason=_plain_text(failure.verify_message, _VERIFY_MESSAGE_MAX_CHARS) or "",
        other_site=_host_label(failure.location or ""),
    )


def status_error(
    status: int, host: str, *, detail: str | None = None, retry_after: float | None = None
) -> CompanionError:
    """For an answer with HTTP `status`; `detail` is added where the table says so."""
    return _error(
        Status.of(status),
        detail=detail,
        retry_after=retry_after,
        host=host,
        status=str(status),
        when=_when_to_retry(retry_after),
    )


def fault_error(
    fault: Fault, host: str, *, url: str = "", size: int = 0, media_type: str = ""
) -> CompanionError:
    """`url` is the off-origin address, `size` the limit an answer was over,
    `media_type` the one it declared."""
    return _error(
        fault,
        host=host,
        other_site=_host_label(url),
        size=_describe_size(size),
        media_type=_shown_media_type(media_type),
    )


def _error(
    key: Failure | Status | Fault,
    *,
    detail: str | None = None,
    retry_after: float | None = None,
    **fields: Any,
) -> CompanionError:
    row = TABLE[key]
    # The detail is added after formatting: a server's braces are no placeholders.
    message = row.sentence(fields)
    if row.detail and detail:
        message = messages.with_intranet_detail(message, detail)
    if row.make is not None:
        return row.make(message)
    return CompanionError(
        row.kind, message, title=row.title() if row.title else None,
        retry_after=retry_after if row.waits else None,
    )


def server_detail(body: bytes, token: str) -> str | None:
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


def _plain_text(value: object, max_chars: int) -> str | None:
    """`value` as one line of printable text cut to `max_chars`, or None."""
    if not isinstance(value, str):
        return None
    text = " ".join(value.split())
    if not text or not text.isprintable() or "<" in text:
        return None
    return text if len(text) <= max_chars else text[: max_chars - 1] + "…"


def _shown_media_type(media_type: str) -> str:
    return media_type if _MEDIA_TYPE.match(media_type) else messages.another_format()


def _host_label(url: str) -> str:
    """host[:port] of `url`, never its userinfo."""
    try:
        parts = urlsplit(url)
        host, port = parts.hostname, parts.port
    except ValueError:
        return messages.an_invalid_address()
    if not host:
        return messages.an_invalid_address()
    return f"{host}:{port}" if port else host


def _when_to_retry(seconds: float | None) -> str:
    if seconds is None:
        return messages.retry_later()
    if seconds < 1:
        return messages.retry_now()
    if seconds < 120:
        return messages.retry_in_seconds(math.ceil(seconds))
    if seconds < 2 * 3600:
        return messages.retry_in_minutes(math.ceil(seconds / 60))
    return messages.retry_in_hours(math.ceil(seconds / 3600))


def _describe_size(size: int) -> str:
    if size >= 1024 * 1024:
        return messages.size_megabytes(size / (1024 * 1024))
    return messages.size_kilobytes(math.ceil(size / 1024))
