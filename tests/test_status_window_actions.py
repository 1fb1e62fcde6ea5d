"""The status window on a desktop with no tray host (the offscreen platform has none),
against the real demo intranet with real Qt widgets: it carries everything the tray
menu has, closing it only hides it, a second launch (a real second process) brings it
back, and after Reconnect every surface says the app waits for the reconnection."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QEvent, QPoint, Qt
from PySide6.QtWidgets import QApplication, QCheckBox, QLabel, QMessageBox, QPushButton
from qt_fixtures import UrlCatcher, check

from tray_app import __version__
from tray_app.core import messages, org_words
from tray_app.core.autostart import XdgAutostart
from tray_app.core.config import load_config
from tray_app.core.policy import RawPolicy
from tray_app.core.session import Session
from tray_app.core.settings import TEXT_LANGUAGES
from tray_app.core.state import StateStore
from tray_app.core.worker_client import WorkerJobs
from tray_app.demo.server import DemoIntranet
from tray_app.ui.controller import Controller
from tray_app.ui.settings_dialog import SettingsDialog
from tray_app.ui.status_window import StatusWindow

REPO = Path(__file__).resolve().parents[1]
WAITING = "Waiting for you to reconnect…"


@pytest.fixture
def started(qtbot, demo: DemoIntranet, isolated_home: Path) -> Iterator[Controller]:
    config = load_config({"intranet_url": demo.url}, environ={}, policy=RawPolicy(
        {"support_url": "https://help.acme.example/it"}, origin="test"))
    org_words.remember(config.get, TEXT_LANGUAGES)
    workers = WorkerJobs(demo.url, 20, env={**os.environ, "COMPANION_TOKEN": demo.token})
    autostart = XdgAutostart(isolated_home / "config", system_dirs=[])
    controller = Controller(Session(StateStore()), config, autostart, workers)
    with qtbot.waitSignal(controller.update_shown, timeout=10_000):
        controller.start()
    controller.popup.close()
    qtbot.waitUntil(lambda: controller.status_window.isVisible(), timeout=5_000)
    yield controller
    controller.shutdown()
    for widget in QApplication.topLevelWidgets():
        widget.close()
    org_words.forget()


def shown(window: StatusWindow) -> list[str]:
    """The texts on screen, once new rows are shown and old ones gone (both queued)."""
    QApplication.processEvents()
    QApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
    widgets = [*window.findChildren(QPushButton), *window.findChildren(QLabel)]
    return [w.text() for w in widgets if w.isVisibleTo(window) and w.text()]


def visible_box(text: str) -> QMessageBox:
    boxes = [w for w in QApplication.topLevelWidgets()
             if isinstance(w, QMessageBox) and w.isVisible() and text in w.text()]
    assert len(boxes) == 1, [w.text() for w in QApplication.topLevelWidgets()
                             if isinstance(w, QMessageBox)]
    return boxes[0]


def click(qtbot, button: QPushButton) -> None:
    assert button.isVisibleTo(button.window()) and button.isEnabled(), button.text()
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)


def tick(qtbot, box: QCheckBox) -> None:
    """A click on the box itself (a checkbox stretched wide takes clicks on its text only)."""
    assert box.isVisibleTo(box.window()) and box.isEnabled(), box.text()
    qtbot.mouseClick(box, Qt.MouseButton.LeftButton, pos=QPoint(6, box.height() // 2))


def test_the_window_carries_everything_the_menu_has(qtbot, started: Controller) -> None:
    assert started.tray is None
    window = started.status_window
    texts = shown(window)
    for wanted in ("Check now", "Open External apps", "Sign out…", "Settings…", "Help…",
                   "About", "Quit", "Reconnect…", "Close"):
        assert wanted in texts, wanted
    assert window.last_checked.text().startswith("Last checked ")
    assert window.keeps_running.isVisibleTo(window)  # no tray: says how to get it back
    assert sorted(b.accessibleName() for b in window.findChildren(QPushButton)
                  if b.text() == "Reconnect…") == ["Reconnect Dropbox", "Reconnect Google Drive"]
    assert window.start_at_login.isVisibleTo(window) and window.start_at_login.isEnabled()
    assert not window.sign_in.isVisibleTo(window)  # signed in: Sign out instead

    with qtbot.waitSignal(started.update_shown, timeout=10_000):
        click(qtbot, window.check_now)

    click(qtbot, window.about)
    about = visible_box(__version__)
    assert "https://help.acme.example/it" in about.text()
    about.close()

    click(qtbot, window.settings)
    assert [w for w in QApplication.topLevelWidgets()
            if isinstance(w, SettingsDialog) and w.isVisible()]

    with qtbot.waitSignal(window.help_requested, timeout=1_000) as help_page:
        click(qtbot, window.help)
    assert help_page.args == ["https://help.acme.example/it"]


def test_start_at_login_from_the_window_writes_the_login_entry(
        qtbot, started: Controller) -> None:
    window = started.status_window
    entry = started.autostart.path
    assert not window.start_at_login.isChecked() and not entry.exists()
    tick(qtbot, window.start_at_login)
    assert entry.is_file() and started.autostart.is_enabled()
    assert window.start_at_login.isChecked()
    tick(qtbot, window.start_at_login)
    assert not started.autostart.is_enabled()


def test_sign_out_from_the_window_asks_and_cancel_keeps_the_sign_in(
        qtbot, started: Controller) -> None:
    window = started.status_window
    click(qtbot, window.sign_out)
    box = visible_box(messages.sign_out_question())
    click(qtbot, box.button(QMessageBox.StandardButton.Cancel))
    assert not started.signing_out
    assert check(qtbot, started).glance.signed_in
    assert window.sign_out.isVisibleTo(window)


def test_close_hides_and_a_second_launch_brings_it_back(
        qtbot, started: Controller, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from tray_app.ui.app import _listen_for_launches

    monkeypatch.setenv("HOME", str(tmp_path))  # a name of its own: the per-user name hashes it
    window = started.status_window
    window.close()
    assert not window.isVisible() and not window.testAttribute(
        Qt.WidgetAttribute.WA_QuitOnClose)
    assert started.status_window is window  # hidden, not gone: the same window returns
    instance = _listen_for_launches(started)
    try:
        env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
        second = subprocess.Popen(
            [sys.executable, "-c",
             "from tray_app.ui.app import show_first_instance; "
             "raise SystemExit(show_first_instance())"],
            cwd=REPO, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        qtbot.waitUntil(window.isVisible, timeout=30_000)
        output, errors = second.communicate(timeout=30)
        assert second.returncode == 0, errors
        assert output.strip() == messages.already_running()
    finally:
        instance.close()


QUIT_DRIVER = """
import sys
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication
from tray_app.core.config import load_config
from tray_app.core.policy import RawPolicy
from tray_app.core.session import Session
from tray_app.core.state import StateStore
from tray_app.core.worker_client import WorkerJobs
from tray_app.ui.controller import Controller

