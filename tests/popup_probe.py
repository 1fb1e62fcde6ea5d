"""Measures the login popup as a person would see it: does it fit the screen, do the
notices scroll, is any text cut? Imported by tests/test_popup_fits.py, and run as a
script in a process of its own (QT_SCALE_FACTOR is read once, when Qt starts):

    QT_QPA_PLATFORM=offscreen QT_SCALE_FACTOR=2 python tests/popup_probe.py 1 12 20

prints one JSON object per language and count."""

from __future__ import annotations

import json
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:  # as a script
    sys.path.insert(0, str(REPO))

from PySide6.QtWidgets import (  # noqa: E402
    QAbstractButton,
    QApplication,
    QLabel,
    QWidget,
)

from tray_app.core import messages  # noqa: E402
from tray_app.core.classify import Notice, NoticeKind  # noqa: E402

NAMES = ("Dropbox", "Google Drive", "Slack", "Microsoft 365", "ServiceNow", "Zoom", "GitHub",
         "Salesforce", "Jira", "Confluence", "Box", "Asana", "Trello", "Figma", "Miro",
         "Workday", "DocuSign", "HubSpot", "Notion", "Zendesk")
EXPIRY = datetime(2026, 12, 4, 10, 0, tzinfo=UTC)


def make_notices(count: int) -> list[Notice]:
    """`count` notices (at most 20), disconnected and expiring in turn, worded in the
    language active now."""
    notices = []
    for index, name in enumerate(NAMES[:count]):
        ident = name.lower().replace(" ", "-")
        url = f"https://intranet.example/profile/settings/external-apps#{ident}"
        if index % 2 == 0:
            notices.append(Notice(ident, name, NoticeKind.DISCONNECTED, "2026-11-30T08:00:00Z",
                                  messages.notice_disconnected(name), None, None, url))
        else:
            days = index % 4
            expires = EXPIRY - timedelta(days=3 - days)
            notices.append(Notice(ident, name, NoticeKind.EXPIRING, expires.isoformat(),
                                  messages.notice_expiring(name, "2026-12-04", days),
                                  expires, days, url, days))
    return notices


def cut(window: QWidget) -> list[str]:
    """What a person would see cut: a wrapped label shorter than its lines need at its
    width, a one-line label or a button narrower than its text, a widget of the rows
    sticking out at the side of the scrolled area."""
    window.layout().activate()
    found = []
    for label in window.findChildren(QLabel):
        if not label.isVisibleTo(window) or not label.text():
            continue
        if label.wordWrap():
            if label.height() < label.heightForWidth(label.width()):
                found.append(f"lines cut: {label.text()!r} {label.height()} < "
                             f"{label.heightForWidth(label.width())} at {label.width()}")
        elif label.width() < label.minimumSizeHint().width():
            found.append(f"cut at the side: {label.text()!r}")
    for button in window.findChildren(QAbstractButton):
        if button.isVisibleTo(window) and button.width() < button.minimumSizeHint().width():
            found.append(f"button cut: {button.text()!r}")
    scroll = getattr(window, "scroll", None)
    if scroll is not None:
        content, viewport = scroll.widget(), scroll.viewport()
        if content.width() > viewport.width():
            found.append(f"rows wider than their view: {content.width()} > {viewport.width()}")
        for child in content.findChildren(QWidget):
            if child.isVisibleTo(window):
                right = child.mapTo(content, child.rect().topRight()).x()
                if right >= content.width() or child.mapTo(content, child.rect().topLeft()).x() < 0:
                    found.append(f"sticks out at the side: {child.objectName() or child}")
    return found


def measure(popup: Any) -> dict[str, Any]:
    """Where the popup stands against its screen, and what is cut."""
    available = popup.screen().availableGeometry()
    frame = popup.frameGeometry()
    bar = popup.scroll.verticalScrollBar()
    return {
        "available": [available.x(), available.y(), available.width(), available.height()],
        "frame": [frame.x(), frame.y(), frame.width(), frame.height()],
        "inside": available.contains(frame),
        "within_90": (popup.width() <= int(available.width() * 0.9)
                      and popup.height() <= int(available.height() * 0.9)),
        "scroll_range": bar.maximum() - bar.minimum(),
        "bar_visible": bar.isVisible(),
        "heading_visible": popup.heading.isVisible() and popup.heading.height() > 0,
        "buttons_inside": popup.rect().contains(popup.buttons.geometry()),
        "cut": cut(popup),
    }


def show(popup: Any, notices: list[Notice]) -> None:
    popup.show_notices(notices)
    for _ in range(3):  # resize and layout requests
        QApplication.processEvents()


def main(counts: list[int]) -> None:
    from tray_app.core import i18n
    from tray_app.ui.popup import NoticePopup

    app = QApplication.instance() or QApplication([])
    results = []
    for language in (i18n.ENGLISH, i18n.PSEUDO):
        i18n.use_language(language)
        for count in counts:
            popup = NoticePopup()
            show(popup, make_notices(count))
            results.append({"language": language, "count": count, **measure(popup)})
            popup.hide()
            popup.deleteLater()
            app.processEvents()
    i18n.use_english()
    print(json.dumps(results))


if __name__ == "__main__":
    main([int(arg) for arg in sys.argv[1:]] or [1, 12, 20])
