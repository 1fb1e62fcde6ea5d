"""A private D-Bus session for the bench, optionally with GNOME Keyring unlocked in it.

    python bench/dbus_session.py [--keyring]

Like tests/secret_service_session.py: prints the session bus address (an empty line when
the session could not start), keeps the session until standard input closes, then ends
it. It is the subreaper of what it starts (Linux), so the bus and keyring daemons that
outlive dbus-run-session are reaped here rather than left to init.
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
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0)
    script = (_KEYRING if "--keyring" in sys.argv[1:] else "") + _ADDRESS
    env = {k: v for k, v in os.environ.items() if not k.startswith("DBUS_")}
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
