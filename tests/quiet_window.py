"""Real Qt windows on an X display (xcb), for tests/test_quiet.py.

    quiet_window.py window [--fullscreen]   # print the window's id, keep it until stdin closes
    quiet_window.py focus                   # does the automatic login popup take the keyboard?

`focus` shows a text field and gives it the keyboard, then brings up the login popup the
way the controller does once the person is free, and prints one JSON line: the window
that has the keyboard before, after the automatic popup, and after a popup opened by
hand (which should take it).
"""

from __future__ import annotations

import json
import os
import sys
import time
from types import SimpleNamespace

os.environ["QT_QPA_PLATFORM"] = "xcb"

from PySide6.QtWidgets import QApplication, QLineEdit, QWidget


def _settle(app: QApplication, seconds: float = 0.5) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        app.processEvents()
        time.sleep(0.02)


def _wait(app: QApplication, condition, seconds: float = 5.0) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        app.processEvents()
        if condition():
            return True
        time.sleep(0.02)
    return False


def window(app: QApplication, fullscreen: bool) -> int:
    widget = QWidget()
    widget.setWindowTitle("presentation")
    widget.resize(320, 200)
    if fullscreen:
        widget.showFullScreen()  # without a window manager Qt writes _NET_WM_STATE itself
    else:
        widget.show()
    _settle(app)
    print(hex(int(widget.winId())), flush=True)
    sys.stdin.read()
    return 0


def _keyboard_owner(app: QApplication) -> str:
    active = app.activeWindow()
    return active.windowTitle() if active is not None else ""


def focus(app: QApplication) -> int:
    from tray_app.core.classify import Notice, NoticeKind
    from tray_app.ui.controller import Controller
    from tray_app.ui.popup import NoticePopup

    editor = QLineEdit()
    editor.setWindowTitle("typing")
    editor.show()
    editor.activateWindow()
    _wait(app, lambda: app.activeWindow() is editor)
    before = _keyboard_owner(app)
    notice = Notice("dropbox", "Dropbox", NoticeKind.DISCONNECTED, "k",
                    "Dropbox has unexpectedly been disconnected.", None, None,
                    "https://intranet.example/x")
    popup = NoticePopup()
    # The controller's own method, on just what it uses.
    controller = SimpleNamespace(popup=popup, _popup=popup, _acknowledge=lambda _notices: None)
    Controller._show_login_popup(controller, (notice,))  # type: ignore[arg-type]
    _wait(app, popup.isVisible)
    _settle(app, 1.0)
    automatic = _keyboard_owner(app)
    shown = popup.isVisible()
    popup.hide()
    _settle(app, 0.3)
    popup.show_notices((notice,))  # by hand, from the menu: takes the keyboard
    _wait(app, lambda: app.activeWindow() is popup)
    by_hand = _keyboard_owner(app)
    print(json.dumps({"before": before, "automatic": automatic, "shown": shown,
                      "by_hand": by_hand, "popup": popup.windowTitle()}), flush=True)
    return 0


def main() -> int:
    app = QApplication(sys.argv[:1])
    if sys.argv[1] == "window":
        return window(app, "--fullscreen" in sys.argv[2:])
    return focus(app)


if __name__ == "__main__":
    sys.exit(main())
