"""Running one worker process from the tray (core/worker.py is the other side).

`call_worker` starts `intranet-companion worker`, sends the request, relays the
messages before the final one and returns the final one. Whatever the worker does
(crashes, hangs past the deadline, prints garbage, is cancelled) ends in a
CompanionError that the tray shows as "could not check" with a retry; the process is
killed, never left behind. No Qt and no HTTP: the tray's first check calls this before
Qt is even loaded.
"""

from __future__ import annotations

import logging
import os
import queue
import subprocess
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from typing import IO, Any

from tray_app.core import messages
from tray_app.core.errors import CompanionError, ErrorKind
from tray_app.core.prestart import start_worker, stop_worker, take_prestarted, worker_command
from tray_app.core.tokens import TOKEN_ENV
from tray_app.core.worker_protocol import (
    FINAL_TYPES,
    MAX_LINE_BYTES,
    TYPES,
    ProtocolError,
    decode,
    encode,
)

log = logging.getLogger(__name__)

_POLL_SECONDS = 0.1
CHECK_MARGIN_SECONDS = 20.0  # start-up, keyring (5 s at most) and a token refresh
SIGN_IN_SECONDS = 330.0  # the sign-in's own 5 minutes, and some
SHORT_JOB_SECONDS = 60.0  # sign-out, acknowledgements

Relay = Callable[[dict[str, Any]], None]
Job = Callable[[Relay], dict[str, Any]]


class WorkerCancelled(CompanionError):
    def __init__(self) -> None:
        super().__init__(ErrorKind.AUTH, messages.cancelled(), title=messages.cancelled_title())


def call_worker(
    request: Mapping[str, Any],
    *,
    deadline_seconds: float,
    on_message: Callable[[dict[str, Any]], None] = lambda _message: None,
    cancelled: threading.Event | None = None,
    env: Mapping[str, str] | None = None,
    command: Sequence[str] | None = None,
    prestarted: bool = False,
    replies: Replies | None = None,
) -> dict[str, Any]:
    """The worker's final message ("report" or "result"). CompanionError when it gave
    none in time; WorkerCancelled when `cancelled` was set first. With `prestarted`,
    the worker started by `prestart.prestart_worker` is used when there is one. With `replies`,
    its standard input stays open for the answers sent through it (a "confirm")."""
    process = (take_prestarted(command, env) if prestarted else None) \
        or _start(list(command or worker_command()), env)
    lines: queue.Queue[bytes | None] = queue.Queue()
    threading.Thread(target=_read_lines, args=(process.stdout, lines), name="worker-output",
                     daemon=True).start()
    try:
        _send(process, request, keep_open=replies is not None)
        if replies is not None:
            replies.attach(process)
        return _wait_for_final(lines, time.monotonic() + deadline_seconds, on_message,
                               cancelled or threading.Event())
    finally:
        if replies is not None:
            replies.detach()
        _stop(process)


