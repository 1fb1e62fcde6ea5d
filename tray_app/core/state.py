"""What the companion remembers between runs: the last good answer and the notice history.

Kept apart from config (Maestral's rule): config is what people choose, state is what
the app learned. One compact JSON file in the platformdirs state dir, 0600, written
atomically. It holds what the app uses (the answer as the companion read it, never the
server's raw body), so its size is bounded whatever the server sent.

The tray and any number of `check` processes share the file: every change is a
read-modify-write under an OS lock (`StateStore.update`), so a dismissal, a snooze or a
shown-notice mark is never undone by a process that saves an older copy. A file that
cannot be read as a state file is set aside and the app starts afresh.
"""

from __future__ import annotations

import contextlib
import json
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from tray_app.core import paths
from tray_app.core.errors import CompanionError
from tray_app.core.fileio import UnreadableFile, atomic_write_text, read_json_file
from tray_app.core.locking import LockUnavailable, locked
from tray_app.core.model import (
    IntegrationList,
    answer_to_json,
    bounded_warnings,
    parse_integration_list,
)
from tray_app.core.text import clean
from tray_app.core.timeutil import format_utc, time_field, utc_now

if TYPE_CHECKING:
    from tray_app.core.report import CheckReport

log = logging.getLogger(__name__)

STATE_VERSION = 2
READABLE_VERSIONS = (1, 2)  # version 1 kept the raw body; its notice history still counts
MAX_STATE_BYTES = 4 * 1024 * 1024
MAX_NOTICE_RECORDS = 1000
MAX_ETAG_CHARS = 1024
KEPT_CORRUPT_COPIES = 3
NOTICE_HISTORY_DAYS = 60
LOCK_TIMEOUT_SECONDS = 10.0

T = TypeVar("T")


@dataclass
class LastGood:
    """The last answer the intranet gave, with the server time it was confirmed at."""

    intranet_url: str
    answer: IntegrationList
    etag: str | None
    server_time: datetime


@dataclass
class NoticeRecord:
    """What the user has seen and done about one notice (identity: id, kind, key)."""

    first_seen: datetime
    last_seen: datetime
    times_shown: int = 0
    last_shown: datetime | None = None
    thresholds_shown: list[int] = field(default_factory=list)
    dismissed: bool = False
    snoozed_until: datetime | None = None


@dataclass
class AppState:
    last_good: LastGood | None = None
    notices: dict[str, NoticeRecord] = field(default_factory=dict)
    retry_not_before: datetime | None = None  # this computer's clock

    def last_good_for(self, intranet_url: str) -> LastGood | None:
        """The last answer, only if it came from this intranet."""
        if self.last_good and self.last_good.intranet_url == intranet_url:
            return self.last_good
        return None

    def keep_recent_notices(self, horizon: datetime) -> None:
        """Forget notices last seen before `horizon`, and all but the newest records."""
        recent = {k: r for k, r in self.notices.items() if r.last_seen >= horizon}
        newest = sorted(recent.items(), key=lambda item: item[1].last_seen, reverse=True)
        self.notices = dict(newest[:MAX_NOTICE_RECORDS])


def notice_id(identity: tuple[str, str, str]) -> str:
    return "|".join(identity)


# --- recording a check ---------------------------------------------------------------


def remember(state: AppState, report: CheckReport) -> None:
    """Record a finished check in `state` (call inside `StateStore.update`)."""
    state.retry_not_before = report.retry_not_before
    if report.error is not None or report.answer is None or report.intranet_url is None:
        return
    state.last_good = LastGood(report.intranet_url, report.answer, report.etag,
                               report.checked_at)
    _record_notices_seen(state, report)


def _record_notices_seen(state: AppState, report: CheckReport) -> None:
    now = report.checked_at
    assert report.classification is not None
    for notice in report.classification.notices:
        key = notice_id(notice.identity)
        record = state.notices.get(key)
        if record is None:
            state.notices[key] = NoticeRecord(first_seen=now, last_seen=now)
        else:
            record.last_seen = now
    state.keep_recent_notices(now - timedelta(days=NOTICE_HISTORY_DAYS))


# --- to and from JSON -----------------------------------------------------------------


def _time_out(value: datetime | None) -> str | None:
    return format_utc(value) if value else None


def _record_to_json(record: NoticeRecord) -> dict[str, Any]:
    return {
        "first_seen": format_utc(record.first_seen),
        "last_seen": format_utc(record.last_seen),
        "times_shown": record.times_shown,
        "last_shown": _time_out(record.last_shown),
        "thresholds_shown": record.thresholds_shown,
        "dismissed": record.dismissed,
        "snoozed_until": _time_out(record.snoozed_until),
    }


def state_to_json(state: AppState) -> dict[str, Any]:
    last = state.last_good
    return {
        "version": STATE_VERSION,
        "last_good": None if last is None else {
            "intranet_url": last.intranet_url,
            "answer": answer_to_json(last.answer),
            "warnings": list(last.answer.warnings),
            "etag": last.etag,
            "server_time": format_utc(last.server_time),
        },
        "notices": {key: _record_to_json(rec) for key, rec in state.notices.items()},
        "retry_not_before": _time_out(state.retry_not_before),
    }


