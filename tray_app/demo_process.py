"""`--demo` from the tray's side: the built-in demo intranet as a child process, and a
private sandbox for the demo session, so the tray process never loads the demo's server
(nor the TLS it brings) and the demo never touches the person's own state, settings,
log or keyring.

The sandbox is a temporary folder given to the tray and its workers as XDG_CONFIG_HOME,
XDG_STATE_HOME and XDG_CACHE_HOME. Its secrets go to a plain file there through
demo/sandbox_keyring.py (the demo's own tokens, thrown away with the folder); the demo
starts signed in with the demo intranet's token, given to the workers as COMPANION_TOKEN
until the person signs out.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

from tray_app.core import messages
from tray_app.core.tokens import TOKEN_ENV
from tray_app.core.worker_client import own_command

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
        sandbox = Path(tempfile.mkdtemp(prefix="intranet-companion-demo-"))
        process = subprocess.Popen([*own_command(), "demo-server", "--port", "0"],
                                   stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                                   stdin=subprocess.DEVNULL, text=True)
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
                              ("XDG_CACHE_HOME", "cache")):
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
