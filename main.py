"""Thin entry point: `python main.py [command] ...` (see README)."""

import sys

from tray_app.launch import launch

if __name__ == "__main__":
    sys.exit(launch())
