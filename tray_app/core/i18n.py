"""The one translation catalog of the app, shared by core and ui (gettext, domain
`intranet-companion`, compiled catalogs in tray_app/locale/<language>/LC_MESSAGES/).

One language is active per process: the desktop's (or the `language` setting), chosen
at start with `use_language`. `check --json` and the worker's messages for scripts use
English whatever the desktop says (cli.md). No Qt here.

Every sentence lives in core/messages.py, which calls `_`, `ngettext` and `pgettext` at
the moment the sentence is needed, so a sentence is always in the active language.
"""

from __future__ import annotations

import gettext
import os
import re
import struct
import sys
from pathlib import Path

DOMAIN = "intranet-companion"
LOCALE_DIR = Path(__file__).resolve().parent.parent / "locale"
ENGLISH = "en"
PSEUDO = "en-XA"  # accented, longer, bracketed: finds strings that escaped the catalog
RIGHT_TO_LEFT = frozenset({"ar", "fa", "he", "ur"})
_TAG = re.compile(r"[A-Za-z]{2,3}([_-][A-Za-z0-9]{2,8})*")


class _State:
    translations: gettext.NullTranslations = gettext.NullTranslations()
    language: str = ENGLISH
    machine: bool = False


def _(message: str) -> str:
    return _State.translations.gettext(message)


def ngettext(singular: str, plural: str, count: int) -> str:
    return _State.translations.ngettext(singular, plural, count)


def pgettext(context: str, message: str) -> str:
    return _State.translations.pgettext(context, message)


def active_language() -> str:
    """The language in use, as a tag: "en", "de", "pt-BR", "ja", "ar", "en-XA"."""
    return _State.language


def is_right_to_left(language: str | None = None) -> bool:
    return base_language(language or _State.language) in RIGHT_TO_LEFT


def base_language(tag: str) -> str:
    return normalise_tag(tag).split("-")[0]


def normalise_tag(tag: str) -> str:
    """"pt_BR.UTF-8" -> "pt-BR", "de_DE@euro" -> "de-DE", "C" -> ""."""
    tag = tag.split(".")[0].split("@")[0].strip()
    if not _TAG.fullmatch(tag):
        return ""
    parts = re.split(r"[_-]", tag)
    return "-".join([parts[0].lower(), *(p.upper() if len(p) == 2 else p for p in parts[1:])])


def shipped_languages() -> list[str]:
    """The languages with a compiled catalog, English and the pseudo-locale included."""
    found = {ENGLISH, PSEUDO}
    if LOCALE_DIR.is_dir():
        for entry in LOCALE_DIR.iterdir():
            if (entry / "LC_MESSAGES" / f"{DOMAIN}.mo").is_file():
                found.add(normalise_tag(entry.name))
    return sorted(found)


def best_match(wanted: list[str], available: list[str]) -> str:
    """The first wanted language that is available, exactly or by its base language
    ("de-AT" -> "de", "pt-PT" -> "pt-BR" when only that is shipped); else English."""
    by_tag = {tag.lower(): tag for tag in available}
    by_base: dict[str, str] = {}
    for tag in available:
        by_base.setdefault(base_language(tag), tag)
    for raw in wanted:
        tag = normalise_tag(raw)
        if not tag:
            continue
        if tag.lower() in by_tag:
            return by_tag[tag.lower()]
        if base_language(tag) == ENGLISH:
            return ENGLISH
        if base_language(tag) in by_base:
            return by_base[base_language(tag)]
    return ENGLISH


def use_language(choice: str | None = None) -> str:
    """Make `choice` (a tag, or None/"" for the desktop's languages) the active language,
    falling back to English; returns the tag in use."""
    wanted = [choice] if choice and choice.strip() else desktop_languages()
    language = best_match(wanted, shipped_languages())
    translations = _load(language)
    if translations is None:  # a missing or damaged catalog: English, not a crash
        language, translations = ENGLISH, gettext.NullTranslations()
    _State.translations = translations
    _State.language = language
    _State.machine = False
    return language


def use_english() -> None:
    use_language(ENGLISH)


def use_machine_english() -> None:
    """English for scripts (`check --json`): the same bytes whatever the desktop's
    language, dates in ISO 8601."""
    use_language(ENGLISH)
    _State.machine = True


def machine_mode() -> bool:
    return _State.machine


def _load(language: str) -> gettext.NullTranslations | None:
    if language == ENGLISH:
        return gettext.NullTranslations()
    if language == PSEUDO:
        from tray_app.core.pseudo import PseudoTranslations

        return PseudoTranslations()
    folder = language.replace("-", "_")
    try:
        with open(LOCALE_DIR / folder / "LC_MESSAGES" / f"{DOMAIN}.mo", "rb") as catalog:
            return gettext.GNUTranslations(catalog)
    except (OSError, ValueError, UnicodeDecodeError, struct.error):  # missing or damaged
        return None


def desktop_languages() -> list[str]:
    """The desktop's preferred languages, best first."""
    if sys.platform == "win32":
        return _windows_languages()
    if sys.platform == "darwin":
        return _macos_languages() + _posix_languages()
    return _posix_languages()


def _posix_languages() -> list[str]:
    """LANGUAGE (a list), then the first of LC_ALL, LC_MESSAGES and LANG that is set.
    Unlike GNU gettext, LANGUAGE counts even when the locale is C: whoever sets it
    means it."""
    chosen = [part for part in os.environ.get("LANGUAGE", "").split(":") if part]
    for variable in ("LC_ALL", "LC_MESSAGES", "LANG"):
        value = os.environ.get(variable, "")
        if value:
            if value not in ("C", "POSIX"):
                chosen.append(value)
            break
    return chosen


def _windows_languages() -> list[str]:
    try:
        import ctypes

        kernel32 = ctypes.windll.kernel32  # type: ignore[attr-defined]
        buffer = ctypes.create_unicode_buffer(85)
        if kernel32.LCIDToLocaleName(kernel32.GetUserDefaultUILanguage(), buffer, 85, 0):
            return [buffer.value]
    except (AttributeError, OSError):
        pass
    return []


def _macos_languages() -> list[str]:
    try:
        import subprocess

        done = subprocess.run(["defaults", "read", "-g", "AppleLanguages"],
                              capture_output=True, text=True, timeout=2, check=False)
    except (OSError, subprocess.SubprocessError):
        return []
    return re.findall(r'"?([A-Za-z]{2,3}(?:-[A-Za-z0-9]{2,8})*)"?\s*[,)]', done.stdout)
