"""Calls into a password store, each bounded in time: a locked store may wait forever on
a password prompt nobody sees, and a D-Bus service may never answer. Also the one
sentence (core/messages.py) for each way a store fails. No keyring import here."""

from __future__ import annotations

import logging
import queue
import threading
from collections.abc import Callable
from typing import Any

from tray_app.core import messages
from tray_app.core.tokens import KeyringUnavailable

log = logging.getLogger(__name__)

# How long one keyring call may take before the companion gives up on the store.
KEYRING_TIMEOUT_SECONDS = 5.0


class KeyringNoAnswer(Exception):
    """A keyring call did not return within KEYRING_TIMEOUT_SECONDS."""


class _KeyringCall:
    """One call handed to a keyring worker; its caller waits for it, but not forever."""

    def __init__(self, operation: Callable[..., Any], args: tuple[Any, ...]) -> None:
        self.operation = operation
        self.args = args
        self.done = threading.Event()
        self.abandoned = False
        self.result: Any = None
        self.problem: BaseException | None = None

    def run(self) -> None:
        if self.abandoned:  # its caller gave up: a late write must not happen after all
            return
        try:
            self.result = self.operation(*self.args)
        except BaseException as problem:
            self.problem = problem
        finally:
            self.done.set()


class _KeyringWorker:
    """A daemon thread that makes one backend's calls in turn. While a call hangs, the
    later ones wait behind it (and their callers time out) rather than piling up
    threads that all hang on the same store."""

    def __init__(self, name: str) -> None:
        self._calls: queue.SimpleQueue[_KeyringCall] = queue.SimpleQueue()
        threading.Thread(target=self._serve, name=f"keyring {name}", daemon=True).start()

    def submit(self, call: _KeyringCall) -> None:
        self._calls.put(call)

    def _serve(self) -> None:
        while True:
            self._calls.get().run()


_WORKERS: dict[str, _KeyringWorker] = {}
_WORKERS_LOCK = threading.Lock()


def bounded_call(worker: str, operation: Callable[..., Any], *args: Any) -> Any:
    """`operation(*args)` on the keyring worker named `worker`; its result or exception,
    or KeyringNoAnswer when it has not returned within KEYRING_TIMEOUT_SECONDS."""
    with _WORKERS_LOCK:
        if worker not in _WORKERS:
            _WORKERS[worker] = _KeyringWorker(worker)
        runner = _WORKERS[worker]
    call = _KeyringCall(operation, args)
    runner.submit(call)
    if not call.done.wait(KEYRING_TIMEOUT_SECONDS):
        call.abandoned = True
        log.info("The password store %s did not answer within %g seconds",
                    worker, KEYRING_TIMEOUT_SECONDS)
        raise KeyringNoAnswer(worker)
    if call.problem is not None:
        raise call.problem
    return call.result


def backend_failure(label: str, problem: Exception) -> KeyringUnavailable:
    kind = type(problem).__name__
    if isinstance(problem, KeyringNoAnswer):
        sentence = messages.store_no_answer(label, KEYRING_TIMEOUT_SECONDS)
    elif "locked" in kind.lower() or "dismissed" in kind.lower():
        sentence = messages.store_locked(label)
    else:
        sentence = messages.store_failed(label, kind)
    return KeyringUnavailable(message=sentence)
