"""Text from outside (the intranet, files) made safe to show.

`inert` is for terminals and logs: control characters (C0, C1, ESC, BEL), bidi
overrides, line separators and lone surrogates become U+FFFD, so no escape sequence
or reordering trick from the server reaches the screen. `clean` only replaces lone
surrogates, which are legal in JSON but are no text at all: every string the app keeps
from outside passes through it once, where it enters.
"""

from __future__ import annotations

import re

from tray_app.core import messages

REPLACEMENT = "\ufffd"
_SURROGATES = re.compile("[\ud800-\udfff]")
# Cc (newline included: one line of text stays one line); bidi embeddings, overrides,
# isolates and marks; line and paragraph separators; surrogates.
_NOT_INERT = re.compile(
    "[\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069"
    "\u2028\u2029\ud800-\udfff]"
)


def clean(text: str) -> str:
    """`text` with every lone surrogate replaced."""
    return _SURROGATES.sub(REPLACEMENT, text)


def inert(text: str) -> str:
    """`text` as one line that may be written to a terminal or a log."""
    return _NOT_INERT.sub(REPLACEMENT, text)


def shorten(text: str, max_chars: int) -> str:
    return text if len(text) <= max_chars else text[: max_chars - 1] + "…"


def describe_value(value: object, max_chars: int = 60) -> str:
    """A short, safe description of a JSON value for a warning: scalars shown, containers
    named (a repr of a deeply nested value could itself fail)."""
    if isinstance(value, dict):
        return messages.value_an_object()
    if isinstance(value, list):
        return messages.value_a_list()
    if isinstance(value, str):
        return repr(shorten(clean(value), max_chars))
    return shorten(repr(value), max_chars)
