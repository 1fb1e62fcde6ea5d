"""A whole tray session in its own process, for test_tray_process.py: the first check,
a Reconnect and its watch, Sign out, Sign in (approved by approve_browser.py as
$BROWSER), and the check after it. Prints the modules the process loaded, as JSON.

Usage: python tray_session_driver.py INTRANET_URL TOKEN KEYRING_FILE
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

from tray_app.startup import keep_tls_out

keep_tls_out()  # as gui_entry.run_gui does, before anything else

from PySide6.QtCore import QEventLoop, QTimer, SignalInstance  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402

from tray_app.core.config import load_config  # noqa: E402
from tray_app.core.session import Session  # noqa: E402
from tray_app.core.state import StateStore  # noqa: E402
from tray_app.core.worker_client import WorkerJobs  # noqa: E402
from tray_app.ui.controller import Controller  # noqa: E402

TESTS = Path(__file__).resolve().parent


def wait_for(signal: SignalInstance, seconds: float = 30) -> list[object]:
    loop, got = QEventLoop(), []

    def take(*args: object) -> None:
        got.append(args)
        loop.quit()

    signal.connect(take)
    QTimer.singleShot(int(seconds * 1000), loop.quit)
    loop.exec()
    signal.disconnect(take)
    if not got:
        raise SystemExit(f"timed out waiting for {signal}")
    return list(got[0])


def main(url: str, token: str, keyring_file: str) -> None:
    app = QApplication(sys.argv[:1])
    os.environ["BROWSER"] = f"{sys.executable} {TESTS / 'approve_browser.py'} %s"
    env = {**os.environ, "COMPANION_TOKEN": token, "DEMO_KEYRING_FILE": keyring_file,
           "PYTHON_KEYRING_BACKEND": "tray_app.demo.sandbox_keyring.PlaintextSandboxKeyring"}
    config = load_config({"intranet_url": url})
    controller = Controller(Session(StateStore()), config, None, WorkerJobs(url, 20, env))
    controller.start()
    wait_for(controller.update_shown)
    controller.reconnect("dropbox", f"{url}/profile/settings/external-apps#dropbox", "Dropbox")
    controller.sign_out()
    wait_for(controller.update_shown)
    controller.sign_in()
    told = wait_for(controller.told, 60)
    wait_for(controller.update_shown)
    controller.shutdown()
    print(json.dumps({"told": told, "modules": sorted(sys.modules)}))
    app.quit()


if __name__ == "__main__":
    main(*sys.argv[1:4])
