"""Start the tray app: one instance per user, config, optional demo intranet, controller."""

from __future__ import annotations

import argparse
import logging
import signal
import socket
import sys
from types import TracebackType

from PySide6.QtCore import QSocketNotifier
from PySide6.QtWidgets import QApplication

from tray_app import APP_NAME
from tray_app.core.autostart import Autostart, for_platform
from tray_app.core.check import Checker
from tray_app.core.config import Config, load_or_problem
from tray_app.core.credentials import StaticToken
from tray_app.core.errors import CompanionError
from tray_app.core.logs import register_secret, setup_logging
from tray_app.core.schedule import start_delay
from tray_app.core.session import Session
from tray_app.core.state import StateStore
from tray_app.ui.controller import Controller
from tray_app.ui.icons import app_icon
from tray_app.ui.single_instance import SingleInstance

log = logging.getLogger(__name__)


def _log_uncaught(kind: type[BaseException], value: BaseException,
                  trace: TracebackType | None) -> None:
    # Never a traceback in the user's face; the full story goes to the log file.
    log.error("Unexpected error: %s", value, exc_info=(kind, value, trace))


class SignalWaker:
    """Ctrl-C / SIGTERM quit cleanly, woken by the signal itself rather than a polling timer."""

    def __init__(self, app: QApplication) -> None:
        self.reader, self.writer = socket.socketpair()
        self.writer.setblocking(False)
        signal.set_wakeup_fd(self.writer.fileno())
        for number in (signal.SIGINT, signal.SIGTERM):
            signal.signal(number, lambda *_: None)
        self.notifier = QSocketNotifier(self.reader.fileno(), QSocketNotifier.Type.Read, app)
        self.notifier.activated.connect(app.quit)


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


def run(args: argparse.Namespace) -> int:
    setup_logging()
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
    waker = SignalWaker(app)  # noqa: F841 - must live as long as the event loop
    demo = None
    flags = {"intranet_url": args.intranet_url}
    provider_factory = None
    if args.demo:
        from tray_app.demo.server import DemoIntranet

        demo = DemoIntranet().start()
        register_secret(demo.token)
        flags["intranet_url"] = demo.url
        token = demo.token
        provider_factory = lambda _url: StaticToken(token)  # noqa: E731
    config = load_or_problem(flags)
    setup_logging(config.get("log_level"))
    autostart = None if args.demo else _sync_autostart(config)
    session = Session(Checker(config, StateStore(), provider_factory=provider_factory))
    controller = Controller(session, config, autostart)
    instance.activation_requested.connect(controller.show_status)
    delay = start_delay(config.get("max_start_delay_seconds")) if args.autostart else 0.0
    controller.start(delay)
    try:
        return app.exec()
    finally:
        controller.shutdown()
        instance.close()
        if demo is not None:
            demo.stop()
