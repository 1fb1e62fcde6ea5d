"""Thin entry point: `python main.py [command] ...` (see README)."""

import sys

from tray_app.cli import main

if __name__ == "__main__":
    sys.exit(main())
