"""The login popup: every notice due, each with Reconnect and "Don't remind me again"."""

from __future__ import annotations

import itertools

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QPaintEvent
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFrame,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from tray_app.core import messages
from tray_app.core.classify import Notice, NoticeKind
from tray_app.core.summary import Overall
from tray_app.ui.icons import app_icon, tray_icon


def bold(label: QLabel, scale: float = 1.0) -> QLabel:
    font = label.font()
    font.setBold(True)
    if scale != 1.0:
        font.setPointSizeF(font.pointSizeF() * scale)
    label.setFont(font)
    return label


def plain_label(text: str, *, wrap: bool = True) -> QLabel:
    """A label that never interprets markup: names from the server are shown as typed."""
    label = QLabel()
    label.setTextFormat(Qt.TextFormat.PlainText)
    label.setText(text)
    label.setWordWrap(wrap)
    label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    return label


class NoticeRow(QFrame):
    reconnect_clicked = Signal(object)
    dismiss_clicked = Signal(object)

    def __init__(self, notice: Notice, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.notice = notice
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.setObjectName(f"notice-{notice.integration_id}")
        self.message = plain_label(notice.message)
        self.message.setAccessibleName(notice.message)
        self.reconnect = QPushButton(messages.popup_reconnect())
        self.reconnect.setAccessibleName(messages.popup_reconnect_name(notice.name))
        self.reconnect.setToolTip(notice.reconnect_url)
        self.dismiss = QPushButton(messages.popup_dismiss())
        self.dismiss.setAccessibleName(messages.popup_dismiss_name(notice.name))
        self.reconnect.clicked.connect(lambda: self.reconnect_clicked.emit(self.notice))
        self.dismiss.clicked.connect(self._on_dismiss)
        self._layout()

    def _layout(self) -> None:
        disconnected = self.notice.kind is NoticeKind.DISCONNECTED
        name = self.notice.name
        heading_text = (messages.notice_heading_disconnected(name) if disconnected
                        else messages.notice_heading_expiring(name))
        self.heading = heading = bold(plain_label(heading_text, wrap=False))
        self.icon = icon = QLabel()
        state = Overall.DISCONNECTED if disconnected else Overall.EXPIRING
        icon.setPixmap(tray_icon(state).pixmap(24, 24))
        icon.setAccessibleName(messages.icon_disconnected() if disconnected
                               else messages.icon_expiring())
        buttons = QHBoxLayout()
        buttons.addWidget(self.reconnect)
        buttons.addWidget(self.dismiss)
        buttons.addStretch(1)
        column = QVBoxLayout()
        column.addWidget(heading)
        column.addWidget(self.message)
        column.addLayout(buttons)
        row = QHBoxLayout(self)
        row.addWidget(icon, 0, Qt.AlignmentFlag.AlignTop)
        row.addLayout(column, 1)

    def mark_fixed(self, sentence: str) -> None:
        self.heading.setText(messages.notice_heading_connected(self.notice.name))
        self.icon.setPixmap(tray_icon(Overall.OK).pixmap(24, 24))
        self.icon.setAccessibleName(messages.icon_connected())
        self.message.setText(sentence)
        self.reconnect.hide()
        self.dismiss.hide()

    def _on_dismiss(self) -> None:
        self.dismiss.setEnabled(False)
        self.dismiss.setText(messages.popup_dismissed())
        self.dismiss_clicked.emit(self.notice)


class NoticePopup(QDialog):
    """Signals carry Notice objects; the controller records choices and opens URLs."""

    reconnect_requested = Signal(object)
    dismiss_requested = Signal(object)
    remind_later_requested = Signal(list)
    painted = Signal()  # after each paint; the controller waits for the first one

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(messages.popup_title())
        self.setAccessibleName(messages.popup_title())
        self.rows: list[NoticeRow] = []
        self._rows_box = QVBoxLayout()
        self.intro = plain_label("")
        self.buttons = QDialogButtonBox()
        self.remind_later = self.buttons.addButton(
            messages.popup_remind_later(), QDialogButtonBox.ButtonRole.RejectRole)
        self.close_button = self.buttons.addButton(QDialogButtonBox.StandardButton.Close)
        self.remind_later.clicked.connect(self._on_remind_later)
        self.close_button.clicked.connect(self.accept)
        self.heading = bold(plain_label(messages.popup_heading(), wrap=False), 1.25)
        logo = QLabel()
        logo.setPixmap(app_icon().pixmap(40, 40))
        top = QHBoxLayout()
        top.addWidget(logo, 0, Qt.AlignmentFlag.AlignTop)
        texts = QVBoxLayout()
        texts.addWidget(self.heading)
        texts.addWidget(self.intro)
        top.addLayout(texts, 1)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addLayout(self._rows_box)
        layout.addWidget(self.buttons)
        self.setMinimumWidth(460)

    def paintEvent(self, event: QPaintEvent) -> None:
        super().paintEvent(event)
        self.painted.emit()

    def show_notices(self, notices: list[Notice] | tuple[Notice, ...]) -> None:
        """Replace the content with `notices` (in the order given) and bring it up."""
        for row in self.rows:
            row.setParent(None)
            row.deleteLater()
        self.rows = []
        for notice in notices:
            row = NoticeRow(notice, self)
            row.reconnect_clicked.connect(self.reconnect_requested)
            row.dismiss_clicked.connect(self.dismiss_requested)
            self._rows_box.addWidget(row)
            self.rows.append(row)
        self.intro.setText(messages.popup_intro(len(self.rows)))
        self._chain_focus()
        self._fit_to_screen()
        self.show()
        self.raise_()
        self.activateWindow()
        if self.rows:
            self.rows[0].reconnect.setFocus()

    def settle(self, current: set[tuple[str, str, str]], fixed: dict[str, str]) -> None:
        """Mark rows whose notice has gone: 'Dropbox is connected again.'"""
        for row in self.rows:
            ident = row.notice.integration_id
            if row.notice.identity not in current and ident in fixed:
                row.mark_fixed(fixed[ident])
        self._fit_to_screen()

    def _fit_to_screen(self) -> None:
        """As wide as the content asks, within the screen, and tall enough for every
        wrapped line at that width (a dialog's own size hint ignores height-for-width, so
        long sentences, large fonts and scale factors were cut to one line)."""
        layout = self.layout()
        layout.activate()
        available = self.screen().availableGeometry()
        width = min(max(self.sizeHint().width(), self.minimumWidth()),
                    int(available.width() * 0.9))
        height = layout.totalHeightForWidth(width) if layout.hasHeightForWidth() else -1
        height = max(height, self.sizeHint().height())
        self.resize(width, min(height, int(available.height() * 0.9)))

    def _chain_focus(self) -> None:
        widgets: list[QWidget] = []
        for row in self.rows:
            widgets += [row.reconnect, row.dismiss]
        widgets += [self.remind_later, self.close_button]
        for first, second in itertools.pairwise(widgets):
            QWidget.setTabOrder(first, second)

    def _on_remind_later(self) -> None:
        self.remind_later_requested.emit([row.notice for row in self.rows])
        self.reject()
