"""Reconnect through the vendor's own sign-in (intranet-api.md, "Native reconnect"), as
the tray presents it: the worker runs the whole flow ("reconnect" op, core/native/); this
window says how it goes, asks to confirm the account when the intranet expects none, and
offers what comes next: check at once, try again with the right account, or the
reconnect page instead. Nothing here sees a token.
"""

from __future__ import annotations

import logging
import threading
from typing import Any

from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtWidgets import QMessageBox, QPushButton

from tray_app.core import messages
from tray_app.core.errors import CompanionError
from tray_app.core.urls import allowed_origin
from tray_app.core.worker_client import Replies, WorkerCancelled, WorkerJobs
from tray_app.ui.background import BackgroundTask
from tray_app.ui.browser import open_in_browser
from tray_app.ui.sign_in_window import SignInWindow

log = logging.getLogger(__name__)

HANDED_OVER, PAGE_OPENED, WRONG_ACCOUNT = "handed_over", "page_opened", "wrong_account"
FAILED = "failed"


class NativeReconnect(QObject):
    """One vendor sign-in at a time. `watch_requested(id, name, check_now)`: the grant
    was handed over (check now) or the worker opened the reconnect page (the person has
    yet to reconnect there); `page_requested(id, url,
    name)`: the person chose the reconnect page after a failure; `told(sentence, warning)`."""

    watch_requested = Signal(str, str, bool)
    page_requested = Signal(str, str, str)
    told = Signal(str, bool)

    def __init__(self, workers: WorkerJobs, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.workers = workers
        self.running = False
        self.window: SignInWindow | None = None
        self.question: QMessageBox | None = None  # the open question, kept while shown
        self._cancel = threading.Event()
        self._replies = Replies()
        self._page: str | None = None
        self._target = ("", "", "")  # integration id, name, its reconnect page

    def start(self, integration_id: str, name: str, page: str) -> None:
        """`page`: the integration's (origin-checked) reconnect page, offered should the
        worker end without naming one."""
        if self.running:
            self._window().bring_up()
            return
        self.running = True
        self._target = (integration_id, name, page)
        self._cancel, self._replies, self._page = threading.Event(), Replies(), None
        window = self._window()
        window.set_titles(messages.reconnect_window_title(name),
                          messages.reconnect_window_heading(name))
        window.start()
        task = BackgroundTask(self.workers.reconnect(integration_id, self._cancel,
                                                     self._replies), "reconnect")
        task.message.connect(self._on_message)
        task.done.connect(self._on_done)
        task.start()

    def cancel(self) -> None:
        if self.running:
            self._cancel.set()
            self._window().show_cancelling()

    def _window(self) -> SignInWindow:
        if self.window is None:
            self.window = SignInWindow()
            self.window.cancel_requested.connect(self.cancel)
            self.window.open_again_requested.connect(self._open_page_again)
        return self.window

    # --- while it runs ---------------------------------------------------------------------

    def _on_message(self, message: dict[str, Any]) -> None:
        if self._cancel.is_set():
            return
        kind, text = message.get("type"), message.get("text")
        if kind == "open" and isinstance(message.get("url"), str):
            self._page = message["url"]
            self._open_page(message["url"])
        elif kind == "progress" and isinstance(text, str):
            log.info("%s", text)
            self._window().show_progress(text)
        elif kind == "confirm" and isinstance(message.get("account"), str):
            self._ask_to_confirm(message["account"])

    def _open_page(self, url: str) -> None:
        """The vendor's sign-in page lives on the vendor's origin; https (or loopback
        http) is still required."""
        try:
            allowed_origin(url)
        except CompanionError as problem:
            log.warning("Refused to open a vendor's sign-in page: %s", problem.message)
            self._window().show_problem(problem.message)
            return
        self._window().show_page(url, opened=open_in_browser(url))

    def _open_page_again(self) -> None:
        if self.running and self._page is not None:
            self._open_page(self._page)

    def _ask_to_confirm(self, account: str) -> None:
        name = self._target[1]
        box, chosen = self._question(messages.reconnect_confirm_title(name),
                                     messages.reconnect_confirm_text(name, account),
                                     messages.reconnect_confirm_button())
        replies = self._replies
        box.finished.connect(lambda _result: replies.send(
            {"op": "confirm", "answer": box.clickedButton() is chosen}))
        box.open()

    # --- when it ends ------------------------------------------------------------------------

    def _on_done(self, final: dict[str, Any] | None, problem: CompanionError | None) -> None:
        self.running = False
        self._window().finish()
        if self.question is not None and self.question.isVisible():
            self.question.done(0)  # a confirm left open: the worker has ended anyway
        integration_id, name, page = self._target
        if isinstance(problem, WorkerCancelled):
            self.told.emit(messages.cancelled(), False)
            return
        outcome = final.get("outcome") if problem is None and final is not None else None
        sentence = _sentence(final, problem)
        if final is not None and isinstance(final.get("reconnect_url"), str):
            page = final["reconnect_url"] or page
        if outcome in (HANDED_OVER, PAGE_OPENED):
            self.told.emit(sentence, False)
            self.watch_requested.emit(integration_id, name, outcome == HANDED_OVER)
        elif outcome == WRONG_ACCOUNT:
            self._offer(sentence, messages.reconnect_try_again(),
                        lambda: self.start(integration_id, name, page))
        elif outcome != "not_confirmed" and page:
            self._offer(sentence, messages.reconnect_open_page(),
                        lambda: self.page_requested.emit(integration_id, page, name))
        else:
            self.told.emit(sentence, outcome != "not_confirmed")

    def _offer(self, sentence: str, action: str, then: Any) -> None:
        box, chosen = self._question(messages.reconnect_not_done_title(self._target[1]),
                                     sentence, action)
        box.setIcon(QMessageBox.Icon.Warning)
        box.finished.connect(lambda _result: then() if box.clickedButton() is chosen else None)
        box.open()

    def _question(self, title: str, text: str,
                  action: str) -> tuple[QMessageBox, QPushButton]:
        """A question with one action and Cancel (the default): plain text only, as the
        sentence may carry the intranet's own words."""
        box = QMessageBox(QMessageBox.Icon.Question, title, text)
        box.setTextFormat(Qt.TextFormat.PlainText)
        chosen = box.addButton(action, QMessageBox.ButtonRole.AcceptRole)
        cancel = box.addButton(QMessageBox.StandardButton.Cancel)
        box.setDefaultButton(cancel)
        box.setEscapeButton(cancel)
        self.question = box
        return box, chosen


def _sentence(final: dict[str, Any] | None, problem: CompanionError | None) -> str:
    if problem is not None:
        return problem.message
    sentence = final.get("sentence") if final is not None else None
    return sentence if isinstance(sentence, str) and sentence \
        else messages.worker_answered_wrongly()
