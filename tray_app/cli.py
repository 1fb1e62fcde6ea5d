"""The command line of cli.md. `check` and friends never import Qt."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from tray_app import APP_NAME, __version__

WORKER_COMMAND = "worker"


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="intranet-companion",
        description=f"{APP_NAME}: tells you when your intranet integrations break.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    parser.add_argument("--intranet-url", metavar="URL", help="the intranet's address")
    parser.add_argument("--demo", action="store_true",
                        help="start the built-in demo intranet and use it")
    parser.add_argument("--autostart", action="store_true",
                        help="started at login: wait a random delay, stay quiet until checked")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    check = commands.add_parser("check", help="one check, no window")
    check.add_argument("--json", action="store_true", help="print the result as JSON")
    check.add_argument("--intranet-url", metavar="URL", default=argparse.SUPPRESS)
    commands.add_parser("demo-server", add_help=False,
                        help="run the built-in demo intranet alone (see demo-server --help)")
    diagnose = commands.add_parser("diagnose", help="settings, keyring and reachability")
    diagnose.add_argument("--intranet-url", metavar="URL", default=argparse.SUPPRESS)
    sign_in = commands.add_parser("sign-in", help="sign in and keep the tokens in the keyring")
    sign_in.add_argument("--method", choices=("oauth", "microsoft", "google", "token"))
    sign_in.add_argument("--token", metavar="-", help="read a token from standard input")
    sign_in.add_argument("--device", action="store_true",
                         help="microsoft method: sign in with a code on another device")
    sign_in.add_argument("--intranet-url", metavar="URL", default=argparse.SUPPRESS)
    sign_out = commands.add_parser("sign-out", help="forget every token of this user")
    sign_out.add_argument("--intranet-url", metavar="URL", default=argparse.SUPPRESS)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args_list = list(sys.argv[1:] if argv is None else argv)
    if args_list[:1] == ["demo-server"]:
        from tray_app.demo.server import run

        return run(args_list[1:])
    if args_list == [WORKER_COMMAND]:  # the tray's own worker process, not for people
        from tray_app.core.worker import serve

        return serve(sys.stdin.buffer, sys.stdout.buffer)
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

