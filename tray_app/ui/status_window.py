"""A small status window: the tray's content for desktops with no tray host, and what a
second launch brings up. It carries everything the tray menu has (Check now, Reconnect
per row, Settings, Sign in or out, Start at login, Help, About, Quit), so a desktop with
no tray misses nothing. Closing it only hides it: the app keeps checking, and a second
launch brings it back."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QKeyEvent, QShowEvent
from PySide6.QtWidgets import (
    QCheckBox,
    QDialogButtonBox,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QMessageBox,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from tray_app.core import messages, summary
from tray_app.core.summary import Glance
from tray_app.ui.icons import app_icon, state_icon, tray_icon
from tray_app.ui.popup import FlowLayout, plain_label

ROW_ICON = 16
INDENT_CHARS = 3  # a row's second line ("Reminders off", "Waiting…") sits under its text


class StatusWindow(QWidget):
    reconnect_requested = Signal(str, str, str)
    check_now_requested = Signal()
    open_external_apps_requested = Signal()
    sign_in_requested = Signal()
    sign_out_requested = Signal()
    settings_requested = Signal()
    help_requested = Signal(str)  # the organisation's support page
    about_requested = Signal()
    quit_requested = Signal()
    start_at_login_toggled = Signal(bool)
    remind_again_requested = Signal(object)  # a notice's identity: undo "Don't remind me again"

    def __init__(self, parent: QWidget | None = None,
                 start_at_login: Callable[[], tuple[bool, str]] | None = None) -> None:
        """`start_at_login` answers (enabled, why it can't be changed or "") each time the
        window shows; without it the checkbox is hidden."""
        super().__init__(parent)
        self._start_at_login = start_at_login
        self._help_url = ""
        self.setWindowTitle(messages.status_title())
        self.setAccessibleName(messages.status_accessible_name())
        self.setWindowIcon(app_icon())
        # Closing it never quits the app, even where quitting on the last window is on.
        self.setAttribute(Qt.WidgetAttribute.WA_QuitOnClose, False)
        self.icon = QLabel()
        self.summary = plain_label("")
        self.header = plain_label("")
        self.status = plain_label("")
        self.last_checked = plain_label("")
        self.rows = QGridLayout()
        self.start_at_login = QCheckBox(messages.status_start_at_login())
        self.start_at_login.clicked.connect(self.start_at_login_toggled)
        self.keeps_running = plain_label(messages.status_keeps_running())
        self.keeps_running.hide()
        self._make_buttons()
        self._layout()
        self.setMinimumWidth(420)
        self.show_glance(summary.glance(None))

    def _make_buttons(self) -> None:
        def button(text: str, signal: object) -> QPushButton:
            made = QPushButton(text)
            made.setAutoDefault(False)
            made.clicked.connect(signal)
            return made

        self.check_now = button(messages.status_check_now(), self.check_now_requested)
        self.open_apps = button(messages.status_open_external_apps(),
                                self.open_external_apps_requested)
        self.sign_in = button(messages.status_sign_in(), self.sign_in_requested)
        self.sign_out = button(messages.status_sign_out(), self.sign_out_requested)
        self.settings = button(messages.status_settings(), self.settings_requested)
        self.help = button(messages.status_help(), lambda: self.help_requested.emit(
            self._help_url))
        self.about = button(messages.status_about(), self.about_requested)
        self.quit = button(messages.status_quit(), self.quit_requested)
        self.closing = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        self.close_button = self.closing.button(QDialogButtonBox.StandardButton.Close)
        self.closing.rejected.connect(self.close)

    def _layout(self) -> None:
        top = QGridLayout()
        top.addWidget(self.icon, 0, 0, 2, 1)
        top.addWidget(self.summary, 0, 1)
        top.addWidget(self.header, 1, 1)
        top.setColumnStretch(1, 1)
        actions = FlowLayout()
        for widget in (self.check_now, self.open_apps, self.sign_in, self.sign_out,
                       self.settings, self.help, self.about):
            actions.addWidget(widget)
        bottom = QHBoxLayout()
        bottom.addWidget(self.quit)
        bottom.addStretch(1)
        bottom.addWidget(self.closing)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.status)
        layout.addWidget(self.last_checked)
        layout.addLayout(self.rows)
        layout.addWidget(self.start_at_login)
        layout.addStretch(1)
        layout.addLayout(actions)
        layout.addWidget(self.keeps_running)
        layout.addLayout(bottom)

    def show_glance(self, glance: Glance) -> None:
        self.icon.setPixmap(tray_icon(glance.overall).pixmap(32, 32))
        self.summary.setText(glance.tooltip)
        self.header.setText(glance.header)
        self.status.setText(glance.status_line)
        self.status.setVisible(bool(glance.status_line))
        self.last_checked.setText(glance.last_checked)
        self.last_checked.setVisible(bool(glance.last_checked))
        self.sign_in.setVisible(glance.offers_sign_in)
        self.sign_out.setVisible(glance.signed_in)
        self._help_url = glance.help_url
        self.help.setVisible(bool(glance.help_url))
        self._fill_rows(glance.rows)
        self._show_start_at_login()
        if self.isVisible():  # once the new rows are shown (a queued show)
            QTimer.singleShot(0, self._grow_to_fit)

    def set_standalone(self, standalone: bool) -> None:
        """No tray host: say that closing the window keeps the app running."""
        self.keeps_running.setVisible(standalone)

    def tell(self, sentence: str) -> None:
        """Say `sentence` here (no tray host to show it) and bring the window up."""
        self.status.setText(sentence)
        self.status.setVisible(True)
        self.bring_up()

    def _show_start_at_login(self) -> None:
        box = self.start_at_login
        box.setVisible(self._start_at_login is not None)
        if self._start_at_login is None:
            return
        enabled, fixed_because = self._start_at_login()
        box.setChecked(enabled)  # `clicked` is the person's alone: no signal from here
        box.setEnabled(not fixed_because)
        box.setText(messages.status_start_at_login_fixed(fixed_because) if fixed_because
                    else messages.status_start_at_login())
        box.setToolTip(fixed_because)

    def _fill_rows(self, rows: tuple[summary.Row, ...]) -> None:
        while self.rows.count():
            item = self.rows.takeAt(0)
            if item.widget() is not None:
                item.widget().deleteLater()
        line = 0
        for row in rows:
            icon = QLabel()
            icon.setFixedWidth(ROW_ICON)
            if row.icon is not None:
                icon.setPixmap(state_icon(row.icon).pixmap(ROW_ICON, ROW_ICON))
            self.rows.addWidget(icon, line, 0, Qt.AlignmentFlag.AlignTop)
            label = plain_label(row.text)
            if row.waiting:
                label.setAccessibleName(messages.status_row_name(row.text, row.waiting))
            self.rows.addWidget(label, line, 1)
            if row.reconnect_url:
                button = QPushButton(messages.status_reconnect())
                button.setAutoDefault(False)
                button.setAccessibleName(messages.status_reconnect_name(row.name))
                button.clicked.connect(self._reconnect(row))
                self.rows.addWidget(button, line, 2)
            line += 1
            if row.waiting:  # after Reconnect, until it is confirmed or the watch ends
                self.rows.addWidget(self._second_line(row.waiting), line, 1)
                line += 1
            if row.reminders_off is not None:  # dismissed, still a problem: can be undone
                self.rows.addWidget(self._second_line(messages.status_reminders_off()),
                                    line, 1)
                again = QPushButton(messages.status_remind_again())
                again.setAutoDefault(False)
                again.setAccessibleName(messages.status_remind_again_name(row.name))
                again.clicked.connect(self._remind_again(row.reminders_off))
                self.rows.addWidget(again, line, 2)
                line += 1
        self.rows.setColumnStretch(1, 1)

    def _second_line(self, text: str) -> QLabel:
        label = plain_label(text)
        label.setIndent(label.fontMetrics().averageCharWidth() * INDENT_CHARS)
        return label

    def _grow_to_fit(self) -> None:
        """Taller when the new content needs it at this width (wrapped lines, a row
        "Reminders off" more): a window shown once keeps its size otherwise."""
        layout = self.layout()
        layout.activate()
        needed = layout.totalHeightForWidth(self.width()) if layout.hasHeightForWidth() else -1
        if needed > self.height():
            self.resize(self.width(), needed)

    def _reconnect(self, row: summary.Row) -> Callable[[], None]:
        return lambda: self.reconnect_requested.emit(row.integration_id, row.reconnect_url or "",
                                                     row.name)

    def _remind_again(self, identity: tuple[str, str, str]) -> Callable[[], None]:
        return lambda: self.remind_again_requested.emit(identity)

    def showEvent(self, event: QShowEvent) -> None:
        self._show_start_at_login()  # changed elsewhere (Settings, the menu) meanwhile
        super().showEvent(event)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() == Qt.Key.Key_Escape:
            self.close()
            return
        super().keyPressEvent(event)

    def bring_up(self) -> None:
        """Shown, restored if minimised, raised and given the keyboard."""
        self.setWindowState(self.windowState() & ~Qt.WindowState.WindowMinimized)
        self.show()
        self._grow_to_fit()
        self.raise_()
        self.activateWindow()


def sign_out_question(on_sign_out: Callable[[], None],
                      parent: QWidget | None = None) -> QMessageBox:
    """Asks before signing out (what will happen; Sign out / Cancel, Cancel the
    default, Esc too); `on_sign_out` runs only for Sign out. Opened, not exec'd: the
    caller keeps the box while it is shown."""
    box = QMessageBox(QMessageBox.Icon.Question, messages.sign_out_question_title(),
                      messages.sign_out_question(), QMessageBox.StandardButton.NoButton,
                      parent)
    box.setTextFormat(Qt.TextFormat.PlainText)
    box.setInformativeText(messages.sign_out_question_detail())
    box.setWindowIcon(app_icon())
    confirm = box.addButton(messages.sign_out_confirm(), QMessageBox.ButtonRole.AcceptRole)
    cancel = box.addButton(QMessageBox.StandardButton.Cancel)
    box.setDefaultButton(cancel)
    box.setEscapeButton(cancel)
    box.buttonClicked.connect(lambda clicked: on_sign_out() if clicked is confirm else None)
    box.open()
    return box
