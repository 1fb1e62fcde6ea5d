"""The tray menu against the real demo intranet, with real Qt widgets (offscreen): status
lines that read as information (enabled, with a state glyph), each Reconnect right after
its row, "Last checked" in the user's language, Help and About, and a Sign out that asks
first."""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QApplication, QMessageBox
from qt_fixtures import check

from tray_app import __version__
from tray_app.core import i18n, messages, org_words, summary
from tray_app.core.config import load_config
from tray_app.core.policy import RawPolicy
from tray_app.core.report import CheckReport
from tray_app.core.session import Session
from tray_app.core.settings import TEXT_LANGUAGES
from tray_app.core.state import StateStore
from tray_app.core.summary import Overall
from tray_app.core.worker_client import WorkerJobs
from tray_app.demo.server import DemoIntranet
from tray_app.ui.controller import Controller
from tray_app.ui.tray import TrayPresenter

SANDBOX_KEYRING = "tray_app.demo.sandbox_keyring.PlaintextSandboxKeyring"
SUPPORT = {"support_line": "IT Service Desk, ext. 4357",
           "support_url": "https://help.acme.example/it"}


def make_controller(demo: DemoIntranet, tmp_path: Path, policy: dict | None = None
                    ) -> Controller:
    config = load_config({"intranet_url": demo.url}, environ={},
                         policy=RawPolicy(policy or {}, origin="test"))
    org_words.remember(config.get, TEXT_LANGUAGES)
    env = {**os.environ, "COMPANION_TOKEN": demo.token,
           "PYTHON_KEYRING_BACKEND": SANDBOX_KEYRING,
           "DEMO_KEYRING_FILE": str(tmp_path / "demo-keyring.json")}
    return Controller(Session(StateStore()), config, None, WorkerJobs(demo.url, 20, env))


def with_tray(qtbot, controller: Controller) -> Controller:
    """Started, with a tray presenter as a desktop with a tray host gets one (the
    offscreen platform has no tray host)."""
    controller._make_tray()
    with qtbot.waitSignal(controller.update_shown, timeout=10_000):
        controller.start()
    controller.popup.close()
    return controller


@pytest.fixture
def started(qtbot, demo: DemoIntranet, tmp_path: Path) -> Iterator[Controller]:
    controller = with_tray(qtbot, make_controller(demo, tmp_path))
    yield controller
    controller.shutdown()
    controller.status_window.close()
    org_words.forget()


def entries(tray: TrayPresenter) -> list[QAction]:
    tray.rebuild_menu()
    return [action for action in tray.menu.actions() if not action.isSeparator()]


def entry(tray: TrayPresenter, text: str) -> QAction:
    return next(action for action in entries(tray) if action.text() == text)


def test_status_rows_are_enabled_information_with_their_state_glyph(
        qtbot, started: Controller) -> None:
    tray = started.tray
    actions = entries(tray)
    texts = [action.text() for action in actions]
    rows = {row.text: row for row in started.session.current_glance().rows}
    assert "Dropbox: disconnected (refresh failed)" in rows
    for text in ["Signed in as Jane Doe (jane@acme.example)", *rows]:
        action = actions[texts.index(text)]
        assert action.isEnabled(), text  # a disabled entry reads grey, as "unavailable"
        assert not action.isCheckable()
    expected = {"dropbox": Overall.DISCONNECTED, "google-drive": Overall.EXPIRING,
                "microsoft-365": Overall.OK, "slack": None}  # Slack: never connected
    for text, row in rows.items():
        if row.integration_id in expected:
            assert row.icon is expected[row.integration_id], text
        assert actions[texts.index(text)].icon().isNull() == (row.icon is None), text
    # A status line shows the status window: information, never a dead entry.
    with qtbot.waitSignal(tray.show_status_requested, timeout=1_000):
        actions[texts.index("Dropbox: disconnected (refresh failed)")].trigger()


def test_each_reconnect_follows_its_own_row_without_indentation(
        qtbot, started: Controller, demo: DemoIntranet) -> None:
    tray = started.tray
    texts = [action.text() for action in entries(tray)]
    assert not [text for text in texts if text != text.lstrip()]
    dropbox = texts.index("Dropbox: disconnected (refresh failed)")
    assert texts[dropbox + 1] == "Reconnect Dropbox…"
    drive = next(i for i, t in enumerate(texts) if t.startswith("Google Drive: expires"))
    assert texts[drive + 1] == "Reconnect Google Drive…"
    assert texts.count("Reconnect Dropbox…") == 1
    assert not any(text.startswith("Reconnect Slack") for text in texts)
    with qtbot.waitSignal(tray.reconnect_requested, timeout=1_000) as chosen:
        entry(tray, "Reconnect Dropbox…").trigger()
    assert chosen.args == ["dropbox", f"{demo.url}/profile/settings/external-apps#dropbox",
                           "Dropbox"]


