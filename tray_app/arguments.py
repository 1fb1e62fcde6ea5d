"""The command and option names, shared by launch.py (which reads them before argparse
is loaded), cli.py and core/prestart.py. Never translated."""

WORKER_COMMAND = "worker"  # the tray's own worker process, not for people

VERBOSE_FLAGS = ("-v", "--verbose")
INTRANET_URL_FLAG = "--intranet-url"
AUTOSTART_FLAG = "--autostart"
