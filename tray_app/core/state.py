"""What the companion remembers between runs: the last good answer and the notice history.

Kept apart from config (Maestral's rule): config is what people choose, state is what
the app learned. One JSON file in the platformdirs state dir, 0600, written atomically.
A corrupt or unreadable file is set aside with a log line and the app carries on.
"""

from __future__ import annotations

import json
import logging
from dataclasses import asdict, dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from tray_app.core import paths
from tray_app.core.fileio import atomic_write_text
from tray_app.core.timeutil import format_utc, parse_rfc3339, utc_now

log = logging.getLogger(__name__)

STATE_VERSION = 1


@dataclass
class LastGood:
    """The last answer the intranet gave, with the server time it was confirmed at."""

    intranet_url: str
    body: dict[str, Any]
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
    retry_not_before: datetime | None = None

    def last_good_for(self, intranet_url: str) -> LastGood | None:
        """The last answer, only if it came from this intranet."""
        if self.last_good and self.last_good.intranet_url == intranet_url:
            return self.last_good
        return None


def notice_id(identity: tuple[str, str, str]) -> str:
    return "|".join(identity)


def _time_out(value: datetime | None) -> str | None:
    return format_utc(value) if value else None


def _record_to_json(record: NoticeRecord) -> dict[str, Any]:
    data = asdict(record)
    for key in ("first_seen", "last_seen", "last_shown", "snoozed_until"):
        data[key] = _time_out(data[key])
    return data


def _record_from_json(data: dict[str, Any]) -> NoticeRecord:
    first_seen = parse_rfc3339(data["first_seen"])
    if first_seen is None:
        raise ValueError("notice without first_seen")
    return NoticeRecord(
        first_seen=first_seen,
        last_seen=parse_rfc3339(data.get("last_seen")) or first_seen,
        times_shown=int(data.get("times_shown", 0)),
        last_shown=parse_rfc3339(data.get("last_shown")),
        thresholds_shown=[int(t) for t in data.get("thresholds_shown", [])],
        dismissed=bool(data.get("dismissed", False)),
        snoozed_until=parse_rfc3339(data.get("snoozed_until")),
    )


def state_to_json(state: AppState) -> dict[str, Any]:
    last = state.last_good
    return {
        "version": STATE_VERSION,
        "last_good": None if last is None else {
            "intranet_url": last.intranet_url,
            "body": last.body,
            "etag": last.etag,
            "server_time": format_utc(last.server_time),
        },
        "notices": {key: _record_to_json(rec) for key, rec in state.notices.items()},
        "retry_not_before": _time_out(state.retry_not_before),
    }


def state_from_json(data: Any) -> AppState:
    """Raise ValueError/KeyError/TypeError on anything that is not a state file."""
    if not isinstance(data, dict) or data.get("version") != STATE_VERSION:
        raise ValueError("not a version 1 state file")
    last = data.get("last_good")
    last_good = None
    if last is not None:
        server_time = parse_rfc3339(last["server_time"])
        if server_time is None or not isinstance(last["body"], dict):
            raise ValueError("bad last_good")
        last_good = LastGood(str(last["intranet_url"]), last["body"], last.get("etag"),
                             server_time)
    notices = {str(k): _record_from_json(v) for k, v in data.get("notices", {}).items()}
    return AppState(last_good, notices, parse_rfc3339(data.get("retry_not_before")))


class StateStore:
    def __init__(self, path: Path | None = None) -> None:
        self.path = path or paths.state_file()

    def load(self) -> AppState:
        try:
            text = self.path.read_text(encoding="utf-8")
        except FileNotFoundError:
            return AppState()
        except OSError as problem:
            log.warning("State file %s cannot be read (%s); starting afresh",
                        self.path, problem.strerror)
            return AppState()
        try:
            return state_from_json(json.loads(text))
        except (ValueError, KeyError, TypeError, AttributeError):
            self._set_aside()
            return AppState()

    def save(self, state: AppState) -> bool:
        """Write the state; on failure log it and return False (nothing else is lost)."""
        try:
            atomic_write_text(self.path, json.dumps(state_to_json(state), indent=1) + "\n")
        except OSError as problem:
            log.error("Could not save state to %s (%s)", self.path, problem.strerror)
            return False
        return True

    def _set_aside(self) -> None:
        stamp = utc_now().strftime("%Y%m%dT%H%M%SZ")
        aside = self.path.with_name(f"{self.path.name}.corrupt-{stamp}")
        try:
            self.path.replace(aside)
            log.warning("State file %s was corrupt; set aside as %s", self.path, aside.name)
        except OSError as problem:
            log.warning("State file %s was corrupt and could not be moved (%s)",
                        self.path, problem.strerror)
