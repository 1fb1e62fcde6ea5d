"""The floor: a bare PySide6 tray app that shows a small window at start, nothing else.

The window is comparable to the companion's login popup: a heading, two rows of a bold
name, a sentence and two buttons, and a Close button. Its title starts with TITLE.
"""

from __future__ import annotations

import sys

from PySide6.QtGui import QColor, QIcon, QPixmap
from PySide6.QtWidgets import (
    QApplication,
    QDialog,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSystemTrayIcon,
    QVBoxLayout,
)

TITLE = "Bench floor — Reconnect your accounts"
ROWS = (("Dropbox", "Dropbox has been disconnected. Reconnect it to keep syncing."),
        ("GitHub", "Your GitHub connection expires in 3 days."))


def window() -> QDialog:
    dialog = QDialog()
    dialog.setWindowTitle(TITLE)
    column = QVBoxLayout(dialog)
    column.addWidget(QLabel("Some of your accounts need your attention."))
    for name, sentence in ROWS:
        heading = QLabel(name)
        font = heading.font()
        font.setBold(True)
        heading.setFont(font)
        column.addWidget(heading)
        column.addWidget(QLabel(sentence))
        buttons = QHBoxLayout()
        buttons.addWidget(QPushButton("Reconnect"))
        buttons.addWidget(QPushButton("Don't remind me again"))
        column.addLayout(buttons)
    close = QPushButton("Close")
    close.clicked.connect(dialog.hide)
    column.addWidget(close)
    return dialog


def main() -> int:
    app = QApplication(sys.argv[:1])
    app.setQuitOnLastWindowClosed(False)
    pixmap = QPixmap(22, 22)
    pixmap.fill(QColor("#2e7d32"))
    tray = QSystemTrayIcon(QIcon(pixmap))
    tray.setToolTip("Bench floor")
    tray.show()
    dialog = window()
    dialog.show()
    return app.exec()


if __name__ == "__main__":
    sys.exit(main())
