"""A small status window: the tray's content for desktops with no tray host, and what a
second launch brings up."""

from __future__ import annotations

from PySide6.QtCore import Signal
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
        for index, row in enumerate(rows):
            self.rows.addWidget(plain_label(row.text), index, 0)
            if row.reconnect_url:
                button = QPushButton(messages.status_reconnect())
                button.setAccessibleName(messages.status_reconnect_name(row.name))
                button.clicked.connect(self._reconnect(row))
                self.rows.addWidget(button, index, 1)
        self.rows.setColumnStretch(0, 1)

    def _reconnect(self, row: summary.Row):
        return lambda: self.reconnect_requested.emit(row.integration_id, row.reconnect_url or "",
                                                     row.name)

    def bring_up(self) -> None:
        self.show()
        self.raise_()
        self.activateWindow()
