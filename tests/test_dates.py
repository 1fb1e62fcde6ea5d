"""One date formatter for every surface: the CLDR patterns of each shipped language, laid
out exactly as Babel lays them out, without loading Babel at run time."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from babel.dates import format_date, format_datetime, format_skeleton
from hypothesis import given
from hypothesis import strategies as st

from tray_app.core import dates, i18n
from tray_app.core.cldr_dates import FORMATS

moments = st.datetimes(min_value=datetime(1970, 1, 2), max_value=datetime(2999, 12, 30),
                       timezones=st.just(UTC))
languages = st.sampled_from(dates.LANGUAGES)


@pytest.fixture(autouse=True)
def utc_desktop(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setattr(dates, "local_time", lambda moment: moment.astimezone(UTC))
    yield
    i18n.use_english()


def speak(language: str) -> None:
    assert i18n.use_language(language.replace("_", "-")) != "" or language == "en"
    i18n._State.language = language.replace("_", "-")  # even before its catalog exists


def test_the_table_is_what_cldr_says() -> None:
    assert dates.cldr_table() == FORMATS, "run `make date-formats`"


@given(moments, languages)
def test_dates_read_as_babel_writes_them(moment: datetime, language: str) -> None:
    speak(language)
    assert dates.long_date(moment) == format_date(moment.date(), "long", locale=language)
    assert dates.day_and_month(moment) == format_skeleton("MMMd", moment, locale=language)
    assert dates.date_and_time(moment).endswith(
        format_datetime(moment, FORMATS[language]["time"], locale=language))


def test_scripts_get_iso_dates_whatever_the_language() -> None:
    i18n.use_machine_english()
    assert dates.notice_date(datetime(2026, 12, 4, 9, tzinfo=UTC)) == "2026-12-04"
    i18n.use_english()
    assert dates.notice_date(datetime(2026, 12, 4, 9, tzinfo=UTC)) == "2026-12-04"
    speak("de")
    assert dates.notice_date(datetime(2026, 12, 4, 9, tzinfo=UTC)) == "4. Dezember 2026"


@given(moments, st.integers(min_value=0, max_value=400 * 24 * 60))
def test_calendar_days_never_contradict_the_date(now: datetime, minutes: int) -> None:
    then = now + timedelta(minutes=minutes)
    days = dates.calendar_days(then, now)
    assert (now.date() + timedelta(days=days)) == then.date()
