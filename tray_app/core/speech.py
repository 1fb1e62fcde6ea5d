"""Once a process has its configuration: the language it speaks and the organisation's
words it uses (core/i18n.py, core/org_words.py). Machine output (`check --json`) calls
i18n.use_machine_english() instead."""

from __future__ import annotations

from tray_app.core import i18n, org_words
from tray_app.core.config import Config
from tray_app.core.settings import TEXT_LANGUAGES


def speak_as_configured(config: Config) -> str:
    """The `language` setting if set, else the desktop's; returns the language in use."""
    language = i18n.active_language() if i18n.machine_mode() else i18n.use_language(
        str(config.get("language") or "") or None)
    org_words.remember(config.get, TEXT_LANGUAGES)
    return language
