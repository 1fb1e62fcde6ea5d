"""The intranet's answer, parsed and checked against intranet-api.md.

Total over any JSON value: a wrong overall shape is a protocol error; a malformed
integration entry is skipped with a warning naming its index, and the rest still count.
Every string kept passes `text.clean` here, where it enters, and every size is bounded,
so what the app stores and shows stays small whatever the server sends.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

from tray_app.core import messages
from tray_app.core.errors import CompanionError, ErrorKind
from tray_app.core.text import clean, describe_value
from tray_app.core.timeutil import format_utc_exact, parse_rfc3339

DEFAULT_WARNING_WINDOW_DAYS = 10
_ID = re.compile(r"[A-Za-z0-9_.-]{1,64}")
KNOWN_STATUSES = ("connected", "disconnected", "not_connected")
MAX_NAME_CHARS = 100
# Limits the contract leaves open, generous for real data.
MAX_TEXT_CHARS = 512  # provider, status, account, reason, user fields
MAX_URL_CHARS = 4096
MAX_INTEGRATIONS = 200
MAX_WARNINGS = 50
NATIVE_PROVIDERS = ("microsoft", "google", "dropbox")
MAX_SCOPES = 50


@dataclass(frozen=True)
class User:
    id: str
    name: str
    email: str | None


@dataclass(frozen=True)
class NativeConnect:
    """An entry's `native_connect` (intranet-api.md, "Native reconnect"), its shape
    checked here; whether `grant_url` is on the intranet's origin is classify's to judge."""

    provider: str
    client_id: str
    grant_url: str
    scopes: tuple[str, ...] = ()
    authority: str | None = None
    expected_account: str | None = None


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
    native_connect: NativeConnect | None = None


@dataclass(frozen=True)
class IntegrationList:
    user: User
    external_apps_url: str
    warning_window_days: int
    integrations: tuple[Integration, ...]
    warnings: tuple[str, ...] = field(default=())


def _protocol(reason: str) -> CompanionError:
    return CompanionError(ErrorKind.PROTOCOL, messages.answer_not_understood(reason))


def _bounded(value: str, key: str, max_chars: int) -> str:
    if len(value) > max_chars:
        raise ValueError(messages.entry_too_long(key, max_chars))
    return clean(value)


def _optional_str(entry: dict[str, Any], key: str, max_chars: int = MAX_TEXT_CHARS) -> str | None:
    value = entry.get(key)
    if value is None:
        return None
    if not isinstance(value, str):
        raise ValueError(messages.entry_not_a_string(key))
    return _bounded(value, key, max_chars)


def _optional_time(entry: dict[str, Any], key: str) -> datetime | None:
    raw = entry.get(key)
    if raw is None:
        return None
    moment = parse_rfc3339(raw)
    if moment is None:
        raise ValueError(messages.entry_not_a_time(key))
    return moment


def _required_str(entry: dict[str, Any], key: str, max_chars: int = MAX_TEXT_CHARS) -> str:
    value = entry.get(key)
    if not isinstance(value, str) or not value:
        raise ValueError(messages.entry_missing(key))
    return _bounded(value, key, max_chars)


def _scopes(raw: object) -> tuple[str, ...]:
    if raw is None:
        return ()
    if not isinstance(raw, list) or len(raw) > MAX_SCOPES \
            or not all(isinstance(scope, str) and scope for scope in raw):
        raise ValueError(messages.native_connect_scopes_invalid(MAX_SCOPES))
    return tuple(_bounded(scope, "scopes", MAX_TEXT_CHARS) for scope in raw)


def _authority(raw: dict[str, Any], provider: str) -> str | None:
    """MSAL takes only an https authority with a path (the tenant); None: msal's default."""
    authority = _optional_str(raw, "authority", MAX_URL_CHARS)
    if authority is None or provider != "microsoft":
        return None
    parts = urlsplit(authority)
    if parts.scheme != "https" or not parts.hostname or not parts.path.strip("/") \
            or parts.username is not None or parts.query or parts.fragment:
        raise ValueError(messages.native_connect_authority_invalid())
    return authority.rstrip("/")


def parse_native_connect(raw: object) -> NativeConnect | None:
    """The entry's `native_connect`, None when absent or for a vendor the companion has
    no flow for (the contract says to ignore it); ValueError with a short reason when it
    is malformed (the caller ignores it with a warning and keeps the integration)."""
    if raw is None:
        return None
    if not isinstance(raw, dict):
        raise ValueError(messages.entry_not_an_object())
    provider = raw.get("provider")
    if provider not in NATIVE_PROVIDERS:
        return None
    return NativeConnect(
        provider=provider,
        client_id=_required_str(raw, "client_id"),
        grant_url=_required_str(raw, "grant_url", MAX_URL_CHARS),
        scopes=_scopes(raw.get("scopes")),
        authority=_authority(raw, provider),
        expected_account=_optional_str(raw, "expected_account"),
    )


def _lenient_native_connect(entry: dict[str, Any], ident: str,
                            warnings: list[str] | None) -> NativeConnect | None:
    try:
        return parse_native_connect(entry.get("native_connect"))
    except ValueError as problem:
        if warnings is not None:
            warnings.append(messages.warning_native_connect_ignored(ident, str(problem)))
        return None


