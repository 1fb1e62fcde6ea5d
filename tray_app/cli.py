"""The command line of cli.md. `check` and friends never import Qt.

Every command is one row of `_commands()` (its name, help, description and options) and
one entry of `HANDLERS` in tray_app/commands.py. Each subcommand is made by `_command`,
which gives it `-v/--verbose` too, so a new one needs nothing else for that.
"""

from __future__ import annotations

import argparse
import sys
import textwrap
from collections.abc import Callable, Sequence

from tray_app import __version__
from tray_app.arguments import (
    AUTOSTART_FLAG,
    INTRANET_URL_FLAG,
    VERBOSE_FLAGS,
    TrayOptions,
    chosen_language,
)
from tray_app.core import messages

DEMO_SERVER_COMMAND = "demo-server"
RECONNECT_COMMAND = "reconnect"
RECONNECT_ID, NO_WAIT_FLAG = "id", "--no-wait"
_HELP_INDENT = 2
_HELP_COLUMN = 26
_HELP_WIDTH = 79


def _verbose_option(*, top_level: bool) -> argparse.ArgumentParser:
    """A parent parser with -v/--verbose. A subcommand's copy sets nothing unless given,
    so `-v check` and `check -v` both count (argparse copies a subparser's defaults over
    what the main parser parsed)."""
    parent = argparse.ArgumentParser(add_help=False)
    parent.add_argument(*VERBOSE_FLAGS, action="store_true", dest="verbose",
                        default=False if top_level else argparse.SUPPRESS,
                        help=messages.cli_help_verbose())
    return parent


def _rows(heading: str, rows: Sequence[tuple[str, str]]) -> str:
    """A heading and a two-column table, wrapped to the help's width."""
    column = min(max(len(name) for name, _ in rows) + _HELP_INDENT + 2, _HELP_COLUMN)
    lines = [heading]
    for name, meaning in rows:
        label = " " * _HELP_INDENT + name
        wrapped = textwrap.wrap(meaning, _HELP_WIDTH - column) or [""]
        if len(label) + 2 > column:
            lines.append(label)
        else:
            lines.append(label.ljust(column) + wrapped.pop(0))
        lines += [" " * column + line for line in wrapped]
    return "\n".join(lines)


def _wrapped(text: str) -> str:
    return textwrap.fill(text, _HELP_WIDTH)


def _epilog(*sections: tuple[str, Sequence[tuple[str, str]]], footer: str = "") -> str:
    text = "\n\n".join(_rows(heading, rows) for heading, rows in sections)
    return f"{text}\n\n{footer}" if footer else text


Rows = tuple[tuple[str, Callable[[], str]], ...]


def _section(heading: str, rows: Rows) -> tuple[str, Sequence[tuple[str, str]]]:
    return heading, [(name, meaning()) for name, meaning in rows]


def _check_exit_codes() -> tuple[str, Sequence[tuple[str, str]]]:
    return _section(messages.cli_check_exit_heading(), (
        ("0", messages.cli_check_exit_0), ("1", messages.cli_check_exit_1),
        ("2", messages.cli_exit_usage), ("3", messages.cli_check_exit_3),
        ("4", messages.cli_check_exit_4), ("5", messages.cli_exit_configuration)))


def _diagnose_exit_codes() -> tuple[str, Sequence[tuple[str, str]]]:
    return _section(messages.cli_diagnose_exit_heading(), (
        ("0", messages.cli_diagnose_exit_0), ("2", messages.cli_exit_usage),
        ("3", messages.cli_diagnose_exit_3), ("4", messages.cli_diagnose_exit_4),
        ("5", messages.cli_exit_configuration)))


def _environment() -> tuple[str, Sequence[tuple[str, str]]]:
    return _section(messages.cli_environment_heading(), (
        ("COMPANION_INTRANET_URL", messages.cli_env_intranet_url),
        ("COMPANION_TOKEN", messages.cli_env_token),
        ("COMPANION_POLICY_FILE", messages.cli_env_policy_file),
        ("XDG_CONFIG_HOME, XDG_STATE_HOME, XDG_CACHE_HOME", messages.cli_env_xdg)))


Commands = argparse._SubParsersAction  # what add_subparsers() returns


def _command(commands: Commands, name: str, help_text: str, description: str,
             epilog: str | None = None, **options: object) -> argparse.ArgumentParser:
    """A subcommand with its description and -v/--verbose."""
    return commands.add_parser(
        name, help=help_text, description=_wrapped(description), epilog=epilog,
        parents=[_verbose_option(top_level=False)],
        formatter_class=argparse.RawDescriptionHelpFormatter, **options)


def _intranet_url_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(INTRANET_URL_FLAG, metavar="URL", default=argparse.SUPPRESS,
                        help=messages.cli_help_intranet_url())


def _add_check(commands: Commands) -> None:
    check = _command(commands, "check", messages.cli_help_check(),
                     messages.cli_description_check(), _epilog(_check_exit_codes()))
    check.add_argument("--json", action="store_true", help=messages.cli_help_json())
    _intranet_url_option(check)


