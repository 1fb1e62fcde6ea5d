"""What the tray shows at a glance, computed from a CheckReport.

The UI draws these; it decides nothing itself.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from tray_app.core import dates, messages, org_words
from tray_app.core.classify import IntegrationView, NoticeKind, State
from tray_app.core.report import CheckReport
from tray_app.core.timeutil import utc_now
from tray_app.core.urls import safe_reconnect_url
from tray_app.core.wording import state_phrase

NEEDS_RECONNECT = (State.DISCONNECTED, State.EXPIRING)


class Overall(StrEnum):
    """The tray icon's state; each has its own icon shape, not just a colour."""

    CHECKING = "checking"
    OK = "ok"
    EXPIRING = "expiring"
    DISCONNECTED = "disconnected"
    OFFLINE = "offline"  # can't check; what is shown is stale
    SIGNED_OUT = "signed_out"


@dataclass(frozen=True)
class Row:
    """One integration line of the menu: 'Google Drive: expires in 3 days (1 Dec)'."""

    integration_id: str
    name: str
    text: str
    state: State
    reconnect_url: str | None  # set where "Reconnect…" is offered
    # Its current notice's identity when the person chose "Don't remind me again" for
    # it: reminders are off until they ask for them again.
    reminders_off: tuple[str, str, str] | None = None
    # "Waiting for you to reconnect…" while a Reconnect's watch runs for it, else "".
    waiting: str = ""

    @property
    def icon(self) -> Overall | None:
        """The state glyph drawn beside the row (the tray icon's, for this one account);
        None for an account never connected, which has nothing to fix."""
        return _ROW_ICONS.get(self.state)


_ROW_ICONS = {State.CONNECTED: Overall.OK, State.EXPIRING: Overall.EXPIRING,
              State.DISCONNECTED: Overall.DISCONNECTED, State.UNKNOWN: Overall.OFFLINE}


def offers_sign_in(report: CheckReport | None) -> bool:
    """Whether signing in would fix what the report shows (the key icon, "Sign in…")."""
    return report is not None and report.error is not None and report.error.offers_sign_in


def overall(report: CheckReport | None) -> Overall:
    if report is None:
        return Overall.CHECKING
    if report.error is not None:
        return Overall.SIGNED_OUT if report.error.offers_sign_in else Overall.OFFLINE
    states = {view.state for view in _views(report)}
    if State.DISCONNECTED in states:
        return Overall.DISCONNECTED
    if State.EXPIRING in states:
        return Overall.EXPIRING
    return Overall.OK


def _views(report: CheckReport) -> tuple[IntegrationView, ...]:
    return report.classification.integrations if report.classification else ()


def rows(report: CheckReport | None,
         dismissed: frozenset[tuple[str, str, str]] = frozenset(),
         waiting: frozenset[str] = frozenset()) -> list[Row]:
    """One per integration; `dismissed`: the identities of the notices the person chose
    "Don't remind me again" for (from the notice history); `waiting`: the integrations
    a Reconnect is being watched for (Session.watches)."""
    if report is None:
        return []
    notices = report.classification.notices if report.classification else ()
    off = {n.integration_id: n.identity for n in notices if n.identity in dismissed}
    return [
        Row(view.id, view.name, messages.integration_row(view.name, state_phrase(view)),
            view.state,
            view.reconnect_url if view.state in NEEDS_RECONNECT else None,
            off.get(view.id),
            messages.waiting_for_reconnect() if view.id in waiting else "")
        for view in _views(report)
    ]


def last_checked(report: CheckReport | None, now: datetime | None = None) -> str:
    """"Last checked 09:12" (the date too when not today), in the user's language and
    time zone: when the last check ran, whether or not it got through; "" before one."""
    if report is None:
        return ""
    moment = report.checked_at
    today = dates.calendar_days(moment, now or utc_now()) == 0
    return messages.menu_last_checked(
        dates.time_of_day(moment) if today else dates.date_and_time(moment))


