"""The login popup: every notice due, each with Reconnect and "Don't remind me again".

It always fits the screen it opens on: at most 90% of its available width and height,
as wide as the content asks and tall enough for every wrapped line at that width. When
the notices need more height than that, only they scroll; the heading and the buttons
stay in view. Every way out of the popup (Remind me later, Esc, the window's close
button) means the same thing: the notices still open come back later (snoozed).
"""

from __future__ import annotations

import itertools

from PySide6.QtCore import QPoint, QRect, QSize, Qt, Signal
from PySide6.QtGui import QCursor, QGuiApplication, QPaintEvent
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFrame,
    QHBoxLayout,
    QLabel,
    QLayout,
    QLayoutItem,
    QPushButton,
    QScrollArea,
    QStyle,
    QVBoxLayout,
    QWidget,
)

from tray_app.core import messages
from tray_app.core.classify import Notice, NoticeKind
from tray_app.core.summary import Overall
from tray_app.ui.icons import app_icon, state_icon

MOST_OF_SCREEN = 0.9  # the popup's largest share of the screen's available width/height
PREFERRED_MIN_WIDTH = 460
HEADING_ICON = 40
ROW_ICON = 24


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


def app_logo(owner: QWidget) -> QLabel:
    """The app's icon at the style's message-box size, for a window's top left."""
    logo = QLabel()
    size = owner.style().pixelMetric(QStyle.PixelMetric.PM_MessageBoxIconSize, None, owner)
    logo.setPixmap(app_icon().pixmap(size, size))
    return logo


