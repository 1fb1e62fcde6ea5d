"""The bench's private desktop: Xvfb and trayer, and a Secret Service in its own D-Bus.

Every process is started in a session of its own and ended by its process group; what
escapes its group (daemons that fork away) is remembered by pid and ended by pid.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from proctree import Proc, processes, tree

REPO = Path(__file__).resolve().parents[1]


def start(command: list[str], **options: Any) -> subprocess.Popen:
    return subprocess.Popen(command, start_new_session=True, **options)


def stop(process: subprocess.Popen, seconds: float = 10) -> None:
    """SIGTERM to its group, then SIGKILL to the group and to every process that was in
    its tree when we started to stop it."""
    family = tree(process.pid) if process.poll() is None else []
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGTERM)
    with contextlib.suppress(subprocess.TimeoutExpired):
        process.wait(seconds)
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGKILL)
    process.wait(5)
    kill_survivors(family)


def kill_survivors(family: list[Proc]) -> None:
    alive = {(p.pid, p.start_ticks) for p in processes()}
    for proc in family:
        if (proc.pid, proc.start_ticks) in alive:
            with contextlib.suppress(ProcessLookupError):
                os.kill(proc.pid, signal.SIGKILL)


def _xvfb() -> tuple[subprocess.Popen, str]:
    reader, writer = os.pipe()
    xvfb = start(["Xvfb", "-displayfd", str(writer), "-screen", "0", "1280x800x24",
                  "-nolisten", "tcp"], pass_fds=(writer,), stderr=subprocess.DEVNULL)
    os.close(writer)
    with os.fdopen(reader) as lines:
        number = lines.readline().strip()
    if not number:
        stop(xvfb)
        raise RuntimeError("Xvfb did not start")
    return xvfb, f":{number}"


def _panel_up(env: dict[str, str]) -> bool:
    tree_text = subprocess.run(["xwininfo", "-root", "-tree"], env=env, capture_output=True,
                               text=True, check=False).stdout
    return '"panel"' in tree_text


@contextlib.contextmanager
def x_desktop() -> Iterator[str]:
    """A private X display (its name) with a tray host on it."""
    xvfb, display = _xvfb()
    trayer = None
    try:
        env = {**os.environ, "DISPLAY": display}
        trayer = start(["trayer", "--edge", "top", "--align", "right", "--height", "24",
                        "--widthtype", "request"], env=env, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 30
        while not _panel_up(env):
            if time.monotonic() > deadline or trayer.poll() is not None:
                raise RuntimeError(f"trayer did not come up on {display}")
            time.sleep(0.1)
        yield display
    finally:
        for process in (trayer, xvfb):
            if process is not None:
                stop(process)


@contextlib.contextmanager
def dbus_session(home: Path, *, keyring: bool) -> Iterator[dict[str, str]]:
    """A private D-Bus session (with GNOME Keyring unlocked in it when `keyring`), as at a
    desktop login: the variables that reach it. Without a session bus Qt would autolaunch
    one (dbus-launch) into the measured process tree."""
    runtime = home / "run"
    runtime.mkdir(parents=True, exist_ok=True, mode=0o700)
    env = {"HOME": str(home), "XDG_DATA_HOME": str(home / "data"),
           "XDG_RUNTIME_DIR": str(runtime)}
    clean = {k: v for k, v in os.environ.items() if not k.startswith("DBUS_")}
    command = [sys.executable, str(REPO / "tests" / "secret_service_session.py"),
               *([] if keyring else ["--no-keyring"])]
    helper = start(command, env={**clean, **env}, stdin=subprocess.PIPE,
                   stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    try:
        address = helper.stdout.readline().strip() if helper.stdout else ""
        if not address:
            raise RuntimeError(f"no D-Bus session could be started: {command}")
        yield {**env, "DBUS_SESSION_BUS_ADDRESS": address}
    finally:
        _end_session(helper)


def _end_session(helper: subprocess.Popen) -> None:
    family = tree(helper.pid)
    if helper.stdin:
        helper.stdin.close()
    with contextlib.suppress(subprocess.TimeoutExpired):
        helper.wait(30)
    stop(helper)
    kill_survivors(family)
