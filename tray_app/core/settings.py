"""The one declarative table of settings.

Policy, the user settings file, the COMPANION_* environment, command-line flags,
`diagnose`, ADMIN.md and the settings UI all read these definitions.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from tray_app.core import messages
from tray_app.core.text import clean

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
    # For text: returns the value to keep, or raises ValueError with a reason.
    check: Callable[[str], str] | None = None
    # The values the settings dialog offers, in order, each with its label for people: a
    # messages.py function (looked up in the language of the moment) or, for a language's
    # own name, the name itself. Empty: the dialog shows the value as it is.
    options: tuple[tuple[str, Callable[[], str] | str], ...] = ()
    # For IT and support (policy, COMPANION_*, the settings file), never in the dialog.
    troubleshooting: bool = False
    # Its label in the settings dialog, with an access key (a messages.py function).
    label: Callable[[], str] | None = None

    @property
    def env_var(self) -> str:
        return "COMPANION_" + self.key.upper()

    def option_label(self, value: str) -> str | None:
        """The label people see for `value`, or None when the table gives it none."""
        for option, label in self.options:
            if option == value:
                return label if isinstance(label, str) else label()
        return None

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
        if self.check is not None and isinstance(value, str) and value:
            value = self.check(value)
        return value


MAX_TEXT_CHARS = 2048
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
        text = raw.strip() if isinstance(raw, str) else ""
        if text.lstrip("-").isascii() and text.lstrip("-").isdigit() and len(text) <= 12:
            return int(text)
        raise ValueError("must be a whole number")
    if isinstance(raw, str):
        if len(raw) > MAX_TEXT_CHARS:
            raise ValueError(f"must be at most {MAX_TEXT_CHARS} characters")
        return clean(raw.strip())
    raise ValueError("must be text")


_CORE: tuple[Setting, ...] = (
    Setting("intranet_url", str, "",
            "The intranet's address (an https origin), e.g. https://acme.intranet.example.",
            label=messages.settings_address_label),
    Setting("auth_method", str, "oauth",
            "How the companion signs in to the intranet.",
            choices=("oauth", "microsoft", "google", "token"),
            options=(("oauth", messages.sign_in_method_oauth),
                     ("microsoft", messages.sign_in_method_microsoft),
                     ("google", messages.sign_in_method_google),
                     ("token", messages.sign_in_method_token)),
            label=messages.settings_method_label),
    Setting("oauth_client_id", str, "intranet-companion",
            "OAuth client id registered for the companion on the intranet.",
            user_editable=False),
    Setting("oauth_client_secret", str, "",
            "OAuth client secret, only for intranets that insist on one. It is not a "
            "secret in a desktop app (RFC 8252 8.5); leave empty otherwise.",
            user_editable=False),
    Setting("oauth_authorization_endpoint", str, "",
            "Overrides the authorization endpoint the intranet announces at "
            "/.well-known/oauth-authorization-server (default there, else /oauth/authorize).",
            user_editable=False),
    Setting("oauth_token_endpoint", str, "",
            "Overrides the token endpoint the intranet announces at "
            "/.well-known/oauth-authorization-server (default there, else /oauth/token).",
            user_editable=False),
    Setting("oauth_redirect_port", int, 0,
            "Port of the sign-in redirect http://127.0.0.1:<port>/callback; 0 picks a free "
            "port each time. Fix one only if the intranet requires a registered port.",
            minimum=0, maximum=65535, user_editable=False),
    Setting("microsoft_authority", str, "",
            "Microsoft Entra ID authority for auth_method microsoft, e.g. "
            "https://login.microsoftonline.com/<tenant id>.",
            user_editable=False),
    Setting("microsoft_client_id", str, "",
            "Application (client) id of the companion's app registration in Microsoft Entra ID.",
            user_editable=False),
    Setting("microsoft_scopes", str, "",
            "Space-separated scopes to request from Microsoft Entra ID, e.g. "
            "api://intranet/.default.",
            user_editable=False),
    Setting("microsoft_use_broker", bool, False,
            "On Windows, sign in through the Web Account Manager broker (WAM) for "
            "auth_method microsoft.",
            user_editable=False),
    Setting("google_client_id", str, "",
            "OAuth client id (desktop app type) of the companion in Google Cloud, "
            "for auth_method google.",
            user_editable=False),
    Setting("google_client_secret", str, "",
            "OAuth client secret of that Google desktop client; Google requires one, and "
            "for desktop apps it is not treated as a secret.",
            user_editable=False),
    Setting("google_scopes", str, "openid email",
            "Space-separated scopes to request from Google.",
            user_editable=False),
    Setting("allow_insecure_keyring", bool, False,
            "When no secure password store exists, keep sign-in tokens in a plain file "
            "readable only by the user (INSECURE: anyone with access to the account or its "
            "backups can read them). Off unless IT decides otherwise.",
            user_editable=False),
    Setting("check_interval_minutes", int, 60,
            "Minutes between two checks (each gets ±10% jitter).",
            minimum=5, maximum=1440, label=messages.settings_interval_label),
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
    Setting("max_quiet_minutes", int, 60,
            "While the user is presenting, has a full-screen window active or has "
            "do-not-disturb on, the login popup waits for them to be free, for at most "
            "this many minutes (then it shows anyway). 0 shows it at once.",
            minimum=0, maximum=480, user_editable=False),
    Setting("start_at_login", bool, True,
            "Start the companion when the user logs in to the desktop.",
            label=messages.settings_start_at_login_label),
    Setting("connect_timeout_seconds", int, 5,
            "Seconds to wait for a connection to the intranet.",
            minimum=1, maximum=120, user_editable=False),
    Setting("read_timeout_seconds", int, 20,
            "Seconds to wait for the intranet's answer.",
            minimum=1, maximum=300, user_editable=False),
    Setting("log_level", str, "INFO",
            "How much the companion writes to its log.",
            choices=("DEBUG", "INFO", "WARNING", "ERROR"), troubleshooting=True),
)


# The organisation's own words (Nudge-style text blocks): each key also exists once per
# shipped language with the language as suffix, e.g. popup_heading_de, popup_heading_pt_BR.
# Where a language has none, the unsuffixed key is used, then the built-in text.
TEXT_LANGUAGES = ("de", "fr", "es", "pt_BR", "ja", "ar")
# Each shipped language by its own name, the same in every language (never translated).
LANGUAGE_NAMES: tuple[tuple[str, str], ...] = (
    ("en", "English"), ("de", "Deutsch"), ("fr", "Français"), ("es", "Español"),
    ("pt-BR", "Português (Brasil)"), ("ja", "日本語"), ("ar", "العربية"),
)
ORGANISATION_TEXTS: tuple[tuple[str, str], ...] = (
    ("organization_name",
     "The organisation's name as employees know it, e.g. Acme. Shown in the popup and "
     "the About box."),
    ("support_line",
     "Who to contact and how, e.g. IT Service Desk, ext. 4357. Every sentence that tells "
     "the employee to contact IT names it instead."),
    ("support_url",
     "A support page (https), e.g. https://help.acme.example/it. Offered next to the "
     "support line."),
    ("popup_heading",
     "The login popup's heading instead of \"Reconnect your accounts\"."),
    ("popup_intro",
     "One or two sentences under the popup's heading, e.g. why reconnecting matters here."),
)


def _language_tag(value: str) -> str:
    from tray_app.core.i18n import normalise_tag

    tag = normalise_tag(value)
    if not tag:
        raise ValueError("must be a language tag such as de, pt-BR or ja, or empty")
    return tag


def _support_url(value: str) -> str:
    from tray_app.core.urls import is_loopback_host, origin_of

    origin = origin_of(value)
    if origin is None or (origin[0] == "http" and not is_loopback_host(origin[1])):
        raise ValueError("must be an https address, e.g. https://help.example.com/it")
    return value


def _organisation_settings() -> tuple[Setting, ...]:
    rows = []
    for key, description in ORGANISATION_TEXTS:
        check = _support_url if key == "support_url" else None
        rows.append(Setting(key, str, "", description, user_editable=False, check=check))
        for language in TEXT_LANGUAGES:
            rows.append(Setting(f"{key}_{language}", str, "",
                                f"{key} for employees whose language is "
                                f"{language.replace('_', '-')}; {key} where unset.",
                                user_editable=False, check=check))
    return tuple(rows)


SETTINGS: tuple[Setting, ...] = (
    *_CORE,
    Setting("language", str, "",
            "The language of the tray and of the human-readable command line, as a tag "
            "(de, fr, es, pt-BR, ja, ar; en-XA is a pseudo-language for testing layouts). "
            "Empty: the desktop's language, else English.",
            check=_language_tag,
            options=(("", messages.language_of_the_desktop), *LANGUAGE_NAMES),
            label=messages.settings_language_label),
    *_organisation_settings(),
)

BY_KEY: dict[str, Setting] = {setting.key: setting for setting in SETTINGS}
