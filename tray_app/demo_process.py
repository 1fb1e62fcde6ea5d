"""`--demo` from the tray's side: the built-in demo intranet as a child process, and a
private sandbox for the demo session, so the tray process never loads the demo's server
(nor the TLS it brings) and the demo never touches the person's own state, settings,
log or keyring.

The sandbox is a temporary folder given to the tray and its workers as XDG_CONFIG_HOME,
XDG_STATE_HOME, XDG_CACHE_HOME and XDG_DATA_HOME, entered before the single-instance
claim, so the demo's settings, state, log, lock and login entry (never written: the demo
does not register at login) all live there. Its secrets go to a plain file there through
demo/sandbox_keyring.py (the demo's own tokens, thrown away with the folder); the demo
starts signed in with the demo intranet's token, given to the workers as COMPANION_TOKEN
until the person signs out. gui_entry removes the folder however the tray ends (Quit,
Ctrl-C, SIGTERM, or Qt failing to start).
"""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

from tray_app.core import messages, paths
from tray_app.core.prestart import own_command
from tray_app.core.tokens import TOKEN_ENV

SANDBOX_KEYRING = "tray_app.demo.sandbox_keyring.PlaintextSandboxKeyring"
KEYRING_FILE_ENV = "DEMO_KEYRING_FILE"  # sandbox_keyring.FILE_ENV (importing it loads keyring)
# What the demo server's banner (a protocol between the two, not for people) starts with.
_URL_PREFIX = "Demo intranet: "
_TOKEN_PREFIX = "Bearer token: "
_BANNER_LINES = 6


class DemoUnavailable(Exception):
    """The demo intranet did not start; the message says why."""


@dataclass
class DemoProcess:
    url: str
    token: str
    sandbox: Path
    process: subprocess.Popen[str]

    @classmethod
    def start(cls) -> DemoProcess:
        if _tray_running():
            raise DemoUnavailable(messages.demo_beside_running_tray())
        sandbox = Path(tempfile.mkdtemp(prefix="intranet-companion-demo-"))
        try:
            process = subprocess.Popen([*own_command(), "demo-server", "--port", "0"],
                                       stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                                       stdin=subprocess.DEVNULL, text=True)
        except OSError:
            shutil.rmtree(sandbox, ignore_errors=True)
            raise DemoUnavailable(messages.demo_did_not_start()) from None
        url, token = _read_banner(process)
        if not url or not token:
            process.kill()
            shutil.rmtree(sandbox, ignore_errors=True)
            raise DemoUnavailable(messages.demo_did_not_start())
        demo = cls(url, token, sandbox, process)
        demo._enter_sandbox()
        return demo

    def _enter_sandbox(self) -> None:
        for variable, sub in (("XDG_CONFIG_HOME", "config"), ("XDG_STATE_HOME", "state"),
                              ("XDG_CACHE_HOME", "cache"), ("XDG_DATA_HOME", "data")):
            os.environ[variable] = str(self.sandbox / sub)
        # The demo's OAuth tokens go to a plain file in the sandbox, never the keyring.
        os.environ["PYTHON_KEYRING_BACKEND"] = SANDBOX_KEYRING
        os.environ[KEYRING_FILE_ENV] = str(self.sandbox / "demo-keyring.json")
        os.environ[TOKEN_ENV] = self.token

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            with contextlib.suppress(subprocess.TimeoutExpired):
                self.process.wait(timeout=5)
        if self.process.poll() is None:
            self.process.kill()
        shutil.rmtree(self.sandbox, ignore_errors=True)


def _tray_running() -> bool:
    """Whether the person's own tray holds its instance lock. Both trays would answer
    the same per-user launch channel. Looks without creating anything (POSIX; elsewhere
    the demo simply runs)."""
    if sys.platform == "win32":
        return False
    import fcntl

    try:
        fd = os.open(paths.instance_lock_file(),
                     os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_CLOEXEC", 0))
    except OSError:
        return False  # no lock file: no tray has run here
    try:
        fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
    except BlockingIOError:
        return True
    except OSError:
        return False
    finally:
        os.close(fd)  # closing drops our shared lock too
    return False


def _read_banner(process: subprocess.Popen[str]) -> tuple[str, str]:
    url = token = ""
    assert process.stdout is not None
    for _ in range(_BANNER_LINES):
        line = process.stdout.readline().strip()
        if line.startswith(_URL_PREFIX):
            url = line.removeprefix(_URL_PREFIX)
        elif line.startswith(_TOKEN_PREFIX):
            token = line.removeprefix(_TOKEN_PREFIX)
        if url and token:
            break
    return url, token
