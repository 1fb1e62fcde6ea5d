"""The option names people type, shared by launch.py (which reads them before argparse
is loaded) and cli.py. Never translated."""

VERBOSE_FLAGS = ("-v", "--verbose")
INTRANET_URL_FLAG = "--intranet-url"
AUTOSTART_FLAG = "--autostart"
