"""Time parsing and formatting in the forms the contracts use.

Parsing is total: any input gives an aware UTC datetime or None, never an exception,
and nothing returned is so close to the ends of `datetime`'s range that adding days
or converting to local time could overflow.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime

# RFC 3339 requires an offset ("Z" or +hh:mm); fromisoformat alone accepts naive times.
# ASCII digits only, matched whole: "\d" would take other scripts' digits and "$" a
# trailing newline.
_RFC3339 = re.compile(
    r"[0-9]{4}-[0-9]{2}-[0-9]{2}[Tt ][0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]{1,9})?"
    r"([Zz]|[+-][0-9]{2}:[0-9]{2})"
)
# A server clock outside this range is broken. The app adds days and hours only to the
# server's clock, so within it no sum can overflow.
PLAUSIBLE_CLOCK = (datetime(1970, 1, 1, tzinfo=UTC), datetime(3000, 1, 1, tzinfo=UTC))
_MAX_HTTP_DATE_CHARS = 100


def parse_rfc3339(value: object) -> datetime | None:
    """An aware UTC datetime, or None when `value` is not an RFC 3339 time with offset
    that UTC can hold (0001-01-01T00:00:00+01:00 is before year 1 in UTC)."""
    if not isinstance(value, str) or not _RFC3339.fullmatch(value):
        return None
    text = value.replace("z", "Z").replace("Z", "+00:00")
    try:
        return datetime.fromisoformat(text).astimezone(UTC)
    except (ValueError, OverflowError):
        return None


def time_field(value: object, *, required: bool = False) -> datetime | None:
    """A time field of a file or message the app wrote itself: None only where the
    field is null and not `required`; ValueError for anything else."""
    moment = parse_rfc3339(value)
    if moment is None and (required or value is not None):
        raise ValueError("a time that is not RFC 3339")
    return moment


def format_utc(moment: datetime) -> str:
    """RFC 3339 in UTC with `Z`, to the second (years zero-padded, unlike strftime)."""
    u = moment.astimezone(UTC)
    return (f"{u.year:04d}-{u.month:02d}-{u.day:02d}T"
            f"{u.hour:02d}:{u.minute:02d}:{u.second:02d}Z")


def format_utc_exact(moment: datetime) -> str:
    """As format_utc, with the microseconds when there are any (for round trips)."""
    text = format_utc(moment)
    return f"{text[:-1]}.{moment.microsecond:06d}Z" if moment.microsecond else text


def parse_http_date(value: object) -> datetime | None:
    """An HTTP date (RFC 9110) within PLAUSIBLE_CLOCK as aware UTC, else None."""
    if not isinstance(value, str) or not value or len(value) > _MAX_HTTP_DATE_CHARS:
        return None
    from email.utils import parsedate_to_datetime  # HTTP dates: the worker's, not the tray's

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
