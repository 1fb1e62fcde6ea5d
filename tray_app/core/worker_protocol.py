"""The tray <-> worker protocol: one versioned JSON object per line.

The tray sends one request line on the worker's standard input:
    {"v": 1, "op": "check" | "ack" | "sign-in" | "sign-out" | "reconnect",
     "intranet_url": ..., ...}
The worker answers with lines on its standard output, the last one final:
    {"v": 1, "type": "open", "url": ...}          a page for the tray to open
    {"v": 1, "type": "progress", "text": ...}     a sentence to log
    {"v": 1, "type": "confirm", "account": ...}   "reconnect" only: hand this account over?
    {"v": 1, "type": "report", "report": {...}}   a check's report (final for "check")
    {"v": 1, "type": "result", "sentence": ..., "error": {...} | null}   (final otherwise)

"reconnect" takes "integration_id" and "can_confirm" (true when the tray answers a
"confirm" with one more line on standard input, {"v": 1, "op": "confirm", "answer": true |
false}; anything else, or the end of input, is a no). Its result adds "outcome" (see
core/native/reconnect.py: page_opened, handed_over, wrong_account, not_confirmed, failed)
and "reconnect_url" (the origin-checked page, opened or to offer); after handed_over the
tray checks at once.
No Qt and no HTTP here: both sides import it.
"""

from __future__ import annotations

import json
from typing import Any

from tray_app.core import messages

VERSION = 1
OPS = ("check", "ack", "sign-in", "sign-out", "reconnect")
TYPES = ("open", "progress", "confirm", "report", "result")
ANSWERS = ("confirm",)  # what the tray may send after its request
FINAL_TYPES = ("report", "result")
MAX_LINE_BYTES = 8 * 1024 * 1024  # a report is at most a few MB (the answer's own cap)
# Every failure of the worker itself is titled messages.could_not_check_title().


class ProtocolError(ValueError):
    """A line that is not a message of this protocol."""


def encode(message: dict[str, Any]) -> bytes:
    """One line; ASCII-only JSON, so no encoding or surrogate can garble it."""
    return (json.dumps({"v": VERSION, **message}, separators=(",", ":")) + "\n").encode("ascii")


def decode(line: bytes, allowed: tuple[str, ...], field: str) -> dict[str, Any]:
    """The message in `line` whose `field` ("op" or "type") is one of `allowed`."""
    if len(line) > MAX_LINE_BYTES:
        raise ProtocolError(messages.protocol_line_too_long())
    try:
        message = json.loads(line)
    except (ValueError, RecursionError):
        raise ProtocolError(messages.protocol_line_not_json()) from None
    if not isinstance(message, dict) or message.get("v") != VERSION:
        raise ProtocolError(messages.protocol_wrong_version())
    if message.get(field) not in allowed:
        raise ProtocolError(messages.protocol_unknown_field(field))
    return message
