"""Start-up and idle cost of the tray app, against a bare PySide6 tray app as the floor.

One run reports, for both: time from process start to the popup shown, idle RSS after
the idle period, and context switches (all threads) over the idle period. The app runs
against the demo intranet in a separate process, so the demo's own cost is not counted.

Needs an X display with a tray host; without DISPLAY it starts Xvfb and trayer itself.

    .venv/bin/python bench/startup.py [--idle-seconds 60] [--runs 3]

With --signed-in the companion has no COMPANION_TOKEN: the bench first signs in through
the demo's OAuth server (a scripted browser presses Approve) and the tray then signs in
silently from the OS keyring, as at a real desktop login. Run it where a Secret Service
is unlocked, e.g.:

    dbus-run-session -- sh -c 'printf pw | gnome-keyring-daemon --unlock \
        --components=secrets >/dev/null; .venv/bin/python bench/startup.py --signed-in'
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

# The probe reports on stdout when the first dialog is shown, without touching the app:
# it swaps in a QApplication that installs an event filter.
PROBE = r"""
import sys
from PySide6 import QtWidgets
from PySide6.QtCore import QEvent, QObject

class _Probe(QObject):
    done = False
    def eventFilter(self, obj, event):
        if (not self.done and event.type() == QEvent.Type.Show
                and isinstance(obj, QtWidgets.QDialog)):
            self.done = True
            print("shown", flush=True)
        return False

class _App(QtWidgets.QApplication):
    def __init__(self, *args):
        super().__init__(*args)
        self._probe = _Probe()
        self.installEventFilter(self._probe)

QtWidgets.QApplication = _App
"""

FLOOR = r"""
from PySide6.QtGui import QIcon, QPixmap, QColor
from PySide6.QtWidgets import QApplication, QDialog, QLabel, QSystemTrayIcon, QVBoxLayout
app = QApplication([])
app.setQuitOnLastWindowClosed(False)
pixmap = QPixmap(22, 22)
pixmap.fill(QColor("#2e7d32"))
tray = QSystemTrayIcon(QIcon(pixmap))
tray.show()
dialog = QDialog()
dialog.setWindowTitle("Floor")
QVBoxLayout(dialog).addWidget(QLabel("Dropbox has unexpectedly been disconnected."))
dialog.show()
app.exec()
"""

APP = r"""
import sys
from tray_app.cli import main
sys.exit(main([]))
"""


@dataclass
class Sample:
    start_ms: float
    rss_mib: float
    switches: int


def _thread_switches(pid: int) -> int:
    total = 0
    for task in Path(f"/proc/{pid}/task").iterdir():
        try:
            text = (task / "status").read_text()
        except OSError:
            continue
        for line in text.splitlines():
            if line.startswith(("voluntary_ctxt_switches", "nonvoluntary_ctxt_switches")):
                total += int(line.split()[1])
    return total


def _rss_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def measure(script: str, env: dict[str, str], idle_seconds: float) -> Sample:
    start = time.perf_counter()
    child = subprocess.Popen([sys.executable, "-c", PROBE + script], env=env, cwd=REPO,
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert child.stdout is not None
        line = child.stdout.readline()
        if line.strip() != "shown":
            child.kill()
            raise RuntimeError("no popup shown: " + child.communicate()[1][-2000:])
        start_ms = (time.perf_counter() - start) * 1000
        time.sleep(5)  # let the first check and the first paint settle
        before = _thread_switches(child.pid)
        time.sleep(idle_seconds)
        return Sample(start_ms, _rss_mib(child.pid), _thread_switches(child.pid) - before)
    finally:
        child.terminate()
        child.wait(10)


def _display(env: dict[str, str]) -> list[subprocess.Popen]:
    if env.get("DISPLAY"):
        return []
    if not shutil.which("Xvfb") or not shutil.which("trayer"):
        raise SystemExit("Needs DISPLAY, or Xvfb and trayer (apt-get install xvfb trayer).")
    env["DISPLAY"] = ":93"
    xvfb = subprocess.Popen(["Xvfb", ":93", "-screen", "0", "1280x800x24", "-nolisten", "tcp"],
                            stderr=subprocess.DEVNULL)
    time.sleep(1)
    tray = subprocess.Popen(["trayer", "--edge", "top", "--align", "right", "--height", "24"],
                            env=env, stderr=subprocess.DEVNULL)
    time.sleep(1)
    return [tray, xvfb]


def _sign_in(env: dict[str, str], home: str) -> None:
    del env["COMPANION_TOKEN"]
    browser = Path(home) / "approve.sh"
    browser.write_text(f'#!/bin/sh\nexec "{sys.executable}" '
                       f'"{REPO / "tests" / "approve_browser.py"}" "$1"\n')
    browser.chmod(0o755)
    subprocess.run([sys.executable, str(REPO / "main.py"), "sign-in"],
                   env={**env, "BROWSER": str(browser)}, check=True, timeout=60,
                   stdout=subprocess.DEVNULL)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--idle-seconds", type=float, default=60)
    parser.add_argument("--runs", type=int, default=3, help="start-up samples for each")
    parser.add_argument("--signed-in", action="store_true",
                        help="sign in through the demo's OAuth server and use the keyring")
    options = parser.parse_args()
    from tray_app.demo.server import DemoIntranet

    # Measure the app as installed: with bytecode, which pip writes at install time (this
    # machine sets PYTHONDONTWRITEBYTECODE, which would recompile our modules every run).
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    env["QT_QPA_PLATFORM"] = "xcb"
    subprocess.run([sys.executable, "-m", "compileall", "-q", str(REPO / "tray_app")],
                   check=True, env=env)
    helpers = _display(env)
    try:
        with DemoIntranet() as demo, tempfile.TemporaryDirectory() as home:
            env.update(COMPANION_INTRANET_URL=demo.url, COMPANION_TOKEN=demo.token,
                       COMPANION_POLICY_FILE=f"{home}/none.json",
                       COMPANION_START_AT_LOGIN="false",
                       XDG_CONFIG_HOME=f"{home}/c", XDG_STATE_HOME=f"{home}/s",
                       XDG_CACHE_HOME=f"{home}/k")
            if options.signed_in:
                _sign_in(env, home)
            results = {}
            for name, script in (("floor (bare PySide6 tray)", FLOOR), ("companion", APP)):
                starts = [measure(script, env, 0).start_ms for _ in range(options.runs - 1)]
                last = measure(script, env, options.idle_seconds)
                results[name] = (statistics.median([*starts, last.start_ms]), last)
    finally:
        for helper in helpers:
            helper.terminate()
    floor_start, floor = results["floor (bare PySide6 tray)"]
    for name, (start_ms, sample) in results.items():
        print(f"{name:27s} start->popup {start_ms:7.0f} ms ({start_ms / floor_start:.2f}x)  "
              f"idle RSS {sample.rss_mib:6.1f} MiB ({sample.rss_mib / floor.rss_mib:.2f}x)  "
              f"context switches in {options.idle_seconds:.0f} s idle: {sample.switches}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
