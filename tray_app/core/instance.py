"""One tray app per user, decided before anything else happens.

The running tray holds an OS lock on a file in the state folder for its whole life
(the OS drops it when the process ends, even in a crash). A second launch sees the lock
taken and knows it is second before it checks, writes state or loads Qt; it then only
asks the first to show itself (ui/single_instance.py).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from tray_app.core import paths
from tray_app.core.locking import LockHeld, LockUnavailable, acquire

log = logging.getLogger(__name__)


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
