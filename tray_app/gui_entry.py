"""Start the tray app. Kept apart from cli.py so `check` never imports Qt.

Order matters: first the single-instance claim (a second launch does nothing else),
then everything that needs no Qt, the first check's worker included (startup.py), and
only then Qt.
"""

from __future__ import annotations

import argparse
import sys

from tray_app.core import messages
from tray_app.core.instance import claim_instance
from tray_app.demo_process import DemoUnavailable
from tray_app.startup import QuitSignals, keep_tls_out, prepare


def run_gui(args: argparse.Namespace) -> int:
    keep_tls_out()
    quit_signals = QuitSignals.catch()
    instance = claim_instance()  # before any check, state or log write
    prepared = None
    if instance.first:
        try:
            prepared = prepare(args, quit_signals, instance)
        except DemoUnavailable as problem:
            print(problem, file=sys.stderr)
            return 3
    try:
        from tray_app.ui import app
    except ImportError as problem:
        print(messages.tray_cannot_start(str(problem)), file=sys.stderr)
        return 1
    if prepared is None:
        return app.show_first_instance()
    return app.run(args, prepared)