class FlowLayout(QLayout):
    """Widgets side by side, on as many lines as the width needs (height-for-width), so
    a row's buttons never push the popup wider than the screen (long translations,
    large scale factors)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._items: list[QLayoutItem] = []
        self.setContentsMargins(0, 0, 0, 0)

    def addItem(self, item: QLayoutItem) -> None:
        self._items.append(item)

    def count(self) -> int:
        return len(self._items)

    def itemAt(self, index: int) -> QLayoutItem | None:
        return self._items[index] if 0 <= index < len(self._items) else None

    def takeAt(self, index: int) -> QLayoutItem | None:
        return self._items.pop(index) if 0 <= index < len(self._items) else None

    def expandingDirections(self) -> Qt.Orientation:
        return Qt.Orientation(0)

    def hasHeightForWidth(self) -> bool:
        return True

    def heightForWidth(self, width: int) -> int:
        return self._arrange(QRect(0, 0, width, 0), apply=False)

    def setGeometry(self, rect: QRect) -> None:
        super().setGeometry(rect)
        self._arrange(rect, apply=True)

    def sizeHint(self) -> QSize:
        """All on one line."""
        items = self._shown()
        width = sum(item.sizeHint().width() for item in items)
        width += self._spacing(horizontal=True) * max(len(items) - 1, 0)
        height = max((item.sizeHint().height() for item in items), default=0)
        return QSize(width, height).grownBy(self.contentsMargins())

    def minimumSize(self) -> QSize:
        """One to a line: as narrow as the widest."""
        items = self._shown()
        width = max((item.minimumSize().width() for item in items), default=0)
        height = max((item.minimumSize().height() for item in items), default=0)
        return QSize(width, height).grownBy(self.contentsMargins())

    def _shown(self) -> list[QLayoutItem]:
        return [item for item in self._items if not item.isEmpty()]

    def _spacing(self, *, horizontal: bool) -> int:
        if self.spacing() >= 0:
            return self.spacing()
        parent = self.parentWidget()
        metric = (QStyle.PixelMetric.PM_LayoutHorizontalSpacing if horizontal
                  else QStyle.PixelMetric.PM_LayoutVerticalSpacing)
        value = parent.style().pixelMetric(metric, None, parent) if parent else -1
        return value if value >= 0 else 6

    def _arrange(self, rect: QRect, *, apply: bool) -> int:
        """Place the items in `rect` (when `apply`); the height they take."""
        area = rect.marginsRemoved(self.contentsMargins())
        across, down = self._spacing(horizontal=True), self._spacing(horizontal=False)
        x, y, line = area.x(), area.y(), 0
        direction = (self.parentWidget().layoutDirection() if self.parentWidget()
                     else Qt.LayoutDirection.LeftToRight)
        for item in self._shown():
            hint = item.sizeHint()
            width = min(hint.width(), area.width()) if area.width() > 0 else hint.width()
            if x > area.x() and x + width > area.x() + area.width():
                x, y, line = area.x(), y + line + down, 0
            if apply:
                place = QRect(QPoint(x, y), QSize(width, hint.height()))
                item.setGeometry(QStyle.visualRect(direction, area, place))
            x += width + across
            line = max(line, hint.height())
        margins = self.contentsMargins()
        return y + line - rect.y() + margins.bottom()


class NoticeRow(QFrame):
    reconnect_clicked = Signal(object)
    dismiss_clicked = Signal(object)

    def __init__(self, notice: Notice, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.notice = notice
        self.fixed = False
        self.dismissed = False
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.setObjectName(f"notice-{notice.integration_id}")
        self.message = plain_label(notice.message)
        self.message.setAccessibleName(notice.message)
        self.waiting = plain_label("")  # after Reconnect: "Waiting for you to reconnect…"
        self.waiting.hide()
        self.reconnect = QPushButton(messages.popup_reconnect())
        self.reconnect.setAccessibleName(messages.popup_reconnect_name(notice.name))
        self.reconnect.setToolTip(notice.reconnect_url)
        self.dismiss = QPushButton(messages.popup_dismiss())
        self.dismiss.setAccessibleName(messages.popup_dismiss_name(notice.name))
        self.reconnect.clicked.connect(lambda: self.reconnect_clicked.emit(self.notice))
        self.dismiss.clicked.connect(self._on_dismiss)
        self._layout()

    @property
    def is_open(self) -> bool:
        """Still waiting for the person: neither fixed nor dismissed."""
        return not (self.fixed or self.dismissed)

    def _layout(self) -> None:
        disconnected = self.notice.kind is NoticeKind.DISCONNECTED
        name = self.notice.name
        heading_text = (messages.notice_heading_disconnected(name) if disconnected
                        else messages.notice_heading_expiring(name))
        self.heading = heading = bold(plain_label(heading_text))
        self.icon = icon = QLabel()
        icon.setPixmap(state_icon(self.state).pixmap(ROW_ICON, ROW_ICON))
        icon.setAccessibleName(messages.icon_disconnected() if disconnected
                               else messages.icon_expiring())
        buttons = FlowLayout()
        buttons.addWidget(self.reconnect)
        buttons.addWidget(self.dismiss)
        column = QVBoxLayout()
        column.addWidget(heading)
        column.addWidget(self.message)
        column.addWidget(self.waiting)
        column.addLayout(buttons)
        row = QHBoxLayout(self)
        row.addWidget(icon, 0, Qt.AlignmentFlag.AlignTop)
        row.addLayout(column, 1)

    @property
    def state(self) -> Overall:
        if self.fixed:
            return Overall.OK
        return (Overall.DISCONNECTED if self.notice.kind is NoticeKind.DISCONNECTED
                else Overall.EXPIRING)

    def show_waiting(self, sentence: str) -> None:
        """The app waits for this account to be reconnected ("" once it no longer does)."""
        self.waiting.setText(sentence)
        self.waiting.setVisible(bool(sentence) and not self.fixed)

    def mark_fixed(self, sentence: str) -> None:
        self.fixed = True
        self.waiting.hide()
        self.heading.setText(messages.notice_heading_connected(self.notice.name))
        self.icon.setPixmap(state_icon(Overall.OK).pixmap(ROW_ICON, ROW_ICON))
        self.icon.setAccessibleName(messages.icon_connected())
        self.message.setText(sentence)
        self.reconnect.hide()
        self.dismiss.hide()

    def _on_dismiss(self) -> None:
        self.dismissed = True
        self.dismiss.setEnabled(False)
        self.dismiss.setText(messages.popup_dismissed())
        self.dismiss_clicked.emit(self.notice)


class NoticeScroll(QScrollArea):
    """The rows, scrolling when they do not fit. It asks for `wanted_height` (the popup
    sets it to the rows' height at its width) and is never narrower than the rows can
    be (no horizontal scrolling, so nothing may be cut at the side)."""

    def __init__(self, content: QWidget, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.wanted_height = 0
        self.setFrameShape(QFrame.Shape.NoFrame)
        self.setWidgetResizable(True)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # Tab goes from button to button
        self.setWidget(content)

    def bar_width(self) -> int:
        return self.verticalScrollBar().sizeHint().width()

    def sizeHint(self) -> QSize:
        content = self.widget().sizeHint()
        return QSize(content.width() + self.bar_width(), self.wanted_height)

    def minimumSizeHint(self) -> QSize:
        least = super().minimumSizeHint()
        width = self.widget().minimumSizeHint().width() + self.bar_width()
        return QSize(max(width, least.width()), least.height())


class NoticePopup(QDialog):
    """Signals carry Notice objects; the controller records choices and opens URLs.

    One way out, "Remind me later", which Esc and the window's close button also mean:
    it snoozes every notice still open (the person has not answered it). Once nothing is
    left open (each fixed or dismissed) it gives way to a plain Close."""

    reconnect_requested = Signal(object)
    dismiss_requested = Signal(object)
    remind_later_requested = Signal(list)
    painted = Signal()  # after each paint; the controller waits for the first one

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(messages.popup_title())
        self.setAccessibleName(messages.popup_title())
        self.rows: list[NoticeRow] = []
        self._waiting: dict[str, str] = {}  # the last show_waiting(), for rows made later
        self.intro = plain_label("")
        self.buttons = QDialogButtonBox()
        self.remind_later = self.buttons.addButton(
            messages.popup_remind_later(), QDialogButtonBox.ButtonRole.RejectRole)
        self.close_button = self.buttons.addButton(QDialogButtonBox.StandardButton.Close)
        self.close_button.hide()
        self.remind_later.clicked.connect(self.reject)
        self.close_button.clicked.connect(self.reject)
        self.heading = bold(plain_label(messages.popup_heading()), 1.25)
        self.logo = QLabel()  # the worst state shown: this popup asks for attention
        self.header = QWidget()
        top = QHBoxLayout(self.header)
        top.setContentsMargins(0, 0, 0, 0)
        top.addWidget(self.logo, 0, Qt.AlignmentFlag.AlignTop)
        texts = QVBoxLayout()
        texts.addWidget(self.heading)
        texts.addWidget(self.intro)
        top.addLayout(texts, 1)
        self.rows_widget = QWidget()
        self._rows_box = QVBoxLayout(self.rows_widget)
        self._rows_box.setContentsMargins(0, 0, 0, 0)
        self._rows_box.addStretch(1)
        self.scroll = NoticeScroll(self.rows_widget)
        layout = QVBoxLayout(self)
        layout.addWidget(self.header)
        layout.addWidget(self.scroll, 1)
        layout.addWidget(self.buttons)
        self._show_state()
        self.setMinimumWidth(PREFERRED_MIN_WIDTH)

    def paintEvent(self, event: QPaintEvent) -> None:
        super().paintEvent(event)
        self.painted.emit()

    def show_notices(self, notices: list[Notice] | tuple[Notice, ...], *,
                     activate: bool = True) -> None:
        """Replace the content with `notices` (in the order given) and bring it up;
        `activate=False`: raised, but the keyboard stays where the person types (the
        first Reconnect has the focus once they click into the popup)."""
        for row in self.rows:
            row.setParent(None)
            row.deleteLater()
        self.rows = []
        for notice in notices:
            row = NoticeRow(notice, self.rows_widget)
            row.reconnect_clicked.connect(self.reconnect_requested)
            row.dismiss_clicked.connect(self.dismiss_requested)
            row.dismiss_clicked.connect(self._show_state)
            row.show_waiting(self._waiting.get(notice.integration_id, ""))
            self._rows_box.insertWidget(len(self.rows), row)
            self.rows.append(row)
        self.intro.setText(messages.popup_intro(len(self.rows)))
        self._show_state()
        self._chain_focus()
        self._fit_to_screen()
        self.setAttribute(Qt.WidgetAttribute.WA_ShowWithoutActivating, not activate)
        self.show()
        self.raise_()
        if activate:
            self.activateWindow()
        self.scroll.verticalScrollBar().setValue(0)
        if self.rows:
            self.rows[0].reconnect.setFocus()

    def settle(self, current: set[tuple[str, str, str]], fixed: dict[str, str]) -> None:
        """Mark rows whose notice has gone: 'Dropbox is connected again.'"""
        for row in self.rows:
            ident = row.notice.integration_id
            if row.notice.identity not in current and ident in fixed:
                row.mark_fixed(fixed[ident])
        self._show_state()
        self._fit_to_screen()

    def show_waiting(self, waiting: dict[str, str]) -> None:
        """Say on each row whose integration id is in `waiting` its sentence ("Waiting
        for you to reconnect…"); the other rows say nothing of the kind."""
        self._waiting = dict(waiting)
        changed = False
        for row in self.rows:
            sentence = waiting.get(row.notice.integration_id, "")
            changed |= row.waiting.text() != sentence
            row.show_waiting(sentence)
        if changed and self.isVisible():
            self._fit_to_screen()

    def reject(self) -> None:
        """Remind me later, Esc and the window's close button: snooze what is still open."""
        still_open = [row.notice for row in self.rows if row.is_open]
        if still_open:
            self.remind_later_requested.emit(still_open)
        super().reject()

    def _show_state(self, *_: object) -> None:
        """The heading icon for the worst notice not fixed; Remind me later while any
        notice is open, else Close."""
        broken = [row for row in self.rows if not row.fixed]
        if any(row.state is Overall.DISCONNECTED for row in broken) or not self.rows:
            state, name = Overall.DISCONNECTED, messages.icon_disconnected()
        elif broken:
            state, name = Overall.EXPIRING, messages.icon_expiring()
        else:
            state, name = Overall.OK, messages.icon_connected()
        self.logo.setPixmap(state_icon(state).pixmap(HEADING_ICON, HEADING_ICON))
        self.logo.setAccessibleName(name)
        any_open = any(row.is_open for row in self.rows) or not self.rows
        had_focus = self.remind_later.hasFocus()
        self.close_button.setVisible(not any_open)
        self.remind_later.setVisible(any_open)
        if not any_open and (had_focus or self.focusWidget() is None
                             or not self.focusWidget().isEnabled()):
            self.close_button.setFocus()

    def _screen_area(self) -> QRect:
        """The available geometry of the screen the popup is on, or (before it is shown)
        the one it will open on: the pointer's, as a dialog is placed."""
        screen = None if self.isVisible() else QGuiApplication.screenAt(QCursor.pos())
        return (screen or self.screen()).availableGeometry()

    def _fit_to_screen(self) -> None:
        """As wide as the content asks, within the screen, and tall enough for every
        wrapped line at that width (a dialog's own size hint ignores height-for-width,
        so long sentences, large fonts and scale factors were cut to one line); when the
        rows need more than the screen's height allows, they scroll."""
        available = self._screen_area()
        most_width = int(available.width() * MOST_OF_SCREEN)
        most_height = int(available.height() * MOST_OF_SCREEN)
        self.setMinimumWidth(min(PREFERRED_MIN_WIDTH, most_width))
        layout = self.layout()
        self.scroll.wanted_height = 0
        self._relayout()
        width = min(max(self.sizeHint().width(), self.minimumWidth()), most_width)
        width = max(width, layout.minimumSize().width())  # what the buttons need at least
        margins = layout.contentsMargins()
        inner = width - margins.left() - margins.right()  # the scroll area's width
        content = self.rows_widget.heightForWidth(inner)
        self.scroll.wanted_height = (content if content >= 0
                                     else self.rows_widget.sizeHint().height())
        self._relayout()
        height = layout.totalHeightForWidth(width)
        if height > most_height:  # the rows scroll; heading and buttons stay in view
            self.scroll.wanted_height = 0
            self._relayout()
            height = max(most_height, layout.totalHeightForWidth(width))
        self.resize(width, height)
        if self.isVisible():
            self._keep_on_screen(available)

    def _relayout(self) -> None:
        self.scroll.updateGeometry()
        self.layout().invalidate()
        self.layout().activate()

    def _keep_on_screen(self, available: QRect) -> None:
        frame = self.frameGeometry()
        x = max(available.left(), min(frame.left(), available.right() - frame.width() + 1))
        y = max(available.top(), min(frame.top(), available.bottom() - frame.height() + 1))
        if (x, y) != (frame.left(), frame.top()):
            self.move(x, y)

    def _chain_focus(self) -> None:
        widgets: list[QWidget] = []
        for row in self.rows:
            widgets += [row.reconnect, row.dismiss]
        widgets += [self.remind_later, self.close_button]
        for first, second in itertools.pairwise(widgets):
            QWidget.setTabOrder(first, second)
