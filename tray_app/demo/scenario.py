"""Scenarios: what the demo intranet serves, written as JSON.

A scenario file looks like this (only ``integrations`` is required)::

    {
      "user": {"id": "u-123", "name": "Jane Doe", "email": "jane@acme.example"},
      "warning_window_days": 10,
      "integrations": [
        {"id": "google-drive", "name": "Google Drive", "provider": "google",
         "status": "connected", "account": "jane@acme.example",
         "expires_in_days": 3, "expires_in_hours": 6},
        {"id": "dropbox", "name": "Dropbox", "provider": "dropbox",
         "status": "disconnected", "account": "jane@acme.example",
         "disconnected_days_ago": 1, "reason": "refresh_failed"},
        {"id": "zoom", "name": "Zoom", "provider": "zoom", "status": "connected",
         "expires_at": "2027-01-31T17:00:00Z"},
        {"id": "onedrive", "name": "OneDrive", "provider": "microsoft",
         "status": "disconnected", "account": "jane@acme.example",
         "native_connect": {"provider": "microsoft", "client_id": "00000000-demo",
                            "scopes": ["Files.Read"],
                            "authority": "https://login.microsoftonline.com/organizations",
                            "expected_account": "jane@acme.example"}}
      ]
    }

Keys:

- ``user``: ``id`` and ``name`` (non-empty strings), ``email`` (string or null).
  Default: Jane Doe, ``u-123``, ``jane@acme.example``.
- ``warning_window_days``: a whole number from 1 to 90. Default 10.
- ``integrations``: a list (possibly empty) of objects with

  - ``id`` (required): ``[A-Za-z0-9_.-]{1,64}``, unique, not ``.`` or ``..``;
  - ``name`` (required): 1 to 100 characters of plain text, shown literally even if
    it looks like markup;
  - ``provider`` (required): a lower-case word such as ``microsoft`` or ``google``;
  - ``status`` (required): ``connected``, ``disconnected``, ``not_connected``, or any
    other lower-case word to see how a client treats an unknown status;
  - ``account``, ``reason``: a string or null (default null);
  - the expiry, at most one form: ``expires_at`` (absolute RFC 3339 time with offset),
    or ``expires_in_days`` and/or ``expires_in_hours`` (numbers, may be negative,
    relative to the server's clock when the data is first seeded); none means null;
  - the disconnection time, at most one form: ``disconnected_at`` (absolute) or
    ``disconnected_days_ago`` (a number); none means null;
  - ``native_connect`` (default null: Reconnect opens the External apps page): an object
    that offers native reconnect (intranet-api.md), with ``provider`` (required:
    ``microsoft``, ``google`` or ``dropbox``), ``client_id`` (required, a non-empty
    string), ``scopes`` (a list of non-empty strings, default empty), ``authority``
    (null, or for ``microsoft`` only an ``https://`` URL with the tenant as its path;
    default null) and
    ``expected_account`` (a non-empty string or null, default null). The demo adds
    ``grant_url`` itself: ``<its origin>/api/v1/me/integrations/<id>/grant``.

Unknown keys are refused, so a typo is reported instead of silently ignored.
"""

from __future__ import annotations

import json
import math
import re
from datetime import datetime, timedelta
from typing import Any, NoReturn
from urllib.parse import urlsplit

from tray_app.core.timeutil import format_utc, parse_rfc3339

_ID = re.compile(r"^[A-Za-z0-9_.-]{1,64}$")
_WORD = re.compile(r"^[a-z][a-z0-9_-]{0,63}$")
_TOP_KEYS = {"user", "warning_window_days", "integrations"}
_USER_KEYS = {"id", "name", "email"}
_ENTRY_KEYS = {
    "id", "name", "provider", "status", "account", "reason",
    "expires_at", "expires_in_days", "expires_in_hours",
    "disconnected_at", "disconnected_days_ago", "native_connect",
}
NATIVE_PROVIDERS = ("microsoft", "google", "dropbox")
_NATIVE_KEYS = {"provider", "client_id", "scopes", "authority", "expected_account"}
_MAX_NATIVE_TEXT = 256
_MAX_SCOPES = 50
# Far enough for any test, near enough that datetime arithmetic cannot overflow.
_MAX_DAYS = 36_500
_RFC3339_EXAMPLE = "2026-12-01T09:00:00Z"

