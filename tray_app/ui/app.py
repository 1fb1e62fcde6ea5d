"""Start the tray app: one instance per user, config, optional demo intranet, controller."""

from __future__ import annotations

import logging
import sys
from types import TracebackType
from typing import TYPE_CHECKING

from PySide6.QtCore import QSocketNotifier
from PySide6.QtWidgets import QApplication

from tray_app import APP_NAME
from tray_app.arguments import TrayOptions
from tray_app.core import messages
from tray_app.core.config import Config
from tray_app.core.errors import CompanionError
from tray_app.startup import Prepared, QuitSignals
from tray_app.ui.controller import Controller
from tray_app.ui.icons import app_icon
from tray_app.ui.language import apply_language

if TYPE_CHECKING:
    from tray_app.core.autostart import Autostart
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
    from tray_app.core.autostart import for_platform  # after the popup: not needed for it

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
    from tray_app.ui.single_instance import SingleInstance

    app = QApplication(sys.argv[:1])
    app.setApplicationName(APP_NAME)
    if SingleInstance().notify_running_instance():
        print(messages.already_running())
    else:
        print(messages.already_running_no_answer())
    return 0


def run(args: TrayOptions, prepared: Prepared) -> int:
    """The tray, once this process holds the instance claim (core/instance.py)."""
    sys.excepthook = _log_uncaught
    app = QApplication(sys.argv[:1])
    app.setApplicationName(APP_NAME)
    app.setDesktopFileName("intranet-companion")
    app.setQuitOnLastWindowClosed(False)
    app.setWindowIcon(app_icon())
    apply_language(app)
    _quit_on_signals(app, prepared.quit_signals)
    controller = Controller(prepared.session, prepared.config, None, prepared.workers)
    controller.start(prepared.first_delay, prepared.first_check)
    listening: list[SingleInstance] = []
    controller.after_first_show(lambda: listening.append(_listen_for_launches(controller)))
    if not args.demo:
        controller.after_first_show(lambda: _set_up_autostart(controller, prepared.config))
    try:
        return app.exec()
    finally:
        controller.shutdown()
        for instance in listening:
            instance.close()
        if prepared.demo is not None:
            prepared.demo.stop()


def _listen_for_launches(controller: Controller) -> SingleInstance:
    # The OS lock already made this the only tray; the server only hears later launches.
    from tray_app.ui.single_instance import SingleInstance  # QtNetwork: after the popup

    instance = SingleInstance()
    instance.activation_requested.connect(controller.show_status)
    instance.listen()
    return instance


def _set_up_autostart(controller: Controller, config: Config) -> None:
    controller.autostart = _sync_autostart(config)
