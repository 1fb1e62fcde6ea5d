"""The tray in other languages, with real widgets and a real worker against the demo
intranet: the seed sentence translated, Arabic right to left, and under the pseudo-locale
no text on any surface that escaped the catalog."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QAbstractButton, QApplication, QLabel, QWidget

from tray_app.core import i18n, messages, org_words
from tray_app.core.config import load_config
from tray_app.core.policy import RawPolicy
from tray_app.core.session import Session
from tray_app.core.settings import TEXT_LANGUAGES
from tray_app.core.state import StateStore
from tray_app.core.worker_client import WorkerJobs
from tray_app.demo.server import DemoIntranet
from tray_app.ui.controller import Controller
from tray_app.ui.language import apply_language
from tray_app.ui.settings_dialog import SettingsDialog
from tray_app.ui.tray import TrayPresenter

# What the demo intranet itself says (names, people, addresses): data, not our words.
DATA = ("Dropbox", "Google Drive", "Slack", "Microsoft 365", "ServiceNow", "Jane Doe",
        "jane@acme.example", "http", "Zoom", "GitHub", "Salesforce")


@pytest.fixture
def speaking(qapp: QApplication) -> Iterator[None]:
    yield
    i18n.use_english()
    org_words.forget()
    apply_language(qapp)


def start_in(qtbot, qapp: QApplication, demo: DemoIntranet, language: str,
             policy: dict | None = None) -> Controller:
    i18n.use_language(language)
    apply_language(qapp)
    config = load_config({"intranet_url": demo.url}, environ={},
                         policy=RawPolicy(policy or {}, origin="test"))
    org_words.remember(config.get, TEXT_LANGUAGES)
    env = {**os.environ, "COMPANION_TOKEN": demo.token, "COMPANION_LANGUAGE": language}
    for key, value in (policy or {}).items():  # the worker reads the same policy
        env[f"COMPANION_{key.upper()}"] = str(value)
    controller = Controller(Session(StateStore()), config, None, WorkerJobs(demo.url, 20,
                                                                            env=env))
    with qtbot.waitSignal(controller.update_shown, timeout=15_000):
        controller.start()
    qtbot.waitUntil(lambda: controller.popup.isVisible(), timeout=5_000)
    return controller


def texts_of(widget: QWidget) -> list[str]:
    found = [widget.windowTitle()] if widget.isWindow() else []
    for child in [widget, *widget.findChildren(QWidget)]:
        if isinstance(child, QLabel | QAbstractButton) and child.isVisibleTo(widget):
            found.append(child.text())
    return [text for text in found if text.strip()]


def clipped(window: QWidget) -> list[str]:
    """Wrapped labels shorter than their text needs at their width."""
    window.layout().activate()
    return [label.text() for label in window.findChildren(QLabel)
            if label.wordWrap() and label.isVisibleTo(window) and label.text()
            and label.height() < label.heightForWidth(label.width())]


def escaped(texts: list[str]) -> list[str]:
    """Texts that are neither pseudo-translated nor only data from the server."""
    def data_only(text: str) -> bool:
        rest = text
        for word in DATA:
            rest = rest.replace(word, "")
        return not any(ch.isalpha() for ch in rest)

    return [t for t in texts if not t.strip().lstrip("&").startswith("[") and not data_only(t)]


def test_the_popup_speaks_german(qtbot, qapp, demo: DemoIntranet, speaking) -> None:
    controller = start_in(qtbot, qapp, demo, "de")
    seed = messages.notice_disconnected("Dropbox")
    assert seed != ("Dropbox has unexpectedly been disconnected. Please reconnect your "
                    "Dropbox account.")
    shown = [row.message.text() for row in controller.popup.rows]
    assert seed in shown
    assert controller.popup.windowTitle() == messages.popup_title()
    controller.shutdown()
    controller.popup.close()


def test_arabic_is_laid_out_right_to_left(qtbot, qapp, demo: DemoIntranet, speaking) -> None:
    controller = start_in(qtbot, qapp, demo, "ar")
    assert qapp.layoutDirection() == Qt.LayoutDirection.RightToLeft
    assert controller.popup.layoutDirection() == Qt.LayoutDirection.RightToLeft
    assert controller.popup.isRightToLeft()
    controller.shutdown()
    controller.popup.close()
    i18n.use_english()
    apply_language(qapp)
    assert qapp.layoutDirection() == Qt.LayoutDirection.LeftToRight


def test_under_the_pseudo_locale_nothing_escaped_the_catalog(
        qtbot, qapp, demo: DemoIntranet, speaking) -> None:
    controller = start_in(qtbot, qapp, demo, i18n.PSEUDO)
    tray = TrayPresenter(lambda: (True, ""))
    tray.show_glance(controller.session.current_glance())
    tray.rebuild_menu()
    menu = [a.text() for a in tray.menu.actions() if not a.isSeparator()]
    window = controller.status_window
    window.show_glance(controller.session.current_glance())
    window.show()
    dialog = SettingsDialog(controller.config)
    dialog.show()
    problems = {
        "popup": escaped(texts_of(controller.popup)),
        "menu": escaped([*menu, tray.icon.toolTip()]),
        "status window": escaped(texts_of(window)),
        "settings dialog": escaped(texts_of(dialog)),
    }
    assert not any(problems.values()), problems
    assert not clipped(controller.popup)
    dialog.close()
    window.close()
    controller.shutdown()
    controller.popup.close()


def test_the_organisations_words_in_the_popup(qtbot, qapp, demo: DemoIntranet,
                                              speaking) -> None:
    policy = {"popup_heading": "Keep your Acme apps connected",
              "popup_heading_de": "Halten Sie Ihre Acme-Apps verbunden",
              "popup_intro": "Acme's tools need these accounts.",
              "support_line": "IT Service Desk, ext. 4357"}
    controller = start_in(qtbot, qapp, demo, "de", policy)
    assert controller.popup.heading.text() == "Halten Sie Ihre Acme-Apps verbunden"
    assert controller.popup.intro.text().startswith("Acme's tools need these accounts.")
    assert controller.popup.heading.textFormat() == Qt.TextFormat.PlainText
    controller.shutdown()
    controller.popup.close()
