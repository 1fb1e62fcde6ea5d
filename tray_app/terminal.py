"""What the commands write for a person or a script: inert text and exact JSON, and the
exit code for a wrong use. Apart from cli.py, which imports the commands."""

from __future__ import annotations

import json
import re
import sys
from typing import TextIO

from tray_app.core.text import inert

USAGE_ERROR = 2
_INVISIBLE = re.compile("[\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069\u2028\u2029]")


def print_json(data: object) -> None:
    """JSON as UTF-8 whatever the locale (cli.md: byte for byte the same everywhere).
    The encoder escapes C0 controls; C1 controls, bidi overrides and line separators
    are escaped here (they can only stand inside strings), and "backslashreplace" turns
    a lone surrogate into its JSON escape: inert on a terminal, exact when parsed."""
    text = json.dumps(data, indent=2, ensure_ascii=False) + "\n"
    text = _INVISIBLE.sub(lambda found: f"\\u{ord(found.group()):04x}", text)
    _write_bytes(sys.stdout, text.encode("utf-8", "backslashreplace"))


def say(*lines: str, error: bool = False) -> None:
    """Lines for a person on the terminal: control characters (newlines too) and bidi
    overrides that came from the server or a file are made inert first."""
    stream = sys.stderr if error else sys.stdout
    text = "".join(inert(line) + "\n" for line in lines)
    _write_bytes(stream, text.encode(_encoding(stream), "replace"))


def _encoding(stream: TextIO) -> str:
    return getattr(stream, "encoding", None) or "utf-8"


def _write_bytes(stream: TextIO, data: bytes) -> None:
    buffer = getattr(stream, "buffer", None)
    if buffer is None:  # a replaced stream (tests, pythonw): text only
        stream.write(data.decode(_encoding(stream), "replace"))
        return
    stream.flush()
    buffer.write(data)
    buffer.flush()
