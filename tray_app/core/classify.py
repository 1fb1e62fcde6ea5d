"""Classification: from the intranet's answer and the server's clock to states and notices.

Pure functions. The rules are intranet-api.md's "How the companion reads it".
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from tray_app.core import dates, messages
from tray_app.core.model import Integration, IntegrationList, NativeConnect
from tray_app.core.timeutil import format_utc
from tray_app.core.urls import safe_reconnect_url, same_origin


class State(StrEnum):
    CONNECTED = "connected"
    EXPIRING = "expiring"
    DISCONNECTED = "disconnected"
    NOT_CONNECTED = "not_connected"
    UNKNOWN = "unknown"


class NoticeKind(StrEnum):
    DISCONNECTED = "disconnected"
    EXPIRING = "expiring"


@dataclass(frozen=True)
class IntegrationView:
    """One integration as the companion reads it at `checked_at`."""

    id: str
    name: str
    provider: str
    state: State
    account: str | None
    expires_at: datetime | None
    days_left: int | None
    reason: str | None
    reconnect_url: str
    # The count of days a person is told next to the date (0: within 24 hours): calendar
    # days in the user's time zone, so it never contradicts the date (days_left, the
    # contract's figure, counts whole 24-hour periods).
    days_to_say: int | None = None
    # The vendor's own sign-in that Reconnect runs instead of opening `reconnect_url`;
    # only with a grant_url on the intranet's origin.
    native_connect: NativeConnect | None = None


@dataclass(frozen=True)
class Notice:
    integration_id: str
    name: str
    kind: NoticeKind
    key: str
    message: str
    expires_at: datetime | None
    days_left: int | None
    reconnect_url: str
    days_to_say: int | None = None

    @property
    def identity(self) -> tuple[str, str, str]:
        return (self.integration_id, self.kind.value, self.key)


@dataclass(frozen=True)
class Classification:
    integrations: tuple[IntegrationView, ...]
    notices: tuple[Notice, ...]
    warnings: tuple[str, ...]
    external_apps_url: str  # after the origin check: what Open External apps opens


def disconnected_message(name: str) -> str:
    return messages.notice_disconnected(name)


def expiring_message(name: str, expires_at: datetime, days_to_say: int) -> str:
    return messages.notice_expiring(name, dates.notice_date(expires_at), days_to_say)


def days_to_say(expires_at: datetime | None, now: datetime) -> int | None:
    """0 within 24 hours, else the calendar days to the day of expiry (at least 1)."""
    if expires_at is None or expires_at <= now:
        return None
    if expires_at - now < timedelta(days=1):
        return 0
    return max(1, dates.calendar_days(expires_at, now))


def days_left(expires_at: datetime | None, now: datetime) -> int | None:
    """Whole days from now to expiry, rounded down; None when unknown or past."""
    if expires_at is None or expires_at <= now:
        return None
    return math.floor((expires_at - now) / timedelta(days=1))


def _state_of(item: Integration, now: datetime, window: timedelta) -> tuple[State, str | None]:
    """The state and the reason to report."""
    if item.status == "disconnected":
        return State.DISCONNECTED, item.reason
    if item.status == "not_connected":
        return State.NOT_CONNECTED, item.reason
    if item.status != "connected":
        return State.UNKNOWN, item.reason
    if item.expires_at is not None and item.expires_at <= now:
        return State.DISCONNECTED, "expired"
    if item.expires_at is not None and item.expires_at - now <= window:
        return State.EXPIRING, item.reason
    return State.CONNECTED, item.reason


def _notice_for(view: IntegrationView, item: Integration) -> Notice | None:
    if view.state is State.DISCONNECTED:
        moment = item.disconnected_at if item.status == "disconnected" else item.expires_at
        return Notice(
            view.id, view.name, NoticeKind.DISCONNECTED,
            format_utc(moment) if moment else "",
            disconnected_message(view.name), view.expires_at, None, view.reconnect_url,
        )
    if view.state is State.EXPIRING and view.expires_at and view.days_left is not None:
        return Notice(
            view.id, view.name, NoticeKind.EXPIRING, format_utc(view.expires_at),
            expiring_message(view.name, view.expires_at, view.days_to_say or 0),
            view.expires_at, view.days_left, view.reconnect_url, view.days_to_say,
        )
    return None


def _sort_key(notice: Notice) -> tuple[int, bool, float]:
    # Disconnected first, then by expires_at; the stable sort keeps the server's order for ties.
    expires_at = notice.expires_at
    return (
        0 if notice.kind is NoticeKind.DISCONNECTED else 1,
        expires_at is None,
        expires_at.timestamp() if expires_at else 0.0,
    )


def _usable_native_connect(item: Integration, intranet_url: str,
                           warnings: list[str]) -> NativeConnect | None:
    """The entry's native_connect when its grant_url passes the origin check that
    reconnect_url does (a grant is never handed to another host); else None, warned."""
    native = item.native_connect
    if native is None or same_origin(native.grant_url, intranet_url):
        return native
    warnings.append(messages.warning_native_connect_off_origin(item.id))
    return None


def classify(answer: IntegrationList, now: datetime, intranet_url: str) -> Classification:
    """States, notices and warnings for `answer`, judged at the server time `now`."""
    window = timedelta(days=answer.warning_window_days)
    views: list[IntegrationView] = []
    notices: list[Notice] = []
    warnings = list(answer.warnings)
    external_apps = safe_reconnect_url(None, answer.external_apps_url, intranet_url)
    if external_apps != answer.external_apps_url:
        warnings.append(messages.warning_external_apps_off_origin())
    for item in answer.integrations:
        state, reason = _state_of(item, now, window)
        url = safe_reconnect_url(item.reconnect_url, answer.external_apps_url, intranet_url)
        if item.reconnect_url and url != item.reconnect_url:
            warnings.append(messages.warning_reconnect_off_origin(item.id))
        view = IntegrationView(
            item.id, item.name, item.provider, state, item.account, item.expires_at,
            days_left(item.expires_at, now), reason, url, days_to_say(item.expires_at, now),
            _usable_native_connect(item, intranet_url, warnings),
        )
        views.append(view)
        notice = _notice_for(view, item)
        if notice is not None:
            notices.append(notice)
    notices.sort(key=_sort_key)
    return Classification(tuple(views), tuple(notices), tuple(warnings), external_apps)
