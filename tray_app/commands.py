"""Headless commands: check, diagnose, sign-in, sign-out. Core only, never Qt."""

from __future__ import annotations

import argparse
import os
import webbrowser
from typing import Any

from tray_app import APP_NAME
from tray_app.core import paths
from tray_app.core.auth import Account
from tray_app.core.check import Checker
from tray_app.core.config import Config, load_config, load_or_problem, save_user_setting
from tray_app.core.errors import CompanionError, ConfigError
from tray_app.core.logs import setup_logging
from tray_app.core.report import CheckReport, report_to_json
from tray_app.core.state import StateStore
from tray_app.core.timeutil import local_time, utc_now
from tray_app.core.tokens import TOKEN_ENV
from tray_app.core.wording import state_phrase
from tray_app.terminal import USAGE_ERROR, print_json, say


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
        report = Checker(config, StateStore()).run_and_remember()
    if args.json:
        print_json(report_to_json(report))
    else:
        _print_report(report)
    return report.exit_code


def _when(report: CheckReport) -> str:
    moment = local_time(report.confirmed_at or report.checked_at)
    return moment.strftime("%Y-%m-%d %H:%M %Z")


def _print_report(report: CheckReport) -> None:
    if report.error is not None:
        say(f"Could not check: {report.error.message}", error=True)
        if not report.stale:
            return
        say("", f"Last known state (confirmed {_when(report)}), may be out of date:")
    else:
        user = report.user
        say(f"{APP_NAME}: {report.intranet_url}")
        if user is not None:
            email = f" ({user.email})" if user.email else ""
            say(f"Signed in as {user.name}{email}, checked {_when(report)}")
    result = report.classification
    assert result is not None
    if result.notices:
        say("", "Needs your attention:")
        for notice in result.notices:
            say(f"  * {notice.message}", f"    Reconnect: {notice.reconnect_url}")
    elif report.error is None:
        say("", "All your integrations are working.")
    say("", "Integrations:")
    width = max((len(view.name) for view in result.integrations), default=0)
    for view in result.integrations:
        say(f"  {view.name.ljust(width)}  {state_phrase(view)}")
    for warning in result.warnings:
        say(f"warning: {warning}", error=True)


def diagnose(args: argparse.Namespace) -> int:
    try:
        config = _load(args)
    except ConfigError as problem:
        say(f"Configuration error: {problem.message}")
        return problem.exit_code
    say(f"{APP_NAME} diagnostics", "", "Settings (value, source):")
    for key, resolved in config.resolved.items():
        lock = ", locked by policy" if resolved.locked else ""
        say(f"  {key} = {resolved.value!r}  [{resolved.source}{lock}]")
    for warning in config.warnings:
        say(f"  warning: {warning}")
    say("", f"Policy: {config.policy_origin or 'none'}")
    say(f"Settings file: {config.settings_path}")
    say(f"State: {paths.state_file()}", f"Log: {paths.log_file()}")
    say(f"Keyring: {Account(config).describe_store()}")
    say(f"Sign-in method: {config.get('auth_method')}")
    using_env = bool(os.environ.get(TOKEN_ENV, "").strip())
    say(f"Credential: {TOKEN_ENV + ' (environment)' if using_env else 'keyring'}")
    report = Checker(config, StateStore()).run()
    verdict = "reachable, signed in" if report.error is None else report.error.message
    say(f"Intranet: {report.intranet_url or '(not set)'}: {verdict}")
    return 0


def _open_browser(url: str) -> bool:
    # The authorization URL holds no token, so it may be shown.
    say(f"If no browser opened, visit: {url}")
    return webbrowser.open(url)  # honours $BROWSER


def _usage_problem(args: argparse.Namespace, method: str | None) -> str | None:
    if args.token is not None and args.token != "-":
        return "Give the token on standard input: `sign-in --token -`."
    if args.token is not None and args.method not in (None, "token"):
        return "--token - signs in with the token method; leave out --method."
    if args.device and method != "microsoft":
        return "--device is only for the microsoft sign-in method."
    return None


def _chosen_method(config: Config, args: argparse.Namespace) -> str:
    """The method asked for (or configured); ConfigError when policy requires another."""
    asked = "token" if args.token is not None else args.method
    configured = str(config.get("auth_method"))
    if asked and asked != configured and config.is_locked("auth_method"):
        raise ConfigError(f"Your organisation requires signing in with the {configured} "
                          f"method, so {asked} cannot be used.")
    return asked or configured


def sign_in(args: argparse.Namespace) -> int:
    try:
        config = _load(args)
        method = _chosen_method(config, args)
        problem_text = _usage_problem(args, method)
        if problem_text:
            say(problem_text, error=True)
            return USAGE_ERROR
        account = Account(config, method=method)
        sentence = account.sign_in(_open_browser, say, device=args.device)
        if method != config.get("auth_method"):
            save_user_setting(config, "auth_method", method)  # so `check` uses it too
    except CompanionError as problem:
        say(problem.message, error=True)
        return problem.exit_code
    say(f"{sentence} Your sign-in is kept in {account.describe_store()}.")
    return 0


def sign_out(args: argparse.Namespace) -> int:
    try:
        config = load_or_problem(_flags(args))
        setup_logging(config.get("log_level"))
        say(Account(config).sign_out())
    except CompanionError as problem:
        say(problem.message, error=True)
        return problem.exit_code
    return 0
