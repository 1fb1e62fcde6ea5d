"""Signing in and out from the tray, with real Qt widgets (offscreen), the real demo
intranet and its OAuth server on 127.0.0.1: a sign-in can be cancelled from the menu,
and sign-out never runs on the GUI thread."""

from __future__ import annotations

import threading
import time

from PySide6.QtCore import QTimer
from qt_fixtures import UrlCatcher

from tray_app.core.auth import Account
from tray_app.core.auth.oauth import secret_name
from tray_app.core.check import Checker
from tray_app.core.config import Config, load_config
from tray_app.core.policy import RawPolicy
from tray_app.core.secrets import MemoryBackend, SecretStore
from tray_app.core.session import Session
from tray_app.core.state import StateStore
from tray_app.demo.server import DemoIntranet
from tray_app.ui.controller import Controller
from tray_app.ui.tray import TrayPresenter


class SlowBackend(MemoryBackend):
    """A password store that takes its time, and notes which threads call it."""

    def __init__(self) -> None:
        super().__init__()
        self.threads: list[threading.Thread] = []

    def read(self, key: str) -> str | None:
        self.threads.append(threading.current_thread())
        return super().read(key)

    def remove(self, key: str) -> None:
        self.threads.append(threading.current_thread())
        time.sleep(0.3)
        super().remove(key)


def demo_config(demo: DemoIntranet) -> Config:
    return load_config({"intranet_url": demo.url}, environ={}, policy=RawPolicy())


def make_controller(config: Config, account: Account) -> Controller:
    checker = Checker(config, StateStore(), provider_factory=account.provider_factory())
    controller = Controller(Session(checker), config, None, account)
    controller.tray = TrayPresenter(lambda: (False, ""), controller)
    return controller


def menu_texts(tray: TrayPresenter) -> list[str]:
    tray.rebuild_menu()
    return [action.text() for action in tray.menu.actions() if not action.isSeparator()]


def test_a_sign_in_nobody_answers_is_cancelled_from_the_tray_menu(
        qtbot, demo: DemoIntranet, browser: UrlCatcher) -> None:
    account = Account(demo_config(demo), SecretStore(MemoryBackend(), "test"), "oauth")
    controller = make_controller(demo_config(demo), account)
    tray = controller.tray
    assert tray is not None

    controller.sign_in()
    qtbot.waitUntil(lambda: bool(browser.urls), timeout=10_000)
    assert browser.urls[0].startswith(f"{demo.url}/oauth/authorize?")
    texts = menu_texts(tray)
    assert "Cancel sign-in" in texts and "Sign in…" not in texts
    cancel = next(a for a in tray.menu.actions() if a.text() == "Cancel sign-in")
    started = time.monotonic()
    with qtbot.waitSignal(controller.sign_in_finished, timeout=5_000) as finished:
        cancel.trigger()
    assert time.monotonic() - started < 3
    assert finished.args == ["Sign-in was cancelled.", False]
    assert not controller.signing_in
    assert "Cancel sign-in" not in menu_texts(tray)
    assert account.secrets().get(secret_name(demo.url)) is None
    assert demo.oauth.grants["authorization_code"] == 0
    controller.shutdown()


def test_a_cancel_right_after_sign_in_still_counts(qtbot, demo: DemoIntranet,
                                                   browser: UrlCatcher) -> None:
    account = Account(demo_config(demo), SecretStore(MemoryBackend(), "test"), "oauth")
    controller = make_controller(demo_config(demo), account)
    with qtbot.waitSignal(controller.sign_in_finished, timeout=5_000) as finished:
        controller.sign_in()
        controller.cancel_sign_in()  # before the worker has even started signing in
    assert finished.args == ["Sign-in was cancelled.", False]
    assert account.secrets().get(secret_name(demo.url)) is None
    controller.shutdown()


def test_sign_out_runs_off_the_gui_thread_and_only_once(qtbot, demo: DemoIntranet) -> None:
    backend = SlowBackend()
    store = SecretStore(backend, "slow test store")
    store.set(secret_name(demo.url), "not-a-real-record")
    backend.threads.clear()
    account = Account(demo_config(demo), store, "oauth")
    controller = make_controller(demo_config(demo), account)
    ticks: list[float] = []
    timer = QTimer()
    timer.timeout.connect(lambda: ticks.append(time.monotonic()))
    timer.start(20)
    finished: list[str] = []
    controller.sign_out_finished.connect(finished.append)

    with qtbot.waitSignal(controller.update_shown, timeout=10_000):
        controller.sign_out()
        controller.sign_out()  # a second click while it runs does nothing
        assert controller.signing_out
    timer.stop()

    assert finished == [
        "Signed out. The companion has forgotten every sign-in it kept for you."]
    assert backend.threads
    assert threading.main_thread() not in backend.threads
    assert len(ticks) >= 10  # the event loop kept running while the store was slow
    assert store.get(secret_name(demo.url)) is None
    controller.shutdown()