def parse_integration(entry: object, warnings: list[str] | None = None) -> Integration:
    """Raise ValueError with a short reason when the entry is malformed. A malformed
    `native_connect` alone only adds a warning to `warnings`."""
    if not isinstance(entry, dict):
        raise ValueError(messages.entry_not_an_object())
    ident = entry.get("id")
    if not isinstance(ident, str) or not _ID.fullmatch(ident):
        raise ValueError(messages.entry_bad_id())
    name = _required_str(entry, "name", MAX_NAME_CHARS)
    return Integration(
        id=ident,
        name=name,
        provider=_required_str(entry, "provider"),
        status=_required_str(entry, "status"),
        account=_optional_str(entry, "account"),
        expires_at=_optional_time(entry, "expires_at"),
        disconnected_at=_optional_time(entry, "disconnected_at"),
        reason=_optional_str(entry, "reason"),
        reconnect_url=_optional_str(entry, "reconnect_url", MAX_URL_CHARS),
        native_connect=_lenient_native_connect(entry, ident, warnings),
    )


def _parse_user(raw: object) -> User:
    if not isinstance(raw, dict):
        raise _protocol(messages.answer_user_missing())
    user_id, name, email = raw.get("id"), raw.get("name"), raw.get("email")
    if not isinstance(user_id, str) or not isinstance(name, str):
        raise _protocol(messages.answer_user_incomplete())
    if max(len(user_id), len(name), len(email) if isinstance(email, str) else 0) \
            > MAX_TEXT_CHARS:
        raise _protocol(messages.answer_user_field_too_long(MAX_TEXT_CHARS))
    return User(clean(user_id), clean(name), clean(email) if isinstance(email, str) else None)


def _parse_window(raw: object, warnings: list[str]) -> int:
    if raw is None:
        return DEFAULT_WARNING_WINDOW_DAYS
    if isinstance(raw, int) and not isinstance(raw, bool) and 1 <= raw <= 90:
        return raw
    warnings.append(messages.warning_window_invalid(describe_value(raw),
                                                    DEFAULT_WARNING_WINDOW_DAYS))
    return DEFAULT_WARNING_WINDOW_DAYS


def _parse_entries(raw: list[object], warnings: list[str]) -> tuple[Integration, ...]:
    parsed: list[Integration] = []
    seen: set[str] = set()
    for index, entry in enumerate(raw):
        if len(parsed) == MAX_INTEGRATIONS:
            warnings.append(messages.warning_too_many_integrations(index, MAX_INTEGRATIONS))
            break
        try:
            integration = parse_integration(entry, warnings)
        except ValueError as problem:
            warnings.append(messages.warning_integration_skipped(index, str(problem)))
            continue
        if integration.id in seen:
            warnings.append(messages.warning_duplicate_id(index, integration.id))
            continue
        seen.add(integration.id)
        if integration.status not in KNOWN_STATUSES:
            warnings.append(messages.warning_unknown_status(
                index, integration.id, describe_value(integration.status)))
        parsed.append(integration)
    return tuple(parsed)


def parse_integration_list(body: object) -> IntegrationList:
    """Parse GET /api/v1/me/integrations; raise a protocol error on a wrong shape."""
    if not isinstance(body, dict):
        raise _protocol(messages.answer_not_an_object())
    external_apps_url = body.get("external_apps_url")
    if not isinstance(external_apps_url, str) or not external_apps_url:
        raise _protocol(messages.answer_external_apps_missing())
    if len(external_apps_url) > MAX_URL_CHARS:
        raise _protocol(messages.answer_external_apps_too_long(MAX_URL_CHARS))
    entries = body.get("integrations")
    if not isinstance(entries, list):
        raise _protocol(messages.answer_integrations_not_a_list())
    warnings: list[str] = []
    user = _parse_user(body.get("user"))
    window = _parse_window(body.get("warning_window_days"), warnings)
    integrations = _parse_entries(entries, warnings)
    return IntegrationList(user, clean(external_apps_url), window, integrations,
                           bounded_warnings(warnings))


def bounded_warnings(warnings: list[str]) -> tuple[str, ...]:
    if len(warnings) <= MAX_WARNINGS:
        return tuple(warnings)
    more = len(warnings) - MAX_WARNINGS + 1
    return (*warnings[: MAX_WARNINGS - 1], messages.warnings_not_listed(more))


def _time_json(moment: datetime | None) -> str | None:
    return format_utc_exact(moment) if moment else None


def _native_json(native: NativeConnect) -> dict[str, Any]:
    return {"provider": native.provider, "client_id": native.client_id,
            "scopes": list(native.scopes), "authority": native.authority,
            "expected_account": native.expected_account, "grant_url": native.grant_url}


def _integration_json(item: Integration) -> dict[str, Any]:
    data = {"id": item.id, "name": item.name, "provider": item.provider,
            "status": item.status, "account": item.account,
            "expires_at": _time_json(item.expires_at),
            "disconnected_at": _time_json(item.disconnected_at), "reason": item.reason,
            "reconnect_url": item.reconnect_url}
    if item.native_connect is not None:
        data["native_connect"] = _native_json(item.native_connect)
    return data


def answer_to_json(answer: IntegrationList) -> dict[str, Any]:
    """The answer in the contract's own shape, holding only what the companion read:
    `parse_integration_list` reads it back (the state file keeps this, never the body)."""
    return {
        "user": {"id": answer.user.id, "name": answer.user.name, "email": answer.user.email},
        "external_apps_url": answer.external_apps_url,
        "warning_window_days": answer.warning_window_days,
        "integrations": [_integration_json(item) for item in answer.integrations],
    }
