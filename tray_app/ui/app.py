"""Start the tray app: one instance per user, config, optional demo intranet, controller."""

from __future__ import annotations

import argparse
import logging
import sys
from types import TracebackType

from PySide6.QtCore import QSocketNotifier
from PySide6.QtWidgets import QApplication

from tray_app import APP_NAME
from tray_app.core.autostart import Autostart, for_platform
from tray_app.core.config import Config
from tray_app.core.errors import CompanionError
from tray_app.startup import Prepared, QuitSignals
from tray_app.ui.controller import Controller
from tray_app.ui.icons import app_icon
from tray_app.ui.single_instance import SingleInstance

log = logging.getLogger(__name__)


def _log_uncaught(kind: type[BaseException], value: BaseException,
                  trace: TracebackType | None) -> None:
    # Never a traceback in the user's face; the full story goes to the log file.
    log.error("Unexpected error: %s", value, exc_info=(kind, value, trace))


def _quit_on_signals(app: QApplication, signals: QuitSignals) -> QSocketNotifier:
    """Ctrl-C / SIGTERM quit, woken by the signal itself rather than a polling timer."""
    notifier = QSocketNotifier(signals.reader.fileno(), QSocketNotifier.Type.Read, app)
    notifier.activated.connect(app.quit)
    return notifier


def _sync_autostart(config: Config) -> Autostart | None:
    try:
        autostart = for_platform()
        wanted = bool(config.get("start_at_login"))
        if wanted != autostart.is_enabled():
            (autostart.enable if wanted else autostart.disable)()
    except CompanionError as problem:
        log.warning("Start at login could not be set up: %s", problem.message)
        return None
    return autostart


def show_first_instance() -> int:
    """A second launch: ask the running tray to show its status window, and exit."""
    app = QApplication(sys.argv[:1])
    app.setApplicationName(APP_NAME)
    if SingleInstance().notify_running_instance():
        print(f"{APP_NAME} is already running; its status window is shown.")
    else:
        print(f"{APP_NAME} is already running but did not answer; it may be starting "
              "or closing. Try again in a moment.")
    return 0


def run(args: argparse.Namespace, prepared: Prepared) -> int:
    sys.excepthook = _log_uncaught
    app = QApplication(sys.argv[:1])
    app.setApplicationName(APP_NAME)
    app.setDesktopFileName("intranet-companion")
    app.setQuitOnLastWindowClosed(False)
    app.setWindowIcon(app_icon())
    instance = SingleInstance()
    if not instance.try_become_primary():
        print(f"{APP_NAME} is already running; its status window is shown.")
        return 0
    _quit_on_signals(app, prepared.quit_signals)
    autostart = None if args.demo else _sync_autostart(prepared.config)
    controller = Controller(prepared.session, prepared.config, autostart, prepared.workers)
    instance.activation_requested.connect(controller.show_status)
    controller.start(prepared.first_delay, prepared.first_check)
    try:
        return app.exec()
    finally:
        controller.shutdown()
        instance.close()
        if prepared.demo is not None:
            prepared.demo.stop()
