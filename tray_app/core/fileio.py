"""Private file writes and total JSON reads.

Writes are atomic (a crash never leaves half a file) and 0600; they replace a symbolic
link rather than write through it. Reads take any bytes: a file that is too large, not
text, or not JSON raises UnreadableFile with a short reason, never anything else.
"""

from __future__ import annotations

import contextlib
import json
import os
import tempfile
from pathlib import Path

from tray_app.core import messages
from tray_app.core.paths import ensure_private_dir

_BOMS = (
    (b"\xef\xbb\xbf", "utf-8"),
    (b"\xff\xfe\x00\x00", "utf-32-le"),
    (b"\x00\x00\xfe\xff", "utf-32-be"),
    (b"\xff\xfe", "utf-16-le"),
    (b"\xfe\xff", "utf-16-be"),
)


class UnreadableFile(Exception):
    """`reason` says in a few words why, e.g. "it is not valid JSON"."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def atomic_write_text(path: Path, text: str, *, own_dir: bool = True) -> None:
    """Write `text` to `path` with mode 0600, replacing it in one step. `own_dir`: the
    folder is the app's own and is kept private (0700); else it is only created."""
    if own_dir:
        ensure_private_dir(path.parent)
    else:
        path.parent.mkdir(parents=True, exist_ok=True)
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


def read_bytes(path: Path, max_bytes: int) -> bytes | None:
    """The file's bytes; None when it does not exist. UnreadableFile when it cannot be
    read or is larger than `max_bytes`."""
    try:
        with open(path, "rb") as stream:
            data = stream.read(max_bytes + 1)
    except FileNotFoundError:
        return None
    except OSError as problem:
        raise UnreadableFile(problem.strerror or type(problem).__name__) from None
    if len(data) > max_bytes:
        raise UnreadableFile(messages.file_too_large(max_bytes // 1024))
    return data


def decode_text(data: bytes) -> str:
    """Text in UTF-8, or UTF-16/32 with a byte-order mark (as Notepad saves it)."""
    encoding = "utf-8"
    for bom, name in _BOMS:
        if data.startswith(bom):
            data, encoding = data[len(bom):], name
            break
    try:
        return data.decode(encoding)
    except UnicodeDecodeError:
        raise UnreadableFile(messages.file_not_text(encoding.upper())) from None


def parse_json(text: str) -> object:
    try:
        return json.loads(text)
    except json.JSONDecodeError as problem:
        raise UnreadableFile(messages.file_not_valid_json(problem.lineno)) from None
    except (ValueError, RecursionError):  # numbers too long, nesting too deep
        raise UnreadableFile(messages.file_not_readable_json()) from None


def read_json_file(path: Path, max_bytes: int) -> object | None:
    """The JSON value in `path`, None when there is no such file."""
    data = read_bytes(path, max_bytes)
    return None if data is None else parse_json(decode_text(data))
