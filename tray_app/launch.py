"""What main.py and `python -m tray_app` run first, before the command line is parsed.

The tray's own worker (`worker`) goes straight to core/worker.py. A start of the tray
starts the first check's worker at once (core/prestart.py), so that process loads while
this one loads Qt. Nothing here imports more than the standard library's os, sys and
subprocess; every other command goes on to cli.py.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence

from tray_app.arguments import AUTOSTART_FLAG, INTRANET_URL_FLAG, VERBOSE_FLAGS, WORKER_COMMAND


def launch(argv: Sequence[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if args == [WORKER_COMMAND]:  # the tray's own worker process, not for people
        from tray_app.core.worker import serve

        return serve(sys.stdin.buffer, sys.stdout.buffer)
    if starts_the_tray(args):
        if any(arg in VERBOSE_FLAGS for arg in args):  # before its worker starts
            from tray_app.core.logs import set_verbose

            set_verbose()
        from tray_app.core.prestart import prestart_worker

        prestart_worker()
    from tray_app.cli import main

    return main(args)


def starts_the_tray(args: Sequence[str]) -> bool:
    """Whether these arguments start the tray itself, read without argparse (it is not
    loaded yet): only the tray's own options, and not the demo (its own intranet)."""
    tokens = iter(args)
    for token in tokens:
        if token == INTRANET_URL_FLAG:
            if next(tokens, None) is None:
                return False
        elif not (token.startswith(INTRANET_URL_FLAG + "=")
                  or token in (AUTOSTART_FLAG, *VERBOSE_FLAGS)):
            return False
    return True
