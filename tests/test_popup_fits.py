"""The login popup always fits: real widgets on the offscreen platform, 1 to 20 notices,
English and the pseudo-locale (longer text), at scale factors 1, 1.5 and 2 (the last
two in a process of their own: Qt reads QT_SCALE_FACTOR once). Also: its heading icon
asks for attention, its one way out snoozes what is still open, and a dismissed notice
can be found and undone in the status window."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from popup_probe import make_notices, measure, show
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QLabel, QPushButton

from tray_app.core import i18n, messages
from tray_app.core.classify import Notice, NoticeKind
from tray_app.core.config import load_config
from tray_app.core.policy import RawPolicy
from tray_app.core.reminders import Reminders
from tray_app.core.session import Session
from tray_app.core.state import AppState, StateStore, notice_id
from tray_app.core.summary import Overall
from tray_app.core.worker_client import WorkerJobs
from tray_app.demo.server import DemoIntranet
from tray_app.ui.controller import Controller
from tray_app.ui.icons import app_icon, state_icon
from tray_app.ui.language import apply_language
from tray_app.ui.popup import HEADING_ICON, NoticePopup

PROBE = Path(__file__).resolve().parent / "popup_probe.py"


@pytest.fixture
def popup(qtbot) -> Iterator[NoticePopup]:
    widget = NoticePopup()
    qtbot.addWidget(widget)
    yield widget
    widget.hide()


@pytest.fixture(params=[i18n.ENGLISH, i18n.PSEUDO])
def language(request, qapp: QApplication) -> Iterator[str]:
    i18n.use_language(request.param)
    apply_language(qapp)
    yield request.param
    i18n.use_english()
    apply_language(qapp)


@pytest.fixture
def started(qtbot, demo: DemoIntranet) -> Iterator[Controller]:
    """The tray against the demo intranet, its login popup up (Dropbox, Google Drive)."""
    config = load_config({"intranet_url": demo.url}, environ={},
                         policy=RawPolicy({}, origin="test"))
    workers = WorkerJobs(demo.url, 20, env={**os.environ, "COMPANION_TOKEN": demo.token})
    controller = Controller(Session(StateStore()), config, None, workers)
    with qtbot.waitSignal(controller.update_shown, timeout=10_000):
        controller.start()
    qtbot.waitUntil(controller.popup.isVisible, timeout=5_000)
    yield controller
    controller.shutdown()
    controller.popup.hide()
    controller.status_window.close()


def assert_fits(result: dict) -> None:
    assert result["inside"], result
    assert result["within_90"], result
    assert result["heading_visible"] and result["buttons_inside"], result
    assert result["cut"] == [], result


@pytest.mark.parametrize("count", [12, 20])
def test_many_notices_scroll_within_the_screen_and_nothing_is_cut(
        popup: NoticePopup, language: str, count: int) -> None:
    show(popup, make_notices(count))
    result = measure(popup)
    assert_fits(result)
    assert result["scroll_range"] > 0 and result["bar_visible"], result
    # the rows' container is exactly as wide as the view, as tall as its lines need
    content, viewport = popup.scroll.widget(), popup.scroll.viewport()
    assert content.width() == viewport.width()
    assert content.height() >= content.heightForWidth(content.width())


@pytest.mark.parametrize("count", [1, 2, 3])
def test_a_few_notices_need_no_scroll_bar(popup: NoticePopup, language: str,
                                         count: int) -> None:
    show(popup, make_notices(count))
    result = measure(popup)
    assert_fits(result)
    assert result["scroll_range"] == 0 and not result["bar_visible"], result


def test_scrolling_keeps_the_focused_button_in_view(qtbot, popup: NoticePopup) -> None:
    show(popup, make_notices(12))
    popup.activateWindow()
    last = popup.rows[-1].dismiss
    last.setFocus()
    popup.scroll.ensureWidgetVisible(last)
    QApplication.processEvents()
    assert popup.scroll.verticalScrollBar().value() > 0
    corner = last.mapTo(popup.scroll.viewport(), last.rect().bottomLeft())
    assert popup.scroll.viewport().rect().contains(corner)
    assert last.nextInFocusChain() is popup.remind_later


@pytest.mark.parametrize("scale", ["1.5", "2"])
def test_it_fits_at_larger_scale_factors(scale: str) -> None:
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "QT_SCALE_FACTOR": scale}
    done = subprocess.run([sys.executable, str(PROBE), "1", "12", "20"], env=env,
                          capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr
    results = json.loads(done.stdout.strip().splitlines()[-1])
    assert len(results) == 6  # English and pseudo, 1, 12 and 20 notices
    for result in results:
        assert_fits(result)
        if result["count"] == 1 and result["language"] == i18n.ENGLISH:
            assert result["scroll_range"] == 0, result
        if result["count"] >= 12:
            assert result["scroll_range"] > 0, result


# --- the heading icon ----------------------------------------------------------------------


def image(pixmap):
    return pixmap.toImage().convertToFormat(pixmap.toImage().Format.Format_ARGB32)


@pytest.mark.parametrize(("kinds", "state"), [
    ((NoticeKind.EXPIRING, NoticeKind.DISCONNECTED), Overall.DISCONNECTED),
    ((NoticeKind.EXPIRING,), Overall.EXPIRING),
])
def test_the_heading_icon_asks_for_attention(popup: NoticePopup, kinds, state) -> None:
    notices = [n for n in make_notices(4) if n.kind in kinds]
    show(popup, notices)
    shown = image(popup.logo.pixmap())
    assert shown != image(app_icon().pixmap(HEADING_ICON, HEADING_ICON))
    assert shown == image(state_icon(state).pixmap(HEADING_ICON, HEADING_ICON))
    assert popup.logo.accessibleName() == (messages.icon_disconnected()
                                           if state is Overall.DISCONNECTED
                                           else messages.icon_expiring())


def test_once_every_notice_is_fixed_the_heading_says_so(popup: NoticePopup) -> None:
    notices = make_notices(1)
    show(popup, notices)
    popup.settle(set(), {notices[0].integration_id: "Dropbox is connected again."})
    assert image(popup.logo.pixmap()) == image(
        state_icon(Overall.OK).pixmap(HEADING_ICON, HEADING_ICON))
    assert measure(popup)["cut"] == []


# --- one way out: Remind me later ------------------------------------------------------------


def test_esc_and_remind_me_later_snooze_what_is_still_open(qtbot, popup: NoticePopup) -> None:
    notices = make_notices(3)
    show(popup, notices)
    assert popup.remind_later.isVisible() and not popup.close_button.isVisible()
    asked: list[list[Notice]] = []
    popup.remind_later_requested.connect(asked.append)
    popup.rows[1].dismiss.click()
    qtbot.keyClick(popup, Qt.Key.Key_Escape)
    assert not popup.isVisible()
    assert asked == [[notices[0], notices[2]]]  # not the dismissed one


def test_with_nothing_left_to_remind_of_it_offers_close(qtbot, popup: NoticePopup) -> None:
    notices = make_notices(2)
    show(popup, notices)
    asked: list[list[Notice]] = []
    popup.remind_later_requested.connect(asked.append)
    popup.rows[0].dismiss.click()
    popup.settle(set(), {notices[1].integration_id: "Google Drive is connected again."})
    assert popup.close_button.isVisible() and not popup.remind_later.isVisible()
    popup.close_button.click()
    assert not popup.isVisible() and asked == []


def test_snoozed_notices_come_back_at_the_next_start() -> None:
    """What Remind me later means, in the reminder table."""
    state, now = AppState(), datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
    notices = [n for n in make_notices(2)]
    run = Reminders()
    window = 10
    run.mark_shown(run.due(notices, state, now, window), state, now, window)
    run.remind_later(notices, state, now)
    later = now + timedelta(hours=1)
    assert run.due(notices, state, later, window) == []  # not again in this run
    assert Reminders().due(notices, state, later, window) == notices  # at the next start


# --- Remind me again ---------------------------------------------------------------------------


def test_remind_again_undoes_a_dismissal() -> None:
    state, now = AppState(), datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
    notice = make_notices(1)[0]
    run = Reminders()
    run.dismiss(notice, state, now)
    assert Reminders().due([notice], state, now, 10) == []
    run.remind_again(notice.identity, state)
    assert not state.notices[notice_id(notice.identity)].dismissed
    assert Reminders().due([notice], state, now, 10) == [notice]
    Reminders().remind_again(("unknown", "disconnected", "k"), state)  # nothing to undo


def reminder_buttons(window) -> list[QPushButton]:
    return [b for b in window.findChildren(QPushButton)
            if b.isVisibleTo(window) and b.text() == messages.status_remind_again()]


def reminders_off_labels(window) -> list[QLabel]:
    return [label for label in window.findChildren(QLabel)
            if label.isVisibleTo(window) and label.text() == messages.status_reminders_off()]


def test_dismiss_then_remind_me_again_in_the_status_window(qtbot, started: Controller) -> None:
    dropbox = started.popup.rows[0].notice
    assert dropbox.integration_id == "dropbox"
    window = started.status_window
    window.show()
    assert reminder_buttons(window) == []
    qtbot.mouseClick(started.popup.rows[0].dismiss, Qt.MouseButton.LeftButton)
    assert dropbox not in started.session.due_for_popup()
    assert StateStore().load().notices[notice_id(dropbox.identity)].dismissed
    # the open status window shows it at once, and so does one opened later
    qtbot.waitUntil(lambda: len(reminders_off_labels(window)) == 1, timeout=2_000)
    started.show_status()
    buttons = reminder_buttons(window)
    assert [b.accessibleName() for b in buttons] == ["Remind me again about Dropbox"]
    qtbot.mouseClick(buttons[0], Qt.MouseButton.LeftButton)
    assert dropbox in started.session.due_for_popup()
    assert not StateStore().load().notices[notice_id(dropbox.identity)].dismissed
    qtbot.waitUntil(lambda: reminder_buttons(window) == [] == reminders_off_labels(window),
                    timeout=2_000)
    assert started.session.dismissed() == ()


def test_the_status_window_with_reminders_off_is_not_cut(qtbot, started: Controller,
                                                          qapp: QApplication) -> None:
    qtbot.mouseClick(started.popup.rows[0].dismiss, Qt.MouseButton.LeftButton)
    i18n.use_language(i18n.PSEUDO)
    try:
        window = started.status_window
        window.show()
        window.show_glance(started.session.current_glance())
        qtbot.waitUntil(lambda: reminders_off_labels(window) != [], timeout=2_000)
        qtbot.wait(50)
        texts = [label.text() for label in reminders_off_labels(window)]
        assert texts == [messages.status_reminders_off()] and texts[0].startswith("[")
        window.layout().activate()
        assert [label.text() for label in window.findChildren(QLabel)
                if label.wordWrap() and label.isVisibleTo(window) and label.text()
                and label.height() < label.heightForWidth(label.width())] == []
    finally:
        i18n.use_english()
