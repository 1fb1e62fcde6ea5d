"""The one declarative table of settings.

Policy, the user settings file, the COMPANION_* environment, command-line flags,
`diagnose`, ADMIN.md and the settings UI all read these definitions.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

SettingValue = str | int | bool


@dataclass(frozen=True)
class Setting:
    key: str
    type: type
    default: SettingValue
    description: str
    minimum: int | None = None
    maximum: int | None = None
    choices: tuple[str, ...] | None = None
    user_editable: bool = True

    @property
    def env_var(self) -> str:
        return "COMPANION_" + self.key.upper()

    def coerce(self, raw: Any) -> SettingValue:
        """The value as this setting's type; ValueError with a reason otherwise.

        Strings are accepted for every type, since env vars and registry values
        arrive as text.
        """
        value = _coerce_type(self.type, raw)
        if isinstance(value, int) and not isinstance(value, bool):
            if self.minimum is not None and value < self.minimum:
                raise ValueError(f"must be at least {self.minimum}")
            if self.maximum is not None and value > self.maximum:
                raise ValueError(f"must be at most {self.maximum}")
        if self.choices is not None and value not in self.choices:
            raise ValueError("must be one of " + ", ".join(self.choices))
        return value


_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off"}


def _coerce_type(kind: type, raw: Any) -> SettingValue:
    if kind is bool:
        if isinstance(raw, bool):
            return raw
        if isinstance(raw, int) and raw in (0, 1):
            return bool(raw)
        if isinstance(raw, str) and raw.strip().lower() in _TRUE | _FALSE:
            return raw.strip().lower() in _TRUE
        raise ValueError("must be true or false")
    if kind is int:
        if isinstance(raw, int) and not isinstance(raw, bool):
            return raw
        if isinstance(raw, str) and raw.strip().lstrip("-").isdigit():
            return int(raw.strip())
        raise ValueError("must be a whole number")
    if isinstance(raw, str):
        return raw.strip()
    raise ValueError("must be text")


SETTINGS: tuple[Setting, ...] = (
    Setting("intranet_url", str, "",
            "The intranet's address (an https origin), e.g. https://acme.intranet.example."),
    Setting("auth_method", str, "oauth",
            "How the companion signs in to the intranet.",
            choices=("oauth", "microsoft", "google", "token")),
    Setting("oauth_client_id", str, "intranet-companion",
            "OAuth client id registered for the companion on the intranet.",
            user_editable=False),
    Setting("check_interval_minutes", int, 60,
            "Minutes between two checks (each gets ±10% jitter).",
            minimum=5, maximum=1440),
    Setting("max_start_delay_seconds", int, 120,
            "At login (--autostart), wait a random delay up to this many seconds "
            "before the first check, to spread load across a fleet.",
            minimum=0, maximum=3600, user_editable=False),
    Setting("reconnect_watch_interval_seconds", int, 30,
            "After Reconnect, re-check this often until the integration is healthy.",
            minimum=10, maximum=600, user_editable=False),
    Setting("reconnect_watch_minutes", int, 15,
            "After Reconnect, keep re-checking for at most this many minutes.",
            minimum=1, maximum=120, user_editable=False),
    Setting("start_at_login", bool, True,
            "Start the companion when the user logs in to the desktop."),
    Setting("connect_timeout_seconds", int, 5,
            "Seconds to wait for a connection to the intranet.",
            minimum=1, maximum=120, user_editable=False),
    Setting("read_timeout_seconds", int, 20,
            "Seconds to wait for the intranet's answer.",
            minimum=1, maximum=300, user_editable=False),
    Setting("log_level", str, "INFO",
            "How much the companion writes to its log.",
            choices=("DEBUG", "INFO", "WARNING", "ERROR")),
)

BY_KEY: dict[str, Setting] = {setting.key: setting for setting in SETTINGS}
