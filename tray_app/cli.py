"""The command line of cli.md. `check` and friends never import Qt."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence

from tray_app import __version__
from tray_app.core import messages

WORKER_COMMAND = "worker"


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="intranet-companion",
        description=messages.cli_description(),
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    parser.add_argument("--intranet-url", metavar="URL", help=messages.cli_help_intranet_url())
    parser.add_argument("--demo", action="store_true", help=messages.cli_help_demo())
    parser.add_argument("--autostart", action="store_true", help=messages.cli_help_autostart())
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    check = commands.add_parser("check", help=messages.cli_help_check())
    check.add_argument("--json", action="store_true", help=messages.cli_help_json())
    check.add_argument("--intranet-url", metavar="URL", default=argparse.SUPPRESS)
    commands.add_parser("demo-server", add_help=False, help=messages.cli_help_demo_server())
    diagnose = commands.add_parser("diagnose", help=messages.cli_help_diagnose())
    diagnose.add_argument("--intranet-url", metavar="URL", default=argparse.SUPPRESS)
    sign_in = commands.add_parser("sign-in", help=messages.cli_help_sign_in())
    sign_in.add_argument("--method", choices=("oauth", "microsoft", "google", "token"))
    sign_in.add_argument("--token", metavar="-", help=messages.cli_help_token())
    sign_in.add_argument("--device", action="store_true", help=messages.cli_help_device())
    sign_in.add_argument("--intranet-url", metavar="URL", default=argparse.SUPPRESS)
    sign_out = commands.add_parser("sign-out", help=messages.cli_help_sign_out())
    sign_out.add_argument("--intranet-url", metavar="URL", default=argparse.SUPPRESS)
    return parser


def _choose_language(args_list: list[str]) -> None:
    """The desktop's language for now (the `language` setting may change it once the
    configuration is read); English for scripts when the output is JSON (cli.md)."""
    from tray_app.core import i18n

    if "--json" in args_list:
        i18n.use_machine_english()
    else:
        i18n.use_language(os.environ.get("COMPANION_LANGUAGE", "").strip() or None)


def main(argv: Sequence[str] | None = None) -> int:
    args_list = list(sys.argv[1:] if argv is None else argv)
    if args_list[:1] == ["demo-server"]:
        from tray_app.demo.server import run

        return run(args_list[1:])
    if args_list == [WORKER_COMMAND]:  # the tray's own worker process, not for people
        from tray_app.core.worker import serve

        return serve(sys.stdin.buffer, sys.stdout.buffer)
    _choose_language(args_list)
    args = build_parser().parse_args(args_list)
    if args.command is None:
        from tray_app.gui_entry import run_gui

        return run_gui(args)
    from tray_app import commands

    handlers = {
        "check": commands.check,
        "diagnose": commands.diagnose,
        "sign-in": commands.sign_in,
        "sign-out": commands.sign_out,
    }
    try:
        return handlers[args.command](args)
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        return 0

