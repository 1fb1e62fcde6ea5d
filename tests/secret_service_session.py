"""A private D-Bus session with an unlocked GNOME Keyring: a real Secret Service for tests.

Run it with standard input and output as pipes. It prints the session bus address (an
empty line when the session could not start), keeps the session until its standard
input closes, then ends it. On Linux it is the subreaper of what it starts, so the bus
and keyring daemons that outlive dbus-run-session are reaped here, not left as zombies.
Set HOME, XDG_DATA_HOME and XDG_RUNTIME_DIR to a temporary place first: the keyring
files go there. With `--no-keyring` it starts the bus alone (bench/startup.py uses that
for its user without a keyring).
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import subprocess
import sys
import time

_PR_SET_CHILD_SUBREAPER = 36
_KEYRING = "printf pw | gnome-keyring-daemon --unlock --components=secrets >/dev/null && "
_ADDRESS = 'echo "$DBUS_SESSION_BUS_ADDRESS" && read _'


def _become_subreaper() -> None:
    # Not on Linux: orphans go to init as usual.
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0)


def _reap(seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            pid, _status = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            time.sleep(0.05)


def main() -> int:
    _become_subreaper()
    env = {k: v for k, v in os.environ.items() if not k.startswith("DBUS_")}
    script = ("" if "--no-keyring" in sys.argv[1:] else _KEYRING) + _ADDRESS
    session = subprocess.Popen(["dbus-run-session", "--", "sh", "-c", script], env=env,
                               stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    assert session.stdin is not None and session.stdout is not None
    print(session.stdout.readline().strip(), flush=True)
    sys.stdin.read()
    session.stdin.close()
    session.wait(10)
    _reap(5)
    return 0


if __name__ == "__main__":
    sys.exit(main())
