"""Fixtures for the tray tests: a stand-in browser and the demo intranet.

Loaded for every test by conftest.py's `pytest_plugins`."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from PySide6.QtCore import QObject, QUrl, Slot
from PySide6.QtGui import QDesktopServices

from tray_app.demo.server import DemoIntranet


class UrlCatcher(QObject):
    """Stands in for the browser: QDesktopServices hands it every URL opened, and
    nothing answers the page."""

    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []

    @Slot(QUrl)
    def open(self, url: QUrl) -> None:
        self.urls.append(url.toString())


@pytest.fixture
def browser(qapp, monkeypatch: pytest.MonkeyPatch) -> Iterator[UrlCatcher]:
    # Pages open through QDesktopServices, as on Windows and macOS, so the catcher (a Qt
    # URL handler) gets them; on Linux the app would run xdg-open itself (ui/browser.py).
    monkeypatch.setattr("tray_app.ui.browser.opener_commands", lambda url: None)
    catcher = UrlCatcher()
    for scheme in ("http", "https"):
        QDesktopServices.setUrlHandler(scheme, catcher, "open")
    yield catcher
    for scheme in ("http", "https"):
        QDesktopServices.unsetUrlHandler(scheme)


@pytest.fixture
def demo() -> Iterator[DemoIntranet]:
    with DemoIntranet() as server:
        yield server


def check(qtbot, controller) -> object:
    """One check through the controller's own path; the Update it presented."""
    with qtbot.waitSignal(controller.update_shown, timeout=10_000) as blocker:
        controller.request_check()
    return blocker.args[0]
