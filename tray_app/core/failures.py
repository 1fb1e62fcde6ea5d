"""From what went wrong talking to the intranet to the sentence a person reads.

Owns TABLE, the one table from each failure (a transport Failure, an HTTP Status, or a
Fault the client found in a call or an answer) to its CompanionError: kind, title,
sentence, and whether the server's short message and its Retry-After go with it. Also
owns the phrases those sentences are built from: seconds, sizes, when to retry, and
which of the server's own words may be shown. No Qt here.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Callable
from dataclasses import dataclass
from enum import Enum, auto
from urllib.parse import urlsplit

from tray_app.core.errors import CompanionError, ConfigError, ErrorKind, SignInNeeded
from tray_app.core.transport import MAX_REDIRECTS, Failure, TransportFailure

SIGN_IN_AGAIN = (
    "Sign in again: choose Sign in… in the tray menu, or run `intranet-companion sign-in`."
)
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


@dataclass(frozen=True)
class Row:
    """`sentence` is a str.format template over the fields its builder gives: host,
    seconds, because, other_site, status, when, size, media_type."""

    kind: ErrorKind
    sentence: str
    title: str | None = None  # None: the kind's usual title
    make: Callable[[str], CompanionError] | None = None  # ConfigError, SignInNeeded
    detail: bool = False  # the server's own short message is added
    waits: bool = False  # carries Retry-After as `retry_after`


def _not_understood(what: str) -> Row:
    return Row(
        ErrorKind.PROTOCOL,
        f"The intranet at {{host}} sent an answer the companion does not understand "
        f"({what}). The intranet may be too old or misconfigured; contact IT.",
    )


TABLE: dict[Failure | Status | Fault, Row] = {
    Failure.REFUSED: Row(
        ErrorKind.NETWORK,
        "The intranet at {host} refused the connection. It may be down, or the "
        "address or port may be wrong.",
    ),
    Failure.NAME_NOT_FOUND: Row(
        ErrorKind.NETWORK,
        "The address {host} could not be found. Check the network connection "
        "(and VPN), and that the intranet address is right.",
    ),
    Failure.PROXY: Row(
        ErrorKind.NETWORK,
        "The proxy server could not connect the companion to the intranet at {host}. "
        "Check the proxy settings, or contact IT.",
    ),
    Failure.UNREACHABLE: Row(
        ErrorKind.NETWORK,
        "The companion could not reach the intranet at {host}. Check the network "
        "connection (and VPN) and try again.",
    ),
    Failure.CONNECT_TIMEOUT: Row(
        ErrorKind.TIMEOUT,
        "The intranet at {host} did not accept a connection within {seconds}. "
        "Check the network connection (and VPN).",
    ),
    Failure.READ_TIMEOUT: Row(
        ErrorKind.TIMEOUT,
        "The intranet at {host} did not answer within {seconds}. "
        "Try again later; if it keeps happening, contact IT.",
    ),
    Failure.DEADLINE: Row(
        ErrorKind.TIMEOUT,
        "The intranet at {host} took longer than {seconds} to answer. "
        "Try again later; if it keeps happening, contact IT.",
    ),
    Failure.TLS_UNTRUSTED: Row(
        ErrorKind.TLS,
        "The companion could not verify the secure connection to the intranet at "
        "{host}: this computer does not trust its certificate{because}. Contact IT.",
    ),
    Failure.TLS_FAILED: Row(
        ErrorKind.TLS,
        "The secure connection to the intranet at {host} failed. Try again; "
        "if it keeps happening, contact IT.",
    ),
    Failure.BROKE_MID_BODY: Row(
        ErrorKind.NETWORK,
        "The connection to the intranet at {host} broke while its answer "
        "was arriving. Check the network connection and try again.",
    ),
    Failure.DAMAGED_COMPRESSION: _not_understood("its compressed answer is damaged"),
    Failure.REDIRECTED_AWAY: Row(
        ErrorKind.PROTOCOL,
        "The intranet at {host} sent the companion on to another site, {other_site}. "
        "The companion did not go there, so your sign-in stays with the intranet. "
        "Check the intranet address with IT.",
    ),
    Failure.BAD_REDIRECT: _not_understood("it redirected to an invalid address"),
    Failure.TOO_MANY_REDIRECTS: _not_understood(f"it redirected more than {MAX_REDIRECTS} times"),
    Status.UNAUTHORIZED: Row(
        ErrorKind.AUTH,
        "The intranet at {host} did not accept your sign-in; it may have "
        f"expired or been withdrawn. {SIGN_IN_AGAIN}",
        make=SignInNeeded,
        detail=True,
    ),
    Status.FORBIDDEN: Row(
        ErrorKind.AUTH,
        "Your intranet account may not use Intranet Companion at {host}. "
        "Contact IT if you need it.",
        title="Not allowed to use Intranet Companion",
        detail=True,
    ),
    Status.NOT_FOUND: Row(
        ErrorKind.CONFIG,
        "The intranet at {host} has no Intranet Companion API. The intranet "
        "address may be wrong, or the intranet is too old for the companion. "
        "Check the address with IT.",
        make=ConfigError,
    ),
    Status.TOO_MANY_REQUESTS: Row(
        ErrorKind.RATE_LIMITED,
        "The intranet at {host} is busy and asked the companion to wait. {when}",
        detail=True,
        waits=True,
    ),
    Status.UNAVAILABLE: Row(
        ErrorKind.SERVER,
        "The intranet at {host} is unavailable at the moment (HTTP 503). {when}",
        detail=True,
        waits=True,
    ),
    Status.OTHER_5XX: Row(
        ErrorKind.SERVER,
        "The intranet at {host} had a problem (HTTP {status}). {when}",
        detail=True,
        waits=True,
    ),
    Status.OTHER: _not_understood("HTTP status {status}"),
    Fault.UNUSABLE_TOKEN: Row(
        ErrorKind.AUTH, f"The saved sign-in cannot be used. {SIGN_IN_AGAIN}", make=SignInNeeded
    ),
    Fault.OFF_ORIGIN_URL: Row(
        ErrorKind.CONFIG, "'{other_site}' is not on {host}.", make=ConfigError
    ),
    Fault.OVER_SIZE_LIMIT: _not_understood("the answer is larger than {size}"),
    Fault.TOO_LARGE: _not_understood("the answer is too large"),
    Fault.NOT_JSON_TYPE: _not_understood("it is {media_type}, not JSON"),
    Fault.INVALID_JSON: _not_understood("it is not valid JSON"),
    Fault.NOT_AN_OBJECT: _not_understood("it is not a JSON object"),
}


def transport_error(failure: TransportFailure, host: str) -> CompanionError:
    seconds = failure.seconds
    return _error(
        failure.failure,
        host=host,
        seconds=_seconds(seconds) if seconds is not None else "",
        because=_because(failure.verify_message),
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
    **fields: str,
) -> CompanionError:
    row = TABLE[key]
    # The detail is added after formatting: a server's braces are no placeholders.
    message = row.sentence.format_map(fields)
    if row.detail and detail:
        message = f'{message} The intranet said: "{detail}"'
    if row.make is not None:
        return row.make(message)
    return CompanionError(
        row.kind, message, title=row.title, retry_after=retry_after if row.waits else None
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


def _because(verify_message: str | None) -> str:
    reason = _plain_text(verify_message, _VERIFY_MESSAGE_MAX_CHARS)
    return f" ({reason})" if reason else ""


def _shown_media_type(media_type: str) -> str:
    return media_type if _MEDIA_TYPE.match(media_type) else "another format"


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
