"""A small status window: the tray's content for desktops with no tray host, and what a
second launch brings up."""

from __future__ import annotations

from PySide6.QtCore import QTimer, Signal
from PySide6.QtWidgets import (
    QDialogButtonBox,
    QGridLayout,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from tray_app.core import messages, summary
from tray_app.core.summary import Glance
from tray_app.ui.icons import app_icon, tray_icon
from tray_app.ui.popup import plain_label


class StatusWindow(QWidget):
    reconnect_requested = Signal(str, str, str)
    check_now_requested = Signal()
    open_external_apps_requested = Signal()
    sign_in_requested = Signal()
    remind_again_requested = Signal(object)  # a notice's identity: undo "Don't remind me again"

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(messages.status_title())
        self.setAccessibleName(messages.status_accessible_name())
        self.setWindowIcon(app_icon())
        self.icon = QLabel()
        self.summary = plain_label("")
        self.header = plain_label("")
        self.status = plain_label("")
        self.rows = QGridLayout()
        buttons = QDialogButtonBox()
        self.check_now = buttons.addButton(messages.status_check_now(),
                                           QDialogButtonBox.ButtonRole.ActionRole)
        self.open_apps = buttons.addButton(messages.status_open_external_apps(),
                                           QDialogButtonBox.ButtonRole.ActionRole)
        self.sign_in = buttons.addButton(messages.status_sign_in(),
                                         QDialogButtonBox.ButtonRole.ActionRole)
        self.sign_in.clicked.connect(self.sign_in_requested)
        close = buttons.addButton(QDialogButtonBox.StandardButton.Close)
        self.check_now.clicked.connect(self.check_now_requested)
        self.open_apps.clicked.connect(self.open_external_apps_requested)
        close.clicked.connect(self.hide)
        top = QGridLayout()
        top.addWidget(self.icon, 0, 0, 2, 1)
        top.addWidget(self.summary, 0, 1)
        top.addWidget(self.header, 1, 1)
        top.setColumnStretch(1, 1)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.status)
        layout.addLayout(self.rows)
        layout.addStretch(1)
        layout.addWidget(buttons)
        self.setMinimumWidth(420)
        self.show_glance(summary.glance(None))

    def show_glance(self, glance: Glance) -> None:
        self.icon.setPixmap(tray_icon(glance.overall).pixmap(32, 32))
        self.summary.setText(glance.tooltip)
        self.header.setText(glance.header)
        self.status.setText(glance.status_line)
        self.status.setVisible(bool(glance.status_line))
        self.sign_in.setVisible(glance.offers_sign_in)
        self._fill_rows(glance.rows)
        if self.isVisible():  # once the new rows are shown (a queued show)
            QTimer.singleShot(0, self._grow_to_fit)

    def tell(self, sentence: str) -> None:
        """Say `sentence` here (no tray host to show it) and bring the window up."""
        self.status.setText(sentence)
        self.status.setVisible(True)
        self.bring_up()

    def _fill_rows(self, rows: tuple[summary.Row, ...]) -> None:
        while self.rows.count():
            item = self.rows.takeAt(0)
            if item.widget() is not None:
                item.widget().deleteLater()
        line = 0
        for row in rows:
            self.rows.addWidget(plain_label(row.text), line, 0)
            if row.reconnect_url:
                button = QPushButton(messages.status_reconnect())
                button.setAccessibleName(messages.status_reconnect_name(row.name))
                button.clicked.connect(self._reconnect(row))
                self.rows.addWidget(button, line, 1)
            line += 1
            if row.reminders_off is not None:  # dismissed, still a problem: can be undone
                off = plain_label(messages.status_reminders_off())
                off.setIndent(off.fontMetrics().averageCharWidth() * 3)  # under its row
                self.rows.addWidget(off, line, 0)
                again = QPushButton(messages.status_remind_again())
                again.setAccessibleName(messages.status_remind_again_name(row.name))
                again.clicked.connect(self._remind_again(row.reminders_off))
                self.rows.addWidget(again, line, 1)
                line += 1
        self.rows.setColumnStretch(0, 1)

    def _grow_to_fit(self) -> None:
        """Taller when the new content needs it at this width (wrapped lines, a row
        "Reminders off" more): a window shown once keeps its size otherwise."""
        layout = self.layout()
        layout.activate()
        needed = layout.totalHeightForWidth(self.width()) if layout.hasHeightForWidth() else -1
        if needed > self.height():
            self.resize(self.width(), needed)

    def _reconnect(self, row: summary.Row):
        return lambda: self.reconnect_requested.emit(row.integration_id, row.reconnect_url or "",
                                                     row.name)

    def _remind_again(self, identity: tuple[str, str, str]):
        return lambda: self.remind_again_requested.emit(identity)

    def bring_up(self) -> None:
        self.show()
        self.raise_()
        self.activateWindow()
