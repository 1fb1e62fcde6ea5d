"""Words for states, shared by the command line and the tray, so both say the same."""

from __future__ import annotations

from datetime import datetime

from tray_app.core.classify import IntegrationView, State, days_phrase
from tray_app.core.timeutil import local_time

REASONS = {
    "refresh_failed": "refresh failed",
    "revoked": "access revoked",
    "expired": "expired",
    "consent_removed": "consent removed",
    "password_changed": "password changed",
}


def short_date(moment: datetime) -> str:
    """'1 Dec', in the user's own time zone."""
    local = local_time(moment)
    return f"{local.day} {local.strftime('%b')}"


def reason_words(reason: str | None) -> str:
    if not reason or reason == "unknown":
        return ""
    return REASONS.get(reason, reason.replace("_", " "))


def state_phrase(view: IntegrationView) -> str:
    """'expires in 3 days (1 Dec)', 'disconnected (refresh failed)', 'connected', ..."""
    if view.state is State.EXPIRING and view.expires_at and view.days_left is not None:
        return f"expires {days_phrase(view.days_left)} ({short_date(view.expires_at)})"
    if view.state is State.DISCONNECTED:
        why = reason_words(view.reason)
        return f"disconnected ({why})" if why else "disconnected"
    if view.state is State.NOT_CONNECTED:
        return "not connected"
    if view.state is State.UNKNOWN:
        return "status unknown"
    return "connected"
