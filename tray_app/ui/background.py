"""The one way the tray does blocking work: a BackgroundTask runs it in a thread and
hands its messages and its end back to the GUI thread by signal.

In the tray the work is almost always a worker process (core/worker_client.py's
WorkerJobs builds those jobs), so the thread only waits.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import Any, ClassVar

from PySide6.QtCore import QObject, QTimer, Signal

from tray_app.core import messages
from tray_app.core.errors import CompanionError
from tray_app.core.worker_client import worker_failure

log = logging.getLogger(__name__)

Job = Callable[[Callable[[dict[str, Any]], None]], Any]


class BackgroundTask(QObject):
    """`message(dict)` for each message the job relays; `done(result, error)` once, with
    the job's return value or the CompanionError it raised (a bug becomes one too)."""

    message = Signal(object)
    done = Signal(object, object)
    _running: ClassVar[set[BackgroundTask]] = set()  # alive until done, whoever holds them

    def __init__(self, job: Job, name: str) -> None:
        super().__init__()
        self._job = job
        self._name = name
        self.done.connect(self._forget)

    def start(self) -> BackgroundTask:
        BackgroundTask._running.add(self)
        threading.Thread(target=self._run, name=self._name, daemon=True).start()
        return self

    def _run(self) -> None:
        try:
            result = self._job(self.message.emit)
        except CompanionError as problem:
            self.done.emit(None, problem)
        except Exception:  # a bug must not kill the tray: logged, shown as a failure
            log.exception("The %s task failed unexpectedly", self._name)
            self.done.emit(None, worker_failure(messages.worker_unexpected_error()))
        else:
            self.done.emit(result, None)

    def _forget(self, *_outcome: object) -> None:
        # Let go once every slot of `done` has run, whenever it was connected: dropped
        # here, the task could be deleted before the slots connected after this one.
        QTimer.singleShot(0, lambda: BackgroundTask._running.discard(self))
