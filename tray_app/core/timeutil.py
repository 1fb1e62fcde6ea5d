"""Time parsing and formatting in the forms the contracts use.

Parsing is total: any input gives an aware UTC datetime or None, never an exception,
and nothing returned is so close to the ends of `datetime`'s range that adding days
or converting to local time could overflow.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime

# RFC 3339 requires an offset ("Z" or +hh:mm); fromisoformat alone accepts naive times.
# ASCII digits only, matched whole: "\d" would take other scripts' digits and "$" a
# trailing newline.
_RFC3339 = re.compile(
    r"[0-9]{4}-[0-9]{2}-[0-9]{2}[Tt ][0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]{1,9})?"
    r"([Zz]|[+-][0-9]{2}:[0-9]{2})"
)
# A server clock outside this range is broken; so is any date the app would do sums on.
PLAUSIBLE_CLOCK = (datetime(1970, 1, 1, tzinfo=UTC), datetime(3000, 1, 1, tzinfo=UTC))
# Far enough from datetime.min/max that a year of arithmetic or any time zone fits.
_SAFE_RANGE = (datetime(2, 1, 1, tzinfo=UTC), datetime(9998, 1, 1, tzinfo=UTC))
_MAX_HTTP_DATE_CHARS = 100


def parse_rfc3339(value: object) -> datetime | None:
    """An aware UTC datetime, or None when `value` is not an RFC 3339 time with offset
    (or lies within a year of the ends of the calendar)."""
    if not isinstance(value, str) or not _RFC3339.fullmatch(value):
        return None
    text = value.replace("z", "Z").replace("Z", "+00:00")
    try:
        moment = datetime.fromisoformat(text).astimezone(UTC)
    except (ValueError, OverflowError):
        return None
    return moment if _SAFE_RANGE[0] <= moment <= _SAFE_RANGE[1] else None


def format_utc(moment: datetime) -> str:
    """RFC 3339 in UTC with `Z`, to the second (years zero-padded, unlike strftime)."""
    u = moment.astimezone(UTC)
    return (f"{u.year:04d}-{u.month:02d}-{u.day:02d}T"
            f"{u.hour:02d}:{u.minute:02d}:{u.second:02d}Z")


def parse_http_date(value: object) -> datetime | None:
    """An HTTP date (RFC 9110) within PLAUSIBLE_CLOCK as aware UTC, else None."""
    if not isinstance(value, str) or not value or len(value) > _MAX_HTTP_DATE_CHARS:
        return None
    try:
        moment = parsedate_to_datetime(value)
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=UTC)
        moment = moment.astimezone(UTC)
    except (TypeError, ValueError, IndexError, OverflowError):
        return None
    return moment if PLAUSIBLE_CLOCK[0] <= moment < PLAUSIBLE_CLOCK[1] else None


def local_time(moment: datetime) -> datetime:
    """`moment` in this computer's time zone; UTC when it cannot be shown there."""
    try:
        return moment.astimezone()
    except (OverflowError, OSError, ValueError):
        return moment.astimezone(UTC)


def utc_now() -> datetime:
    return datetime.now(UTC)
