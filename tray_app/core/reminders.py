"""When to show which notice: one table of rules applied to the notice history.

- disconnected: at every start while it persists, unless dismissed for good;
- expiring: when first seen in the window, then at <=3 days and <=1 day, each once;
- "Remind me later" snoozes until the next start or 24 h, except on an expiring
  notice's last day, when it comes back at the next check.
- "Don't remind me again" holds for that notice until the person asks to be reminded
  again (the status window's "Remind me again").
A notice that newly becomes due while the app runs is due the same way; the tray
decides only how to show it (popup at start, a tray message later).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from tray_app.core.classify import Notice, NoticeKind
from tray_app.core.state import AppState, NoticeRecord, notice_id

WINDOW = -1  # stands for the tenant's warning window in a threshold list


@dataclass(frozen=True)
class Rule:
    every_start: bool
    thresholds: tuple[int, ...]  # days-left stages, each shown once
    snooze: timedelta
    snooze_on_last_day: bool


RULES: dict[NoticeKind, Rule] = {
    NoticeKind.DISCONNECTED: Rule(every_start=True, thresholds=(), snooze=timedelta(hours=24),
                                  snooze_on_last_day=True),
    NoticeKind.EXPIRING: Rule(every_start=False, thresholds=(WINDOW, 3, 1),
                              snooze=timedelta(hours=24), snooze_on_last_day=False),
}


def stage(notice: Notice, window_days: int) -> int | None:
    """The threshold an expiring notice has reached: the smallest one >= days left."""
    rule = RULES[notice.kind]
    if notice.days_left is None or not rule.thresholds:
        return None
    reached = [window_days if t == WINDOW else t for t in rule.thresholds]
    return min((t for t in reached if notice.days_left <= t), default=None)


def _is_last_day(notice: Notice) -> bool:
    return notice.kind is NoticeKind.EXPIRING and notice.days_left == 0


def _record(state: AppState, notice: Notice, now: datetime) -> NoticeRecord:
    return state.notices.setdefault(notice_id(notice.identity), NoticeRecord(now, now))


class Reminders:
    """Applies RULES to the notice history in AppState; remembers what this run showed."""

    def __init__(self) -> None:
        self.shown_this_run: set[str] = set()
        self._started = False  # becomes True once the first good check's notices were shown

    def due(self, notices: Iterable[Notice], state: AppState, now: datetime,
            window_days: int) -> list[Notice]:
        return [n for n in notices if self._is_due(n, _record(state, n, now), now, window_days)]

    def _is_due(self, notice: Notice, record: NoticeRecord, now: datetime,
                window_days: int) -> bool:
        if record.dismissed:
            return False
        rule = RULES[notice.kind]
        if record.snoozed_until is not None:
            snooze_over = not self._started or now >= record.snoozed_until
            return snooze_over or (_is_last_day(notice) and not rule.snooze_on_last_day)
        if rule.every_start and notice_id(notice.identity) not in self.shown_this_run:
            return True
        reached = stage(notice, window_days)
        return reached is not None and reached not in record.thresholds_shown

    def mark_shown(self, notices: Iterable[Notice], state: AppState, now: datetime,
                   window_days: int) -> None:
        for notice in notices:
            record = _record(state, notice, now)
            record.times_shown += 1
            record.last_shown = now
            record.snoozed_until = None
            reached = stage(notice, window_days)
            if reached is not None and reached not in record.thresholds_shown:
                record.thresholds_shown.append(reached)
            self.shown_this_run.add(notice_id(notice.identity))
        self._started = True

    def remind_later(self, notices: Iterable[Notice], state: AppState, now: datetime) -> None:
        for notice in notices:
            rule = RULES[notice.kind]
            last_day = _is_last_day(notice) and not rule.snooze_on_last_day
            _record(state, notice, now).snoozed_until = now if last_day else now + rule.snooze

    def dismiss(self, notice: Notice, state: AppState, now: datetime) -> None:
        _record(state, notice, now).dismissed = True

    def remind_again(self, identity: tuple[str, str, str], state: AppState) -> None:
        """Undo "Don't remind me again": the notice follows RULES again from now on."""
        record = state.notices.get(notice_id(identity))
        if record is not None:
            record.dismissed = False


def is_dismissed(state: AppState, notice: Notice) -> bool:
    record = state.notices.get(notice_id(notice.identity))
    return record is not None and record.dismissed
