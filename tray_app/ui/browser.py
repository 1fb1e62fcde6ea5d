"""Open a web page in the user's browser."""

from __future__ import annotations

import logging
import os
import threading

from PySide6.QtCore import QUrl
from PySide6.QtGui import QDesktopServices

log = logging.getLogger(__name__)


def open_in_browser(url: str) -> bool:
    """Open `url`; honour $BROWSER when the user set it, as command-line tools do
    (xdg-open prefers the desktop's registered handler over it)."""
    if os.environ.get("BROWSER"):
        # webbrowser waits for a $BROWSER command to finish: keep that off the GUI thread.
        threading.Thread(target=_open_with_webbrowser, args=(url,), daemon=True).start()
        return True
    return QDesktopServices.openUrl(QUrl(url))


def _open_with_webbrowser(url: str) -> None:
    import webbrowser  # only for $BROWSER, and off the start-up path

    try:
        if not webbrowser.open(url):
            log.warning("The browser named in $BROWSER did not open the page")
    except webbrowser.Error as problem:
        log.warning("Could not run the browser named in $BROWSER: %s", problem)
