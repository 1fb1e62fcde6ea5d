"""Signing in and out from the tray, with real Qt widgets (offscreen), the real demo
intranet and its OAuth server on 127.0.0.1, and real worker processes: a sign-in can be
cancelled from the menu, and sign-out never holds up the GUI."""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

from PySide6.QtCore import QTimer
from qt_fixtures import UrlCatcher

from tray_app.core.auth.oauth import secret_name
from tray_app.core.config import Config, load_config
from tray_app.core.policy import RawPolicy
from tray_app.core.session import Session
from tray_app.core.state import StateStore
from tray_app.core.worker_client import WorkerJobs
from tray_app.demo.server import DemoIntranet
from tray_app.ui.controller import Controller
from tray_app.ui.tray import TrayPresenter

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
