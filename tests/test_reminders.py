"""The reminder table: when each notice is due, under a controllable clock."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from tray_app.core.classify import Notice, NoticeKind
from tray_app.core.reminders import Reminders, stage
from tray_app.core.state import AppState

T0 = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)
EXPIRY = T0 + timedelta(days=8, hours=1)
WINDOW = 10


def expiring(now: datetime) -> Notice:
    days = (EXPIRY - now) // timedelta(days=1)
    return Notice("gd", "Google Drive", NoticeKind.EXPIRING, "2026-11-28T10:00:00Z", "msg",
                  EXPIRY, days, "https://i.example/#gd")


def disconnected(key: str = "2026-11-19T08:00:00Z") -> Notice:
    return Notice("db", "Dropbox", NoticeKind.DISCONNECTED, key, "msg", None, None,
                  "https://i.example/#db")


def show_due(reminders: Reminders, state: AppState, notices: list[Notice],
             now: datetime) -> list[str]:
    """One good check: what is due is shown, as the tray does."""
    due = reminders.due(notices, state, now, WINDOW)
    reminders.mark_shown(due, state, now, WINDOW)
    return [n.integration_id for n in due]


@pytest.mark.parametrize(("days", "expected"), [(10, 10), (8, 10), (4, 10), (3, 3), (2, 3),
                                                (1, 1), (0, 1)])
def test_stage_thresholds(days: int, expected: int) -> None:
    notice = Notice("x", "X", NoticeKind.EXPIRING, "k", "m", EXPIRY, days, "u")
    assert stage(notice, WINDOW) == expected


def test_disconnected_is_due_at_every_start_until_dismissed() -> None:
    state = AppState()
    for start in range(3):
        run = Reminders()
        now = T0 + timedelta(days=start)
        assert show_due(run, state, [disconnected()], now) == ["db"]
        # later checks in the same run stay quiet
        assert show_due(run, state, [disconnected()], now + timedelta(hours=1)) == []
    run = Reminders()
    run.dismiss(disconnected(), state, T0)
    assert show_due(run, state, [disconnected()], T0 + timedelta(days=5)) == []


def test_a_new_break_is_a_new_notice_even_after_dismissal() -> None:
    state, run = AppState(), Reminders()
    run.dismiss(disconnected(), state, T0)
    assert show_due(run, state, [disconnected("2026-11-25T00:00:00Z")], T0) == ["db"]


def test_expiring_shown_once_per_threshold_across_starts() -> None:
    state = AppState()
    shown_on = []
    for hour in range(0, 8 * 24 + 1, 6):  # a start every 6 hours until expiry
        now = T0 + timedelta(hours=hour)
        if show_due(Reminders(), state, [expiring(now)], now):
            shown_on.append(expiring(now).days_left)
    assert shown_on == [8, 3, 1]


def test_remind_me_later_snoozes_24_hours_within_a_run() -> None:
    state, run = AppState(), Reminders()
    assert show_due(run, state, [disconnected()], T0) == ["db"]
    run.remind_later([disconnected()], state, T0)
    assert show_due(run, state, [disconnected()], T0 + timedelta(hours=23)) == []
    assert show_due(run, state, [disconnected()], T0 + timedelta(hours=24)) == ["db"]


def test_remind_me_later_ends_at_the_next_start() -> None:
    state, run = AppState(), Reminders()
    now = T0 + timedelta(days=1)  # 7 days left: the window stage
    assert show_due(run, state, [expiring(now)], now) == ["gd"]
    run.remind_later([expiring(now)], state, now)
    assert show_due(run, state, [expiring(now)], now + timedelta(hours=1)) == []
    assert show_due(Reminders(), state, [expiring(now)], now + timedelta(hours=2)) == ["gd"]


def test_remind_me_later_does_not_snooze_on_the_last_day() -> None:
    state, run = AppState(), Reminders()
    now = EXPIRY - timedelta(hours=10)
    assert expiring(now).days_left == 0
    assert show_due(run, state, [expiring(now)], now) == ["gd"]
    run.remind_later([expiring(now)], state, now)
    later = now + timedelta(hours=1)
    assert show_due(run, state, [expiring(later)], later) == ["gd"]


def test_dont_remind_me_again_silences_an_expiring_notice_for_good() -> None:
    state, run = AppState(), Reminders()
    now = T0
    show_due(run, state, [expiring(now)], now)
    run.dismiss(expiring(now), state, now)
    for days in (6, 7, 8):
        later = T0 + timedelta(days=days)
        assert show_due(Reminders(), state, [expiring(later)], later) == []
