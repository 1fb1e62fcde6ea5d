"""The headless worker: what the tray asks of the network and the keyring runs here, in
a short-lived process that is the same core as `check` (`intranet-companion worker`).

It reads one request (core/worker_protocol.py), does it, answers and exits, so the tray
never imports the HTTP stack, TLS, the keyring or the identity providers' libraries. It
never saves the state: the tray owns it and records the report it is handed.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from functools import partial
from typing import Any, BinaryIO

from tray_app.core import messages
from tray_app.core.auth import Account
from tray_app.core.check import Checker
from tray_app.core.config import Config, load_or_problem
from tray_app.core.errors import CompanionError, ErrorKind
from tray_app.core.logs import setup_logging
from tray_app.core.report import report_to_message
from tray_app.core.speech import speak_as_configured
from tray_app.core.state import StateStore
from tray_app.core.worker_protocol import (
    ANSWERS,
    MAX_LINE_BYTES,
    OPS,
    ProtocolError,
    decode,
    encode,
)

log = logging.getLogger(__name__)

Emit = Callable[[dict[str, Any]], None]


def serve(stdin: BinaryIO, stdout: BinaryIO) -> int:
    """Answer one request; 2 when the request itself is unusable (a usage error)."""

    def emit(message: dict[str, Any]) -> None:
        stdout.write(encode(message))
        stdout.flush()

    line = stdin.readline(MAX_LINE_BYTES + 1)
    if not line:
        return 0  # a prestarted worker the tray did not need (worker_client.py)
    setup_logging(stderr_level="CRITICAL")
    try:
        request = decode(line, OPS, "op")
    except ProtocolError as problem:
        refusal = CompanionError(ErrorKind.PROTOCOL, messages.worker_asked_wrongly(str(problem)),
                                 title=messages.could_not_check_title())
        emit({"type": "result", "sentence": None, "error": refusal.to_message()})
        return 2
    flags = {"intranet_url": request.get("intranet_url")
             if isinstance(request.get("intranet_url"), str) else None}
    config = load_or_problem(flags)
    setup_logging(config.get("log_level"), stderr_level="CRITICAL")
    speak_as_configured(config)
    handlers = {**HANDLERS, "reconnect": partial(_reconnect, answers=stdin)}
    handlers[request["op"]](config, request, emit)
    return 0


def _check(config: Config, _request: dict[str, Any], emit: Emit) -> None:
    report = Checker(config, StateStore()).run()
    emit({"type": "report", "report": report_to_message(report)})


def _acknowledge(config: Config, request: dict[str, Any], emit: Emit) -> None:
    items = request.get("notices")
    identities = [tuple(item) for item in items if isinstance(item, list) and len(item) == 3
                  and all(isinstance(part, str) for part in item)] \
        if isinstance(items, list) else []
    Checker(config, StateStore()).acknowledge(identities)  # type: ignore[arg-type]
    emit({"type": "result", "sentence": None, "error": None})


def _sign_in(config: Config, _request: dict[str, Any], emit: Emit) -> None:
    def open_browser(url: str) -> bool:
        emit({"type": "open", "url": url})
        return True

    def say(text: str) -> None:
        emit({"type": "progress", "text": text})

    _result(emit, lambda: Account(config).sign_in(open_browser, say))


def _sign_out(config: Config, _request: dict[str, Any], emit: Emit) -> None:
    _result(emit, Account(config).sign_out)


def _reconnect(config: Config, request: dict[str, Any], emit: Emit, *,
               answers: BinaryIO) -> None:
    """Native reconnect, or the reconnect page, for one integration (worker_protocol.py)."""
    from tray_app.core.native.reconnect import Prompts, reconnect

    report = Checker(config, StateStore()).run()
    if report.error is not None:
        emit({"type": "result", "sentence": None, "error": report.error.to_message()})
        return
    assert report.classification is not None
    wanted = request.get("integration_id")
    view = next((v for v in report.classification.integrations if v.id == wanted), None)
    if view is None:
        unknown = CompanionError(ErrorKind.CONFIG, messages.reconnect_unknown_integration(
            str(wanted) if isinstance(wanted, str) else ""))
        emit({"type": "result", "sentence": None, "error": unknown.to_message()})
        return

    def open_browser(url: str) -> bool:
        emit({"type": "open", "url": url})
        return True

    def confirm(account: str) -> bool:
        emit({"type": "confirm", "account": account})
        try:
            answer = decode(answers.readline(MAX_LINE_BYTES + 1), ANSWERS, "op")
        except ProtocolError:
            return False
        return answer.get("answer") is True

    prompts = Prompts(open_browser, lambda text: emit({"type": "progress", "text": text}),
                      confirm if request.get("can_confirm") is True else None)
    outcome = reconnect(config, view, prompts)
    error = CompanionError(outcome.error_kind, outcome.sentence or "") \
        if outcome.error_kind is not None else None
    emit({"type": "result", "sentence": outcome.sentence,
          "error": error.to_message() if error else None, **outcome.to_message()})


def _result(emit: Emit, action: Callable[[], str]) -> None:
    try:
        sentence = action()
    except CompanionError as problem:
        emit({"type": "result", "sentence": None, "error": problem.to_message()})
        return
    emit({"type": "result", "sentence": sentence, "error": None})


HANDLERS: dict[str, Callable[[Config, dict[str, Any], Emit], None]] = {
    "check": _check,
    "ack": _acknowledge,
    "sign-in": _sign_in,
    "sign-out": _sign_out,
}
