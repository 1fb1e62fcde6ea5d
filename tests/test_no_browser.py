"""Opening a page with no browser: the opener really runs ($BROWSER, or xdg-open on
PATH), its exit status is read off the GUI thread, and when nothing opened a window shows
the address with Copy. Real processes, real Qt widgets (offscreen), the demo intranet."""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication

from tray_app.core import messages
from tray_app.core.config import load_config
from tray_app.core.policy import RawPolicy
from tray_app.core.session import Session
from tray_app.core.state import StateStore
from tray_app.core.worker_client import WorkerJobs
from tray_app.demo.server import DemoIntranet
from tray_app.ui import browser
from tray_app.ui.browser import AddressWindow, open_in_browser, opener_commands
from tray_app.ui.controller import Controller

unix_only = pytest.mark.skipif(sys.platform == "win32", reason="shell scripts as browsers")


def script(path: Path, body: str) -> Path:
    path.write_text(f"#!/bin/sh\n{body}\n")
    path.chmod(0o755)
    return path


@pytest.fixture
def started(qtbot, demo: DemoIntranet) -> Iterator[Controller]:
    config = load_config({"intranet_url": demo.url}, environ={}, policy=RawPolicy())
    workers = WorkerJobs(demo.url, 20, env={**os.environ, "COMPANION_TOKEN": demo.token})
    controller = Controller(Session(StateStore()), config, None, workers)
    with qtbot.waitSignal(controller.update_shown, timeout=10_000):
        controller.start()
    controller.popup.close()
    yield controller
    controller.shutdown()
    controller.status_window.close()
    if controller._address_window is not None:
        controller._address_window.close()


def address_window(controller: Controller) -> AddressWindow | None:
    window = controller._address_window
    return window if window is not None and window.isVisible() else None


def assert_address_to_copy(qtbot, window: AddressWindow, url: str) -> None:
    assert window.windowTitle() == messages.no_browser_title()
    assert window.text.text() == messages.no_browser_text()
    assert window.address.text() == url
    assert window.address.isReadOnly()
    qtbot.mouseClick(window.copy, Qt.MouseButton.LeftButton)
    assert QGuiApplication.clipboard().text() == url
    assert window.copy.text() == messages.no_browser_copied()


@unix_only
def test_a_browser_that_fails_shows_the_address_to_copy(
        qtbot, started: Controller, demo: DemoIntranet, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    ran = tmp_path / "ran"
    monkeypatch.setenv("BROWSER", str(script(tmp_path / "broken", f'echo "$1" > {ran}; exit 1')))
    url = f"{demo.url}/profile/settings/external-apps#dropbox"
    started.reconnect("dropbox", url, "Dropbox")
    qtbot.waitUntil(lambda: address_window(started) is not None, timeout=10_000)
    assert ran.read_text().strip() == url  # it really ran, and said it failed
    assert_address_to_copy(qtbot, address_window(started), url)
    # The address can be opened by hand, so the app still waits for the reconnection.
    assert "dropbox" in started.session.watches


@unix_only
def test_no_xdg_open_on_path_shows_the_address_at_once(
        qtbot, started: Controller, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    empty = tmp_path / "empty-bin"
    empty.mkdir()
    monkeypatch.setenv("PATH", str(empty))
    monkeypatch.setattr(sys, "platform", "linux")
    assert opener_commands("https://x.example/") == []
    started.open_external_apps()
    window = address_window(started)  # known at once: nothing to run
    assert window is not None
    assert_address_to_copy(qtbot, window, started.session.report.classification
                           .external_apps_url)


@unix_only
def test_a_browser_that_opens_shows_no_window(
        qtbot, started: Controller, demo: DemoIntranet, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    opened = tmp_path / "opened"
    good = script(tmp_path / "good", f'echo "$2" > {opened}')
    monkeypatch.setenv("BROWSER", f"{good} --new-tab %s")
    started.open_external_apps()
    qtbot.waitUntil(opened.exists, timeout=10_000)
    qtbot.wait(300)  # its exit status has come back by now
    assert opened.read_text().strip() == f"{demo.url}/profile/settings/external-apps"
    assert address_window(started) is None


@unix_only
def test_browser_entries_are_tried_in_order_as_webbrowser_reads_them(
        qtbot, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    opened = tmp_path / "opened"
    failing = script(tmp_path / "failing", "exit 3")
    good = script(tmp_path / "good", f'echo "$1" > {opened}')
    missing = tmp_path / "not-there"
    monkeypatch.setenv("BROWSER", os.pathsep.join([str(missing), str(failing), str(good)]))
    url = "https://intranet.example/page?a=1&b=2"
    assert opener_commands(url) == [[str(failing), url], [str(good), url]]
    failed: list[bool] = []
    assert open_in_browser(url, on_failed=lambda: failed.append(True))
    qtbot.waitUntil(opened.exists, timeout=10_000)
    qtbot.wait(200)
    assert opened.read_text().strip() == url and failed == []


@unix_only
def test_an_opener_still_running_counts_as_opened(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(browser, "STILL_RUNNING_SECONDS", 0.3)
    waits = script(tmp_path / "waits", "sleep 5")  # like xdg-open waiting on the browser
    started = time.monotonic()
    assert browser.run_openers([[str(waits), "https://x.example/"]])
    assert time.monotonic() - started < 3


def test_the_gui_thread_does_not_wait_for_the_opener(
        qtbot, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    slow = script(tmp_path / "slow", "sleep 2; exit 1")
    monkeypatch.setenv("BROWSER", str(slow))
    failed: list[bool] = []
    began = time.monotonic()
    assert open_in_browser("https://x.example/", on_failed=lambda: failed.append(True))
    assert time.monotonic() - began < 1  # back at once; the verdict comes later
    qtbot.waitUntil(lambda: failed == [True], timeout=10_000)
