"""The tray process only presents: after a whole session (check, Reconnect and its watch,
Sign out, Sign in) it has never loaded the HTTP stack, TLS, the keyring or the identity
providers' libraries; all of that ran in worker processes."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from tray_app.demo.server import DemoIntranet

TESTS = Path(__file__).resolve().parent
NEVER_IN_THE_TRAY = ("ssl", "_ssl", "requests", "urllib3", "http.client", "truststore",
                     "keyring", "msal", "google.auth", "google_auth_oauthlib", "dropbox",
                     "tray_app.core.client", "tray_app.core.auth", "tray_app.core.secrets")
# On Linux the single-instance channel and the network events need no QtNetwork (and gio).
LINUX_ONLY_NEVER = ("PySide6.QtNetwork",) if sys.platform.startswith("linux") else ()


def test_a_whole_tray_session_keeps_the_network_stack_in_its_workers(tmp_path: Path) -> None:
    with DemoIntranet() as demo:
        done = subprocess.run(
            [sys.executable, str(TESTS / "tray_session_driver.py"), demo.url, demo.token,
             str(tmp_path / "keyring.json")],
            capture_output=True, text=True, timeout=180, check=False,
            env={**os.environ, "QT_QPA_PLATFORM": "offscreen"})
    assert done.returncode == 0, done.stderr[-2000:]
    result = json.loads(done.stdout.strip().splitlines()[-1])
    assert result["told"][0].startswith("Signed in to 127.0.0.1")
    modules = set(result["modules"])
    assert "apscheduler.schedulers.qt" in modules  # the watch ran through the scheduler
    never = (*NEVER_IN_THE_TRAY, *LINUX_ONLY_NEVER)
    loaded = sorted(m for m in modules if m in never
                    or m.startswith(tuple(f"{n}." for n in never)))
    assert loaded == []
