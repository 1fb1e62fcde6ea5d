"""Words for states, shared by the command line and the tray, so both say the same."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from tray_app.core import dates, messages
from tray_app.core.classify import IntegrationView, State

# The contract's reasons that have words of their own; any other is shown as sent.
REASONS: dict[str, Callable[[], str]] = {
    "refresh_failed": messages.reason_refresh_failed,
    "revoked": messages.reason_revoked,
    "expired": messages.reason_expired,
    "consent_removed": messages.reason_consent_removed,
    "password_changed": messages.reason_password_changed,
}


def expiry_date(moment: datetime) -> str:
    """The day of expiry as every surface writes it (the popup, the menu, the tooltip,
    the status window, `check`), in the user's time zone."""
    return dates.notice_date(moment)


def reason_words(reason: str | None) -> str:
    if not reason or reason == "unknown":
        return ""
    words = REASONS.get(reason)
    return words() if words else reason.replace("_", " ")


def state_phrase(view: IntegrationView) -> str:
    """'expires in 3 days (1 Dec)', 'disconnected (refresh failed)', 'connected', ..."""
    if view.state is State.EXPIRING and view.expires_at and view.days_to_say is not None:
        return messages.state_expires(view.days_to_say, expiry_date(view.expires_at))
    if view.state is State.DISCONNECTED:
        why = reason_words(view.reason)
        return messages.state_disconnected_because(why) if why else messages.state_disconnected()
    if view.state is State.NOT_CONNECTED:
        return messages.state_not_connected()
    if view.state is State.UNKNOWN:
        return messages.state_unknown()
    return messages.state_connected()
