"""Open a web page in the user's browser, and say so when none came up.

QDesktopServices.openUrl on Linux answers True as soon as xdg-open is spawned, whatever
becomes of it, so there the opener is run here instead and its exit status read (off the
GUI thread): $BROWSER when set (as Python's webbrowser reads it: commands separated by
os.pathsep, "%s" for the address, else the address appended), else xdg-open. A command
that is not found or exits non-zero has failed. On Windows and macOS the platform's own
call answers truly. When no browser opened, AddressWindow shows the address to copy.
"""

from __future__ import annotations

import logging
import os
import shlex
import shutil
import subprocess
import sys
from collections.abc import Callable

from PySide6.QtCore import Qt, QTimer, QUrl
from PySide6.QtGui import QDesktopServices, QGuiApplication
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from tray_app.core import messages
from tray_app.ui.background import BackgroundTask
from tray_app.ui.icons import app_icon
from tray_app.ui.popup import app_logo, plain_label

log = logging.getLogger(__name__)

# An opener still running after this long has a browser in front of the person (xdg-open
# and many $BROWSER commands wait for the browser they started): it counts as opened.
STILL_RUNNING_SECONDS = 10.0
MIN_WIDTH_CHARS = 56  # the address window's minimum width, in average characters
MAX_ADDRESS_CHARS = 80  # the address field grows with the address up to this many
COPIED_MS = 2_000  # how long Copy says "Copied"

Command = list[str]


def open_in_browser(url: str, on_failed: Callable[[], None] | None = None) -> bool:
    """Open `url`. False when it is known at once that no browser can open it (no
    opener to run, or the platform said no); otherwise True, and `on_failed` is called
    later, in the GUI thread, should the opener end in failure."""
    commands = opener_commands(url)
    if commands is None:
        return QDesktopServices.openUrl(QUrl(url))
    if not commands:
        log.warning("No program to open web pages was found (BROWSER, xdg-open)")
        return False
    task = BackgroundTask(lambda _say: run_openers(commands), "open-page")

    def verdict(opened: object, _problem: object) -> None:
        if not opened and on_failed is not None:
            on_failed()

    task.done.connect(verdict)
    task.start()
    return True


def opener_commands(url: str) -> list[Command] | None:
    """The commands that may open `url`, in order, each found on PATH; None where the
    platform's own call opens pages and says truly whether it could (Windows, macOS)."""
    browser = os.environ.get("BROWSER", "").strip()
    if browser:
        return [command for line in browser.split(os.pathsep)
                if (command := _browser_command(line, url)) is not None]
    if sys.platform in ("win32", "darwin"):
        return None
    opener = shutil.which("xdg-open")
    return [[opener, url]] if opener else []


def _browser_command(line: str, url: str) -> Command | None:
    """One $BROWSER entry as a command for `url`, or None when unusable or not found."""
    try:
        words = shlex.split(line, posix=os.name != "nt")
    except ValueError:
        log.warning("An entry of $BROWSER could not be read")
        return None
    if not words:
        return None
    program = shutil.which(words[0])
    if program is None:
        log.warning("The browser named in $BROWSER was not found: %.100s", words[0])
        return None
    args = [word.replace("%s", url) for word in words[1:]]
    if not any("%s" in word for word in words[1:]):
        args.append(url)
    return [program, *args]


def run_openers(commands: list[Command]) -> bool:
    """Try each command until one opens the page (blocking: run off the GUI thread)."""
    return any(_run_opener(command) for command in commands)


def _run_opener(command: Command) -> bool:
    name = os.path.basename(command[0])
    try:
        process = subprocess.Popen(command, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                   stderr=subprocess.DEVNULL, close_fds=True,
                                   **_detached())
    except OSError as problem:
        log.warning("Could not run %s to open a page: %s", name, problem.strerror or problem)
        return False
    try:
        status = process.wait(timeout=STILL_RUNNING_SECONDS)
    except subprocess.TimeoutExpired:
        return True  # left running: it is the browser, or waits for it
    if status != 0:
        log.warning("%s could not open the page (exit status %s)", name, status)
    return status == 0


def _detached() -> dict[str, object]:
    """The browser must outlive the tray, and not get the terminal's Ctrl-C."""
    if os.name == "nt":
        return {"creationflags": subprocess.CREATE_NEW_PROCESS_GROUP}
    return {"start_new_session": True}


class AddressWindow(QDialog):
    """"No web browser opened": the address, selectable and read-only, with Copy."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(messages.no_browser_title())
        self.setAccessibleName(messages.no_browser_title())
        self.setWindowIcon(app_icon())
        self.setAttribute(Qt.WidgetAttribute.WA_QuitOnClose, False)
        self.text = plain_label(messages.no_browser_text())
        self.address = QLineEdit()
        self.address.setReadOnly(True)
        self.address.setAccessibleName(messages.no_browser_address_name())
        self.copy = QPushButton(messages.no_browser_copy())
        self.copy.setAccessibleName(messages.no_browser_copy_name())
        self.copy.setAutoDefault(False)
        self.copy.clicked.connect(self._copy)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        self.buttons.rejected.connect(self.reject)
        self._layout()

    def _layout(self) -> None:
        logo = app_logo(self)
        address_row = QHBoxLayout()
        address_row.addWidget(self.address, 1)
        address_row.addWidget(self.copy)
        texts = QVBoxLayout()
        texts.addWidget(self.text)
        texts.addLayout(address_row)
        top = QHBoxLayout()
        top.addWidget(logo, 0, Qt.AlignmentFlag.AlignTop)
        top.addLayout(texts, 1)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.buttons)
        self.setMinimumWidth(self.fontMetrics().averageCharWidth() * MIN_WIDTH_CHARS)

    def show_address(self, url: str) -> None:
        """Show `url` (the latest page that did not open) and bring the window up."""
        self.setWindowTitle(messages.no_browser_title())  # the language may have changed
        self.text.setText(messages.no_browser_text())
        self.address.setText(url)
        self._fit_address(url)
        self.copy.setText(messages.no_browser_copy())
        self.adjustSize()
        self.show()
        self.raise_()
        self.activateWindow()
        self.address.setSelection(len(url), -len(url))  # all selected, its start in view
        self.address.setFocus()

    def _fit_address(self, url: str) -> None:
        """The field as wide as the address, up to MAX_ADDRESS_CHARS (then it scrolls)."""
        metrics = self.address.fontMetrics()
        padding = metrics.averageCharWidth() * 2  # the frame and the text margins
        most = metrics.averageCharWidth() * MAX_ADDRESS_CHARS
        self.address.setMinimumWidth(min(metrics.horizontalAdvance(url) + padding, most))

    def _copy(self) -> None:
        QGuiApplication.clipboard().setText(self.address.text())
        self.copy.setText(messages.no_browser_copied())
        QTimer.singleShot(COPIED_MS, lambda: self.copy.setText(messages.no_browser_copy()))