class Replies:
    """The tray's answers to a worker that asks (worker_protocol.py: "confirm"); `send`
    may be called from any thread while the job runs, and does nothing after it ended."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._process: subprocess.Popen[bytes] | None = None

    def attach(self, process: subprocess.Popen[bytes]) -> None:
        with self._lock:
            self._process = process

    def detach(self) -> None:
        with self._lock:
            self._process = None

    def send(self, message: Mapping[str, Any]) -> None:
        with self._lock:
            stdin = self._process.stdin if self._process is not None else None
            if stdin is None:
                return
            try:
                stdin.write(encode(dict(message)))
                stdin.flush()
            except (OSError, ValueError):
                pass  # it has ended; its final message (or none) says how


def _start(command: list[str], env: Mapping[str, str] | None) -> subprocess.Popen[bytes]:
    try:
        return start_worker(command, env)
    except OSError as problem:
        reason = problem.strerror or str(problem)
        raise worker_failure(messages.worker_could_not_start(reason)) from None


def _send(process: subprocess.Popen[bytes], request: Mapping[str, Any], *,
          keep_open: bool = False) -> None:
    assert process.stdin is not None
    try:
        process.stdin.write(encode(dict(request)))
        if keep_open:
            process.stdin.flush()
        else:
            process.stdin.close()
    except OSError:
        pass  # it died at once; its missing answer says so below


def _read_lines(stream: IO[bytes] | None, lines: queue.Queue[bytes | None]) -> None:
    assert stream is not None
    try:
        for line in iter(lambda: stream.readline(MAX_LINE_BYTES + 1), b""):
            lines.put(line)
    except (OSError, ValueError):
        pass
    lines.put(None)  # end of output


def _wait_for_final(lines: queue.Queue[bytes | None], deadline: float,
                    on_message: Callable[[dict[str, Any]], None],
                    cancelled: threading.Event) -> dict[str, Any]:
    while True:
        if cancelled.is_set():
            raise WorkerCancelled()
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise worker_failure(messages.worker_timed_out())
        try:
            line = lines.get(timeout=min(remaining, _POLL_SECONDS))
        except queue.Empty:
            continue
        if line is None:
            raise worker_failure(messages.worker_no_answer())
        try:
            message = decode(line, TYPES, "type")
        except ProtocolError as problem:
            raise worker_failure(messages.worker_answered_wrongly_because(str(problem))) from None
        if message["type"] in FINAL_TYPES:
            return message
        on_message(message)


def _stop(process: subprocess.Popen[bytes]) -> None:
    if not stop_worker(process):
        log.warning("A worker process (%d) did not end after it was killed", process.pid)


def worker_failure(what: str) -> CompanionError:
    """The sentence for a check (or sign-in) whose worker did not see it through; `what`
    says why, such as messages.worker_timed_out()."""
    log.warning("The check could not run: %s", what)
    return CompanionError(ErrorKind.PROTOCOL, messages.worker_failure(what),
                          title=messages.could_not_check_title())


class WorkerJobs:
    """Builds the worker jobs: one place that knows the intranet address given on the
    command line and the environment the workers get (the credential comes from there,
    or from the keyring, in the worker: core/credentials.py)."""

    def __init__(self, intranet_url: str | None, check_seconds: float,
                 env: Mapping[str, str] | None = None,
                 command: list[str] | None = None) -> None:
        self.intranet_url = intranet_url
        self._check_seconds = check_seconds + CHECK_MARGIN_SECONDS
        self._env = dict(os.environ if env is None else env)
        self._command = command

    def forget_given_token(self) -> None:
        """After Sign out a token given by the environment (the demo's) is not used."""
        self._env.pop(TOKEN_ENV, None)

    def check(self, *, first: bool = False) -> Job:
        """`first`: the start's own check, which may use the prestarted worker."""
        return self._job("check", self._check_seconds, prestarted=first)

    def acknowledge(self, identities: list[tuple[str, str, str]]) -> Job:
        return self._job("ack", SHORT_JOB_SECONDS, notices=[list(i) for i in identities])

    def sign_in(self, cancelled: threading.Event) -> Job:
        return self._job("sign-in", SIGN_IN_SECONDS, cancelled=cancelled)

    def sign_out(self) -> Job:
        return self._job("sign-out", SHORT_JOB_SECONDS)

    def reconnect(self, integration_id: str, cancelled: threading.Event,
                  replies: Replies) -> Job:
        """Native reconnect (or the page) for one integration; it may ask to confirm the
        account through `replies`. As long as a sign-in: the vendor's page waits too."""
        return self._job("reconnect", SIGN_IN_SECONDS, cancelled=cancelled, replies=replies,
                         integration_id=integration_id, can_confirm=True)

    def _job(self, op: str, seconds: float, *, cancelled: threading.Event | None = None,
             prestarted: bool = False, replies: Replies | None = None,
             **fields: Any) -> Job:
        request = {"op": op, "intranet_url": self.intranet_url, **fields}
        env, command = dict(self._env), self._command

        def job(relay: Relay) -> dict[str, Any]:
            return call_worker(request, deadline_seconds=seconds, on_message=relay,
                               cancelled=cancelled, env=env, command=command,
                               prestarted=prestarted, replies=replies)

        return job
