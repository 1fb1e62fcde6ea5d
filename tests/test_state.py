"""The state store: atomic, private, compact, shared under a lock, forgiving of any bytes."""

from __future__ import annotations

import json
import logging
import os
import threading
from datetime import UTC, datetime
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tray_app.core.model import parse_integration_list
from tray_app.core.state import (
    KEPT_CORRUPT_COPIES,
    AppState,
    LastGood,
    NoticeRecord,
    StateStore,
)

T = datetime(2026, 11, 28, 9, 0, tzinfo=UTC)
BODY = {
    "user": {"id": "u-1", "name": "Jane", "email": None},
    "external_apps_url": "https://i.example/profile/settings/external-apps",
    "integrations": [{"id": "dropbox", "name": "Dropbox", "provider": "dropbox",
                      "status": "disconnected", "disconnected_at": "2026-11-27T08:12:00Z"}],
}


def sample() -> AppState:
    return AppState(
        LastGood("https://i.example", parse_integration_list(BODY), '"e1"', T),
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
    store.update(lambda state: None)
    assert store.path.stat().st_mode & 0o777 == 0o600
    assert store.path.parent.stat().st_mode & 0o777 == 0o700
    assert sorted(p.name for p in store.path.parent.iterdir()) == [
        ".state.json.lock", "state.json"]


def test_an_existing_open_dir_is_tightened(tmp_path: Path) -> None:
    folder = tmp_path / "state"
    folder.mkdir(mode=0o755)
    os.chmod(folder, 0o755)
    StateStore(folder / "state.json").save(sample())
    assert folder.stat().st_mode & 0o777 == 0o700


@pytest.mark.parametrize("content", [b"{half", b"[]", b'{"version": 99}',
                                     b'{"version": 2, "last_good": {"answer": 1}}',
                                     b"\xff\xfe\x00garbage", b"[" * 100_000,
                                     b'{"version": 2, "notices": {"k": {"first_seen": 1}}}',
                                     b'{"version": 2, "notices": {"k": {"first_seen": '
                                     b'"2026-01-01T00:00:00Z", "times_shown": 1e400}}}'])
def test_corrupt_file_is_set_aside_and_logged(
    tmp_path: Path, caplog: pytest.LogCaptureFixture, content: bytes
) -> None:
    path = tmp_path / "state.json"
    path.write_bytes(content)
    with caplog.at_level(logging.WARNING):
        state = StateStore(path).load()
    assert state == AppState()
    assert not path.exists()
    aside = list(tmp_path.glob("state.json.corrupt-*"))
    assert len(aside) == 1 and aside[0].read_bytes() == content
    assert "corrupt" in caplog.text


def test_only_a_few_corrupt_copies_are_kept(tmp_path: Path) -> None:
    path = tmp_path / "state.json"
    for _ in range(KEPT_CORRUPT_COPIES + 3):
        path.write_text("{half")
        StateStore(path).load()
    assert len(list(tmp_path.glob("state.json.corrupt-*"))) == KEPT_CORRUPT_COPIES


def test_a_version_1_file_keeps_its_notice_history(tmp_path: Path) -> None:
    path = tmp_path / "state.json"
    path.write_text(json.dumps({
        "version": 1,
        "last_good": {"intranet_url": "https://i.example", "body": BODY, "etag": None,
                      "server_time": "2026-11-28T09:00:00Z"},
        "notices": {"dropbox|disconnected|k": {"first_seen": "2026-11-28T09:00:00Z",
                                               "dismissed": True}},
    }))
    state = StateStore(path).load()
    assert state.notices["dropbox|disconnected|k"].dismissed
    assert state.last_good is not None and state.last_good.answer.integrations[0].id == "dropbox"


def test_unwritable_dir_loses_nothing_and_does_not_raise(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("x")
    store = StateStore(blocker / "state.json")
    assert store.save(sample()) is False
    assert "Could not save state" in caplog.text
    assert store.update(lambda state: 42) == 42  # the caller still gets its answer
    assert "Could not lock the state file" in caplog.text


def test_last_good_is_only_for_its_intranet() -> None:
    state = sample()
    assert state.last_good_for("https://i.example") is not None
    assert state.last_good_for("https://other.example") is None


def test_saved_json_is_compact_and_holds_no_raw_body(tmp_path: Path) -> None:
    store = StateStore(tmp_path / "state.json")
    store.save(sample())
    text = store.path.read_text()
    data = json.loads(text)
    assert data["version"] == 2
    assert data["last_good"]["server_time"] == "2026-11-28T09:00:00Z"
    assert "\n" not in text.strip() and "body" not in data["last_good"]


def test_updates_from_many_threads_are_all_kept(tmp_path: Path) -> None:
    store = StateStore(tmp_path / "state.json")

    def add(index: int) -> None:
        store.update(lambda state: state.notices.setdefault(
            f"n{index}", NoticeRecord(T, T)))

    workers = [threading.Thread(target=add, args=(i,)) for i in range(20)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    assert sorted(store.load().notices) == sorted(f"n{i}" for i in range(20))


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(content=st.one_of(
    st.binary(max_size=2000),
    st.recursive(st.none() | st.booleans() | st.integers() | st.floats() | st.text(),
                 lambda inner: st.lists(inner, max_size=4)
                 | st.dictionaries(st.text(max_size=10), inner, max_size=4),
                 max_leaves=30).map(lambda value: json.dumps(value).encode()),
    st.dictionaries(st.sampled_from(["version", "last_good", "notices", "retry_not_before"]),
                    st.one_of(st.just(2), st.just(1), st.none(), st.text(), st.integers(),
                              st.dictionaries(st.text(max_size=5), st.text(), max_size=3)))
    .map(lambda value: json.dumps(value).encode()),
))
def test_any_bytes_load_without_raising_and_save_again(content: bytes) -> None:
    import tempfile

    with tempfile.TemporaryDirectory() as folder:
        store = StateStore(Path(folder) / "state.json")
        store.path.write_bytes(content)
        state = store.load()
        assert isinstance(state, AppState)
        assert store.save(state)
        assert store.load() == state
