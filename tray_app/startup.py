"""What the tray does before Qt is loaded: catch quit signals, set up the demo, read the
settings, and start the first check's worker, so the login popup waits for the
intranet, not for our own start-up. No Qt and no HTTP here."""

from __future__ import annotations

import signal
import socket
import sys
import threading
from concurrent.futures import Future
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from tray_app.arguments import TrayOptions
from tray_app.core import busy, messages
from tray_app.core.config import Config, load_or_problem
from tray_app.core.instance import InstanceClaim
from tray_app.core.logs import register_secret, setup_logging
from tray_app.core.prestart import discard_prestarted
from tray_app.core.schedule import first_check_delay
from tray_app.core.speech import speak_as_configured
from tray_app.core.state import StateStore
from tray_app.core.timeutil import utc_now
from tray_app.core.worker_client import WorkerJobs

if TYPE_CHECKING:
    from tray_app.core.session import Session
    from tray_app.demo_process import DemoProcess


class _RefuseTLS:  # a meta path finder (importlib.abc's base class costs 3 ms to import)
    """TLS belongs to the worker: the tray never loads `ssl` (7 MiB and libcrypto).
    What asks for it in passing (asyncio, under APScheduler) does without."""

    def find_spec(self, name: str, path: object, target: object = None) -> None:
        if name in ("ssl", "_ssl"):
            raise ImportError(messages.left_to_worker(name))


def keep_tls_out() -> None:
    """For the tray process only (never for `check`, the worker or tests)."""
    if not any(isinstance(finder, _RefuseTLS) for finder in sys.meta_path):
        sys.meta_path.insert(0, _RefuseTLS())


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
    workers: WorkerJobs
    demo: DemoProcess | None = None
    first_delay: float = 0.0
    first_check: Future[dict[str, Any]] | None = field(default=None)


def prepare(args: TrayOptions, quit_signals: QuitSignals,
            instance: InstanceClaim, demo: DemoProcess | None = None) -> Prepared:
    """`demo` (--demo) is started by gui_entry before the instance claim: its sandbox
    holds every folder the session writes, the instance lock included."""
    setup_logging()
    intranet_url = demo.url if demo else args.intranet_url
    if demo is not None:
        register_secret(demo.token)
    config = load_or_problem({"intranet_url": intranet_url})
    setup_logging(config.get("log_level"))
    speak_as_configured(config)
    store = StateStore()
    workers = WorkerJobs(intranet_url, config.get("connect_timeout_seconds")
                         + 2 * config.get("read_timeout_seconds"))
    delay = first_check_delay(
        config.get("max_start_delay_seconds") if args.autostart else 0,
        store.load().retry_not_before, utc_now(), config.get("check_interval_minutes"))
    first_check = _check_in_background(workers) if delay == 0 else None
    if first_check is None:
        discard_prestarted()
    if first_check is not None and config.get("max_quiet_minutes") > 0:
        busy.probe_early()  # is the person busy? asked while the check runs
    from tray_app.core.session import Session  # imported while the first check runs

    return Prepared(quit_signals, instance, config, Session(store), workers, demo, delay,
                    first_check)


def _check_in_background(workers: WorkerJobs) -> Future[dict[str, Any]]:
    future: Future[dict[str, Any]] = Future()
    job = workers.check(first=True)

    def work() -> None:
        try:
            future.set_result(job(lambda _message: None))
        except BaseException as problem:  # handed to the GUI thread
            future.set_exception(problem)

    threading.Thread(target=work, name="first-check", daemon=True).start()
    return future
