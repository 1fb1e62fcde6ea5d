"""POST grant_url: hand the vendor's new grant to the intranet (intranet-api.md).

Over the intranet's own transport (core/transport.py: the OS trust store, same-origin
redirects only, bounded waits) with its bearer token, refreshed once after a 401 as a
check does. The answer's `message` is shown as plain text, and only when it repeats
no token.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from enum import StrEnum
from urllib.parse import urlsplit

from tray_app.core import failures
from tray_app.core.client import default_user_agent, retry_after_seconds
from tray_app.core.native.common import VendorGrant
from tray_app.core.text import clean, inert, shorten
from tray_app.core.tokens import TokenProvider
from tray_app.core.transport import BearerAuth, Reply, Transport, TransportFailure

log = logging.getLogger(__name__)

MAX_MESSAGE_CHARS = 300


class GrantAnswer(StrEnum):
    STORED = "stored"  # 204
    WRONG_ACCOUNT = "wrong_account"  # 409 account_mismatch
    UNUSABLE = "unusable"  # 400 invalid_grant (or another 4xx)
    NOT_OFFERED = "not_offered"  # 404


@dataclass(frozen=True)
class GrantReply:
    answer: GrantAnswer
    message: str | None  # the intranet's own words, plain text, or None


@dataclass(frozen=True)
class GrantTarget:
    intranet_url: str
    grant_url: str
    connect_timeout: float
    read_timeout: float


def hand_over(grant: VendorGrant, target: GrantTarget, tokens: TokenProvider) -> GrantReply:
    """POST the grant. CompanionError for a network failure, a 401 after a refresh, a 429
    or a 5xx (nothing was stored then)."""
    transport = Transport(target.intranet_url.rstrip("/"), user_agent=default_user_agent(),
                          connect_timeout=target.connect_timeout,
                          read_timeout=target.read_timeout, max_response_bytes=64 * 1024)
    host = urlsplit(target.intranet_url).netloc
    parts = urlsplit(target.grant_url)
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    try:
        token = tokens.access_token()
        reply = _post(transport, path, token, grant, host)
        if reply.status == 401:
            token = tokens.refresh()
            reply = _post(transport, path, token, grant, host)
    finally:
        transport.close()
    return _judged(reply, host, (*grant.tokens, token))


def _post(transport: Transport, path: str, token: str, grant: VendorGrant,
          host: str) -> Reply:
    try:
        return transport.exchange("POST", path, BearerAuth(token), body={"json": grant.body()})
    except TransportFailure as failure:
        raise failures.transport_error(failure, host) from None


def _judged(reply: Reply, host: str, secrets: tuple[str, ...]) -> GrantReply:
    message = _message(reply.body, secrets)
    log.info("The intranet answered the handed-over grant with HTTP %d", reply.status)
    if 200 <= reply.status < 300:
        return GrantReply(GrantAnswer.STORED, None)
    if reply.status == 409:
        return GrantReply(GrantAnswer.WRONG_ACCOUNT, message)
    if reply.status == 404:
        return GrantReply(GrantAnswer.NOT_OFFERED, message)
    if reply.status == 401:
        raise failures.status_error(401, host)
    if reply.status == 429 or reply.status >= 500:
        raise failures.status_error(reply.status, host, detail=message,
                                    retry_after=retry_after_seconds(reply.headers))
    return GrantReply(GrantAnswer.UNUSABLE, message)


def _message(body: bytes, secrets: tuple[str, ...]) -> str | None:
    """The error body's `message` as one line of plain text, unless it repeats a token."""
    try:
        data = json.loads(body) if body else None
    except (ValueError, RecursionError):
        return None
    message = data.get("message") if isinstance(data, dict) else None
    if not isinstance(message, str) or not message.strip():
        return None
    if any(secret and secret in message for secret in secrets):
        return None
    return shorten(inert(clean(message.strip())), MAX_MESSAGE_CHARS)

