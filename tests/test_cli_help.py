"""The command line's help and its -v/--verbose (cli.md): real processes of main.py, and
the parser itself for what every subcommand must have."""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tray_app import cli
from tray_app.demo.server import DemoIntranet

REPO = Path(__file__).resolve().parents[1]
TOKEN = "help-test-token-0123456789abcdef"
ENVIRONMENT = ("COMPANION_INTRANET_URL", "COMPANION_TOKEN", "COMPANION_POLICY_FILE",
               "XDG_CONFIG_HOME", "XDG_STATE_HOME", "XDG_CACHE_HOME")
CHECK_CODES = {
    "0": "checked; nothing needs the user",
    "1": "checked; at least one integration is disconnected or expiring",
    "2": "usage error (bad arguments)",
    "3": "could not check: network, TLS, timeout, server error, rate limited, "
         "malformed answer",
    "4": "sign-in needed: no credential, or the intranet rejected it (401)",
    "5": "configuration error: no intranet URL, a URL that is not allowed, unreadable policy",
}
DIAGNOSE_CODES = ("0", "3", "4", "5")


def run(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    done = subprocess.run([sys.executable, str(REPO / "main.py"), *args],
                          capture_output=True, text=True, env={**os.environ, **env},
                          timeout=60, check=False)
    assert "Traceback" not in done.stderr, done.stderr
    return done


def flat(text: str) -> str:
    """Help text with its wrapping undone."""
    return " ".join(text.split())


def subcommands() -> dict[str, argparse.ArgumentParser]:
    parser = cli.build_parser()
    action = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    return dict(action.choices)


def section(text: str, heading: str) -> str:
    """The lines under `heading` up to the next blank line, wrapping undone."""
    after = text.split(heading, 1)[1]
    return flat(after.split("\n\n", 1)[0])


def test_top_level_help_lists_the_environment_and_the_exit_codes_of_check() -> None:
    done = run("--help")
    assert done.returncode == 0
    for variable in ENVIRONMENT:
        assert variable in done.stdout
    codes = section(done.stdout, "exit status of check:")
    for code, meaning in CHECK_CODES.items():
        assert f"{code} {meaning}" in codes
    assert "-v, --verbose" in done.stdout


def test_check_help_lists_its_exit_codes_and_diagnose_help_its_own() -> None:
    check = run("check", "--help")
    assert check.returncode == 0
    codes = section(check.stdout, "exit status of check:")
    for code, meaning in CHECK_CODES.items():
        assert f"{code} {meaning}" in codes
    diagnose = run("diagnose", "--help")
    assert diagnose.returncode == 0
    codes = section(diagnose.stdout, "exit status of diagnose:")
    for code in DIAGNOSE_CODES:
        assert f" {code} " in f" {codes} "
    assert "--json" in diagnose.stdout


def test_every_subcommand_has_a_description_of_its_own() -> None:
    found = subcommands()
    assert {"check", "demo-server", "diagnose", "sign-in", "sign-out"} <= set(found)
    descriptions = {name: parser.description for name, parser in found.items()}
    for name, description in descriptions.items():
        assert description and len(description) > 30, name
    assert len(set(descriptions.values())) == len(descriptions)
    for name in found:
        if name == "demo-server":  # its own parser answers --help
            continue
        done = run(name, "--help")
        assert done.returncode == 0
        assert flat(descriptions[name]) in flat(done.stdout), name


@pytest.mark.parametrize("flag", ["-v", "--verbose"])
def test_verbose_is_taken_by_every_command_before_or_after_it(flag: str) -> None:
    parser = cli.build_parser()
    assert parser.parse_args([flag]).verbose is True
    assert parser.parse_args([]).verbose is False
    for name, command in subcommands().items():
        if name == "demo-server":
            continue
        # Whatever positional arguments the command needs (reconnect's ID).
        needed = ["x" for action in command._actions if not action.option_strings]
        assert parser.parse_args([name, *needed, flag]).verbose is True, name
        assert parser.parse_args([flag, name, *needed]).verbose is True, name
        assert parser.parse_args([name, *needed]).verbose is False, name


def test_a_new_subcommand_gets_verbose_for_free() -> None:
    parser = argparse.ArgumentParser()
    commands = parser.add_subparsers(dest="command")
    cli._command(commands, "reconnect", "help", "A description of reconnect.")
    assert parser.parse_args(["reconnect", "-v"]).verbose is True


def test_verbose_check_prints_debug_on_standard_error_but_never_the_token() -> None:
    with DemoIntranet(token=TOKEN) as demo:
        for args in (("-v", "check"), ("check", "--verbose", "--json")):
            done = run(*args, COMPANION_INTRANET_URL=demo.url, COMPANION_TOKEN=TOKEN)
            assert done.returncode == 1
            assert "DEBUG:" in done.stderr
            assert TOKEN not in done.stdout + done.stderr
        quiet = run("check", COMPANION_INTRANET_URL=demo.url, COMPANION_TOKEN=TOKEN)
    assert quiet.returncode == 1 and "DEBUG" not in quiet.stderr


def test_verbose_works_for_the_other_commands() -> None:
    signed_out = run("sign-out", "-v", COMPANION_INTRANET_URL="https://i.example")
    assert signed_out.returncode == 0 and "INFO:" in signed_out.stderr
    demo = run("-v", "demo-server", "--help")
    assert demo.returncode == 0 and "--port" in demo.stdout
    assert run("demo-server", "--verbose", "--help").returncode == 0
    diagnose = run("--verbose", "diagnose", "--json", COMPANION_INTRANET_URL="")
    assert diagnose.returncode == 5 and "INFO:" in diagnose.stderr
