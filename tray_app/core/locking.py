"""An inter-process lock on a file, for read-modify-write of files several processes
share (the tray and any number of `check` runs).

OS locks (flock on POSIX, msvcrt.locking on Windows) are released by the OS when a
process dies, so a crash never leaves the state locked. The lock file is opened without
following a symbolic link and is never truncated or written.
"""

from __future__ import annotations

import contextlib
import os
import sys
import time
from collections.abc import Iterator
from pathlib import Path

from tray_app.core.paths import ensure_private_dir

_POLL_SECONDS = 0.02
_FLAGS = os.O_RDWR | os.O_CREAT | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_CLOEXEC", 0)


class LockUnavailable(Exception):
    """The lock could not be taken: `reason` says why in a few words."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class LockHeld(LockUnavailable):
    """Another process holds the lock."""

    def __init__(self) -> None:
        super().__init__("another process holds it")


def _try_lock(fd: int) -> bool:
    if sys.platform == "win32":
        import msvcrt

        try:
            msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)
        except OSError:
            return False
        return True
    import fcntl

    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return False
    return True


def _unlock(fd: int) -> None:
    if sys.platform == "win32":
        import msvcrt

        with contextlib.suppress(OSError):
            os.lseek(fd, 0, os.SEEK_SET)
            msvcrt.locking(fd, msvcrt.LK_UNLCK, 1)
        return
    import fcntl

    fcntl.flock(fd, fcntl.LOCK_UN)


def _open(path: Path) -> int:
    try:
        ensure_private_dir(path.parent)
        return os.open(path, _FLAGS, 0o600)
    except OSError as problem:
        raise LockUnavailable(problem.strerror or type(problem).__name__) from None


def acquire(path: Path, timeout: float) -> int:
    """The open, locked file descriptor; LockUnavailable after `timeout` seconds
    (0: do not wait)."""
    fd = _open(path)
    deadline = time.monotonic() + timeout
    while not _try_lock(fd):
        if time.monotonic() >= deadline:
            os.close(fd)
            raise LockHeld()
        time.sleep(_POLL_SECONDS)
    return fd


def release(fd: int) -> None:
    _unlock(fd)
    os.close(fd)


@contextlib.contextmanager
def locked(path: Path, timeout: float) -> Iterator[None]:
    fd = acquire(path, timeout)
    try:
        yield
    finally:
        release(fd)
