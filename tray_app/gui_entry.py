"""Start the tray app. Kept apart from cli.py so `check` never imports Qt."""

from __future__ import annotations

import argparse
import sys


def run_gui(args: argparse.Namespace) -> int:
    try:
        from tray_app.ui.app import run
    except ImportError as problem:
        print(f"The tray app cannot start: {problem}. Reinstall Intranet Companion.",
              file=sys.stderr)
        return 1
    return run(args)
