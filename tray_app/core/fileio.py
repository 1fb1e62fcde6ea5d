"""Private, atomic file writes: a crash never leaves half a file behind."""

from __future__ import annotations

import contextlib
import os
import tempfile
from pathlib import Path

from tray_app.core.paths import ensure_private_dir


def atomic_write_text(path: Path, text: str) -> None:
    """Write `text` to `path` with mode 0600, replacing it in one step."""
    ensure_private_dir(path.parent)
    handle, temp_name = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as stream:
            if hasattr(os, "fchmod"):  # mkstemp already makes it 0600 on POSIX
                os.fchmod(stream.fileno(), 0o600)
            stream.write(text)
            stream.flush()
            os.fsync(stream.fileno())
        os.replace(temp_name, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temp_name)
        raise
