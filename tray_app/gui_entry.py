"""Start the tray app. Kept apart from cli.py so `check` never imports Qt.

Everything that needs no Qt happens here first, and the first check starts in a worker
thread before Qt is even imported: the login popup should wait for the intranet, not
for our own start-up.
"""

from __future__ import annotations

import argparse
import signal
import socket
import sys
import threading
from concurrent.futures import Future
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from tray_app.core.auth import Account
from tray_app.core.check import Checker
from tray_app.core.config import Config, load_or_problem
from tray_app.core.credentials import StaticToken, TokenProvider
from tray_app.core.instance import InstanceClaim, claim_instance
from tray_app.core.logs import register_secret, setup_logging
from tray_app.core.report import CheckReport
from tray_app.core.schedule import first_check_delay
from tray_app.core.session import Session
from tray_app.core.state import StateStore
from tray_app.core.timeutil import utc_now

if TYPE_CHECKING:
    from tray_app.demo.server import DemoIntranet


class DemoBootstrap:
    """--demo starts signed in with the demo intranet's own token, so the whole loop shows
    at once. After Sign out, Sign in… runs the demo's real OAuth flow (its Approve page),
    with the tokens kept in memory only."""

    def __init__(self, account: Account, token: str) -> None:
        self.account = account
        self.token = token
        self.active = True
        register_secret(token)

    def provider(self, _url: str) -> TokenProvider:
        return StaticToken(self.token) if self.active else self.account.method().provider()


@dataclass
class QuitSignals:
    """Ctrl-C and SIGTERM quit cleanly from the very start. Each signal leaves a byte in
    `reader`, which the event loop watches once it runs, so a signal that arrives while
    Qt is still loading is kept rather than killing the process."""

    reader: socket.socket
    writer: socket.socket

    @classmethod
    def catch(cls) -> QuitSignals:
        reader, writer = socket.socketpair()
        writer.setblocking(False)
        signal.set_wakeup_fd(writer.fileno())
        for number in (signal.SIGINT, signal.SIGTERM):
            signal.signal(number, lambda *_: None)
        return cls(reader, writer)


@dataclass
class Prepared:
    quit_signals: QuitSignals
    instance: InstanceClaim
    config: Config
    session: Session
    account: Account
    demo: DemoIntranet | None = None
    bootstrap: DemoBootstrap | None = None
    first_delay: float = 0.0
    first_check: Future[CheckReport] | None = field(default=None)


def prepare(args: argparse.Namespace, quit_signals: QuitSignals,
            instance: InstanceClaim) -> Prepared:
    setup_logging()
    demo = bootstrap = None
    flags = {"intranet_url": args.intranet_url}
    if args.demo:
        from tray_app.demo.server import DemoIntranet

        demo = DemoIntranet().start()
        flags["intranet_url"] = demo.url
    config = load_or_problem(flags)
    setup_logging(config.get("log_level"))
    account = Account.for_demo(config) if demo else Account(config)
    provider_factory = account.provider_factory()
    if demo is not None:
        bootstrap = DemoBootstrap(account, demo.token)
        provider_factory = bootstrap.provider
    session = Session(Checker(config, StateStore(), provider_factory=provider_factory))
    delay = first_check_delay(
        config.get("max_start_delay_seconds") if args.autostart else 0,
        session.checker.store.load().retry_not_before, utc_now(),
        config.get("check_interval_minutes"))
    prepared = Prepared(quit_signals, instance, config, session, account, demo, bootstrap,
                        delay)
    if delay == 0:
        prepared.first_check = _check_in_background(session)
    return prepared


def _check_in_background(session: Session) -> Future[CheckReport]:
    future: Future[CheckReport] = Future()

    def work() -> None:
        try:
            future.set_result(session.check())
        except BaseException as problem:  # handed to the GUI thread, which logs it
            future.set_exception(problem)

    threading.Thread(target=work, name="first-check", daemon=True).start()
    return future


def run_gui(args: argparse.Namespace) -> int:
    quit_signals = QuitSignals.catch()
    instance = claim_instance()  # before any check, state or log write
    try:
        from tray_app.ui import app
    except ImportError as problem:
        print(f"The tray app cannot start: {problem}. Reinstall Intranet Companion.",
              file=sys.stderr)
        return 1
    if not instance.first:
        return app.show_first_instance()
    return app.run(args, prepare(args, quit_signals, instance))
