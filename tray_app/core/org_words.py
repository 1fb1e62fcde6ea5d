"""The organisation's own words (policy keys organization_name, support_line, support_url,
popup_heading, popup_intro), each per language with a fallback: the text for the active
language ("popup_heading_de"; "pt_BR" also serves "pt"), else the unsuffixed key, else ""
(then the built-in sentence is used). Plain text, never markup.

Set once a process has read its configuration (`remember`); core/messages.py reads them.
A leaf module: it knows neither the configuration nor Qt.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

from tray_app.core import i18n

KEYS = ("organization_name", "support_line", "support_url", "popup_heading", "popup_intro")


class _Words:
    values: Mapping[str, str] = {}


def remember(lookup: Callable[[str], object], languages: tuple[str, ...]) -> None:
    """Keep every organisation text the configuration has: `lookup(key)` gives a
    setting's value, `languages` the suffixes that exist (settings.TEXT_LANGUAGES)."""
    found: dict[str, str] = {}
    for key in KEYS:
        for name in (key, *(f"{key}_{language}" for language in languages)):
            value = lookup(name)
            if isinstance(value, str) and value.strip():
                found[name] = value.strip()
    _Words.values = found


def forget() -> None:
    _Words.values = {}


def text(key: str) -> str:
    """The organisation's text for `key` in the active language, or ""."""
    language = i18n.active_language()
    for name in (f"{key}_{language.replace('-', '_')}", f"{key}_{i18n.base_language(language)}",
                 key):
        if name in _Words.values:
            return _Words.values[name]
    for name, value in _Words.values.items():  # pt_BR set, the user reads pt-PT
        if name.startswith(f"{key}_{i18n.base_language(language)}_"):
            return value
    return ""
