"""What main.py and `python -m tray_app` run first, before the command line is parsed.

The tray's own worker (`worker`) goes straight to core/worker.py. A plain start of the
tray starts the first check's worker at once (core/prestart.py), so that process loads
while this one loads Qt, and goes to gui_entry.py without argparse and the help texts it
would build. Every other command goes on to cli.py.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence

from tray_app.arguments import VERBOSE_FLAGS, WORKER_COMMAND, chosen_language, plain_tray_start


def launch(argv: Sequence[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if args == [WORKER_COMMAND]:  # the tray's own worker process, not for people
        from tray_app.core.worker import serve

        return serve(sys.stdin.buffer, sys.stdout.buffer)
    options = plain_tray_start(args)
    if options is None:
        from tray_app.cli import main

        return main(args)
    if any(arg in VERBOSE_FLAGS for arg in args):  # before its worker starts
        from tray_app.core.logs import set_verbose

        set_verbose()
    from tray_app.core.prestart import prestart_worker

    prestart_worker()
    from tray_app.core import i18n
    from tray_app.gui_entry import run_gui

    i18n.use_language(chosen_language())
    return run_gui(options)
