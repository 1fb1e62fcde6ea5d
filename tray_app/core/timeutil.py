"""Time parsing and formatting in the forms the contracts use."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime

# RFC 3339 requires an offset ("Z" or +hh:mm); fromisoformat alone accepts naive times.
_RFC3339 = re.compile(
    r"^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$"
)


def parse_rfc3339(value: object) -> datetime | None:
    """An aware UTC datetime, or None when `value` is not an RFC 3339 time with offset."""
    if not isinstance(value, str) or not _RFC3339.match(value):
        return None
    text = value.replace("z", "Z").replace("Z", "+00:00")
    try:
        return datetime.fromisoformat(text).astimezone(UTC)
    except ValueError:
        return None


def format_utc(moment: datetime) -> str:
    """RFC 3339 in UTC with `Z`, to the second."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_http_date(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        moment = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)


def utc_now() -> datetime:
    return datetime.now(UTC)
