"""Headless commands: check, diagnose, sign-in, sign-out. Core only, never Qt."""

from __future__ import annotations

import argparse
import os
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from tray_app.core import dates, messages, paths
from tray_app.core.auth import Account
from tray_app.core.check import Checker
from tray_app.core.config import Config, load_or_problem, save_user_setting
from tray_app.core.errors import CompanionError, ConfigError
from tray_app.core.logs import log_start, register_secret, setup_logging
from tray_app.core.report import CheckReport, report_to_json
from tray_app.core.speech import speak_as_configured
from tray_app.core.state import StateStore
from tray_app.core.tokens import TOKEN_ENV
from tray_app.core.wording import state_phrase
from tray_app.terminal import USAGE_ERROR, print_json, say

if TYPE_CHECKING:  # diagnose's and sign-in's own modules load when those commands run
    from tray_app.core.diagnosis import Diagnosis, Reach


def _flags(args: argparse.Namespace) -> dict[str, Any]:
    return {"intranet_url": getattr(args, "intranet_url", None)}


def _load(args: argparse.Namespace) -> Config:
    """Config with logging set up at its level and the start line logged; an unreadable
    policy leaves `config.problem` set (load_or_problem)."""
    setup_logging()
    register_secret(os.environ.get(TOKEN_ENV, "").strip())
    config = load_or_problem(_flags(args))
    setup_logging(config.get("log_level"))
    speak_as_configured(config)
    log_start(config, " ".join([args.command, *(["--json"] if getattr(args, "json", False)
                                                 else [])]))
    return config


def _loaded(args: argparse.Namespace) -> Config:
    """As _load, raising the configuration problem (ConfigError) if there is one."""
    config = _load(args)
    if config.problem is not None:
        raise config.problem
    return config


def check(args: argparse.Namespace) -> int:
    report = Checker(_load(args), StateStore()).run_and_remember()
    if args.json:
        print_json(report_to_json(report))
    else:
        _print_report(report)
    return report.exit_code


def _when(report: CheckReport) -> str:
    return dates.date_and_time(report.confirmed_at or report.checked_at)


def _print_report(report: CheckReport) -> None:
    if report.error is not None:
        say(messages.check_could_not(report.error.message), error=True)
        if not report.stale:
            return
        say("", messages.check_last_known(_when(report)))
    else:
        user = report.user
        say(messages.check_intranet(str(report.intranet_url)))
        if user is not None:
            say(messages.check_signed_in_as(user.name, user.email or "", _when(report)))
    result = report.classification
    assert result is not None
    if result.notices:
        say("", messages.check_needs_attention())
        for notice in result.notices:
            say(f"  * {notice.message}", f"    {messages.check_reconnect(notice.reconnect_url)}")
    elif report.error is None:
        say("", messages.check_all_working())
    say("", messages.check_integrations())
    width = max((len(view.name) for view in result.integrations), default=0)
    for view in result.integrations:
        say(f"  {view.name.ljust(width)}  {state_phrase(view)}")
    for warning in result.warnings:
        say(messages.warning_line(warning), error=True)


def _source_words(source: str) -> str:
    """Where a setting came from (Resolved.source, which code compares), in words."""
    if source == "default":
        return messages.source_default()
    if source == "command line":
        return messages.source_command_line()
    if source == "policy":
        return messages.source_policy()
    if source.startswith("env "):
        return messages.source_environment(source.removeprefix("env "))
    if source.startswith("settings file "):
        return messages.source_settings_file(source.removeprefix("settings file "))
    return source


def diagnose(args: argparse.Namespace) -> int:
    from tray_app.core.diagnosis import diagnose as run_diagnosis
    from tray_app.core.diagnosis import diagnosis_to_json

    found = run_diagnosis(_load(args))
    if args.json:
        print_json(diagnosis_to_json(found))
    else:
        _print_diagnosis(found)
    return found.exit_code


def _print_diagnosis(found: Diagnosis) -> None:
    config = found.config
    say(messages.diagnose_heading(), "", messages.diagnose_settings())
    for key, resolved in config.resolved.items():
        line = messages.diagnose_setting_locked if resolved.locked else messages.diagnose_setting
        say(f"  {line(key, repr(resolved.value), _source_words(resolved.source))}")
    for warning in found.notes:
        say(f"  {messages.warning_line(warning)}")
    say("", messages.diagnose_policy(config.policy_origin or messages.policy_none()))
    say(messages.diagnose_settings_file(str(config.settings_path)))
    say(messages.diagnose_state(str(paths.state_file())),
        messages.diagnose_log(str(paths.log_file())))
    say(messages.diagnose_keyring(_store_words(found)))
    say(messages.diagnose_sign_in_method(found.credential.method))
    say(_credential_line(found))
    if found.reach is not None:
        say(messages.diagnose_intranet(str(found.intranet_url), _verdict(found.reach)))
    say("")
    if not found.problems:
        say(messages.diagnose_nothing_broken())
        return
    say(messages.diagnose_problems())
    for problem in found.problems:
        message = problem.error.message
        say(f"  * {messages.configuration_error(message) if problem.area == 'config' else message}")


def _store_words(found: Diagnosis) -> str:
    store = found.store
    if store.name is not None:
        from tray_app.core.keyring_names import describe as describe_store

        return describe_store(store.name)
    return store.error.message if store.error is not None else ""


def _credential_line(found: Diagnosis) -> str:
    if found.credential.source == "environment":
        return messages.diagnose_credential_environment(TOKEN_ENV)
    if found.credential.present:
        return messages.diagnose_credential_keyring()
    return messages.diagnose_credential_missing()


def _verdict(reach: Reach) -> str:
    if reach.error is not None:
        return reach.error.message
    if not reach.signed_in and reach.http_status is not None:
        return messages.diagnose_reachable_without_sign_in(reach.http_status)
    return messages.diagnose_reachable()


def _open_browser(url: str) -> bool:
    # The authorization URL holds no token, so it may be shown.
    say(messages.browser_fallback(url))
    import webbrowser  # 6 ms: only for the commands that open pages

    return webbrowser.open(url)  # honours $BROWSER


def _usage_problem(args: argparse.Namespace, method: str | None) -> str | None:
    if args.token is not None and args.token != "-":
        return messages.usage_token_on_standard_input()
    if args.token is not None and args.method not in (None, "token"):
        return messages.usage_token_and_method()
    if args.device and method != "microsoft":
        return messages.usage_device_only_microsoft()
    return None


def _chosen_method(config: Config, args: argparse.Namespace) -> str:
    """The method asked for (or configured); ConfigError when policy requires another."""
    asked = "token" if args.token is not None else args.method
    configured = str(config.get("auth_method"))
    if asked and asked != configured and config.is_locked("auth_method"):
        raise ConfigError(messages.sign_in_method_required(configured, asked))
    return asked or configured


def sign_in(args: argparse.Namespace) -> int:
    try:
        config = _loaded(args)
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
    from tray_app.core.keyring_names import describe as describe_store
    from tray_app.core.keyring_names import name_store

    say(messages.signed_in_kept_in(sentence, describe_store(name_store(account.secrets()))))
    return 0


def sign_out(args: argparse.Namespace) -> int:
    try:
        config = _load(args)  # sign-out works even where policy cannot be read
        say(Account(config).sign_out())
    except CompanionError as problem:
        say(problem.message, error=True)
        return problem.exit_code
    return 0


# The command line's handlers by command name (cli.py makes the parsers).
HANDLERS: dict[str, Callable[[argparse.Namespace], int]] = {
    "check": check,
    "diagnose": diagnose,
    "sign-in": sign_in,
    "sign-out": sign_out,
}
