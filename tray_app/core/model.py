"""The intranet's answer, parsed and checked against intranet-api.md.

A wrong overall shape is a protocol error; a malformed integration entry is
skipped with a warning naming its index, and the rest still count.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from tray_app.core.errors import CompanionError, ErrorKind
from tray_app.core.timeutil import parse_rfc3339

DEFAULT_WARNING_WINDOW_DAYS = 10
_ID = re.compile(r"^[A-Za-z0-9_.-]{1,64}$")
KNOWN_STATUSES = ("connected", "disconnected", "not_connected")


@dataclass(frozen=True)
class User:
    id: str
    name: str
    email: str | None


@dataclass(frozen=True)
class Integration:
    """One entry of `integrations[]` as the server sent it (times parsed)."""

    id: str
    name: str
    provider: str
    status: str
    account: str | None = None
    expires_at: datetime | None = None
    disconnected_at: datetime | None = None
    reason: str | None = None
    reconnect_url: str | None = None


@dataclass(frozen=True)
class IntegrationList:
    user: User
    external_apps_url: str
    warning_window_days: int
    integrations: tuple[Integration, ...]
    warnings: tuple[str, ...] = field(default=())


def _protocol(message: str) -> CompanionError:
    return CompanionError(
        ErrorKind.PROTOCOL,
        f"The intranet sent an answer the companion does not understand ({message}).",
    )


def _optional_str(entry: dict[str, Any], key: str) -> str | None:
    value = entry.get(key)
    if value is None:
        return None
    if not isinstance(value, str):
        raise ValueError(f"'{key}' is not a string")
    return value


def _optional_time(entry: dict[str, Any], key: str) -> datetime | None:
    raw = entry.get(key)
    if raw is None:
        return None
    moment = parse_rfc3339(raw)
    if moment is None:
        raise ValueError(f"'{key}' is not an RFC 3339 time with offset")
    return moment


def _required_str(entry: dict[str, Any], key: str) -> str:
    value = entry.get(key)
    if not isinstance(value, str) or not value:
        raise ValueError(f"'{key}' is missing or not a string")
    return value


def parse_integration(entry: object) -> Integration:
    """Raise ValueError with a short reason when the entry is malformed."""
    if not isinstance(entry, dict):
        raise ValueError("it is not an object")
    ident = _required_str(entry, "id")
    if not _ID.match(ident):
        raise ValueError("'id' has characters or a length the contract does not allow")
    name = _required_str(entry, "name")
    if len(name) > 100:
        raise ValueError("'name' is longer than 100 characters")
    return Integration(
        id=ident,
        name=name,
        provider=_required_str(entry, "provider"),
        status=_required_str(entry, "status"),
        account=_optional_str(entry, "account"),
        expires_at=_optional_time(entry, "expires_at"),
        disconnected_at=_optional_time(entry, "disconnected_at"),
        reason=_optional_str(entry, "reason"),
        reconnect_url=_optional_str(entry, "reconnect_url"),
    )


def _parse_user(raw: object) -> User:
    if not isinstance(raw, dict):
        raise _protocol("'user' is missing")
    user_id, name, email = raw.get("id"), raw.get("name"), raw.get("email")
    if not isinstance(user_id, str) or not isinstance(name, str):
        raise _protocol("'user' has no id or name")
    return User(user_id, name, email if isinstance(email, str) else None)


def _parse_window(raw: object, warnings: list[str]) -> int:
    if raw is None:
        return DEFAULT_WARNING_WINDOW_DAYS
    if isinstance(raw, int) and not isinstance(raw, bool) and 1 <= raw <= 90:
        return raw
    warnings.append(
        f"warning_window_days {raw!r} is not a whole number from 1 to 90; "
        f"using {DEFAULT_WARNING_WINDOW_DAYS}"
    )
    return DEFAULT_WARNING_WINDOW_DAYS


def _parse_entries(raw: list[object], warnings: list[str]) -> tuple[Integration, ...]:
    parsed: list[Integration] = []
    seen: set[str] = set()
    for index, entry in enumerate(raw):
        try:
            integration = parse_integration(entry)
        except ValueError as problem:
            warnings.append(f"integrations[{index}] skipped: {problem}")
            continue
        if integration.id in seen:
            warnings.append(
                f"integrations[{index}] skipped: id '{integration.id}' appears twice"
            )
            continue
        seen.add(integration.id)
        if integration.status not in KNOWN_STATUSES:
            warnings.append(
                f"integrations[{index}] ({integration.id}) has unknown status "
                f"{integration.status!r}; reported as unknown"
            )
        parsed.append(integration)
    return tuple(parsed)


def parse_integration_list(body: object) -> IntegrationList:
    """Parse GET /api/v1/me/integrations; raise a protocol error on a wrong shape."""
    if not isinstance(body, dict):
        raise _protocol("the answer is not a JSON object")
    external_apps_url = body.get("external_apps_url")
    if not isinstance(external_apps_url, str) or not external_apps_url:
        raise _protocol("'external_apps_url' is missing")
    entries = body.get("integrations")
    if not isinstance(entries, list):
        raise _protocol("'integrations' is not a list")
    warnings: list[str] = []
    user = _parse_user(body.get("user"))
    window = _parse_window(body.get("warning_window_days"), warnings)
    integrations = _parse_entries(entries, warnings)
    return IntegrationList(user, external_apps_url, window, integrations, tuple(warnings))
