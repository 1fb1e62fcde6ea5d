"""The first check's worker, started as the tray's very first act (tray_app/launch.py),
so its interpreter and imports run while the tray loads Qt and its own modules.

Besides the option names (tray_app/arguments.py), only the standard library's os, sys,
subprocess, atexit and contextlib are imported here: whatever this module loads delays
the worker's start. The first `WorkerJobs.check(first=True)`
adopts the process (worker_client.py); unused, it reads no request and exits quietly.
"""

from __future__ import annotations

import atexit
import contextlib
import os
import subprocess
import sys
from collections.abc import Mapping, Sequence

from tray_app.arguments import WORKER_COMMAND

NO_WINDOW = getattr(subprocess, "CREATE_NO_WINDOW", 0)  # Windows: no console flashes up
_STOP_SECONDS = 5


def own_command() -> list[str]:
    """This program again, to be given a command: the frozen executable, or
    `python -m tray_app`."""
    if getattr(sys, "frozen", False):
        return [sys.executable]
    return [sys.executable, "-m", "tray_app"]


def worker_command() -> list[str]:
    return [*own_command(), WORKER_COMMAND]


def start_worker(command: Sequence[str], env: Mapping[str, str] | None
                 ) -> subprocess.Popen[bytes]:
    """A worker process whose standard input and output are pipes (OSError when it
    cannot be started)."""
    return subprocess.Popen(list(command), stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                            stderr=subprocess.DEVNULL, env=dict(env or os.environ),
                            creationflags=NO_WINDOW)


def stop_worker(process: subprocess.Popen[bytes]) -> bool:
    """Kill it and reap it; False when it had not ended after being killed."""
    if process.poll() is None:
        process.kill()
    try:
        process.wait(timeout=_STOP_SECONDS)
    except subprocess.TimeoutExpired:
        return False
    finally:
        for stream in (process.stdin, process.stdout):
            if stream is not None:
                with contextlib.suppress(OSError):  # the pipe broke when it died
                    stream.close()
    return True


class _Prestarted:
    process: subprocess.Popen[bytes] | None = None
    env: dict[str, str] = {}  # noqa: RUF012 -- one process-wide record, on purpose


def prestart_worker() -> None:
    """Start a worker for the first check now, with this process's environment. When it
    cannot be started, the first check starts its own and says why it cannot."""
    if _Prestarted.process is None:
        try:
            _Prestarted.env = dict(os.environ)
            _Prestarted.process = start_worker(worker_command(), _Prestarted.env)
        except OSError:
            return
        atexit.register(discard_prestarted)


def discard_prestarted() -> None:
    process, _Prestarted.process = _Prestarted.process, None
    if process is not None:
        stop_worker(process)


def take_prestarted(command: Sequence[str] | None,
                    env: Mapping[str, str] | None) -> subprocess.Popen[bytes] | None:
    """The prestarted worker if it was started as this job would start one (and is still
    running), else None; a worker that does not fit is ended."""
    process, _Prestarted.process = _Prestarted.process, None
    if process is None:
        return None
    if list(command or worker_command()) != list(process.args) \
            or dict(env or os.environ) != _Prestarted.env or process.poll() is not None:
        stop_worker(process)
        return None
    return process
