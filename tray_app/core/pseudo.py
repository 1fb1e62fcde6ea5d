"""The pseudo-locale (en-XA): every sentence accented, about 40% longer and bracketed,
so a layout that clips and a string that escaped the catalog both show at a glance.
Placeholders ({name}, %s) are kept as they are."""

from __future__ import annotations

import gettext
import re

_ACCENTED = str.maketrans(
    "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ",
    "àƀçđéƒĝĥîĵķĺɱñöþǫŕšţûṽŵẋýžÀƁÇĐÉƑĜĤÎĴĶĹṀÑÖÞǪŔŠŢÛṼŴẊÝŽ",
)
_PLACEHOLDER = re.compile(r"(\{[^{}]*\}|%\(?[a-z_]*\)?[sd])")
_PADDING = " ·ˑ·ˑ·ˑ·ˑ·ˑ·ˑ·ˑ·ˑ·ˑ·ˑ·ˑ·ˑ·ˑ·ˑ·ˑ·ˑ·ˑ·ˑ·ˑ·ˑ·ˑ·ˑ·ˑ"


def pseudo(message: str) -> str:
    if not message:
        return message
    pieces = _PLACEHOLDER.split(message)
    text = "".join(p if _PLACEHOLDER.fullmatch(p) else p.translate(_ACCENTED) for p in pieces)
    extra = max(1, round(len(message) * 0.4))
    return f"[{text}{_PADDING[:extra]}]"


class PseudoTranslations(gettext.NullTranslations):
    def gettext(self, message: str) -> str:
        return pseudo(message)

    def ngettext(self, msgid1: str, msgid2: str, n: int) -> str:
        return pseudo(msgid1 if n == 1 else msgid2)

    def pgettext(self, context: str, message: str) -> str:
        return pseudo(message)

    def npgettext(self, context: str, msgid1: str, msgid2: str, n: int) -> str:
        return pseudo(msgid1 if n == 1 else msgid2)