DEFAULT_USER = {"id": "u-123", "name": "Jane Doe", "email": "jane@acme.example"}
DEFAULT_WARNING_WINDOW_DAYS = 10

DEFAULT_SCENARIO: dict[str, Any] = {
    "user": DEFAULT_USER,
    "warning_window_days": DEFAULT_WARNING_WINDOW_DAYS,
    "integrations": [
        {"id": "microsoft365", "name": "Microsoft 365", "provider": "microsoft",
         "status": "connected", "account": "jane@acme.example",
         "expires_in_days": 60, "expires_in_hours": 6},
        {"id": "google-drive", "name": "Google Drive", "provider": "google",
         "status": "connected", "account": "jane@acme.example",
         "expires_in_days": 3, "expires_in_hours": 6},
        {"id": "dropbox", "name": "Dropbox", "provider": "dropbox",
         "status": "disconnected", "account": "jane@acme.example",
         "disconnected_days_ago": 1, "reason": "refresh_failed"},
        {"id": "slack", "name": "Slack", "provider": "slack", "status": "not_connected"},
        {"id": "servicenow", "name": "ServiceNow", "provider": "servicenow",
         "status": "connected", "account": "jane@acme.example"},
    ],
}


class ScenarioError(Exception):
    """A scenario that cannot be used; the message is one sentence for a person."""

    @property
    def message(self) -> str:
        return str(self)


def _fail(where: str, problem: str) -> NoReturn:
    raise ScenarioError(f"{where}: {problem}.")


def load_scenario(path: str) -> dict[str, Any]:
    """Read and check a scenario file; raise ScenarioError with a clear sentence."""
    try:
        with open(path, encoding="utf-8") as file:
            text = file.read()
    except OSError as problem:
        raise ScenarioError(
            f"Cannot read the scenario file {path}: {problem.strerror or problem}."
        ) from None
    except UnicodeDecodeError:
        raise ScenarioError(f"The scenario file {path} is not UTF-8 text.") from None
    try:
        data = json.loads(text)
    except json.JSONDecodeError as problem:
        raise ScenarioError(
            f"The scenario file {path} is not valid JSON: {problem.msg} "
            f"at line {problem.lineno}, column {problem.colno}."
        ) from None
    try:
        return validate_scenario(data)
    except ScenarioError as problem:
        raise ScenarioError(f"Scenario file {path}: {problem}") from None


def validate_scenario(data: object) -> dict[str, Any]:
    """A checked copy of `data` with defaults filled in; raise ScenarioError if unusable."""
    if not isinstance(data, dict):
        raise ScenarioError("A scenario must be a JSON object with an 'integrations' list.")
    _refuse_unknown_keys("The scenario", data, _TOP_KEYS)
    if not isinstance(data.get("integrations"), list):
        _fail("The scenario", "'integrations' must be a list of integrations")
    return {
        "user": _check_user(data.get("user", DEFAULT_USER)),
        "warning_window_days": _check_window(
            data.get("warning_window_days", DEFAULT_WARNING_WINDOW_DAYS)
        ),
        "integrations": _check_entries(data["integrations"]),
    }


def _refuse_unknown_keys(where: str, data: dict[str, Any], allowed: set[str]) -> None:
    unknown = sorted(set(data) - allowed)
    if unknown:
        _fail(where, f"unknown key '{unknown[0]}' (allowed: {', '.join(sorted(allowed))})")


