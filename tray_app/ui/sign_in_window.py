"""The sign-in progress window: what the sign-in under way is doing, the page to open
should the browser not have come up, and Cancel. It decides nothing: the controller
starts it, feeds it the worker's messages and closes it when the sign-in has ended
(the outcome is told by the controller, as every outcome is).

Cancel, Esc and the title bar's close all ask for a cancel (`cancel_requested`); the
window stays up, saying so (messages.sign_in_cancelling()), until the controller says the
worker stopped.
Only when the application quits does a close go through at once (a window that refuses
to close would stop Qt from quitting, at Quit or at logout)."""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication, QEvent, QObject, QSize, Qt, Signal
from PySide6.QtGui import QCloseEvent, QGuiApplication, QTextOption
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QPlainTextEdit,
    QProgressBar,
    QPushButton,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from tray_app.core import messages
from tray_app.ui.icons import app_icon
from tray_app.ui.popup import app_logo, bold, plain_label

# Its words are in core/messages.py ("sign-in window"), accessible names included: what
# assistive technology says for the parts whose text alone would not tell it.

MIN_WIDTH_CHARS = 48  # the window's minimum width, in average characters of its font
ADDRESS_LINES = 3  # a sign-in address is long: this many lines show, the rest scrolls


class AddressBox(QPlainTextEdit):
    """A sign-in address as selectable plain text. Not a QLabel: a label wraps only
    between words, so a long URL would make the window as wide as the URL."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setReadOnly(True)
        self.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse
                                     | Qt.TextInteractionFlag.TextSelectableByKeyboard)
        self.setLineWrapMode(QPlainTextEdit.LineWrapMode.WidgetWidth)
        self.setWordWrapMode(QTextOption.WrapMode.WrapAnywhere)
        self.setTabChangesFocus(True)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.setAccessibleName(messages.sign_in_address_name())

    def sizeHint(self) -> QSize:
        margins = 2 * (self.frameWidth() + round(self.document().documentMargin()))
        return QSize(super().sizeHint().width(),
                     self.fontMetrics().lineSpacing() * ADDRESS_LINES + margins)

    def minimumSizeHint(self) -> QSize:
        return QSize(super().minimumSizeHint().width(), self.sizeHint().height())


class SignInWindow(QDialog):
    """`cancel_requested` when the person wants the sign-in stopped; `open_again_requested`
    for the fallback button (the controller knows, and checks, the page)."""

    cancel_requested = Signal()
    open_again_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(messages.sign_in_title())
        self.setAccessibleName(messages.sign_in_title())
        self.setWindowIcon(app_icon())
        self.running = False
        self.cancelling = False
        self._quitting = False

        self.heading = bold(plain_label(messages.sign_in_heading(), wrap=True))
        self.status = plain_label(messages.sign_in_starting())
        self.busy = QProgressBar()
        self.busy.setRange(0, 0)
        self.busy.setTextVisible(False)
        self.busy.setAccessibleName(messages.sign_in_busy_name())
        self.address = AddressBox()
        self.copy_address = QPushButton(messages.sign_in_copy_address())
        self.copy_address.setAccessibleName(messages.sign_in_copy_name())
        self.copy_address.setAutoDefault(False)
        self.copy_address.clicked.connect(self._copy)

        self.buttons = QDialogButtonBox()
        self.open_again = self.buttons.addButton(messages.sign_in_open_again(),
                                                 QDialogButtonBox.ButtonRole.ActionRole)
        self.open_again.setAccessibleName(messages.sign_in_open_again())
        self.open_again.setAutoDefault(False)
        self.open_again.clicked.connect(self.open_again_requested)
        self.cancel_button = self.buttons.addButton(QDialogButtonBox.StandardButton.Cancel)
        self.cancel_button.setAccessibleName(messages.sign_in_cancel_name())
        self.buttons.rejected.connect(self.reject)
        self._layout()
        self._reset()

    def _layout(self) -> None:
        logo = app_logo(self)
        copy_row = QHBoxLayout()
        copy_row.addStretch(1)
        copy_row.addWidget(self.copy_address)
        texts = QVBoxLayout()
        texts.addWidget(self.heading)
        texts.addWidget(self.status)
        texts.addWidget(self.busy)
        texts.addWidget(self.address)
        texts.addLayout(copy_row)
        top = QHBoxLayout()
        top.addWidget(logo, 0, Qt.AlignmentFlag.AlignTop)
        top.addLayout(texts, 1)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addStretch(1)
        layout.addWidget(self.buttons)
        self.setMinimumWidth(self.fontMetrics().averageCharWidth() * MIN_WIDTH_CHARS)

    # --- what the controller tells it --------------------------------------------------

    def start(self) -> None:
        """A new sign-in: back to its first words, then shown and raised (only here)."""
        self._reset()
        self.running = True
        app = QCoreApplication.instance()
        if app is not None:
            app.installEventFilter(self)  # to see the application quit: eventFilter
        self.bring_up()

    def set_titles(self, title: str, heading: str) -> None:
        """For another sign-in than the intranet's (a vendor's, for a native reconnect)."""
        self.setWindowTitle(title)
        self.setAccessibleName(title)
        self.heading.setText(heading)

    def bring_up(self) -> None:
        self.show()
        self.raise_()
        self.activateWindow()
        self.cancel_button.setFocus()

    def show_progress(self, text: str) -> None:
        """A sentence from the worker (plain text, shown as sent)."""
        if self.running and not self.cancelling:
            self._say(text)

    def show_page(self, url: str, *, opened: bool) -> None:
        """The sign-in page was opened in the browser, or could not be: then its address
        is shown for the person to open it themselves."""
        if not self.running or self.cancelling:
            return
        self._say(messages.sign_in_in_browser() if opened else messages.sign_in_no_browser())
        self._show_address(None if opened else url)
        self.open_again.show()

    def show_problem(self, sentence: str) -> None:
        """Something went wrong on the way (the sign-in itself goes on, or ends)."""
        if self.running and not self.cancelling:
            self._say(sentence)

    def show_cancelling(self) -> None:
        if not self.running:
            return
        self.cancelling = True
        self._say(messages.sign_in_cancelling())
        self._show_address(None)
        self.open_again.hide()
        self.cancel_button.setEnabled(False)

    def finish(self) -> None:
        """The sign-in has ended (its outcome is told elsewhere): the window goes."""
        self.running = False
        self.cancelling = False
        app = QCoreApplication.instance()
        if app is not None:
            app.removeEventFilter(self)
        self.hide()

    # --- what the person does ----------------------------------------------------------

    def reject(self) -> None:
        """Cancel, Esc, and (through QDialog.closeEvent) the title bar's close."""
        if self.running:
            self.cancel_requested.emit()  # the window goes once the worker has stopped
            return
        super().reject()

    def closeEvent(self, event: QCloseEvent) -> None:
        """The title bar's close (or Alt+F4) cancels and the window stays to say so; when
        the application quits, it closes at once (the cancel is still asked for)."""
        if self.running:
            self.cancel_requested.emit()
            if not self._quitting:
                event.ignore()
                return
            self.running = False
        super().closeEvent(event)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        """Installed on the application while a sign-in runs: QApplication closes every
        window when it quits, and gives up quitting if one refuses."""
        if event.type() == QEvent.Type.Quit:
            self._quitting = True
        return False

    def _copy(self) -> None:
        QGuiApplication.clipboard().setText(self.address.toPlainText())

    # --- helpers ---------------------------------------------------------------------------

    def _reset(self) -> None:
        self.running = False
        self.cancelling = False
        self._quitting = False
        self._say(messages.sign_in_starting())
        self._show_address(None)
        self.open_again.hide()
        self.cancel_button.setEnabled(True)

    def _say(self, text: str) -> None:
        self.status.setText(text)
        self._fit()

    def _show_address(self, url: str | None) -> None:
        self.address.setPlainText(url or "")
        self.address.setVisible(url is not None)
        self.copy_address.setVisible(url is not None)
        self._fit()

    def _fit(self) -> None:
        """As big as its words need: adjustSize() measures wrapped text at the width it
        wishes for, which a small screen may not give it, so the height is checked at
        the width it got."""
        self.adjustSize()
        layout = self.layout()
        if layout.hasHeightForWidth():
            needed = layout.totalHeightForWidth(self.width())
            if needed > self.height():
                self.resize(self.width(), needed)
