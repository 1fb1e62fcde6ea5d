"""The command and option names, shared by launch.py (which reads a tray start before
argparse is loaded), cli.py and core/prestart.py. Never translated."""

from __future__ import annotations

import os
from collections.abc import Sequence

WORKER_COMMAND = "worker"  # the tray's own worker process, not for people
VERBOSE_FLAGS = ("-v", "--verbose")
INTRANET_URL_FLAG = "--intranet-url"
AUTOSTART_FLAG = "--autostart"
LANGUAGE_ENV = "COMPANION_LANGUAGE"


class TrayOptions:
    """How the tray was started: cli.py's --intranet-url, --autostart and --demo."""

    __slots__ = ("autostart", "demo", "intranet_url")

    def __init__(self, intranet_url: str | None = None, *, autostart: bool = False,
                 demo: bool = False) -> None:
        self.intranet_url = intranet_url
        self.autostart = autostart
        self.demo = demo


def plain_tray_start(args: Sequence[str]) -> TrayOptions | None:
    """The options when `args` start the tray with nothing but its own options (and not
    the demo), read without argparse; None for anything else, which cli.py parses."""
    options = TrayOptions()
    tokens = iter(args)
    for token in tokens:
        if token == INTRANET_URL_FLAG:
            value = next(tokens, None)
            if value is None:
                return None
            options.intranet_url = value
        elif token.startswith(INTRANET_URL_FLAG + "="):
            options.intranet_url = token.partition("=")[2]
        elif token == AUTOSTART_FLAG:
            options.autostart = True
        elif token not in VERBOSE_FLAGS:
            return None
    return options


def chosen_language() -> str | None:
    """COMPANION_LANGUAGE, until the configuration's `language` setting is read."""
    return os.environ.get(LANGUAGE_ENV, "").strip() or None