def _check_user(user: object) -> dict[str, Any]:
    if not isinstance(user, dict):
        _fail("The scenario", "'user' must be an object with 'id' and 'name'")
    _refuse_unknown_keys("The scenario's user", user, _USER_KEYS)
    for key in ("id", "name"):
        if not isinstance(user.get(key), str) or not user[key]:
            _fail("The scenario's user", f"'{key}' must be a non-empty string")
    email = user.get("email")
    if email is not None and not isinstance(email, str):
        _fail("The scenario's user", "'email' must be a string or null")
    return {"id": user["id"], "name": user["name"], "email": email}


def _check_window(window: object) -> int:
    if isinstance(window, bool) or not isinstance(window, int) or not 1 <= window <= 90:
        _fail("The scenario", "'warning_window_days' must be a whole number from 1 to 90")
    return window


def _check_entries(entries: list[object]) -> list[dict[str, Any]]:
    checked: list[dict[str, Any]] = []
    seen: set[str] = set()
    for index, entry in enumerate(entries):
        entry = _check_entry(f"integrations[{index}]", entry)
        if entry["id"] in seen:
            _fail(f"integrations[{index}]", f"the id '{entry['id']}' is used twice")
        seen.add(entry["id"])
        checked.append(entry)
    return checked


def _check_entry(where: str, entry: object) -> dict[str, Any]:
    if not isinstance(entry, dict):
        _fail(where, "each integration must be an object")
    _refuse_unknown_keys(where, entry, _ENTRY_KEYS)
    _check_id(where, entry.get("id"))
    where = f"{where} ('{entry['id']}')"
    _check_name(where, entry.get("name"))
    for key in ("provider", "status"):
        if not isinstance(entry.get(key), str) or not _WORD.match(entry[key]):
            _fail(where, f"'{key}' must be a lower-case word, like 'google' or 'connected'")
    for key in ("account", "reason"):
        if entry.get(key) is not None and not isinstance(entry[key], str):
            _fail(where, f"'{key}' must be a string or null")
    _check_times(where, entry)
    checked = dict(entry)
    checked["native_connect"] = _check_native_connect(where, entry.get("native_connect"))
    return checked


def _check_id(where: str, ident: object) -> None:
    if not isinstance(ident, str) or not _ID.match(ident) or ident in (".", ".."):
        _fail(where, "'id' must be 1 to 64 letters, digits, '_', '.' or '-'")


def _check_name(where: str, name: object) -> None:
    if not isinstance(name, str) or not 1 <= len(name) <= 100:
        _fail(where, "'name' must be a string of 1 to 100 characters")


def _check_native_connect(where: str, native: object) -> dict[str, Any] | None:
    if native is None:
        return None
    where = f"{where}'s native_connect"
    if not isinstance(native, dict):
        _fail(where, "it must be an object with 'provider' and 'client_id', or null")
    _refuse_unknown_keys(where, native, _NATIVE_KEYS)
    provider = native.get("provider")
    if provider not in NATIVE_PROVIDERS:
        _fail(where, f"'provider' must be one of: {', '.join(NATIVE_PROVIDERS)}")
    _check_native_text(where, "client_id", native.get("client_id"))
    if native.get("expected_account") is not None:
        _check_native_text(where, "expected_account", native["expected_account"])
    return {
        "provider": provider,
        "client_id": native["client_id"],
        "scopes": _check_scopes(where, native.get("scopes", [])),
        "authority": _check_authority(where, provider, native.get("authority")),
        "expected_account": native.get("expected_account"),
    }


def _check_native_text(where: str, key: str, value: object) -> None:
    if not isinstance(value, str) or not 1 <= len(value) <= _MAX_NATIVE_TEXT:
        _fail(where, f"'{key}' must be a string of 1 to {_MAX_NATIVE_TEXT} characters")


def _check_scopes(where: str, scopes: object) -> list[str]:
    is_list = isinstance(scopes, list) and len(scopes) <= _MAX_SCOPES
    if not is_list or not all(_is_scope(scope) for scope in scopes):
        _fail(where, f"'scopes' must be a list of at most {_MAX_SCOPES} words without spaces")
    return list(scopes)


