"""The demo intranet's native reconnect: `native_connect` in a scenario, and
`POST grant_url` (intranet-api.md, "Native reconnect"), over real HTTP on 127.0.0.1."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import requests
from fake_clock import FakeClock

from tests.contract import assert_valid
from tray_app.demo import DemoIntranet, ScenarioError
from tray_app.demo.scenario import validate_scenario

START = datetime(2026, 11, 28, 9, 0, tzinfo=UTC)
LIST_PATH = "/api/v1/me/integrations"
REFRESH_TOKEN = "refresh-SECRET-4f1d9a"
ACCESS_TOKEN = "access-SECRET-77c2e0"
DROPBOX_OFFER = {
    "provider": "dropbox", "client_id": "demo-app-key",
    "scopes": ["files.content.read", "account_info.read"],
    "authority": None, "expected_account": "jane@acme.example",
}
SCENARIO: dict[str, Any] = {
    "integrations": [
        {"id": "dropbox", "name": "Dropbox", "provider": "dropbox", "status": "disconnected",
         "account": "jane@acme.example", "disconnected_days_ago": 1,
         "reason": "refresh_failed", "native_connect": DROPBOX_OFFER},
        {"id": "onedrive", "name": "OneDrive", "provider": "microsoft",
         "status": "not_connected",
         "native_connect": {"provider": "microsoft", "client_id": "0000-demo",
                            "authority": "https://login.microsoftonline.com/contoso"}},
        {"id": "slack", "name": "Slack", "provider": "slack", "status": "disconnected",
         "disconnected_days_ago": 2},
    ],
}


@pytest.fixture
def demo(tmp_path: Path) -> Iterator[DemoIntranet]:
    with DemoIntranet(scenario=SCENARIO, clock=FakeClock(START),
                      db_path=str(tmp_path / "demo.sqlite")) as server:
        yield server


def bearer(demo: DemoIntranet) -> dict[str, str]:
    return {"Authorization": f"Bearer {demo.token}"}


def listing(demo: DemoIntranet, **headers: str) -> requests.Response:
    return requests.get(demo.url + LIST_PATH, headers={**bearer(demo), **headers}, timeout=5)


def entries(demo: DemoIntranet) -> dict[str, dict[str, Any]]:
    return {entry["id"]: entry for entry in listing(demo).json()["integrations"]}


def grant_body(**changes: Any) -> dict[str, Any]:
    body = {
        "provider": "dropbox", "account": "jane@acme.example", "account_id": "dbid:AAB12",
        "refresh_token": REFRESH_TOKEN, "access_token": ACCESS_TOKEN,
        "expires_at": "2027-02-20T12:00:00Z", "scopes": ["files.content.read"],
    }
    body.update(changes)
    return {key: value for key, value in body.items() if value is not ...}


def post_grant(demo: DemoIntranet, ident: str = "dropbox", *, body: Any = None,
               raw: bytes | None = None, headers: dict[str, str] | None = None
               ) -> requests.Response:
    data = raw if raw is not None else json.dumps(grant_body() if body is None else body)
    return requests.post(
        f"{demo.url}/api/v1/me/integrations/{ident}/grant", data=data,
        headers={"Content-Type": "application/json",
                 **(bearer(demo) if headers is None else headers)},
        timeout=5,
    )


def assert_error(response: requests.Response, status: int, code: str) -> None:
    assert response.status_code == status
    assert response.headers["Content-Type"] == "application/json"
    assert_valid(response.json(), "Error")
    assert response.json()["error"] == code
    assert response.json()["message"]


# --- native_connect in GET /api/v1/me/integrations ---------------------------------------

def test_the_list_offers_native_connect_exactly_per_the_contract(demo: DemoIntranet) -> None:
    body = listing(demo).json()
    assert_valid(body, "IntegrationList")
    served = {entry["id"]: entry for entry in body["integrations"]}

    assert served["dropbox"]["native_connect"] == {
        **DROPBOX_OFFER, "grant_url": f"{demo.url}/api/v1/me/integrations/dropbox/grant",
    }
    assert served["onedrive"]["native_connect"] == {
        "provider": "microsoft", "client_id": "0000-demo", "scopes": [],
        "authority": "https://login.microsoftonline.com/contoso", "expected_account": None,
        "grant_url": f"{demo.url}/api/v1/me/integrations/onedrive/grant",
    }
    assert "native_connect" not in served["slack"]


def test_the_default_scenario_keeps_page_based_reconnect() -> None:
    with DemoIntranet() as demo:
        assert all("native_connect" not in entry for entry in entries(demo).values())


# --- POST grant_url --------------------------------------------------------------------

def test_a_grant_connects_the_integration_with_the_new_expiry(demo: DemoIntranet) -> None:
    before = listing(demo)
    assert_valid(grant_body(), "Grant")

    answer = post_grant(demo, body=grant_body(account="Jane@Acme.example"))

    assert answer.status_code == 204
    assert answer.content == b""
    after = listing(demo, **{"If-None-Match": before.headers["ETag"]})
    assert after.status_code == 200
    assert after.headers["ETag"] != before.headers["ETag"]
    dropbox = {entry["id"]: entry for entry in after.json()["integrations"]}["dropbox"]
    assert dropbox["status"] == "connected"
    assert dropbox["account"] == "Jane@Acme.example"
    assert dropbox["expires_at"] == "2027-02-20T12:00:00Z"
    assert dropbox["disconnected_at"] is None
    assert dropbox["reason"] is None
    assert dropbox["native_connect"]["grant_url"].endswith("/dropbox/grant")
    assert listing(demo, **{"If-None-Match": after.headers["ETag"]}).status_code == 304
    assert demo.grant("dropbox") == {
        "account": "Jane@Acme.example", "account_id": "dbid:AAB12",
        "expires_at": "2027-02-20T12:00:00Z", "scopes": ["files.content.read"],
    }


def test_a_grant_without_expiry_lasts_90_days_and_offset_times_become_utc(
        demo: DemoIntranet) -> None:
    assert post_grant(demo, body=grant_body(expires_at=..., scopes=...)).status_code == 204
    assert entries(demo)["dropbox"]["expires_at"] == "2027-02-26T09:00:00Z"
    assert demo.grant("dropbox")["scopes"] == []

    assert post_grant(demo, body=grant_body(expires_at="2027-01-01T10:00:00+01:00")
                      ).status_code == 204
    assert entries(demo)["dropbox"]["expires_at"] == "2027-01-01T09:00:00Z"


def test_an_integration_with_no_expected_account_takes_any_account(demo: DemoIntranet) -> None:
    body = grant_body(provider="microsoft", account="someone@contoso.example")

    assert post_grant(demo, "onedrive", body=body).status_code == 204
    assert entries(demo)["onedrive"]["status"] == "connected"
    assert entries(demo)["onedrive"]["account"] == "someone@contoso.example"


def test_another_account_is_refused_with_409_and_changes_nothing(demo: DemoIntranet) -> None:
    before = entries(demo)["dropbox"]

    answer = post_grant(demo, body=grant_body(account="jane.private@gmail.example"))

    assert_error(answer, 409, "account_mismatch")
    assert "jane@acme.example" in answer.json()["message"]
    assert entries(demo)["dropbox"] == before
    assert demo.grant("dropbox") is None


@pytest.mark.parametrize("raw", [
    pytest.param(b"not json", id="not-json"),
    pytest.param(b"\xff\xfe{}", id="not-utf8"),
    pytest.param(b"[]", id="a-list"),
    pytest.param(b"", id="empty"),
    pytest.param(json.dumps(grant_body(refresh_token=...)).encode(), id="no-refresh-token"),
    pytest.param(json.dumps(grant_body(refresh_token="")).encode(), id="empty-refresh-token"),
    pytest.param(json.dumps(grant_body(access_token=...)).encode(), id="no-access-token"),
    pytest.param(json.dumps(grant_body(access_token="")).encode(), id="empty-access-token"),
    pytest.param(json.dumps(grant_body(refresh_token=12345)).encode(), id="token-a-number"),
    pytest.param(json.dumps(grant_body(provider="google")).encode(), id="wrong-provider"),
    pytest.param(json.dumps(grant_body(provider=...)).encode(), id="no-provider"),
    pytest.param(json.dumps(grant_body(account=...)).encode(), id="no-account"),
    pytest.param(json.dumps(grant_body(account="")).encode(), id="empty-account"),
    pytest.param(json.dumps(grant_body(account_id=7)).encode(), id="account-id-a-number"),
    pytest.param(json.dumps(grant_body(scopes="files.content.read")).encode(),
                 id="scopes-a-string"),
    pytest.param(json.dumps(grant_body(scopes=[1])).encode(), id="scope-a-number"),
    pytest.param(json.dumps(grant_body(expires_at="tomorrow")).encode(), id="expiry-not-a-time"),
    pytest.param(json.dumps(grant_body(expires_at="2026-11-01T00:00:00Z")).encode(),
                 id="expiry-past"),
    pytest.param(json.dumps(grant_body(expires_at="2027-02-26T09:00:00")).encode(),
                 id="expiry-without-offset"),
    pytest.param(json.dumps(grant_body(refresh_token="r" * 40_000)).encode(), id="oversized"),
])
def test_an_unusable_grant_is_400_invalid_grant_and_changes_nothing(
        demo: DemoIntranet, raw: bytes) -> None:
    before = entries(demo)["dropbox"]

    answer = post_grant(demo, raw=raw)

    assert_error(answer, 400, "invalid_grant")
    assert REFRESH_TOKEN not in answer.text
    assert entries(demo)["dropbox"] == before
    assert demo.grant("dropbox") is None


@pytest.mark.parametrize("ident", ["slack", "no-such-integration"])
def test_no_native_connect_or_no_such_integration_is_404(demo: DemoIntranet, ident: str) -> None:
    before = entries(demo)

    assert_error(post_grant(demo, ident, body=grant_body(provider="slack")), 404, "not_found")
    assert entries(demo) == before


@pytest.mark.parametrize("headers", [
    pytest.param({}, id="no-token"),
    pytest.param({"Authorization": "Bearer not-the-token"}, id="wrong-token"),
    pytest.param({"Authorization": "Basic amFuZTpzZWNyZXQ="}, id="not-bearer"),
])
def test_a_grant_needs_the_bearer_token(demo: DemoIntranet, headers: dict[str, str]) -> None:
    for ident in ("dropbox", "slack"):  # 401 comes first, even where 404 would follow
        answer = post_grant(demo, ident, headers=headers)
        assert_error(answer, 401, "invalid_token")
        assert "Bearer" in answer.headers["WWW-Authenticate"]
    assert entries(demo)["dropbox"]["status"] == "disconnected"


def test_grant_url_takes_only_post(demo: DemoIntranet) -> None:
    answer = requests.get(f"{demo.url}/api/v1/me/integrations/dropbox/grant",
                          headers=bearer(demo), timeout=5)
    assert_error(answer, 405, "method_not_allowed")
    assert answer.headers["Allow"] == "POST"


def test_the_tokens_are_never_logged_nor_stored(
        demo: DemoIntranet, tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG, logger="tray_app.demo")

    assert post_grant(demo, body=grant_body(account="bob@acme.example")).status_code == 409
    assert post_grant(demo, body=grant_body(scopes="x")).status_code == 400
    assert post_grant(demo).status_code == 204

    assert "Grant handed over for dropbox" in caplog.text
    database = b"".join(path.read_bytes() for path in tmp_path.glob("demo.sqlite*"))
    assert b"dbid:AAB12" in database  # what is kept is there...
    for token in (REFRESH_TOKEN, ACCESS_TOKEN):
        assert token not in caplog.text  # ...and the tokens are not
        assert token.encode() not in database
    assert REFRESH_TOKEN not in repr(demo.grant("dropbox"))


def test_a_grant_survives_a_restart_with_the_same_database(tmp_path: Path) -> None:
    path = str(tmp_path / "kept.sqlite")
    with DemoIntranet(scenario=SCENARIO, clock=FakeClock(START), db_path=path) as first:
        assert post_grant(first).status_code == 204
    with DemoIntranet(clock=FakeClock(START), db_path=path) as second:
        dropbox = entries(second)["dropbox"]
        assert dropbox["status"] == "connected"
        assert dropbox["native_connect"]["grant_url"] == (
            f"{second.url}/api/v1/me/integrations/dropbox/grant")


# --- the scenario key ------------------------------------------------------------------

def scenario_with(native_connect: Any) -> dict[str, Any]:
    return {"integrations": [{"id": "box", "name": "Box", "provider": "box",
                              "status": "connected", "native_connect": native_connect}]}


def test_a_minimal_native_connect_gets_its_defaults() -> None:
    checked = validate_scenario(scenario_with({"provider": "google", "client_id": "c-1"}))

    assert checked["integrations"][0]["native_connect"] == {
        "provider": "google", "client_id": "c-1", "scopes": [], "authority": None,
        "expected_account": None,
    }
    assert validate_scenario(scenario_with(None))["integrations"][0]["native_connect"] is None


@pytest.mark.parametrize(("native_connect", "expected"), [
    ("dropbox", "must be an object"),
    ({"provider": "dropbox", "client_id": "c", "grant_url": "http://x/"},
     "unknown key 'grant_url'"),
    ({"provider": "box", "client_id": "c"}, "'provider' must be one of: microsoft, google"),
    ({"client_id": "c"}, "'provider' must be one of"),
    ({"provider": "dropbox"}, "'client_id' must be a string of 1 to 256 characters"),
    ({"provider": "dropbox", "client_id": ""}, "'client_id' must be a string"),
    ({"provider": "dropbox", "client_id": "c", "scopes": "files.read"}, "'scopes' must be"),
    ({"provider": "dropbox", "client_id": "c", "scopes": [""]}, "'scopes' must be"),
    ({"provider": "dropbox", "client_id": "c", "scopes": ["a b"]}, "'scopes' must be"),
    ({"provider": "google", "client_id": "c", "authority": "https://login.example/t"},
     "'authority' is for the microsoft provider only"),
    ({"provider": "microsoft", "client_id": "c", "authority": "http://login.example/t"},
     "'authority' must be null or an https:// URL"),
    ({"provider": "microsoft", "client_id": "c", "authority": "https://u@login.example/"},
     "'authority' must be null or an https:// URL"),
    ({"provider": "microsoft", "client_id": "c", "authority": "https://[bad/"},
     "'authority' must be null or an https:// URL"),
    ({"provider": "microsoft", "client_id": "c", "authority": "https://login.example/"},
     "'authority' must be null or an https:// URL with the tenant"),
    ({"provider": "dropbox", "client_id": "c", "expected_account": 5},
     "'expected_account' must be a string"),
    ({"provider": "dropbox", "client_id": "c", "expected_account": ""},
     "'expected_account' must be a string"),
])
def test_a_bad_native_connect_is_explained_in_one_sentence(
        native_connect: Any, expected: str) -> None:
    with pytest.raises(ScenarioError) as refused:
        validate_scenario(scenario_with(native_connect))

    message = refused.value.message
    assert message.startswith("integrations[0] ('box')'s native_connect: ")
    assert expected in message
    assert message.endswith(".")
    assert "\n" not in message
