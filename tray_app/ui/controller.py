"""Wires the Qt pieces to the core session: checks, sign-in and sign-out run in worker
processes (through BackgroundTask), their results come back by signal, and the user's
choices go back into core. It decides nothing about tokens or dates."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from concurrent.futures import Future
from datetime import datetime
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject, Qt, QTimer, Signal
from PySide6.QtWidgets import QApplication, QMessageBox, QSystemTrayIcon

from tray_app import __version__
from tray_app.core import messages, summary
from tray_app.core.classify import Notice
from tray_app.core.config import Config, save_user_setting
from tray_app.core.errors import CompanionError
from tray_app.core.logs import log_start
from tray_app.core.report import report_from_message
from tray_app.core.session import Session, Update
from tray_app.core.urls import allowed_origin, same_origin
from tray_app.core.worker_client import WorkerCancelled, WorkerJobs, worker_failure
from tray_app.ui.background import BackgroundTask
from tray_app.ui.popup import NoticePopup
from tray_app.ui.quiet import QuietGate

# Windows and the tray icon are imported when first built: the login popup needs none.
if TYPE_CHECKING:
    from tray_app.core.autostart import Autostart
    from tray_app.ui.browser import AddressWindow
    from tray_app.ui.native_reconnect import NativeReconnect
    from tray_app.ui.notifications import Notifications
    from tray_app.ui.scheduler import CheckScheduler
    from tray_app.ui.settings_dialog import SettingsDialog
    from tray_app.ui.sign_in_window import SignInWindow
    from tray_app.ui.status_window import StatusWindow
    from tray_app.ui.system_events import SystemEvents
    from tray_app.ui.tray import TrayPresenter

log = logging.getLogger(__name__)

TRAY_RETRY_MS = 10_000
TRAY_RETRY_LIMIT_MS = 120_000
PAINT_WAIT_MS = 2_000
# The tray icon, the single-instance server and the like wait for the login popup's first
# paint, or for the first check's outcome when no popup comes, or for this long at most.
FIRST_SHOW_WAIT_MS = 1_000


class Controller(QObject):
    check_done = Signal(object, object)  # the worker's final message, or its CompanionError
    update_shown = Signal(object)  # Update, after the UI has presented it (tests, bench)
    told = Signal(str)  # a sentence just told to the person (tests)

    def __init__(self, session: Session, config: Config, autostart: Autostart | None,
                 workers: WorkerJobs, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.session = session
        self.config = config
        self.autostart = autostart
        self.workers = workers
        self.signing_in = False
        self._sign_in_cancel = threading.Event()
        self._sign_in_window: SignInWindow | None = None
        self._about: QMessageBox | None = None
        self._sign_out_question: QMessageBox | None = None
        self._address_window: AddressWindow | None = None  # "No web browser opened"
        self._settings_dialog: SettingsDialog | None = None
        self._native_reconnect: NativeReconnect | None = None
        self._sign_in_page: str | None = None  # the page the sign-in under way asked for
        self.signing_out = False
        self._checking = False
        self._announced: tuple[Notice, ...] = ()
        self.tray: TrayPresenter | None = None
        self._popup: NoticePopup | None = None
        self._status_window: StatusWindow | None = None
        self._notifications: Notifications | None = None
        self._scheduler: CheckScheduler | None = None
        self._events: SystemEvents | None = None
        self._tray_waited_ms = 0
        self._background_started = False
        self._first_shown = False
        self._after_first_show: list[Callable[[], None]] = []
        # The login popup waits while the person presents or has do-not-disturb on.
        self.quiet = QuietGate(config.get("max_quiet_minutes"), parent=self)
        self.check_done.connect(self._on_check_done)

    # Built on first use: the first check's popup should not wait for what it does not need.

    @property
    def popup(self) -> NoticePopup:
        if self._popup is None:
            popup = NoticePopup()
            popup.reconnect_requested.connect(self._reconnect_notice)
            popup.dismiss_requested.connect(self._dismiss)
            popup.remind_later_requested.connect(self.session.remind_later)
            self._popup = popup
        return self._popup

    @property
    def status_window(self) -> StatusWindow:
        if self._status_window is None:
            from tray_app.ui.status_window import StatusWindow

            window = StatusWindow(start_at_login=self._start_at_login_state)
            window.reconnect_requested.connect(self.reconnect)
            window.check_now_requested.connect(self.request_check)
            window.open_external_apps_requested.connect(self.open_external_apps)
            window.sign_in_requested.connect(self.sign_in)
            window.sign_out_requested.connect(self.ask_sign_out)
            window.settings_requested.connect(self.show_settings)
            window.help_requested.connect(self.open_help)
            window.about_requested.connect(self.show_about)
            window.quit_requested.connect(QApplication.quit)
            window.start_at_login_toggled.connect(self._start_at_login_from_window)
            window.remind_again_requested.connect(self._remind_again)
            window.set_standalone(self.tray is None)
            window.show_glance(self.session.current_glance())
            self._status_window = window
        return self._status_window

    @property
    def notifications(self) -> Notifications:
        """How the person is told (ui/notifications.py): the desktop's notifications on
        Linux, else the tray's balloon. Used only after the first show (D-Bus then)."""
        if self._notifications is None:
            from tray_app.ui import notifications

            fallback = notifications.TrayMessages(
                lambda: self.tray, lambda notices: self.popup.show_notices(notices), self)
            told = notifications.for_platform(fallback, parent=self)
            told.reconnect_requested.connect(self.reconnect)
            told.open_requested.connect(self._on_message_clicked)
            self._notifications = told
        return self._notifications

    @property
    def scheduler(self) -> CheckScheduler:
        if self._scheduler is None:
            from tray_app.ui.scheduler import CheckScheduler  # APScheduler is slow to import

            self._scheduler = CheckScheduler(self.config.get("check_interval_minutes"),
                                             self.request_check, not_before=self._not_before)
            self._scheduler.start()
        return self._scheduler

    def _not_before(self) -> datetime | None:
        """The saved Retry-After floor, which every automatic check honours."""
        return self.session.store.load().retry_not_before

    def _start_background(self) -> None:
        """After the first check: the periodic schedule and the system's hints."""
        if self._events is not None:
            return
        from tray_app.ui.system_events import SystemEvents  # QtNetwork/QtDBus: not at start


        self._events = SystemEvents(self)
        self._events.resumed.connect(lambda: self.scheduler.check_soon("resumed from sleep"))
        self._events.network_online.connect(self._on_network_online)

    # --- start and stop ------------------------------------------------------------------

    def start(self, first_delay_seconds: float = 0.0,
              first_check: Future[dict[str, Any]] | None = None) -> None:
        """The first check runs in a worker while the tray is being set up (or was started
        before Qt was loaded: `first_check`, the worker's final message)."""
        self.after_first_show(lambda: log_start(self.config, "tray"))
        self.quiet.ask_early()  # is the person busy? asked while the check runs
        if first_check is not None:
            self._checking = True
            first_check.add_done_callback(self._hand_over)
            QTimer.singleShot(0, self._build_popup_while_waiting)
        elif first_delay_seconds > 0:
            QTimer.singleShot(int(first_delay_seconds * 1000), self.request_check)
        else:
            self.request_check()
        self.after_first_show(self._ensure_tray)
        QTimer.singleShot(FIRST_SHOW_WAIT_MS, self._first_show_done)

    def _build_popup_while_waiting(self) -> None:
        # Should the first check find something, its popup is then only filled in.
        if self._checking:
            _ = self.popup

    def after_first_show(self, action: Callable[[], None]) -> None:
        """Run `action` once the first check's outcome is on screen (the popup painted),
        or FIRST_SHOW_WAIT_MS after start, whichever comes first: nothing the login popup
        does not need runs before it."""
        if self._first_shown:
            action()
        else:
            self._after_first_show.append(action)

    def _first_show_done(self) -> None:
        if self._first_shown:
            return
        self._first_shown = True
        pending, self._after_first_show = self._after_first_show, []
        for action in pending:
            action()

    def _hand_over(self, future: Future[dict[str, Any]]) -> None:
        try:
            self.check_done.emit(future.result(), None)
        except CompanionError as problem:
            self.check_done.emit(None, problem)
        except Exception:  # a bug must not leave the tray waiting for this check forever
            log.exception("The first check failed unexpectedly")
            self.check_done.emit(None, worker_failure(messages.worker_unexpected_error()))

    def shutdown(self) -> None:
        if self._scheduler is not None:
            self._scheduler.shutdown()
        if self._notifications is not None:
            self._notifications.close()
        if self.tray is not None:
            self.tray.hide()

    def _ensure_tray(self) -> None:
        """Show the tray icon, or the status window until a tray host appears (2 min)."""
        if QSystemTrayIcon.isSystemTrayAvailable():
            self._make_tray()
            return
        if self._tray_waited_ms == 0:
            log.warning("No system tray on this desktop; showing the status window instead")
            self.status_window.bring_up()
        if self._tray_waited_ms < TRAY_RETRY_LIMIT_MS:
            self._tray_waited_ms += TRAY_RETRY_MS
            QTimer.singleShot(TRAY_RETRY_MS, self._ensure_tray)

    def _make_tray(self) -> None:
        from tray_app.ui.tray import TrayPresenter

        tray = TrayPresenter(self._start_at_login_state, self)
        tray.reconnect_requested.connect(self.reconnect)
        tray.check_now_requested.connect(self.request_check)
        tray.open_external_apps_requested.connect(self.open_external_apps)
        tray.start_at_login_toggled.connect(self.set_start_at_login)
        tray.show_status_requested.connect(self.show_status)
        tray.quit_requested.connect(QApplication.quit)
        tray.sign_in_requested.connect(self.sign_in)
        tray.sign_out_requested.connect(self.ask_sign_out)
        tray.settings_requested.connect(self.show_settings)
        tray.help_requested.connect(self.open_help)
        tray.about_requested.connect(self.show_about)
        tray.message_clicked.connect(self._on_message_clicked)
        tray.show_glance(self.session.current_glance())
        tray.show()
        self.tray = tray
        if self._status_window is not None:
            self._status_window.set_standalone(False)

    # --- checks --------------------------------------------------------------------------

    def request_check(self) -> None:
        """Start a check in a worker process unless one is already running."""
        if self._checking:
            return
        self._checking = True
        task = BackgroundTask(self.workers.check(), "check")
        task.done.connect(self.check_done)
        task.start()

    def _on_check_done(self, final: dict[str, Any] | None,
                       problem: CompanionError | None) -> None:
        self._checking = False
        try:
            report = report_from_message(final["report"]) if final else None
        except (ValueError, KeyError):
            problem, report = worker_failure(messages.worker_answered_wrongly()), None
        if report is not None:
            update = self.session.apply(report)
        else:
            assert problem is not None
            update = self.session.apply_failure(problem)
        self.present(update)
        error = update.report.error
        self._when_painted(self._first_show_done)
        self._when_painted(lambda: self._schedule_after(error))
        self.update_shown.emit(update)

    def _when_painted(self, action: Callable[[], None]) -> None:
        """Run `action` once the popup shown now has painted (at once when none is up):
        what the popup does not need (APScheduler, system events) waits for its paint.
        It runs from the event loop, after the paint has reached the screen, never inside
        the paint itself."""
        popup = self._popup
        if popup is None or not popup.isVisible() or self._background_started:
            action()
            return

        pending = [action]

        def once() -> None:
            if pending:
                popup.painted.disconnect(once)
                QTimer.singleShot(0, pending.pop())

        popup.painted.connect(once)
        QTimer.singleShot(PAINT_WAIT_MS, once)  # should no paint come (hidden at once)

    def _schedule_after(self, error: CompanionError | None) -> None:
        self._background_started = True
        self._start_background()
        self.scheduler.after_check(error is not None, error.retry_after if error else None)
        if not self.session.watching():
            self.scheduler.stop_watch()

    def present(self, update: Update) -> None:
        if self.tray is not None:
            self.tray.show_glance(update.glance)
        if self._status_window is not None:
            self._status_window.show_glance(update.glance)
        if self._popup is not None:
            self._popup.show_waiting(_waiting(update.glance))
        if update.popup:
            popup = update.popup
            self.quiet.show_when_free("login popup", lambda: self._show_login_popup(popup))
        elif update.message:
            self._announce(update.message)
            self._acknowledge(update.message)
        for ident, sentence in update.fixed:  # titled with the name, replacing its notice
            self._tell(sentence, title=_integration_name(update, ident), key=ident)
        if update.sign_in_needed and update.report.error is not None:
            self._tell(messages.sign_in_needed(update.report.error.message), warning=True)
        if update.fixed and self._popup is not None and self._popup.isVisible():
            notices = update.report.classification.notices if update.report.classification else ()
            self.popup.settle({n.identity for n in notices}, dict(update.fixed))

    def _show_login_popup(self, notices: tuple[Notice, ...]) -> None:
        """The first check's popup, once the person is free: up and raised, but it does
        not take the keyboard from the window they type in (a click gives it focus).
        Acknowledged to the intranet once it is on screen."""
        if not (self._popup is not None and self._popup.isVisible()):  # not opened by hand
            self.popup.show_notices(notices, activate=False)
        self._acknowledge(notices)

    def _acknowledge(self, seen: tuple[Notice, ...]) -> None:
        job = self.workers.acknowledge([n.identity for n in seen])
        self._when_painted(lambda: BackgroundTask(job, "ack").start() and None)

    def _announce(self, notices: tuple[Notice, ...]) -> None:
        """A notice that appears while running: a desktop notification for each, with its
        own Reconnect (or one tray message for all, or the popup when there is no tray
        either); a click opens the popup. Held while the person is busy, like the login
        popup; sentences that answer the person's own action are not."""
        self._announced = notices
        self.after_first_show(lambda: self.quiet.show_when_free(
            "notices", lambda: self.notifications.announce(notices)))

    def _on_message_clicked(self) -> None:
        self.popup.show_notices(self._announced or self.session.due_for_popup())

    def _tell(self, sentence: str, *, warning: bool = False, title: str | None = None,
              key: str = "") -> None:
        """A desktop notification (or the tray's balloon) titled `title` (an integration's
        name; the app's by default), replacing the last one told for `key`. With no tray
        the status window says it too."""
        log.info("%s", sentence)
        self.told.emit(sentence)
        if self.tray is None:
            self.status_window.tell(sentence)
        self.after_first_show(
            lambda: self.notifications.tell(sentence, title=title, key=key, warning=warning))

    def _on_network_online(self) -> None:
        report = self.session.report
        if report is not None and report.error is not None:
            self.scheduler.check_soon("the network is back")

    # --- what the user chose -------------------------------------------------------------

    def reconnect(self, integration_id: str, url: str, name: str) -> None:
        """The vendor's own sign-in where the intranet offers it (in a worker), else the
        integration's reconnect page; then a watch until it is connected again."""
        if self.session.offers_native_reconnect(integration_id):
            self.native_reconnect.start(integration_id, name, url)
            return
        self.reconnect_on_page(integration_id, url, name)

    def reconnect_on_page(self, integration_id: str, url: str, name: str) -> None:
        if self.open_url(url):
            self._watch(integration_id, name)

    @property
    def native_reconnect(self) -> NativeReconnect:
        if self._native_reconnect is None:
            from tray_app.ui.native_reconnect import NativeReconnect

            native = NativeReconnect(self.workers, self)
            native.watch_requested.connect(self._watch_native)
            native.page_requested.connect(self.reconnect_on_page)
            native.told.connect(lambda sentence, warning: self._tell(sentence, warning=warning))
            self._native_reconnect = native
        return self._native_reconnect

    def _watch_native(self, integration_id: str, name: str, check_now: bool) -> None:
        """Watch until connected; at once a check when the grant was handed over."""
        self._watch(integration_id, name)
        if check_now:
            self.request_check()

    def _watch(self, integration_id: str, name: str) -> None:
        self.session.watch(integration_id, name, self.config.get("reconnect_watch_minutes"))
        self.scheduler.start_watch(self.config.get("reconnect_watch_interval_seconds"))
        self._show_watches()

    def _show_watches(self) -> None:
        """Every surface says which Reconnects the app now waits for."""
        glance = self.session.current_glance()
        if self.tray is not None:
            self.tray.show_glance(glance)
        if self._status_window is not None:
            self._status_window.show_glance(glance)
        if self._popup is not None:
            self._popup.show_waiting(_waiting(glance))

    def _reconnect_notice(self, notice: Notice) -> None:
        self.reconnect(notice.integration_id, notice.reconnect_url, notice.name)

    def _dismiss(self, notice: Notice) -> None:
        self.session.dismiss(notice)
        self._refresh_status_window()

    def _remind_again(self, identity: tuple[str, str, str]) -> None:
        """The status window's "Remind me again": undo "Don't remind me again"."""
        self.session.remind_again(identity)
        self._refresh_status_window()

    def _refresh_status_window(self) -> None:
        if self._status_window is not None:
            self._status_window.show_glance(self.session.current_glance())

    def open_external_apps(self) -> None:
        url = summary.external_apps_url(self.session.report)
        if url is None:
            try:
                url = self.config.intranet_url() + "/"
            except CompanionError as problem:
                self._tell(problem.message)
                return
        self.open_url(url)

    def open_url(self, url: str) -> bool:
        """Open only URLs on the intranet's own origin (defence in depth: core checked too)."""
        try:
            intranet = self.config.intranet_url()
        except CompanionError as problem:
            self._tell(problem.message)
            return False
        if not same_origin(url, intranet):
            log.warning("Refused to open a link outside the intranet: %.200r", url)
            return False
        if not _open_in_browser(url, on_failed=lambda: self._show_address(url)):
            self._show_address(url)
        return True  # in a browser, or its address shown to copy into one

    def _show_address(self, url: str) -> None:
        """No browser opened `url`: a window shows its address, with Copy."""
        log.warning("No web browser opened the page; showing its address to copy")
        if self._address_window is None:
            from tray_app.ui.browser import AddressWindow

            self._address_window = AddressWindow()
        self._address_window.show_address(url)

    def open_help(self, url: str) -> None:
        """The organisation's support page (policy support_url, https, set by IT: not
        the intranet's origin, so that rule does not apply here)."""
        try:
            allowed_origin(url)
        except CompanionError as problem:
            log.warning("Refused to open the support page: %s", problem.message)
            return
        if not _open_in_browser(url, on_failed=lambda: self._show_address(url)):
            self._show_address(url)

    # --- signing in ----------------------------------------------------------------------

    @property
    def sign_in_window(self) -> SignInWindow:
        """The one sign-in progress window, built on first use."""
        if self._sign_in_window is None:
            from tray_app.ui.sign_in_window import SignInWindow

            window = SignInWindow()
            window.cancel_requested.connect(self.cancel_sign_in)
            window.open_again_requested.connect(self._open_sign_in_page_again)
            self._sign_in_window = window
        return self._sign_in_window

    def sign_in(self) -> None:
        """Interactive sign-in in a worker process (it waits for the browser), then a
        check; the sign-in window says how it goes. cancel_sign_in() stops it. Asked
        again while one runs: its window is brought up."""
        if self.signing_in:
            self.sign_in_window.bring_up()
            return
        self.signing_in = True
        self._sign_in_cancel = threading.Event()  # a new one: a late cancel cannot stop this
        self._sign_in_page = None
        self._show_signing_in(True)
        task = BackgroundTask(self.workers.sign_in(self._sign_in_cancel), "sign-in")
        task.message.connect(self._on_sign_in_message)
        task.done.connect(self._on_sign_in_done)
        task.start()

    def cancel_sign_in(self) -> None:
        """Stop the sign-in under way: its worker is ended, so nothing is stored. The
        window says it is cancelling until it has."""
        if self.signing_in:
            self._sign_in_cancel.set()
            if self._sign_in_window is not None:
                self._sign_in_window.show_cancelling()

    def _show_signing_in(self, running: bool) -> None:
        """The tray menu's entry to cancel, and the window: shown and raised once when a
        sign-in starts (never again on its own), gone when it ends."""
        if self.tray is not None:
            self.tray.show_signing_in(self.cancel_sign_in if running else None)
        if running:
            self.sign_in_window.start()
        elif self._sign_in_window is not None:
            self._sign_in_window.finish()

    def _on_sign_in_message(self, message: dict[str, Any]) -> None:
        if self._sign_in_cancel.is_set():
            return  # cancelled: no page opens after the person said stop
        text = message.get("text")
        if message.get("type") == "open" and isinstance(message.get("url"), str):
            self._sign_in_page = message["url"]
            self._open_sign_in_page(message["url"])
        elif message.get("type") == "progress" and isinstance(text, str):
            log.info("%s", text)
            if self._sign_in_window is not None:
                self._sign_in_window.show_progress(text)

    def _on_sign_in_done(self, final: dict[str, Any] | None,
                         problem: CompanionError | None) -> None:
        self.signing_in = False
        self._sign_in_page = None
        self._show_signing_in(False)
        sentence, problem = _outcome(final, problem)
        if isinstance(problem, WorkerCancelled):
            sentence = messages.sign_in_cancelled()
        self._tell(sentence, warning=problem is not None)
        if problem is None:
            self.request_check()

    def _open_sign_in_page_again(self) -> None:
        if self.signing_in and self._sign_in_page is not None:
            self._open_sign_in_page(self._sign_in_page)

    def _open_sign_in_page(self, url: str) -> None:
        """Sign-in pages may live on the identity provider's own origin (Entra, Google),
        so the intranet-origin rule does not apply; https (or loopback http) still does.
        While the sign-in window is up it says what became of the page (with its address
        to copy when no browser opened); otherwise the sentence is told."""
        window = self._sign_in_window if self.signing_in else None
        try:
            allowed_origin(url)
        except CompanionError as problem:
            log.warning("Refused to open a sign-in page: %s", problem.message)
            if window is not None:
                window.show_problem(problem.message)
            else:
                self._tell(problem.message, warning=True)
            return
        opened = _open_in_browser(url)
        if window is not None:
            if not opened:
                log.warning("Could not open a web browser for the sign-in page")
            window.show_page(url, opened=opened)
        elif not opened:
            self._tell(messages.open_address_to_sign_in(url))

    def ask_sign_out(self) -> None:
        """The menu's and the status window's Sign out: asks first (Cancel is the
        default), then sign_out()."""
        from tray_app.ui.status_window import sign_out_question

        if self._sign_out_question is not None and self._sign_out_question.isVisible():
            self._sign_out_question.raise_()
            self._sign_out_question.activateWindow()
            return
        self._sign_out_question = sign_out_question(self.sign_out)

    def sign_out(self) -> None:
        """Sign out in a worker process (it talks to the network and the keyring), then a
        check. Asking again while it runs does nothing."""
        if self.signing_out:
            return
        self.signing_out = True
        task = BackgroundTask(self.workers.sign_out(), "sign-out")
        task.done.connect(self._on_sign_out_done)
        task.start()

    def _on_sign_out_done(self, final: dict[str, Any] | None,
                          problem: CompanionError | None) -> None:
        self.signing_out = False
        sentence, problem = _outcome(final, problem)
        if problem is None:
            self.workers.forget_given_token()
        self._tell(sentence, warning=problem is not None)
        self.request_check()

    def show_about(self) -> None:
        """Version, and the organisation's name and support line when policy gives them:
        plain text, never markup."""
        box = QMessageBox(QMessageBox.Icon.Information, messages.about_title(),
                          messages.about_text(__version__), QMessageBox.StandardButton.Close)
        box.setTextFormat(Qt.TextFormat.PlainText)
        box.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self._about = box  # kept while shown
        box.open()

    def show_settings(self) -> None:
        """The settings dialog (one at a time); what it saves takes effect at once."""
        from tray_app.ui.settings_dialog import SettingsDialog

        if self._settings_dialog is None or not self._settings_dialog.isVisible():
            self._settings_dialog = SettingsDialog(self.config)
            self._settings_dialog.saved.connect(self.apply_saved_settings)
        self._settings_dialog.bring_up()

    def apply_saved_settings(self, changed: dict[str, Any]) -> None:
        """React to values in force that Settings changed: a new address, sign-in method
        or language is checked at once, a new interval re-plans the next check."""
        if "start_at_login" in changed and self.autostart is not None \
                and changed["start_at_login"] != self.autostart.is_enabled():
            self.set_start_at_login(bool(changed["start_at_login"]))
        if "check_interval_minutes" in changed and self._scheduler is not None:
            self._scheduler.set_interval(int(changed["check_interval_minutes"]))
        if "language" in changed:
            self._speak_the_new_language()
        if changed.keys() & {"intranet_url", "auth_method", "language"}:
            self._check_now_or_after_this_one()

    def _check_now_or_after_this_one(self) -> None:
        if not self._checking:
            self.request_check()
        else:  # the check under way asked with what was in force before
            self.update_shown.connect(lambda _update: self.request_check(),
                                      Qt.ConnectionType.SingleShotConnection)

    def _speak_the_new_language(self) -> None:
        """Qt's words and layout direction change at once, hidden windows are built
        again when next shown, and the check that follows re-presents the rest."""
        from tray_app.core.speech import speak_as_configured
        from tray_app.ui.language import apply_language

        speak_as_configured(self.config)
        apply_language(QApplication.instance())
        for name in ("_popup", "_status_window", "_sign_in_window"):
            window = getattr(self, name)
            if window is not None and not window.isVisible():
                window.deleteLater()
                setattr(self, name, None)

    def show_status(self) -> None:
        self.status_window.show_glance(self.session.current_glance())
        self.status_window.bring_up()

    def _start_at_login_state(self) -> tuple[bool, str]:
        if self.autostart is None:
            return False, messages.start_at_login_unavailable()
        if self.config.is_locked("start_at_login"):
            return self.autostart.is_enabled(), messages.managed_by_organisation()
        return self.autostart.is_enabled(), ""

    def _start_at_login_from_window(self, enabled: bool) -> None:
        self.set_start_at_login(enabled)
        self._refresh_status_window()  # the checkbox shows what is in force, failed or not

    def set_start_at_login(self, enabled: bool) -> None:
        try:
            save_user_setting(self.config, "start_at_login", enabled)
            if self.autostart is not None:
                (self.autostart.enable if enabled else self.autostart.disable)()
        except CompanionError as problem:
            QMessageBox.warning(None, messages.app_name(), problem.message)


def _open_in_browser(url: str, on_failed: Callable[[], None] | None = None) -> bool:
    from tray_app.ui.browser import open_in_browser  # subprocess, shlex: not at start

    return open_in_browser(url, on_failed)


def _waiting(glance: summary.Glance) -> dict[str, str]:
    """Integration id -> "Waiting for you to reconnect…", for the popup's rows."""
    return {row.integration_id: row.waiting for row in glance.rows if row.waiting}


def _integration_name(update: Update, ident: str) -> str | None:
    """The name the intranet gives integration `ident` in this update's report."""
    classification = update.report.classification
    views = classification.integrations if classification is not None else ()
    return next((view.name for view in views if view.id == ident), None)


def _outcome(final: dict[str, Any] | None,
             problem: CompanionError | None) -> tuple[str, CompanionError | None]:
    """The sentence a sign-in or sign-out worker ended with, and its error if it failed."""
    if problem is None and final is not None:
        try:
            if final.get("error") is not None:
                problem = CompanionError.from_message(final["error"])
            elif isinstance(final.get("sentence"), str):
                return final["sentence"], None
        except ValueError:
            pass
    if problem is None:
        problem = worker_failure(messages.worker_answered_wrongly())
    return problem.message, problem