def _problem_phrases(report: CheckReport) -> list[str]:
    """In notice order: disconnected first, then by expiry."""
    notices = report.classification.notices if report.classification else ()
    return [
        messages.tooltip_disconnected(n.name) if n.kind is NoticeKind.DISCONNECTED
        else messages.tooltip_expires(n.name, n.days_to_say or 0)
        for n in notices
    ]


def _confirmed_moment(report: CheckReport) -> str:
    """'Dec 1, 9:30 AM', in the user's own time zone and language; "" when never."""
    if report.confirmed_at is None:
        return ""
    return dates.date_and_time(report.confirmed_at)


def confirmed_phrase(report: CheckReport) -> str:
    moment = _confirmed_moment(report)
    return messages.last_confirmed(moment) if moment else ""


def tooltip(report: CheckReport | None) -> str:
    """One line: 'Dropbox disconnected · Google Drive expires in 3 days'."""
    if report is None:
        return messages.tooltip_checking()
    if report.error is not None:
        head = report.error.title
        if report.stale:
            known = _problem_phrases(report)
            return " · ".join([head, *known, confirmed_phrase(report)])
        return head
    problems = _problem_phrases(report)
    return " · ".join(problems) if problems else messages.tooltip_all_connected()


def header(report: CheckReport | None) -> str:
    """Who is signed in, or why nobody is."""
    if report is None:
        return messages.header_checking()
    if offers_sign_in(report):
        return messages.header_not_signed_in()
    user = report.user
    if user is None:
        return report.error.title if report.error else messages.header_signed_in()
    return messages.header_signed_in_as(user.name, user.email or "")


def status_line(report: CheckReport | None) -> str:
    """The second line: the error, and when the shown state was last confirmed."""
    if report is None or report.error is None:
        return ""
    parts = [report.error.message]
    if report.stale:
        parts.append(messages.showing_state_confirmed(_confirmed_moment(report)))
    return " ".join(parts)


def menu_status_line(report: CheckReport | None) -> str:
    """A short line for the menu (menu items do not wrap): what is wrong, and since when
    the shown state is known. The full sentence is in the status window."""
    if report is None or report.error is None:
        return ""
    if report.error.offers_sign_in and not report.stale:
        return ""  # the header already says "Not signed in to the intranet"
    parts = [report.error.title]
    if report.stale:
        parts.append(confirmed_phrase(report))
    return " · ".join(parts)


def external_apps_url(report: CheckReport | None) -> str | None:
    """External apps, if the intranet named it on its own origin; else its front page."""
    if report is None or report.intranet_url is None:
        return None
    if report.classification is not None:
        return report.classification.external_apps_url
    return safe_reconnect_url(None, None, report.intranet_url)


@dataclass(frozen=True)
class Glance:
    """Everything the tray's widgets show for one report, computed once: the view model
    the icon, tooltip, menu and status window draw from."""

    overall: Overall
    tooltip: str
    header: str
    status_line: str  # the full sentence, for the status window
    menu_status_line: str  # a short line, for the menu
    rows: tuple[Row, ...]
    offers_sign_in: bool
    signed_in: bool  # someone is signed in: offer Sign out
    last_checked: str = ""  # "Last checked 09:12"
    help_url: str = ""  # the organisation's support page (policy support_url): offer Help


def glance(report: CheckReport | None,
           dismissed: frozenset[tuple[str, str, str]] = frozenset(),
           waiting: frozenset[str] = frozenset()) -> Glance:
    return Glance(
        overall=overall(report), tooltip=tooltip(report), header=header(report),
        status_line=status_line(report), menu_status_line=menu_status_line(report),
        rows=tuple(rows(report, dismissed, waiting)), offers_sign_in=offers_sign_in(report),
        signed_in=(report is not None and report.user is not None
                   and not offers_sign_in(report)),  # not both Sign in and Sign out
        last_checked=last_checked(report), help_url=org_words.text("support_url"),
    )
