"""The tray's brain, without Qt: what to show after each check, and watching a fix.

Data flows one way: a check (in a worker process, core/worker.py) -> Session.apply() (in
the GUI thread) -> an Update the UI presents. The UI calls back with what the user chose.
The session is the tray's one owner of the state: the check hands its report over and
every change (the check's result, a shown notice, a dismissal, a snooze) is one
read-modify-write under the state file's lock, so none undoes another, whichever
process saves last.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from tray_app.core import messages
from tray_app.core.classify import Notice, State
from tray_app.core.errors import CompanionError
from tray_app.core.logs import log_notices
from tray_app.core.reminders import Reminders, is_dismissed
from tray_app.core.report import CheckReport
from tray_app.core.state import AppState, StateStore, remember
from tray_app.core.summary import Glance, Overall, glance, offers_sign_in
from tray_app.core.timeutil import utc_now

log = logging.getLogger(__name__)

HEALTHY = (State.CONNECTED,)


def connected_again_message(name: str) -> str:
    return messages.connected_again(name)


@dataclass(frozen=True)
class Update:
    report: CheckReport
    glance: Glance  # what the widgets show
    popup: tuple[Notice, ...] = ()  # show in the popup now (the first good check of a run)
    message: tuple[Notice, ...] = ()  # announce with one tray message (later checks)
    fixed: tuple[tuple[str, str], ...] = ()  # (integration id, "<name> is connected again.")
    sign_in_needed: bool = False  # say "Sign-in needed" now (once, not at every check)

    @property
    def overall(self) -> Overall:
        return self.glance.overall

    @property
    def tooltip(self) -> str:
        return self.glance.tooltip


@dataclass
class Watch:
    integration_id: str
    name: str
    until: datetime


@dataclass
class Session:
    store: StateStore
    clock: Callable[[], datetime] = utc_now
    reminders: Reminders = field(default_factory=Reminders)
    report: CheckReport | None = None
    watches: dict[str, Watch] = field(default_factory=dict)
    _had_good_check: bool = False
    _server_offset: timedelta = timedelta(0)

    def current_glance(self) -> Glance:
        """What the widgets show now (for one built after the last check), with the
        notices whose reminders the person turned off and the Reconnects being watched
        ("Waiting for you to reconnect…" on their rows)."""
        return glance(self.report, frozenset(n.identity for n in self.dismissed()),
                      frozenset(self.watches))

    def dismissed(self) -> tuple[Notice, ...]:
        """The current notices the person chose "Don't remind me again" for."""
        notices = self._notices()
        if not notices:
            return ()
        state = self.store.load()
        return tuple(n for n in notices if is_dismissed(state, n))

    def _notices(self) -> tuple[Notice, ...]:
        report = self.report
        return report.classification.notices if report and report.classification else ()

    def apply_failure(self, problem: CompanionError) -> Update:
        """A check that did not run through (its worker failed): the last known state,
        now stale, with the sentence. Shown, never recorded (it asked no intranet)."""
        return self._apply(self._failed(problem), record=False)

    def _failed(self, problem: CompanionError) -> CheckReport:
        last = self.report
        if last is None or last.answer is None or last.intranet_url is None:
            return CheckReport(last.intranet_url if last else None, self.clock(), error=problem)
        return CheckReport(last.intranet_url, self.clock(), error=problem, answer=last.answer,
                           classification=last.classification, stale=True,
                           confirmed_at=last.confirmed_at)

    def apply(self, report: CheckReport) -> Update:
        """Decide what to show for a finished check, and record it in the state. Nothing
        is shown from a failed one."""
        return self._apply(report, record=report.intranet_url is not None)

    def _apply(self, report: CheckReport, *, record: bool) -> Update:
        previous, self.report = self.report, report
        fixed = self._settle_watches(report)
        base = Update(report, self.current_glance(), fixed=fixed)
        if report.error is not None or report.classification is None:
            if record:  # an intranet was asked: keep its Retry-After
                self.store.update(lambda state: remember(state, report))
            newly = offers_sign_in(report) and not offers_sign_in(previous)
            return Update(report, base.glance, fixed=fixed, sign_in_needed=newly)
        self._server_offset = report.checked_at - self.clock()
        due = self._due_now(report)
        first = not self._had_good_check
        self._had_good_check = True
        log_notices("shown in the login popup" if first else "announced", due)
        if first:
            return Update(report, base.glance, popup=due, fixed=fixed)
        return Update(report, base.glance, message=due, fixed=fixed)

    def _due_now(self, report: CheckReport) -> tuple[Notice, ...]:
        """Record the report and mark what is due now as shown, in one locked change."""
        assert report.classification is not None and report.answer is not None
        notices, window = report.classification.notices, report.answer.warning_window_days

        def record(state: AppState) -> tuple[Notice, ...]:
            remember(state, report)
            due = self.reminders.due(notices, state, report.checked_at, window)
            self.reminders.mark_shown(due, state, report.checked_at, window)
            return tuple(due)

        return self.store.update(record)

    def due_for_popup(self) -> tuple[Notice, ...]:
        """What the popup lists when opened by hand: every current notice not dismissed."""
        if self.report is None or self.report.classification is None or self.report.stale:
            return ()
        state = self.store.load()
        return tuple(n for n in self.report.classification.notices
                     if not is_dismissed(state, n))

    # --- what the user chose -------------------------------------------------------------

    def remind_later(self, notices: Iterable[Notice]) -> None:
        chosen, now = tuple(notices), self._now()
        self.store.update(lambda state: self.reminders.remind_later(chosen, state, now))
        log_notices("snoozed (remind me later)", chosen)

    def dismiss(self, notice: Notice) -> None:
        now = self._now()
        self.store.update(lambda state: self.reminders.dismiss(notice, state, now))
        log_notices("dismissed (don't remind me again)", (notice,))

    def remind_again(self, identity: tuple[str, str, str]) -> None:
        """Undo "Don't remind me again" for the notice of `identity`."""
        self.store.update(lambda state: self.reminders.remind_again(identity, state))
        log.info("Notice reminders on again: %s %s (key %s)", *identity)

    def watch(self, integration_id: str, name: str, minutes: int) -> None:
        """After Reconnect: re-check until healthy, for at most `minutes`."""
        self.watches[integration_id] = Watch(
            integration_id, name, self.clock() + timedelta(minutes=minutes))

    def watching(self) -> bool:
        return bool(self.watches)

    def offers_native_reconnect(self, integration_id: str) -> bool:
        """Whether the last answer offers the vendor's own sign-in for this integration
        (a native_connect that passed the origin check, core/classify.py)."""
        report = self.report
        views = report.classification.integrations if report and report.classification else ()
        return any(v.id == integration_id and v.native_connect is not None for v in views)

    def _settle_watches(self, report: CheckReport) -> tuple[tuple[str, str], ...]:
        now = self.clock()
        fixed: list[tuple[str, str]] = []
        views = {v.id: v for v in report.classification.integrations} \
            if report.classification and not report.stale else {}
        for ident, watch in list(self.watches.items()):
            view = views.get(ident)
            if view is not None and view.state in HEALTHY:
                fixed.append((ident, connected_again_message(view.name)))
                log.info("%s", connected_again_message(view.name))
                del self.watches[ident]
            elif now >= watch.until:
                log.info("Stopped watching %s: not fixed within the watch time", ident)
                del self.watches[ident]
        return tuple(fixed)

    def _now(self) -> datetime:
        """The server's clock, as last seen: the notice history runs on it, like all else."""
        return self.clock() + self._server_offset
