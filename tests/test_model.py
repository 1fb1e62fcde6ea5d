"""Parsing the intranet's answer: wrong shapes fail, malformed entries are skipped."""

from __future__ import annotations

import pytest

from tray_app.core.errors import CompanionError, ErrorKind
from tray_app.core.model import parse_integration_list

GOOD = {"id": "a", "name": "A", "provider": "x", "status": "connected"}


def body(integrations: list, **extra: object) -> dict:
    return {"user": {"id": "u", "name": "J", "email": "j@x"},
            "external_apps_url": "https://i.example/apps", "integrations": integrations,
            **extra}


@pytest.mark.parametrize("bad", [
    [], "text", {"integrations": []},
    {"user": {"id": "u", "name": "J"}, "external_apps_url": "u", "integrations": {}},
    {"user": "jane", "external_apps_url": "u", "integrations": []},
])
def test_wrong_shape_is_a_protocol_error(bad: object) -> None:
    with pytest.raises(CompanionError) as caught:
        parse_integration_list(bad)
    assert caught.value.kind is ErrorKind.PROTOCOL
    assert "does not understand" in caught.value.message


@pytest.mark.parametrize(("entry", "why"), [
    ("nope", "not an object"),
    ({**GOOD, "id": "bad id!"}, "'id'"),
    ({**GOOD, "name": ""}, "'name'"),
    ({**GOOD, "name": "n" * 101}, "longer than 100"),
    ({**GOOD, "expires_at": "2026-12-01T00:00:00"}, "'expires_at'"),
    ({**GOOD, "expires_at": "tomorrow"}, "'expires_at'"),
    ({k: v for k, v in GOOD.items() if k != "status"}, "'status'"),
])
def test_malformed_entry_is_skipped_by_index(entry: object, why: str) -> None:
    parsed = parse_integration_list(body([GOOD | {"id": "first"}, entry, GOOD]))
    assert [i.id for i in parsed.integrations] == ["first", "a"]
    assert len(parsed.warnings) == 1
    assert parsed.warnings[0].startswith("integrations[1] skipped")
    assert why in parsed.warnings[0]


def test_duplicate_ids_keep_the_first() -> None:
    parsed = parse_integration_list(body([GOOD, GOOD | {"name": "B"}]))
    assert [i.name for i in parsed.integrations] == ["A"]
    assert "appears twice" in parsed.warnings[0]


@pytest.mark.parametrize("window", [0, 91, "10", True])
def test_bad_window_falls_back_to_ten(window: object) -> None:
    parsed = parse_integration_list(body([], warning_window_days=window))
    assert parsed.warning_window_days == 10
    assert "warning_window_days" in parsed.warnings[0]


def test_window_default_and_value() -> None:
    assert parse_integration_list(body([])).warning_window_days == 10
    assert parse_integration_list(body([], warning_window_days=30)).warning_window_days == 30
