"""Dates and times as the person reads them: one formatter for core and ui, in the active
language's own patterns (CLDR, through the table in cldr_dates.py), in the user's time
zone. `check --json` is for scripts: it keeps ISO dates whatever the language.

The table is made from Babel's CLDR data by `make date-formats` (Babel itself is not
loaded at run time: its locale data would cost the tray about 8 MiB).
"""

from __future__ import annotations

import re
from datetime import datetime

from tray_app.core import i18n
from tray_app.core.timeutil import local_time

_TOKEN = re.compile(r"'(?:[^']|'')*'|([A-Za-z])\1*|.", re.DOTALL)


def long_date(moment: datetime) -> str:
    """"December 4, 2026", "4. Dezember 2026", "2026年12月4日": day, month and year."""
    return format_pattern(_formats()["long"], local_time(moment))


def day_and_month(moment: datetime) -> str:
    """"Dec 4", "4. Dez.", "12月4日": for the menu and the tooltip, where space is short."""
    return format_pattern(_formats()["day_month"], local_time(moment))


def date_and_time(moment: datetime) -> str:
    """"Dec 4, 2:05 PM", "4. Dez., 14:05": when a time of day matters."""
    local = local_time(moment)
    table = _formats()
    glue = table["date_time"]
    return glue.replace("{1}", format_pattern(table["day_month"], local)).replace(
        "{0}", format_pattern(table["time"], local))


def time_of_day(moment: datetime) -> str:
    """"2:05 PM", "14:05": the language's short time."""
    return format_pattern(_formats()["time"], local_time(moment))


def notice_date(moment: datetime) -> str:
    """The day something expires, as every surface writes it: ISO 8601 (2026-12-04) in
    English and for scripts (`check --json`), where US and UK readers would otherwise
    read 12/04 differently; the language's long date in every other language."""
    if i18n.machine_mode() or i18n.base_language(i18n.active_language()) == i18n.ENGLISH:
        local = local_time(moment)
        return f"{local.year:04d}-{local.month:02d}-{local.day:02d}"
    return long_date(moment)


def calendar_days(moment: datetime, now: datetime) -> int:
    """Calendar days from today to the day of `moment`, both in the user's time zone, so a
    count said next to a date never contradicts it."""
    return (local_time(moment).date() - local_time(now).date()).days


def _formats() -> dict:
    from tray_app.core.cldr_dates import FORMATS  # not at import: `make date-formats` makes it

    language = i18n.active_language()
    return FORMATS.get(language.replace("-", "_")) or FORMATS.get(
        i18n.base_language(language)) or FORMATS["en"]


def format_pattern(pattern: str, moment: datetime, table: dict | None = None) -> str:
    """`moment` laid out by an LDML pattern (the subset CLDR's date patterns use)."""
    table = table or _formats()
    return "".join(_field(match.group(0), moment, table) for match in _TOKEN.finditer(pattern))


def _field(token: str, moment: datetime, table: dict) -> str:
    if token.startswith("'"):
        return "'" if token == "''" else token[1:-1].replace("''", "'")
    letter, width = token[0], len(token)
    if letter == "y":
        return f"{moment.year % 100:02d}" if width == 2 else str(moment.year)
    if letter in "ML":
        if width >= 4:
            return table["months_wide"][moment.month - 1]
        if width == 3:
            return table["months_abbr"][moment.month - 1]
        return f"{moment.month:0{width}d}"
    if letter == "d":
        return f"{moment.day:0{width}d}"
    if letter == "H":
        return f"{moment.hour:0{width}d}"
    if letter == "h":
        return f"{(moment.hour % 12) or 12:0{width}d}"
    if letter == "m":
        return f"{moment.minute:0{width}d}"
    if letter == "a":
        return table["am_pm"][moment.hour >= 12]
    return token


# --- making the table (make date-formats) ------------------------------------------------

LANGUAGES = ("en", "de", "fr", "es", "pt_BR", "ja", "ar")


def cldr_table() -> dict[str, dict]:
    """What cldr_dates.py holds, read from Babel's CLDR data (a development tool only)."""
    from babel import Locale
    from babel.dates import (
        get_date_format,
        get_datetime_format,
        get_month_names,
        get_time_format,
    )

    table = {}
    for code in LANGUAGES:
        locale = Locale.parse(code)
        periods = _am_pm(locale)
        table[code] = {
            "long": get_date_format("long", code).pattern,
            "day_month": locale.datetime_skeletons["MMMd"].pattern,
            "time": get_time_format("short", code).pattern,
            "date_time": get_datetime_format("medium", code),
            "months_wide": tuple(get_month_names("wide", locale=code)[m] for m in range(1, 13)),
            "months_abbr": tuple(get_month_names("abbreviated", locale=code)[m]
                                 for m in range(1, 13)),
            "am_pm": periods,
        }
    return table


def _am_pm(locale: object) -> tuple[str, str]:
    """As babel.dates.format_time writes "a": abbreviated format periods, else wider."""
    for width in ("abbreviated", "wide", "narrow"):
        names = locale.day_periods["format"][width]  # type: ignore[attr-defined]
        try:
            return names["am"], names["pm"]
        except KeyError:
            continue
    return "AM", "PM"


def write_table(path: str) -> None:
    import pprint

    text = pprint.pformat(cldr_table(), width=96, sort_dicts=True)
    with open(path, "w", encoding="utf-8") as out:
        out.write('"""Date patterns and names from CLDR (through Babel), one entry per shipped\n'
                  'language. Made by `make date-formats`; do not edit."""\n\n'
                  f"FORMATS: dict[str, dict] = {text}\n")


if __name__ == "__main__":
    import sys

    write_table(sys.argv[1])
