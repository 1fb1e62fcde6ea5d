"""`POST grant_url`: the desktop hands over a grant it got through the vendor's own
sign-in (intranet-api.md, "Native reconnect").

The body is checked and only the account, the vendor's account id, the expiry and the
scopes are kept: the tokens are checked for shape, then dropped. They are never stored,
logged or repeated in an answer.
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from typing import Any

from tray_app.core.timeutil import format_utc, parse_rfc3339
from tray_app.demo.web import HttpError

GRANT_PATH = "/api/v1/me/integrations/{id}/grant"
# A grant handed over without expires_at is taken to last this long, like Connect account.
DEFAULT_GRANT_LIFETIME = timedelta(days=90)
MAX_GRANT_BYTES = 32 * 1024
_MAX_TOKEN_CHARS = 12_000
_MAX_TEXT_CHARS = 320
_MAX_SCOPES = 100
_MAX_DAYS = 36_500


def grant_path(integration_id: str) -> str:
    return GRANT_PATH.replace("{id}", integration_id)


def _refuse(message: str) -> HttpError:
    return HttpError(400, message, code="invalid_grant")


def checked_grant(body: bytes, offer: dict[str, Any], now: datetime) -> dict[str, Any]:
    """What is kept of a usable grant for the integration that made `offer` (its
    native_connect): `account`, `account_id`, `expires_at` (RFC 3339) and `scopes`.
    Raises HttpError: 400 invalid_grant when unusable, 409 account_mismatch."""
    grant = _parse(body)
    if grant.get("provider") != offer["provider"]:
        raise _refuse(f"'provider' must be '{offer['provider']}', the vendor of this "
                      "integration.")
    account = _text(grant, "account", required=True)
    _token(grant, "refresh_token")
    _token(grant, "access_token")
    kept = {
        "account": account,
        "account_id": _text(grant, "account_id", required=False),
        "expires_at": _expires_at(grant.get("expires_at"), now),
        "scopes": _scopes(grant.get("scopes")),
    }
    _check_account(account, offer.get("expected_account"))
    return kept


def _parse(body: bytes) -> dict[str, Any]:
    if len(body) > MAX_GRANT_BYTES:
        raise _refuse(f"The grant is larger than {MAX_GRANT_BYTES} bytes.")
    try:
        grant = json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError):
        raise _refuse("The grant is not a JSON object.") from None
    if not isinstance(grant, dict):
        raise _refuse("The grant is not a JSON object.")
    return grant


def _text(grant: dict[str, Any], key: str, *, required: bool) -> str | None:
    value = grant.get(key)
    if value is None and not required:
        return None
    if not isinstance(value, str) or not 1 <= len(value) <= _MAX_TEXT_CHARS \
            or not value.isprintable():
        raise _refuse(f"'{key}' must be a string of 1 to {_MAX_TEXT_CHARS} characters.")
    return value


def _token(grant: dict[str, Any], key: str) -> None:
    # The message names the field only: a token's value never goes into an answer.
    value = grant.get(key)
    if not isinstance(value, str) or not 1 <= len(value) <= _MAX_TOKEN_CHARS:
        raise _refuse(f"'{key}' must be a non-empty string of at most {_MAX_TOKEN_CHARS} "
                      "characters.")


def _expires_at(value: object, now: datetime) -> str:
    if value is None:
        return format_utc(now + DEFAULT_GRANT_LIFETIME)
    moment = parse_rfc3339(value) if isinstance(value, str) else None
    if moment is None:
        raise _refuse("'expires_at' must be an RFC 3339 time with offset, like "
                      "2027-03-01T09:00:00Z.")
    if moment <= now:
        raise _refuse("'expires_at' is already past: the grant no longer works.")
    if moment - now > timedelta(days=_MAX_DAYS):
        raise _refuse(f"'expires_at' is more than {_MAX_DAYS} days away.")
    return format_utc(moment)


def _scopes(value: object) -> list[str]:
    if value is None:
        return []
    if not isinstance(value, list) or len(value) > _MAX_SCOPES or not all(
            isinstance(scope, str) and 1 <= len(scope) <= _MAX_TEXT_CHARS for scope in value):
        raise _refuse(f"'scopes' must be a list of at most {_MAX_SCOPES} non-empty strings.")
    return list(value)


def _check_account(account: str, expected: str | None) -> None:
    if expected is not None and account.casefold() != expected.casefold():
        raise HttpError(
            409,
            f"This integration must be connected with the account {expected}, "
            f"not {account}. Sign in to the vendor as {expected} and try again.",
            code="account_mismatch",
        )