def test_the_last_checked_line_is_in_the_menu(started: Controller) -> None:
    report = started.session.report
    line = summary.last_checked(report)
    assert line.startswith("Last checked ")
    texts = [action.text() for action in entries(started.tray)]
    assert texts.index(line) < texts.index("Check now")
    assert entry(started.tray, line).isEnabled()
    assert started.status_window.last_checked.text() == line


@pytest.fixture
def utc_zone(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("TZ", "UTC")
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()


def test_last_checked_is_in_the_users_language_and_says_the_day_when_not_today(
        utc_zone) -> None:
    report = CheckReport("https://intranet.example", datetime(2026, 12, 4, 14, 5, tzinfo=UTC))
    same_day = datetime(2026, 12, 4, 18, 0, tzinfo=UTC)
    next_day = datetime(2026, 12, 5, 8, 0, tzinfo=UTC)
    assert summary.last_checked(report, same_day) == "Last checked 2:05\u202fPM"
    assert summary.last_checked(report, next_day) == "Last checked Dec 4, 2:05\u202fPM"
    assert summary.last_checked(None) == ""
    i18n.use_language("de")
    try:
        assert summary.last_checked(report, same_day).endswith(" 14:05")
        assert summary.last_checked(report, next_day).endswith(" 4. Dez., 14:05")
    finally:
        i18n.use_english()


def test_about_shows_the_version_and_the_support_line(
        qtbot, demo: DemoIntranet, tmp_path: Path) -> None:
    controller = with_tray(qtbot, make_controller(demo, tmp_path, SUPPORT))
    try:
        with qtbot.waitSignal(controller.tray.about_requested, timeout=1_000):
            entry(controller.tray, "About Intranet Companion").trigger()
        box = controller._about
        assert box is not None and box.isVisible()
        assert __version__ in box.text()
        assert "IT Service Desk, ext. 4357" in box.text()
        assert "https://help.acme.example/it" in box.text()
        box.close()
        with qtbot.waitSignal(controller.tray.help_requested, timeout=1_000) as help_page:
            entry(controller.tray, "Help…").trigger()
        assert help_page.args == ["https://help.acme.example/it"]
    finally:
        controller.shutdown()
        org_words.forget()


def test_help_is_offered_only_with_a_support_page(started: Controller) -> None:
    texts = [action.text() for action in entries(started.tray)]
    assert "Help…" not in texts
    assert texts[-2:] == ["About Intranet Companion", "Quit"]


def sign_out_box() -> QMessageBox:
    boxes = [w for w in QApplication.topLevelWidgets()
             if isinstance(w, QMessageBox) and w.isVisible()
             and w.text() == messages.sign_out_question()]
    assert len(boxes) == 1
    return boxes[0]


def test_sign_out_asks_first_and_cancel_keeps_the_sign_in(
        qtbot, started: Controller) -> None:
    entry(started.tray, "Sign out…").trigger()
    box = sign_out_box()
    assert box.informativeText() == messages.sign_out_question_detail()
    cancel = box.button(QMessageBox.StandardButton.Cancel)
    assert box.defaultButton() is cancel and box.escapeButton() is cancel
    assert [b.text() for b in box.buttons() if b is not cancel] == ["Sign out"]
    assert not started.signing_out  # nothing happens while it asks
    cancel.click()
    assert not box.isVisible() and not started.signing_out
    update = check(qtbot, started)
    assert update.glance.signed_in and update.report.error is None


def test_sign_out_asks_then_signs_out(qtbot, started: Controller) -> None:
    entry(started.tray, "Sign out…").trigger()
    box = sign_out_box()
    confirm = next(b for b in box.buttons() if b.text() == "Sign out")
    with qtbot.waitSignal(started.update_shown, timeout=20_000) as signed_out:
        confirm.click()
        assert started.signing_out
    assert signed_out.args[0].overall is Overall.SIGNED_OUT
    assert "Sign out…" not in [action.text() for action in entries(started.tray)]
