"""`reconnect ID [--no-wait]` (cli.md; the parser is in cli.py): what the tray's Reconnect
does for one integration, then re-checks until it is connected again. Core only, no Qt.

Exit status: 0 once a check shows the integration connected; 1 when it is not within
`reconnect_watch_minutes` (at once with --no-wait, after the page was opened or the
grant handed over and one check), and when another account signed in or the person did
not confirm the account; 2 for an unknown integration id; 3, 4 or 5 as `check` does.

Confirming the account (native reconnect without `expected_account`): a y/N question
when standard input is a terminal; otherwise nobody can answer, so no vendor sign-in is
started and the reconnect page opens instead (the intranet's own page then asks).
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
import time
import webbrowser

from tray_app.core import messages
from tray_app.core.check import Checker
from tray_app.core.classify import IntegrationView, State
from tray_app.core.config import Config, load_or_problem
from tray_app.core.errors import ErrorKind
from tray_app.core.logs import log_start, register_secret, setup_logging
from tray_app.core.native.reconnect import Outcome, OutcomeKind, Prompts, open_page, reconnect
from tray_app.core.report import CheckReport
from tray_app.core.speech import speak_as_configured
from tray_app.core.state import StateStore
from tray_app.core.tokens import TOKEN_ENV
from tray_app.terminal import USAGE_ERROR, say

log = logging.getLogger(__name__)

COMMAND = "reconnect"
NOT_CONNECTED = 1
_STOPS_WATCHING = (ErrorKind.AUTH, ErrorKind.CONFIG)  # waiting cannot fix these


def run(args: argparse.Namespace) -> int:
    config = _load(args)
    if config.problem is not None:
        say(messages.configuration_error(config.problem.message), error=True)
        return config.problem.exit_code
    checker = Checker(config, StateStore())
    report = checker.run_and_remember()
    if report.error is not None:
        say(messages.check_could_not(report.error.message), error=True)
        return report.error.exit_code
    view = _find(report, args.id)
    if view is None:
        say(messages.reconnect_unknown_integration(args.id), error=True)
        return USAGE_ERROR
    prompts = _prompts(view)
    outcome = reconnect(config, view, prompts)
    return _after(outcome, view, prompts, config, checker, no_wait=args.no_wait)


def _load(args: argparse.Namespace) -> Config:
    setup_logging()
    register_secret(os.environ.get(TOKEN_ENV, "").strip())
    config = load_or_problem({"intranet_url": getattr(args, "intranet_url", None)})
    setup_logging(config.get("log_level"))
    speak_as_configured(config)
    log_start(config, COMMAND)
    return config


def _find(report: CheckReport, integration_id: str) -> IntegrationView | None:
    assert report.classification is not None
    return next((view for view in report.classification.integrations
                 if view.id == integration_id), None)


def _prompts(view: IntegrationView) -> Prompts:
    def open_browser(url: str) -> bool:
        return webbrowser.open(url)  # honours $BROWSER

    def confirm(account: str) -> bool:
        try:
            answer = input(messages.native_confirm_account(view.name, account))
        except EOFError:
            return False
        return answer.strip().casefold() in _yes_answers()

    return Prompts(open_browser, say, confirm if sys.stdin.isatty() else None)


def _yes_answers() -> set[str]:
    words = messages.native_yes_answers().split(",")
    return {word.strip().casefold() for word in (*words, "y", "yes") if word.strip()}


def _after(outcome: Outcome, view: IntegrationView, prompts: Prompts, config: Config,
           checker: Checker, *, no_wait: bool) -> int:
    failed = outcome.kind in (OutcomeKind.FAILED, OutcomeKind.WRONG_ACCOUNT,
                              OutcomeKind.NOT_CONFIRMED)
    if outcome.sentence:
        say(outcome.sentence, error=failed)
    if outcome.kind in (OutcomeKind.WRONG_ACCOUNT, OutcomeKind.NOT_CONFIRMED):
        return NOT_CONNECTED  # running the command again is trying again
    if outcome.offers_page:
        say(messages.native_opening_page_instead())
        open_page(view, prompts)
    if outcome.kind is OutcomeKind.HANDED_OVER:
        report = checker.run_and_remember()
        if _connected(report, view.id):
            say(messages.connected_again(view.name))
            return 0
    if no_wait:
        return NOT_CONNECTED
    return _watch(view, config, checker)


def _connected(report: CheckReport, integration_id: str) -> bool:
    if report.error is not None or report.classification is None:
        return False
    view = _find(report, integration_id)
    return view is not None and view.state is State.CONNECTED


def _watch(view: IntegrationView, config: Config, checker: Checker) -> int:
    interval = int(config.get("reconnect_watch_interval_seconds"))
    minutes = int(config.get("reconnect_watch_minutes"))
    say(messages.reconnect_watching(view.name, interval, minutes))
    deadline = time.monotonic() + minutes * 60
    while (remaining := deadline - time.monotonic()) > 0:
        time.sleep(min(interval, remaining))
        report = checker.run_and_remember()
        if _connected(report, view.id):
            say(messages.connected_again(view.name))
            return 0
        if report.error is not None and report.error.kind in _STOPS_WATCHING:
            say(messages.check_could_not(report.error.message), error=True)
            return report.error.exit_code
    say(messages.reconnect_still_not_connected(view.name, minutes), error=True)
    return NOT_CONNECTED
