"""`--demo` runs in a throwaway profile: settings, state, log, lock and secrets in a
temporary folder that is gone when the tray ends (SIGTERM or Ctrl-C); the person's own
folders are never touched and nothing is registered at login."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
PROFILE = ("XDG_CONFIG_HOME", "XDG_STATE_HOME", "XDG_CACHE_HOME", "XDG_DATA_HOME")
STARTED = "started (tray)"  # the log line of a tray that has shown itself

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals")


def person_env(tmp_path: Path) -> dict[str, str]:
    """A fresh home with its own, empty XDG folders, and a temporary folder of its own."""
    env = {name: value for name, value in os.environ.items()
           if not name.startswith(("COMPANION_", "XDG_", "PYTHON_KEYRING", "DEMO_"))
           and name not in ("DISPLAY", "WAYLAND_DISPLAY")}
    env.update(HOME=str(tmp_path / "home"), TMPDIR=str(tmp_path / "tmp"),
               QT_QPA_PLATFORM="offscreen", BROWSER="true")
    for variable in PROFILE:
        env[variable] = str(tmp_path / "home" / variable.lower())
    for folder in [env["HOME"], env["TMPDIR"], *(env[v] for v in PROFILE)]:
        Path(folder).mkdir(parents=True, exist_ok=True)
    return env


def every_file(folder: Path) -> list[str]:
    return sorted(str(path.relative_to(folder)) for path in folder.rglob("*"))


def wait_for_the_demo(process: subprocess.Popen[str], temporary: Path) -> Path:
    """The sandbox folder, once the demo tray has started in it."""
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        assert process.poll() is None, process.communicate()[0]
        for sandbox in temporary.glob("intranet-companion-demo-*"):
            log = sandbox / "state" / "intranet-companion" / "companion.log"
            if log.exists() and STARTED in log.read_text(encoding="utf-8"):
                return sandbox
        time.sleep(0.2)
    pytest.fail("the demo tray did not start")


@pytest.mark.parametrize("quit_with", [signal.SIGTERM, signal.SIGINT])
def test_the_demo_leaves_the_persons_profile_alone(tmp_path: Path,
                                                   quit_with: signal.Signals) -> None:
    env = person_env(tmp_path)
    home = Path(env["HOME"])
    before = every_file(home)
    process = subprocess.Popen([sys.executable, str(REPO / "main.py"), "--demo"], cwd=REPO,
                               env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                               text=True)
    try:
        sandbox = wait_for_the_demo(process, Path(env["TMPDIR"]))
        state = sandbox / "state" / "intranet-companion"
        assert (state / ".tray.lock").exists()  # the instance lock lives in the sandbox
        assert (state / "state.json").exists()
        assert not (sandbox / "config" / "autostart").exists()  # never registered at login
        process.send_signal(quit_with)
        output = process.communicate(timeout=30)[0]
    finally:
        if process.poll() is None:
            process.kill()
            process.communicate()
    assert process.returncode == 0, output
    assert "Traceback" not in output
    assert every_file(home) == before  # no settings, state, log, lock, keyring or cache
    assert list(Path(env["TMPDIR"]).iterdir()) == []  # the sandbox is gone


def test_the_demo_does_not_start_beside_the_persons_own_tray(tmp_path: Path) -> None:
    env = person_env(tmp_path)
    lock_dir = Path(env["XDG_STATE_HOME"]) / "intranet-companion"
    holder = subprocess.Popen(  # plays the person's running tray
        [sys.executable, "-c", "from tray_app.core.instance import claim_instance; "
         "claim = claim_instance(); print(claim.first, flush=True); input()"],
        cwd=REPO, env=env, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "True"
        before = every_file(Path(env["HOME"]))
        done = subprocess.run([sys.executable, str(REPO / "main.py"), "--demo"], cwd=REPO,
                              env=env, capture_output=True, text=True, timeout=60,
                              check=False)
    finally:
        holder.communicate("\n", timeout=10)
    assert done.returncode == 3, done.stderr
    assert "Quit Intranet Companion before starting the demo" in done.stderr
    assert "Traceback" not in done.stderr
    assert every_file(Path(env["HOME"])) == before
    assert (lock_dir / ".tray.lock").exists()
    assert list(Path(env["TMPDIR"]).iterdir()) == []
