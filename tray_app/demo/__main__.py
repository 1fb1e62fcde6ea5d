"""`python -m tray_app.demo [--port N] [--token T] [--scenario FILE] [--db FILE]
[--access-token-seconds N] [--smtp HOST:PORT]`."""

import sys

from tray_app.demo.server import run

if __name__ == "__main__":
    sys.exit(run())
