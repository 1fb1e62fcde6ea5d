"""The worker protocol's report: what a real check found crosses to the tray unchanged,
and anything else the worker might print is refused, never half-believed."""

from __future__ import annotations

import contextlib
import json

import pytest
from fakeserver import Reply
from hypothesis import given
from hypothesis import strategies as st

from tray_app.core.check import Checker
from tray_app.core.config import load_config
from tray_app.core.credentials import StaticToken
from tray_app.core.report import report_from_message, report_to_json, report_to_message
from tray_app.core.state import StateStore, remember

PATH = "/api/v1/me/integrations"


def body(base: str) -> dict:
    return {"user": {"id": "u-1", "name": "Jane \x1b Doe", "email": "jane@acme.example"},
            "external_apps_url": "https://evil.example/",
            "warning_window_days": 12,
            "integrations": [
                {"id": "dropbox", "name": "Dropbox", "provider": "dropbox",
                 "status": "disconnected", "disconnected_at": "2026-11-27T08:12:00Z"},
                {"id": "drive", "name": "Google Drive", "provider": "google",
                 "status": "connected", "expires_at": "2026-12-03T10:00:00.250+01:00",
                 "reconnect_url": "https://evil.example/x"},
                {"id": "bad\n", "name": "Broken"}]}


def run_check(url: str):
    config = load_config({"intranet_url": url}, environ={})
    return Checker(config, StateStore(),
                   provider_factory=lambda _u: StaticToken("token-0123456789")).run()


def crossed(report):
    return report_from_message(json.loads(json.dumps(report_to_message(report))))


def test_a_good_report_crosses_unchanged(fake_server) -> None:
    server = fake_server()
    server.respond("GET", PATH, Reply.json(body(server.url), headers={"ETag": '"v7"'}))
    report = run_check(server.url)
    again = crossed(report)
    assert report_to_json(again) == report_to_json(report)
    assert again.etag == '"v7"' and again.answer == report.answer


def test_a_stale_report_with_retry_after_crosses_unchanged(fake_server) -> None:
    server = fake_server()
    server.respond("GET", PATH, Reply.json(body(server.url)),
                   Reply.json({"error": "busy"}, status=503, headers={"Retry-After": "120"}))
    first = run_check(server.url)
    StateStore().update(lambda state: remember(state, first))
    report = run_check(server.url)
    assert report.stale and report.error is not None
    again = crossed(report)
    assert report_to_json(again) == report_to_json(report)
    assert again.retry_not_before == report.retry_not_before
    assert again.error is not None and again.error.retry_after == 120


@pytest.mark.parametrize("data", [None, [], {}, {"stale": False},
                                  {"stale": False, "checked_at": "yesterday"},
                                  {"stale": False, "checked_at": "2026-12-01T00:00:00Z",
                                   "answer": {"user": 1}, "intranet_url": "https://i.example",
                                   "warnings": []}])
def test_garbage_is_refused(data: object) -> None:
    with pytest.raises(ValueError):
        report_from_message(data)


@given(st.recursive(st.none() | st.booleans() | st.integers() | st.text(),
                    lambda inner: st.lists(inner, max_size=3)
                    | st.dictionaries(st.sampled_from(
                        ["intranet_url", "checked_at", "error", "answer", "warnings", "stale",
                         "answer_warnings", "confirmed_at", "etag", "retry_not_before", "kind",
                         "message"]),
                        inner, max_size=6), max_leaves=20))
def test_any_value_is_a_report_or_a_value_error(data: object) -> None:
    with contextlib.suppress(ValueError):
        report_from_message(data)
