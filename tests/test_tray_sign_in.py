"""Signing in and out from the tray, with real Qt widgets (offscreen), the real demo
intranet and its OAuth server on 127.0.0.1, and real worker processes: a sign-in shows
its progress window and can be cancelled from it or from the menu, and sign-out never
holds up the GUI."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QGuiApplication
from qt_fixtures import UrlCatcher

from tray_app.core import messages
from tray_app.core.auth.oauth import secret_name
from tray_app.core.config import Config, load_config
from tray_app.core.policy import RawPolicy
from tray_app.core.session import Session
from tray_app.core.state import StateStore
from tray_app.core.worker_client import WorkerJobs
from tray_app.demo.server import DemoIntranet
from tray_app.ui.controller import Controller
from tray_app.ui.sign_in_window import SignInWindow
from tray_app.ui.tray import TrayPresenter

REPO = Path(__file__).resolve().parents[1]
SANDBOX_KEYRING = "tray_app.demo.sandbox_keyring.PlaintextSandboxKeyring"


def demo_config(demo: DemoIntranet) -> Config:
    return load_config({"intranet_url": demo.url}, environ={}, policy=RawPolicy())


def make_controller(demo: DemoIntranet, keyring_file: Path) -> Controller:
    env = {**os.environ, "PYTHON_KEYRING_BACKEND": SANDBOX_KEYRING,
           "DEMO_KEYRING_FILE": str(keyring_file)}
    controller = Controller(Session(StateStore()), demo_config(demo), None,
                            WorkerJobs(demo.url, 20, env))
    controller.tray = TrayPresenter(lambda: (False, ""), controller)
    return controller


def stored(keyring_file: Path) -> dict[str, str]:
    return json.loads(keyring_file.read_text()) if keyring_file.exists() else {}


def menu_texts(tray: TrayPresenter) -> list[str]:
    tray.rebuild_menu()
    return [action.text() for action in tray.menu.actions() if not action.isSeparator()]


def test_a_sign_in_nobody_answers_is_cancelled_from_the_tray_menu(
        qtbot, demo: DemoIntranet, browser: UrlCatcher, tmp_path: Path) -> None:
    keyring_file = tmp_path / "keyring.json"
    controller = make_controller(demo, keyring_file)
    tray = controller.tray
    assert tray is not None

    controller.sign_in()
    qtbot.waitUntil(lambda: bool(browser.urls), timeout=20_000)
    assert browser.urls[0].startswith(f"{demo.url}/oauth/authorize?")
    texts = menu_texts(tray)
    assert "Cancel sign-in" in texts and "Sign in…" not in texts
    cancel = next(a for a in tray.menu.actions() if a.text() == "Cancel sign-in")
    started = time.monotonic()
    with qtbot.waitSignal(controller.told, timeout=5_000) as told:
        cancel.trigger()
    assert time.monotonic() - started < 3
    assert told.args == ["Sign-in was cancelled."]
    assert not controller.signing_in
    assert "Cancel sign-in" not in menu_texts(tray)
    assert not controller.sign_in_window.isVisible()
    assert not any(secret_name(demo.url) in key for key in stored(keyring_file))
    assert demo.oauth.grants["authorization_code"] == 0
    controller.shutdown()


def test_a_cancel_right_after_sign_in_still_counts(qtbot, demo: DemoIntranet,
                                                   browser: UrlCatcher, tmp_path: Path) -> None:
    keyring_file = tmp_path / "keyring.json"
    controller = make_controller(demo, keyring_file)
    with qtbot.waitSignal(controller.told, timeout=5_000) as told:
        controller.sign_in()
        controller.cancel_sign_in()  # before the worker has even started signing in
    assert told.args == ["Sign-in was cancelled."]
    assert stored(keyring_file) == {}
    controller.shutdown()


def started_sign_in(qtbot, controller: Controller) -> SignInWindow:
    controller.sign_in()
    window = controller.sign_in_window
    qtbot.addWidget(window)
    return window


def authorize_page(demo: DemoIntranet, url: str) -> bool:
    return url.startswith(f"{demo.url}/oauth/authorize?")


def assert_cancelled(told: list[str], controller: Controller, window: SignInWindow,
                     demo: DemoIntranet, keyring_file: Path) -> None:
    assert told == ["Sign-in was cancelled."]
    assert not controller.signing_in
    assert not window.isVisible()
    assert stored(keyring_file) == {}
    assert demo.oauth.grants["authorization_code"] == 0


def test_the_sign_in_window_comes_up_and_sends_the_person_to_the_browser(
        qtbot, demo: DemoIntranet, browser: UrlCatcher, tmp_path: Path) -> None:
    controller = make_controller(demo, tmp_path / "keyring.json")
    window = started_sign_in(qtbot, controller)
    assert window.isVisible()
    assert window.windowTitle() == "Intranet Companion — Sign in"
    assert window.accessibleName() == window.windowTitle()
    assert not window.windowIcon().isNull()
    assert (window.busy.minimum(), window.busy.maximum()) == (0, 0)
    assert window.status.text() == messages.sign_in_starting()
    assert window.status.textFormat() is Qt.TextFormat.PlainText
    assert not window.open_again.isVisible() and not window.address.isVisible()
    assert window.cancel_button.isEnabled() and window.cancel_button.accessibleName()

    qtbot.waitUntil(lambda: window.status.text() == messages.sign_in_in_browser(), timeout=20_000)
    assert len(browser.urls) == 1 and authorize_page(demo, browser.urls[0])
    assert window.open_again.isVisible() and window.open_again.accessibleName()
    assert not window.address.isVisible()  # the browser opened: no address to copy
    qtbot.mouseClick(window.open_again, Qt.MouseButton.LeftButton)
    assert browser.urls == [browser.urls[0]] * 2  # the same page, once more

    controller.sign_in()  # asked again while it runs: the same window, no second sign-in
    assert controller.sign_in_window is window and window.isVisible()
    assert controller.signing_in
    with qtbot.waitSignal(controller.told, timeout=5_000):
        controller.cancel_sign_in()
    assert len(browser.urls) == 2
    controller.shutdown()


def test_the_windows_cancel_button_cancels_the_sign_in(
        qtbot, demo: DemoIntranet, browser: UrlCatcher, tmp_path: Path) -> None:
    keyring_file = tmp_path / "keyring.json"
    controller = make_controller(demo, keyring_file)
    window = started_sign_in(qtbot, controller)
    qtbot.waitUntil(lambda: bool(browser.urls), timeout=20_000)
    told: list[str] = []
    controller.told.connect(told.append)
    with qtbot.waitSignal(controller.told, timeout=5_000):
        qtbot.mouseClick(window.cancel_button, Qt.MouseButton.LeftButton)
        # until the worker has stopped, the window stays and says so
        assert window.isVisible() and window.status.text() == messages.sign_in_cancelling()
        assert not window.cancel_button.isEnabled() and not window.open_again.isVisible()
    assert_cancelled(told, controller, window, demo, keyring_file)
    assert "Cancel sign-in" not in menu_texts(controller.tray)
    controller.shutdown()


@pytest.mark.parametrize("how", ["title bar close", "Esc"])
def test_closing_the_window_cancels_the_sign_in(
        qtbot, demo: DemoIntranet, browser: UrlCatcher, tmp_path: Path, how: str) -> None:
    keyring_file = tmp_path / "keyring.json"
    controller = make_controller(demo, keyring_file)
    window = started_sign_in(qtbot, controller)
    qtbot.waitUntil(lambda: bool(browser.urls), timeout=20_000)
    told: list[str] = []
    controller.told.connect(told.append)
    with qtbot.waitSignal(controller.told, timeout=5_000):
        if how == "Esc":
            qtbot.keyClick(window, Qt.Key.Key_Escape)
        else:
            assert window.close() is False  # what the window manager's close delivers
        assert window.isVisible() and window.status.text() == messages.sign_in_cancelling()
    assert_cancelled(told, controller, window, demo, keyring_file)
    controller.shutdown()


def test_without_a_browser_the_window_shows_the_address_to_copy(
        qtbot, demo: DemoIntranet, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    tried: list[str] = []

    def no_browser(url: str, on_failed: object = None) -> bool:
        tried.append(url)
        return False

    monkeypatch.setattr("tray_app.ui.browser.open_in_browser", no_browser)
    keyring_file = tmp_path / "keyring.json"
    controller = make_controller(demo, keyring_file)
    told: list[str] = []
    controller.told.connect(told.append)
    window = started_sign_in(qtbot, controller)
    qtbot.waitUntil(lambda: window.address.isVisible(), timeout=20_000)
    assert len(tried) == 1 and authorize_page(demo, tried[0])
    assert window.status.text() == messages.sign_in_no_browser()
    assert window.address.toPlainText() == tried[0]
    assert window.address.isReadOnly()
    assert window.address.textInteractionFlags() & Qt.TextInteractionFlag.TextSelectableByMouse
    assert window.open_again.isVisible()
    qtbot.mouseClick(window.copy_address, Qt.MouseButton.LeftButton)
    assert QGuiApplication.clipboard().text() == tried[0]
    assert told == []  # said in the window, where it can be copied, not in a balloon
    qtbot.mouseClick(window.open_again, Qt.MouseButton.LeftButton)
    assert tried == [tried[0]] * 2
    assert window.address.isVisible()

    with qtbot.waitSignal(controller.told, timeout=5_000):
        qtbot.mouseClick(window.cancel_button, Qt.MouseButton.LeftButton)
    assert_cancelled(told, controller, window, demo, keyring_file)
    controller.shutdown()


def test_a_sign_in_approved_in_the_browser_closes_the_window(
        qtbot, demo: DemoIntranet, browser: UrlCatcher, tmp_path: Path) -> None:
    from approve_browser import play

    keyring_file = tmp_path / "keyring.json"
    controller = make_controller(demo, keyring_file)
    window = started_sign_in(qtbot, controller)
    qtbot.waitUntil(lambda: bool(browser.urls), timeout=20_000)
    with qtbot.waitSignal(controller.told, timeout=20_000) as told:
        threading.Thread(target=play, args=(browser.urls[0],), daemon=True).start()
    assert told.args[0].startswith("Signed in to 127.0.0.1")
    assert not window.isVisible() and not controller.signing_in
    assert any(secret_name(demo.url) in key for key in stored(keyring_file))
    qtbot.waitSignal(controller.update_shown, timeout=20_000).wait()  # the check after it
    controller.shutdown()


def test_a_long_sign_in_address_does_not_widen_the_window(qtbot) -> None:
    window = SignInWindow()
    qtbot.addWidget(window)
    window.start()
    address = ("https://login.example/authorize?" + "&".join(
        f"parameter{i}=value-{'x' * 40}" for i in range(20)) + f"&state={'s' * 200}")
    window.show_page(address, opened=False)
    assert window.address.toPlainText() == address
    limit = window.fontMetrics().averageCharWidth() * 80
    assert window.minimumSizeHint().width() < limit and window.sizeHint().width() < limit
    assert window.address.horizontalScrollBar().maximum() == 0  # wrapped, not cut off
    needed = window.layout().totalHeightForWidth(window.width())
    assert window.height() >= needed  # nothing wrapped out of sight
    window.finish()


QUIT_DURING_SIGN_IN = """
import sys
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication
from tray_app.ui.sign_in_window import SignInWindow
app = QApplication([])
app.setQuitOnLastWindowClosed(False)
window = SignInWindow()
asked = []
window.cancel_requested.connect(lambda: asked.append(True))
window.start()
QTimer.singleShot(0, app.quit)  # the tray menu's Quit, or a logout, while signing in
QTimer.singleShot(10_000, lambda: app.exit(3))
code = app.exec()
sys.exit(code if asked and not window.isVisible() else 4)
"""


def test_the_sign_in_window_does_not_stop_the_app_from_quitting() -> None:
    """A window that refuses to close makes Qt give up quitting: not this one."""
    done = subprocess.run([sys.executable, "-c", QUIT_DURING_SIGN_IN], cwd=REPO,
                          capture_output=True, text=True, timeout=60, check=False,
                          env={**os.environ, "QT_QPA_PLATFORM": "offscreen"})
    assert done.returncode == 0, (done.returncode, done.stderr)


def test_sign_out_never_holds_up_the_gui_and_runs_once(qtbot, demo: DemoIntranet,
                                                       tmp_path: Path) -> None:
    keyring_file = tmp_path / "keyring.json"
    keyring_file.write_text(json.dumps({
        f"intranet-companion\n{secret_name(demo.url)}": "not-a-real-record",
        "intranet-companion\n__index__": json.dumps([secret_name(demo.url)])}))
    controller = make_controller(demo, keyring_file)
    ticks: list[float] = []
    timer = QTimer()
    timer.timeout.connect(lambda: ticks.append(time.monotonic()))
    timer.start(20)
    told: list[str] = []
    controller.told.connect(told.append)

    with qtbot.waitSignal(controller.update_shown, timeout=20_000):
        controller.sign_out()
        controller.sign_out()  # a second click while it runs does nothing
        assert controller.signing_out
    timer.stop()

    assert told[0] == "Signed out. The companion has forgotten every sign-in it kept for you."
    assert len([t for t in told if t.startswith("Signed out")]) == 1
    assert len(ticks) >= 5  # the event loop kept running while the worker worked
    assert stored(keyring_file) == {}
    controller.shutdown()
