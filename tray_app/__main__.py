"""`python -m tray_app`: the same command line as main.py (the tray starts its workers
this way when it is not frozen)."""

import sys

from tray_app.launch import launch

sys.exit(launch())
