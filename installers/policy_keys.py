"""What every generated policy file says about a setting, derived from the settings table.

Every row of tray_app/core/settings.py SETTINGS is a policy key: IT may set any of them,
and a key set by policy is locked. The ADMX/ADML templates, the Jamf schema, the example
profiles and ADMIN.md all describe the keys through these functions, so they cannot drift.
"""

from __future__ import annotations

from typing import Any, Literal

from tray_app.core.settings import BY_KEY, SETTINGS, Setting

ValueKind = Literal["switch", "number", "choice", "text"]

POLICY_DOMAIN = "com.intranetcompanion.app"  # macOS managed preferences, LaunchAgent label
REGISTRY_KEY = r"SOFTWARE\Policies\IntranetCompanion"
LINUX_POLICY_FILE = "/etc/intranet-companion/policy.json"
EXAMPLE_INTRANET_URL = "https://intranet.example.com"
# The keys an example policy sets: what IT usually decides centrally.
EXAMPLE_KEYS = (
    "intranet_url", "auth_method", "oauth_client_id",
    "check_interval_minutes", "max_start_delay_seconds",
)
# The organisation's words, with one per-language text to show how those work.
EXAMPLE_TEXTS = {
    "organization_name": "Example Corp",
    "support_line": "IT Service Desk, ext. 4357",
    "support_line_de": "IT-Servicedesk, Durchwahl 4357",
    "support_url": "https://help.example.com/it",
}
_WORDS = {"url": "URL", "oauth": "OAuth", "id": "ID", "max": "maximum", "auth": "sign-in"}
_UNITS = {"seconds", "minutes", "hours", "days"}


def policy_settings() -> tuple[Setting, ...]:
    return SETTINGS


def value_kind(setting: Setting) -> ValueKind:
    if setting.type is bool:
        return "switch"
    if setting.type is int:
        return "number"
    if setting.type is str:
        return "choice" if setting.choices else "text"
    raise TypeError(f"setting '{setting.key}' has a type no policy format knows: {setting.type}")


_LANGUAGE_NAMES = {"de": "German", "fr": "French", "es": "Spanish",
                   "pt_BR": "Brazilian Portuguese", "ja": "Japanese", "ar": "Arabic"}


def title(setting: Setting) -> str:
    """A short human name: check_interval_minutes -> "Check interval (minutes)",
    popup_heading_de -> "Popup heading (German)"."""
    for language, name in _LANGUAGE_NAMES.items():
        if setting.key.endswith("_" + language) and setting.key[:-len(language) - 1] in BY_KEY:
            return f"{title(BY_KEY[setting.key[:-len(language) - 1]])} ({name})"
    words = [_WORDS.get(word, word) for word in setting.key.split("_")]
    unit = words.pop() if len(words) > 1 and words[-1] in _UNITS else None
    text = " ".join(words)
    text = text[:1].upper() + text[1:]
    return f"{text} ({unit})" if unit else text


def allowed_values(setting: Setting) -> str:
    kind = value_kind(setting)
    if kind == "switch":
        return "true or false"
    if kind == "choice":
        return "one of " + ", ".join(setting.choices or ())
    if kind == "number":
        return _number_range(setting)
    return "text"


def _number_range(setting: Setting) -> str:
    if setting.minimum is not None and setting.maximum is not None:
        return f"a whole number from {setting.minimum} to {setting.maximum}"
    if setting.minimum is not None:
        return f"a whole number of at least {setting.minimum}"
    if setting.maximum is not None:
        return f"a whole number of at most {setting.maximum}"
    return "a whole number"


def default_text(setting: Setting) -> str:
    if setting.type is bool:
        return "true" if setting.default else "false"
    return str(setting.default) if setting.default != "" else "(none)"


def registry_type(setting: Setting) -> str:
    return "REG_SZ" if setting.type is str else "REG_DWORD"


def example_policy() -> dict[str, Any]:
    """The policy the examples show: the intranet's address and the table's defaults."""
    example: dict[str, Any] = {}
    for key in EXAMPLE_KEYS:
        setting = BY_KEY[key]
        example[key] = EXAMPLE_INTRANET_URL if key == "intranet_url" else setting.default
    return {**example, **EXAMPLE_TEXTS}