def _add_demo_server(commands: Commands) -> None:
    # Its own options are parsed by tray_app.demo.server (main() hands them over).
    _command(commands, DEMO_SERVER_COMMAND, messages.cli_help_demo_server(),
             messages.cli_description_demo_server(), add_help=False)


def _add_diagnose(commands: Commands) -> None:
    diagnose = _command(commands, "diagnose", messages.cli_help_diagnose(),
                        messages.cli_description_diagnose(), _epilog(_diagnose_exit_codes()))
    diagnose.add_argument("--json", action="store_true", help=messages.cli_help_diagnose_json())
    _intranet_url_option(diagnose)


def _add_sign_in(commands: Commands) -> None:
    sign_in = _command(commands, "sign-in", messages.cli_help_sign_in(),
                       messages.cli_description_sign_in())
    sign_in.add_argument("--method", choices=("oauth", "microsoft", "google", "token"))
    sign_in.add_argument("--token", metavar="-", help=messages.cli_help_token())
    sign_in.add_argument("--device", action="store_true", help=messages.cli_help_device())
    _intranet_url_option(sign_in)


def _add_sign_out(commands: Commands) -> None:
    sign_out = _command(commands, "sign-out", messages.cli_help_sign_out(),
                        messages.cli_description_sign_out())
    _intranet_url_option(sign_out)


def _add_reconnect(commands: Commands) -> None:
    # Its handler is tray_app.reconnect_command.run (see main).
    reconnect = _command(commands, RECONNECT_COMMAND, messages.cli_help_reconnect(),
                         messages.cli_description_reconnect())
    reconnect.add_argument(RECONNECT_ID, metavar="ID", help=messages.cli_help_reconnect_id())
    reconnect.add_argument(NO_WAIT_FLAG, action="store_true",
                           help=messages.cli_help_reconnect_no_wait())
    _intranet_url_option(reconnect)


# In the order --help lists them. A new command: a function here and a handler in
# tray_app.commands.HANDLERS.
SUBCOMMANDS: tuple[Callable[[Commands], None], ...] = (
    _add_check, _add_demo_server, _add_diagnose, _add_sign_in, _add_sign_out, _add_reconnect,
)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="intranet-companion",
        description=_wrapped(messages.cli_description()),
        epilog=_epilog(_environment(), _check_exit_codes(), _diagnose_exit_codes(),
                       footer=_wrapped(messages.cli_verbose_everywhere())),
        formatter_class=argparse.RawDescriptionHelpFormatter,
        parents=[_verbose_option(top_level=True)],
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    parser.add_argument(INTRANET_URL_FLAG, metavar="URL", help=messages.cli_help_intranet_url())
    parser.add_argument("--demo", action="store_true", help=messages.cli_help_demo())
    parser.add_argument(AUTOSTART_FLAG, action="store_true", help=messages.cli_help_autostart())
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    for add in SUBCOMMANDS:
        add(commands)
    return parser


def _choose_language(args_list: list[str]) -> None:
    """The desktop's language for now (the `language` setting may change it once the
    configuration is read); English for scripts when the output is JSON (cli.md)."""
    from tray_app.core import i18n

    if "--json" in args_list:
        i18n.use_machine_english()
    else:
        i18n.use_language(chosen_language())


def _demo_server_args(args_list: list[str]) -> list[str] | None:
    """The demo server's own arguments when the command is demo-server (after any -v,
    which is taken out wherever it stands), else None."""
    leading = 0
    while leading < len(args_list) and args_list[leading] in VERBOSE_FLAGS:
        leading += 1
    if args_list[leading:leading + 1] != [DEMO_SERVER_COMMAND]:
        return None
    return [arg for arg in args_list[leading + 1:] if arg not in VERBOSE_FLAGS]


def _run_demo_server(demo_args: list[str], verbose: bool) -> int:
    import logging

    from tray_app.demo.server import run

    if verbose:
        logging.basicConfig(level=logging.DEBUG, stream=sys.stderr,
                            format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    return run(demo_args)


def main(argv: Sequence[str] | None = None) -> int:
    args_list = list(sys.argv[1:] if argv is None else argv)
    demo_args = _demo_server_args(args_list)
    if demo_args is not None:
        return _run_demo_server(demo_args, any(arg in VERBOSE_FLAGS for arg in args_list))
    _choose_language(args_list)
    args = build_parser().parse_args(args_list)
    if args.verbose:
        from tray_app.core.logs import set_verbose

        set_verbose()
    if args.command is None:
        from tray_app.gui_entry import run_gui

        return run_gui(TrayOptions(args.intranet_url, autostart=args.autostart,
                                   demo=args.demo))
    if args.command == RECONNECT_COMMAND:
        from tray_app.reconnect_command import run as handler
    else:
        from tray_app import commands

        handler = commands.HANDLERS[args.command]
    try:
        return handler(args)
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        return 0
