"""What one check found, in the forms it leaves in: `check --json` (cli.md) and the
worker protocol's report, which the tray turns back into a CheckReport.

No HTTP here: the tray imports this, never the client. The worker sends the answer as
the companion read it and the tray classifies it again (a pure function), so nothing is
sent that can be recomputed.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from tray_app.core.classify import Classification, classify
from tray_app.core.errors import CompanionError
from tray_app.core.model import IntegrationList, User, answer_to_json, parse_integration_list
from tray_app.core.timeutil import format_utc, format_utc_exact, time_field


@dataclass(frozen=True)
class CheckReport:
    intranet_url: str | None
    checked_at: datetime
    error: CompanionError | None = None
    answer: IntegrationList | None = None
    classification: Classification | None = None
    stale: bool = False
    confirmed_at: datetime | None = None  # server time the shown answer was confirmed at
    etag: str | None = None  # of a fresh answer, to send next time
    retry_not_before: datetime | None = None  # this computer's clock, after a Retry-After
    http_status: int | None = None  # 200 or 304 of a fresh answer (log, diagnose; not sent)

    @property
    def outcome(self) -> str:
        if self.error is not None:
            return "error"
        return "attention" if self.classification and self.classification.notices else "ok"

    @property
    def exit_code(self) -> int:
        if self.error is not None:
            return self.error.exit_code
        return 1 if self.outcome == "attention" else 0

    @property
    def user(self) -> User | None:
        return self.answer.user if self.answer else None


def _user_json(user: User | None) -> dict[str, Any] | None:
    return None if user is None else {"id": user.id, "name": user.name, "email": user.email}


def report_to_json(report: CheckReport) -> dict[str, Any]:
    """The `check --json` object of cli.md."""
    result = report.classification
    data: dict[str, Any] = {
        "schema": 1,
        "intranet_url": report.intranet_url,
        "checked_at": format_utc(report.checked_at),
        "outcome": report.outcome,
        "error": report.error.to_json() if report.error else None,
        "user": _user_json(report.user),
        "external_apps_url": result.external_apps_url if result else None,
        "warning_window_days": report.answer.warning_window_days if report.answer else None,
        "integrations": [
            {
                "id": view.id, "name": view.name, "provider": view.provider,
                "state": view.state.value, "account": view.account,
                "expires_at": format_utc(view.expires_at) if view.expires_at else None,
                "days_left": view.days_left, "reason": view.reason,
                "reconnect_url": view.reconnect_url,
            }
            for view in (result.integrations if result else ())
        ],
        "notices": [
            {"integration_id": n.integration_id, "kind": n.kind.value, "key": n.key,
             "message": n.message}
            for n in (result.notices if result else ())
        ],
        "warnings": list(result.warnings) if result else [],
    }
    if report.stale:
        data["stale"] = True
        data["confirmed_at"] = format_utc(report.confirmed_at) if report.confirmed_at else None
    return data


def report_to_message(report: CheckReport) -> dict[str, Any]:
    """The report for the worker protocol (see `report_from_message`)."""
    result = report.classification
    return {
        "intranet_url": report.intranet_url,
        "checked_at": format_utc_exact(report.checked_at),
        "error": report.error.to_message() if report.error else None,
        "answer": answer_to_json(report.answer) if report.answer else None,
        "answer_warnings": list(report.answer.warnings) if report.answer else [],
        "warnings": list(result.warnings) if result else [],
        "stale": report.stale,
        "confirmed_at": _time_out(report.confirmed_at),
        "etag": report.etag,
        "retry_not_before": _time_out(report.retry_not_before),
    }


def report_from_message(data: object) -> CheckReport:
    """The CheckReport `report_to_message` described, classified again; ValueError when
    `data` is not such a report (the worker is another process: trust nothing)."""
    if not isinstance(data, dict):
        raise ValueError("the report is not an object")
    url, etag, stale = data.get("intranet_url"), data.get("etag"), data.get("stale")
    if not (url is None or isinstance(url, str)) or not (etag is None or isinstance(etag, str)) \
            or not isinstance(stale, bool):
            raise ValueError("the report's address, ETag or stale flag is wrong")
    checked_at = time_field(data.get("checked_at"), required=True)
    confirmed_at = time_field(data.get("confirmed_at"))
    error = None if data.get("error") is None else CompanionError.from_message(data["error"])
    answer, classification = None, None
    if data.get("answer") is not None:
        if url is None:
            raise ValueError("a report with an answer names no intranet")
        answer = replace(_answer_in(data["answer"]),
                         warnings=_warnings_in(data.get("answer_warnings")))
        judged_at = confirmed_at if stale and confirmed_at else checked_at
        classification = replace(classify(answer, judged_at, url),
                                 warnings=_warnings_in(data.get("warnings")))
    assert checked_at is not None
    return CheckReport(url, checked_at, error=error, answer=answer,
                       classification=classification, stale=stale, confirmed_at=confirmed_at,
                       etag=etag, retry_not_before=time_field(data.get("retry_not_before")))


def _time_out(moment: datetime | None) -> str | None:
    return format_utc_exact(moment) if moment else None


def _answer_in(value: object) -> IntegrationList:
    try:
        return parse_integration_list(value)
    except CompanionError:
        raise ValueError("the report's answer is not one the companion reads") from None


def _warnings_in(value: object) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(w, str) for w in value):
        raise ValueError("the report's warnings are not a list of texts")
    return tuple(value)