def _is_scope(scope: object) -> bool:
    return isinstance(scope, str) and 1 <= len(scope) <= _MAX_NATIVE_TEXT and not any(
        character.isspace() or not character.isprintable() for character in scope)


def _check_authority(where: str, provider: str, authority: object) -> str | None:
    if authority is None:
        return None
    if provider != "microsoft":
        _fail(where, "'authority' is for the microsoft provider only; leave it null")
    if not _is_https_url(authority):
        _fail(where, "'authority' must be null or an https:// URL with the tenant, such as "
                     "https://login.microsoftonline.com/<tenant>")
    return authority


def _is_https_url(value: object) -> bool:
    if not isinstance(value, str) or len(value) > _MAX_NATIVE_TEXT or not value.isprintable():
        return False
    try:
        parts = urlsplit(value)
    except ValueError:
        return False
    return (parts.scheme == "https" and bool(parts.hostname) and "@" not in parts.netloc
            and bool(parts.path.strip("/")) and not parts.query and not parts.fragment
            and " " not in value)


def _check_times(where: str, entry: dict[str, Any]) -> None:
    _check_one_form(where, entry, "expires_at", ("expires_in_days", "expires_in_hours"))
    _check_one_form(where, entry, "disconnected_at", ("disconnected_days_ago",))
    for key in ("expires_at", "disconnected_at"):
        if entry.get(key) is not None and parse_rfc3339(entry[key]) is None:
            _fail(where, f"'{key}' must be an RFC 3339 time with offset, like {_RFC3339_EXAMPLE}")
    for key, limit in (
        ("expires_in_days", _MAX_DAYS),
        ("expires_in_hours", _MAX_DAYS * 24),
        ("disconnected_days_ago", _MAX_DAYS),
    ):
        if key in entry:
            _check_number(where, key, entry[key], limit)


def _check_one_form(where: str, entry: dict[str, Any], absolute: str, relative: tuple) -> None:
    if entry.get(absolute) is not None and any(key in entry for key in relative):
        _fail(where, f"give either '{absolute}' or '{relative[0]}', not both")


def _check_number(where: str, key: str, value: object, limit: int) -> None:
    is_number = isinstance(value, int | float) and not isinstance(value, bool)
    if not is_number or not math.isfinite(value) or abs(value) > limit:
        _fail(where, f"'{key}' must be a number from -{limit} to {limit}")


def seed_rows(scenario: dict[str, Any], now: datetime) -> list[dict[str, Any]]:
    """The integrations of a checked scenario with every time made absolute (RFC 3339)."""
    return [_seed_row(entry, now) for entry in scenario["integrations"]]


def _seed_row(entry: dict[str, Any], now: datetime) -> dict[str, Any]:
    return {
        "id": entry["id"],
        "name": entry["name"],
        "provider": entry["provider"],
        "status": entry["status"],
        "account": entry.get("account"),
        "expires_at": _expires_at(entry, now),
        "disconnected_at": _disconnected_at(entry, now),
        "reason": entry.get("reason"),
        "native_connect": entry.get("native_connect"),
    }


def _absolute(raw: str | None) -> str | None:
    moment = parse_rfc3339(raw)
    return None if moment is None else format_utc(moment)


def _expires_at(entry: dict[str, Any], now: datetime) -> str | None:
    if "expires_in_days" not in entry and "expires_in_hours" not in entry:
        return _absolute(entry.get("expires_at"))
    offset = timedelta(
        days=entry.get("expires_in_days", 0), hours=entry.get("expires_in_hours", 0)
    )
    return format_utc(now + offset)


def _disconnected_at(entry: dict[str, Any], now: datetime) -> str | None:
    if "disconnected_days_ago" not in entry:
        return _absolute(entry.get("disconnected_at"))
    return format_utc(now - timedelta(days=entry["disconnected_days_ago"]))