app = QApplication(sys.argv[:1])
app.setQuitOnLastWindowClosed(False)  # as the tray runs (ui/app.py)
config = load_config({"intranet_url": "https://intranet.example"}, environ={},
                     policy=RawPolicy())
controller = Controller(Session(StateStore()), config, None,
                        WorkerJobs("https://intranet.example", 20))
window = controller.status_window
window.bring_up()

def close_then_quit():
    window.close()
    print("closed, still running:", not window.isVisible())
    QTimer.singleShot(100, window.quit.click)

QTimer.singleShot(200, close_then_quit)
QTimer.singleShot(10_000, lambda: (print("Quit did nothing"), app.exit(3)))
print("exit", app.exec())
"""


def test_quit_in_the_window_ends_the_app(isolated_home: Path) -> None:
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    done = subprocess.run([sys.executable, "-c", QUIT_DRIVER], cwd=REPO, env=env,
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split("\n")[:2] == ["closed, still running: True", "exit 0"]


def popup_waiting(controller: Controller) -> list[str]:
    return [row.waiting.text() for row in controller.popup.rows
            if row.waiting.isVisibleTo(row)]


def test_after_reconnect_every_surface_waits_until_it_is_connected(
        qtbot, started: Controller, demo: DemoIntranet, browser: UrlCatcher) -> None:
    popup = started.popup
    popup.show_notices(started.session.due_for_popup())
    window = started.status_window
    assert WAITING not in shown(window) and popup_waiting(started) == []
    click(qtbot, popup.rows[0].reconnect)  # Dropbox
    assert browser.urls == [f"{demo.url}/profile/settings/external-apps#dropbox"]
    assert shown(window).count(WAITING) == 1
    assert popup_waiting(started) == [WAITING]
    waiting = {r.integration_id: r.waiting for r in started.session.current_glance().rows}
    assert waiting["dropbox"] == WAITING and waiting["google-drive"] == ""
    assert check(qtbot, started).fixed == ()  # not yet: it still waits
    assert popup_waiting(started) == [WAITING]
    assert WAITING in shown(window)

    demo.reconnect("dropbox")
    update = check(qtbot, started)
    assert update.fixed == (("dropbox", "Dropbox is connected again."),)
    assert popup_waiting(started) == []
    assert WAITING not in shown(window)
    assert "Dropbox: connected" in shown(window)
    assert popup.rows[0].message.text() == "Dropbox is connected again."


def test_the_waiting_ends_with_the_watch(qtbot, started: Controller,
                                         browser: UrlCatcher) -> None:
    row = next(r for r in started.session.current_glance().rows if r.reconnect_url)
    started.reconnect(row.integration_id, row.reconnect_url, row.name)
    assert WAITING in shown(started.status_window)
    started.session.watches[row.integration_id].until = started.session.clock()
    check(qtbot, started)  # the watch time is over, still not reconnected
    assert WAITING not in shown(started.status_window)
    assert row.text in shown(started.status_window)
    assert all(r.waiting == "" for r in started.session.current_glance().rows)
