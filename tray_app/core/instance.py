"""One tray app per user, decided before anything else happens.

The running tray holds an OS lock on a file in the state folder for its whole life
(the OS drops it when the process ends, even in a crash). A second launch sees the lock
taken and knows it is second before it checks, writes state or loads Qt; it then only
asks the first to show itself (ui/single_instance.py).
"""

from __future__ import annotations

import getpass
import logging
import zlib
from dataclasses import dataclass
from pathlib import Path

from tray_app import APP_ID
from tray_app.core import paths
from tray_app.core.locking import LockHeld, LockUnavailable, acquire

log = logging.getLogger(__name__)

# What a later launch sends the running tray (ui/single_instance.py) to be shown.
SHOW_MESSAGE = b"show\n"
# Short, so a primary that hangs cannot hold up a new launch for long.
TIMEOUT_MS = 500
# A request is one short line; anything longer is not ours.
MAX_REQUEST_BYTES = 64


def server_name() -> str:
    """A stable per-user name; hashed because user names may hold any character. Not a
    cryptographic hash: the name only has to differ between users (and hashlib would
    load libcrypto, 3 MiB, into the tray)."""
    try:
        user = getpass.getuser()
    except (KeyError, OSError):  # no login name in the environment or passwd
        user = ""
    key = f"{user}\0{Path.home()}".encode()
    return f"{APP_ID}-{zlib.crc32(key):08x}{zlib.adler32(key):08x}"


def read_request(received: bytes) -> bool | None:
    """What the bytes received so far on a launch connection ask: True to show the
    tray, False for anything else (drop the connection), None to wait for more."""
    if b"\n" in received:
        return received.split(b"\n", 1)[0] == SHOW_MESSAGE.strip()
    return False if len(received) > MAX_REQUEST_BYTES else None


@dataclass(frozen=True)
class InstanceClaim:
    """Whether this process is the first; `fd` holds the lock (None: not protected)."""

    first: bool
    fd: int | None = None


def claim_instance() -> InstanceClaim:
    try:
        return InstanceClaim(True, acquire(paths.instance_lock_file(), timeout=0))
    except LockHeld:
        return InstanceClaim(False)
    except LockUnavailable as problem:
        # A read-only state folder: run anyway; the Qt-level check still keeps one tray.
        log.warning("Cannot claim %s (%s)", paths.instance_lock_file(), problem.reason)
        return InstanceClaim(True)
