"""The state store: atomic, private, and forgiving of a corrupt file."""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime
from pathlib import Path

import pytest

from tray_app.core.state import AppState, LastGood, NoticeRecord, StateStore

T = datetime(2026, 11, 28, 9, 0, tzinfo=UTC)


def sample() -> AppState:
    return AppState(
        LastGood("https://i.example", {"integrations": []}, '"e1"', T),
        {"dropbox|disconnected|k": NoticeRecord(T, T, times_shown=2, last_shown=T,
                                                thresholds_shown=[10, 3], dismissed=True,
                                                snoozed_until=T)},
        retry_not_before=T,
    )


def test_round_trip(tmp_path: Path) -> None:
    store = StateStore(tmp_path / "state" / "state.json")
    assert store.save(sample())
    assert store.load() == sample()


def test_file_and_dir_are_private(tmp_path: Path) -> None:
    store = StateStore(tmp_path / "state" / "state.json")
    store.save(sample())
    assert store.path.stat().st_mode & 0o777 == 0o600
    assert store.path.parent.stat().st_mode & 0o777 == 0o700
    assert [p.name for p in store.path.parent.iterdir()] == ["state.json"]


@pytest.mark.parametrize("content", ["{half", "[]", '{"version": 99}',
                                     '{"version": 1, "last_good": {"body": 1}}'])
def test_corrupt_file_is_set_aside_and_logged(
    tmp_path: Path, caplog: pytest.LogCaptureFixture, content: str
) -> None:
    path = tmp_path / "state.json"
    path.write_text(content)
    with caplog.at_level(logging.WARNING):
        state = StateStore(path).load()
    assert state == AppState()
    assert not path.exists()
    aside = list(tmp_path.glob("state.json.corrupt-*"))
    assert len(aside) == 1 and aside[0].read_text() == content
    assert "corrupt" in caplog.text


def test_unwritable_dir_loses_nothing_and_does_not_raise(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("x")
    store = StateStore(blocker / "state.json")
    assert store.save(sample()) is False
    assert "Could not save state" in caplog.text


def test_last_good_is_only_for_its_intranet() -> None:
    state = sample()
    assert state.last_good_for("https://i.example") is not None
    assert state.last_good_for("https://other.example") is None


def test_saved_json_is_readable(tmp_path: Path) -> None:
    store = StateStore(tmp_path / "state.json")
    store.save(sample())
    data = json.loads(store.path.read_text())
    assert data["version"] == 1
    assert data["last_good"]["server_time"] == "2026-11-28T09:00:00Z"
