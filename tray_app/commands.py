"""Headless commands: check, diagnose, sign-in, sign-out. Core only, never Qt."""

from __future__ import annotations

import argparse
import os
import sys
from typing import Any

from tray_app import APP_NAME
from tray_app.cli import print_json
from tray_app.core import paths
from tray_app.core.check import Checker, CheckReport, report_to_json
from tray_app.core.config import Config, load_config
from tray_app.core.credentials import KEYRING_SERVICE, TOKEN_ENV, KeyringUnavailable, secure_keyring
from tray_app.core.errors import CompanionError, ConfigError
from tray_app.core.logs import register_secret, setup_logging
from tray_app.core.state import StateStore
from tray_app.core.timeutil import utc_now
from tray_app.core.wording import state_phrase


def _flags(args: argparse.Namespace) -> dict[str, Any]:
    return {"intranet_url": getattr(args, "intranet_url", None)}


def _load(args: argparse.Namespace) -> Config:
    """Config with logging set up at its level; ConfigError if policy is unreadable."""
    setup_logging()
    config = load_config(_flags(args))
    setup_logging(config.get("log_level"))
    return config


def check(args: argparse.Namespace) -> int:
    try:
        config = _load(args)
    except ConfigError as problem:
        report = CheckReport(None, utc_now(), error=problem)
    else:
        report = Checker(config, StateStore()).run()
    if args.json:
        print_json(report_to_json(report))
    else:
        _print_report(report)
    return report.exit_code


def _when(report: CheckReport) -> str:
    moment = report.confirmed_at or report.checked_at
    return moment.astimezone().strftime("%Y-%m-%d %H:%M %Z")


def _print_report(report: CheckReport) -> None:
    out = sys.stdout
    if report.error is not None:
        print(f"Could not check: {report.error.message}", file=sys.stderr)
        if not report.stale:
            return
        out.write(f"\nLast known state (confirmed {_when(report)}), may be out of date:\n")
    else:
        user = report.user
        out.write(f"{APP_NAME}: {report.intranet_url}\n")
        if user is not None:
            email = f" ({user.email})" if user.email else ""
            out.write(f"Signed in as {user.name}{email}, checked {_when(report)}\n")
    result = report.classification
    assert result is not None
    if result.notices:
        out.write("\nNeeds your attention:\n")
        for notice in result.notices:
            out.write(f"  * {notice.message}\n    Reconnect: {notice.reconnect_url}\n")
    elif report.error is None:
        out.write("\nAll your integrations are working.\n")
    out.write("\nIntegrations:\n")
    width = max((len(view.name) for view in result.integrations), default=0)
    for view in result.integrations:
        out.write(f"  {view.name.ljust(width)}  {state_phrase(view)}\n")
    for warning in result.warnings:
        print(f"warning: {warning}", file=sys.stderr)


def diagnose(args: argparse.Namespace) -> int:
    try:
        config = _load(args)
    except ConfigError as problem:
        print(f"Configuration error: {problem.message}")
        return problem.exit_code
    out = sys.stdout
    out.write(f"{APP_NAME} diagnostics\n\nSettings (value, source):\n")
    for key, resolved in config.resolved.items():
        lock = ", locked by policy" if resolved.locked else ""
        out.write(f"  {key} = {resolved.value!r}  [{resolved.source}{lock}]\n")
    for warning in config.warnings:
        out.write(f"  warning: {warning}\n")
    out.write(f"\nPolicy: {config.policy_origin or 'none'}\n")
    out.write(f"Settings file: {config.settings_path}\n")
    out.write(f"State: {paths.state_file()}\nLog: {paths.log_file()}\n")
    out.write(f"Keyring: {_keyring_description()}\n")
    using_env = bool(os.environ.get(TOKEN_ENV, "").strip())
    out.write(f"Credential: {TOKEN_ENV + ' (environment)' if using_env else 'keyring'}\n")
    report = Checker(config, StateStore()).run()
    verdict = "reachable, signed in" if report.error is None else report.error.message
    out.write(f"Intranet: {report.intranet_url or '(not set)'}: {verdict}\n")
    return 0


def _keyring_description() -> str:
    try:
        backend = secure_keyring()
    except CompanionError as problem:
        return problem.message
    return f"{type(backend).__module__}.{type(backend).__name__}"


def _intranet_url(args: argparse.Namespace) -> tuple[Config, str]:
    config = _load(args)
    return config, config.intranet_url()


def _keyring_call(operation: str, *args: str) -> Any:
    backend = secure_keyring()
    try:
        return getattr(backend, operation)(KEYRING_SERVICE, *args)
    except Exception as problem:  # locked keyring, D-Bus errors, ...: say so, lose nothing
        raise KeyringUnavailable(type(problem).__name__) from None


def sign_in(args: argparse.Namespace) -> int:
    try:
        _config, intranet_url = _intranet_url(args)
        if args.token != "-":
            raise ConfigError(
                "Browser sign-in is not available in this version. "
                "Use `sign-in --token -` and paste a token on standard input."
            )
        token = sys.stdin.readline().strip()
        if not token:
            raise ConfigError("No token was given on standard input.")
        register_secret(token)
        _keyring_call("set_password", intranet_url, token)
    except CompanionError as problem:
        print(problem.message, file=sys.stderr)
        return problem.exit_code
    print(f"Signed in to {intranet_url}. The token is kept in your keyring.")
    return 0


def sign_out(args: argparse.Namespace) -> int:
    try:
        _config, intranet_url = _intranet_url(args)
        if _keyring_call("get_password", intranet_url) is not None:
            _keyring_call("delete_password", intranet_url)
    except CompanionError as problem:
        print(problem.message, file=sys.stderr)
        return problem.exit_code
    print(f"Signed out of {intranet_url}.")
    return 0