def _small_int(value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value < 10**6:
        raise ValueError("not a count")
    return value


def _record_from_json(data: object) -> NoticeRecord:
    if not isinstance(data, dict):
        raise ValueError("notice record is not an object")
    first_seen = time_field(data.get("first_seen"), required=True)
    assert first_seen is not None
    thresholds = data.get("thresholds_shown", [])
    dismissed = data.get("dismissed", False)
    if not isinstance(thresholds, list) or not isinstance(dismissed, bool):
        raise ValueError("bad notice record")
    return NoticeRecord(
        first_seen=first_seen,
        last_seen=time_field(data.get("last_seen")) or first_seen,
        times_shown=_small_int(data.get("times_shown", 0)),
        last_shown=time_field(data.get("last_shown")),
        thresholds_shown=[_small_int(t) for t in thresholds[:10]],
        dismissed=dismissed,
        snoozed_until=time_field(data.get("snoozed_until")),
    )


def _text_in(value: object, max_chars: int) -> str:
    if not isinstance(value, str) or len(value) > max_chars:
        raise ValueError("not a short text")
    return clean(value)


def _answer_in(last: dict[str, Any], version: int) -> IntegrationList:
    """The answer kept in the file, read by the same parser as the server's."""
    try:
        answer = parse_integration_list(last.get("answer" if version == 2 else "body"))
    except CompanionError:
        raise ValueError("bad answer") from None
    warnings = last.get("warnings")
    if version == 1 or not isinstance(warnings, list):
        return answer
    texts = [_text_in(w, 1000) for w in warnings]
    return IntegrationList(answer.user, answer.external_apps_url, answer.warning_window_days,
                           answer.integrations, bounded_warnings(texts))


def _last_good_in(last: object, version: int) -> LastGood | None:
    if last is None:
        return None
    if not isinstance(last, dict):
        raise ValueError("bad last_good")
    etag = last.get("etag")
    return LastGood(
        _text_in(last.get("intranet_url"), 2048),
        _answer_in(last, version),
        None if etag is None else _text_in(etag, MAX_ETAG_CHARS),
        time_field(last.get("server_time"), required=True),  # type: ignore[arg-type]
    )


def state_from_json(data: object) -> AppState:
    """Raise ValueError on anything that is not a state file this version reads."""
    if not isinstance(data, dict) or data.get("version") not in READABLE_VERSIONS:
        raise ValueError("not a state file")
    notices = data.get("notices", {})
    if not isinstance(notices, dict) or len(notices) > 10 * MAX_NOTICE_RECORDS:
        raise ValueError("bad notices")
    return AppState(
        _last_good_in(data.get("last_good"), data["version"]),
        {_text_in(k, 1000): _record_from_json(v) for k, v in notices.items()},
        time_field(data.get("retry_not_before")),
    )


# --- the file ---------------------------------------------------------------------------


class StateStore:
    def __init__(self, path: Path | None = None) -> None:
        self.path = path or paths.state_file()
        self.lock_path = self.path.with_name(f".{self.path.name}.lock")

    def load(self) -> AppState:
        """The saved state (a snapshot: to change it, use `update`)."""
        try:
            data = read_json_file(self.path, MAX_STATE_BYTES)
        except UnreadableFile as problem:
            self._set_aside(problem.reason)
            return AppState()
        if data is None:
            return AppState()
        try:
            return state_from_json(data)
        except ValueError:
            self._set_aside("it is not a state file this version can read")
            return AppState()

    def update(self, change: Callable[[AppState], T]) -> T:
        """Apply `change` to the latest saved state and save it, all under the lock.

        When the state cannot be locked or saved, the change still applies to the
        returned snapshot and one sentence is logged; nothing raises."""
        try:
            with locked(self.lock_path, LOCK_TIMEOUT_SECONDS):
                state = self.load()
                result = change(state)
                self.save(state)
                return result
        except LockUnavailable as problem:
            log.error("Could not lock the state file %s (%s); this change is not saved",
                      self.path, problem.reason)
            return change(self.load())

    def save(self, state: AppState) -> bool:
        """Write the state (callers hold the lock: see `update`); on failure log one
        sentence and return False."""
        text = json.dumps(state_to_json(state), separators=(",", ":")) + "\n"
        try:
            atomic_write_text(self.path, text)
        except OSError as problem:
            log.error("Could not save state to %s (%s)", self.path,
                      problem.strerror or type(problem).__name__)
            return False
        return True

    def _set_aside(self, reason: str) -> None:
        stamp = utc_now().strftime("%Y%m%dT%H%M%S%fZ")
        aside = self.path.with_name(f"{self.path.name}.corrupt-{stamp}")
        try:
            self.path.replace(aside)
        except OSError as problem:
            log.warning("State file %s is unusable (%s) and could not be moved (%s)",
                        self.path, reason, problem.strerror)
            return
        log.warning("State file %s was corrupt (%s); set aside as %s",
                    self.path, reason, aside.name)
        self._drop_old_copies()

    def _drop_old_copies(self) -> None:
        copies = sorted(self.path.parent.glob(f"{self.path.name}.corrupt-*"))
        for old in copies[:-KEPT_CORRUPT_COPIES]:
            with contextlib.suppress(OSError):
                old.unlink()
