"""The demo intranet, over real HTTP on 127.0.0.1."""

from __future__ import annotations

import http.client
import json
import logging
import os
import queue
import signal
import subprocess
import sys
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import requests
from fake_clock import FakeClock

from tests.contract import assert_valid
from tray_app.core.timeutil import format_utc, parse_http_date
from tray_app.demo import DemoIntranet, ScenarioError, UnknownIntegration, load_scenario, run

REPO = Path(__file__).resolve().parents[1]
START = datetime(2026, 11, 28, 9, 0, tzinfo=UTC)
LIST_PATH = "/api/v1/me/integrations"
ACK_PATH = "/api/v1/me/notices/ack"
APPS_PATH = "/profile/settings/external-apps"


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(START)


@pytest.fixture
def demo(clock: FakeClock) -> Iterator[DemoIntranet]:
    with DemoIntranet(clock=clock) as server:
        yield server


def bearer(demo: DemoIntranet) -> dict[str, str]:
    return {"Authorization": f"Bearer {demo.token}"}


def get_list(demo: DemoIntranet, **headers: str) -> requests.Response:
    return requests.get(demo.url + LIST_PATH, headers={**bearer(demo), **headers}, timeout=5)


def by_id(body: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {entry["id"]: entry for entry in body["integrations"]}


def admin_api(demo: DemoIntranet, ident: str, payload: Any) -> requests.Response:
    return requests.post(
        f"{demo.url}/admin/api/integrations/{ident}", json=payload, headers=bearer(demo), timeout=5
    )


def post_form(demo: DemoIntranet, path: str, data: dict | None = None, **headers: str):
    return requests.post(
        demo.url + path, data=data or {}, headers=headers, allow_redirects=False, timeout=5
    )


def assert_error(response: requests.Response, status: int, code: str) -> None:
    assert response.status_code == status
    assert response.headers["Content-Type"] == "application/json"
    assert_valid(response.json(), "Error")
    assert response.json()["error"] == code


# --- GET /api/v1/me/integrations ----------------------------------------------------------

def test_list_matches_contract_and_default_scenario(demo: DemoIntranet) -> None:
    response = get_list(demo)

    assert response.status_code == 200
    assert response.headers["Content-Type"] == "application/json"
    assert response.headers["Date"] == "Sat, 28 Nov 2026 09:00:00 GMT"
    assert response.headers["Server"] == "IntranetCompanionDemo"
    body = response.json()
    assert_valid(body, "IntegrationList")
    assert body["user"] == {"id": "u-123", "name": "Jane Doe", "email": "jane@acme.example"}
    assert body["external_apps_url"] == demo.url + APPS_PATH
    assert body["warning_window_days"] == 10
    entries = by_id(body)
    assert list(entries) == ["microsoft365", "google-drive", "dropbox", "slack", "servicenow"]
    for ident, entry in entries.items():
        assert entry["reconnect_url"] == f"{demo.url}{APPS_PATH}#{ident}"
        assert set(entry) == {"id", "name", "provider", "status", "account", "expires_at",
                              "disconnected_at", "reason", "reconnect_url"}


def test_list_seeds_times_relative_to_the_clock(demo: DemoIntranet) -> None:
    response = get_list(demo)
    entries = by_id(response.json())

    assert entries["microsoft365"]["provider"] == "microsoft"
    assert entries["microsoft365"]["status"] == "connected"
    assert entries["microsoft365"]["expires_at"] == "2027-01-27T15:00:00Z"
    assert entries["google-drive"]["provider"] == "google"
    assert entries["google-drive"]["expires_at"] == "2026-12-01T15:00:00Z"
    server_now = parse_http_date(response.headers["Date"])
    expires = datetime.fromisoformat(entries["google-drive"]["expires_at"])
    assert (expires - server_now) // timedelta(days=1) == 3
    assert entries["dropbox"] | {"reconnect_url": None} == {
        "id": "dropbox", "name": "Dropbox", "provider": "dropbox", "status": "disconnected",
        "account": "jane@acme.example", "expires_at": None,
        "disconnected_at": "2026-11-27T09:00:00Z", "reason": "refresh_failed",
        "reconnect_url": None,
    }
    assert entries["slack"]["status"] == "not_connected"
    assert entries["slack"]["account"] is None
    assert entries["servicenow"]["status"] == "connected"
    assert entries["servicenow"]["expires_at"] is None


def test_etag_gives_304_until_the_data_changes(demo: DemoIntranet) -> None:
    first = get_list(demo)
    etag = first.headers["ETag"]
    assert etag.startswith('"') and etag.endswith('"') and len(etag) > 10

    unchanged = get_list(demo, **{"If-None-Match": etag})
    assert unchanged.status_code == 304
    assert unchanged.content == b""
    assert unchanged.headers["ETag"] == etag
    assert get_list(demo, **{"If-None-Match": f'"other", W/{etag}'}).status_code == 304

    demo.disconnect("microsoft365")
    after_python_change = get_list(demo, **{"If-None-Match": etag})
    assert after_python_change.status_code == 200
    assert after_python_change.headers["ETag"] != etag

    second_etag = after_python_change.headers["ETag"]
    assert admin_api(demo, "slack", {"action": "reconnect"}).status_code == 200
    after_http_change = get_list(demo, **{"If-None-Match": second_etag})
    assert after_http_change.status_code == 200
    assert after_http_change.headers["ETag"] not in (etag, second_etag)


@pytest.mark.parametrize("authorization", [None, "Bearer wrong-token", "Basic abc", "Bearer "])
def test_list_needs_the_right_bearer_token(demo: DemoIntranet, authorization: str | None) -> None:
    headers = {} if authorization is None else {"Authorization": authorization}
    response = requests.get(demo.url + LIST_PATH, headers=headers, timeout=5)

    assert_error(response, 401, "invalid_token")
    assert response.headers["WWW-Authenticate"].startswith("Bearer")
    assert "Jane" not in response.text


def test_the_token_never_reaches_the_log(
    demo: DemoIntranet, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.DEBUG, logger="tray_app.demo"):
        get_list(demo)
        requests.get(demo.url + LIST_PATH, headers={"Authorization": "Bearer guessed"}, timeout=5)
        admin_api(demo, "dropbox", {"action": "reconnect"})

    assert f"{LIST_PATH} -> 200" in caplog.text
    assert demo.token not in caplog.text
    assert "guessed" not in caplog.text
    assert "Bearer" not in caplog.text


def test_unknown_path_is_404_and_wrong_method_is_405(demo: DemoIntranet) -> None:
    assert_error(requests.get(demo.url + "/api/v2/nothing", timeout=5), 404, "not_found")

    wrong_method = requests.post(demo.url + LIST_PATH, headers=bearer(demo), timeout=5)
    assert_error(wrong_method, 405, "method_not_allowed")
    assert wrong_method.headers["Allow"] == "GET, HEAD"
    assert_error(requests.get(demo.url + ACK_PATH, timeout=5), 405, "method_not_allowed")


def test_a_failing_handler_answers_500_and_the_server_keeps_serving(
    demo: DemoIntranet, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken() -> dict:
        raise RuntimeError("boom")

    monkeypatch.setattr(demo, "integration_list", broken)
    assert_error(get_list(demo), 500, "server_error")
    monkeypatch.undo()
    assert get_list(demo).status_code == 200


def test_a_bad_content_length_is_a_json_400(demo: DemoIntranet) -> None:
    connection = http.client.HTTPConnection("127.0.0.1", int(demo.url.rsplit(":", 1)[1]))
    connection.putrequest("POST", ACK_PATH)
    connection.putheader("Content-Length", "lots")
    connection.endheaders()
    response = connection.getresponse()
    body = json.loads(response.read())
    connection.close()

    assert response.status == 400
    assert_valid(body, "Error")
    assert get_list(demo).status_code == 200


# --- POST /api/v1/me/notices/ack --------------------------------------------------------

def test_ack_is_recorded(demo: DemoIntranet) -> None:
    ack = {"integration_id": "dropbox", "kind": "disconnected", "key": "2026-11-27T09:00:00Z"}
    assert_valid(ack, "Ack")

    response = requests.post(demo.url + ACK_PATH, json=ack, headers=bearer(demo), timeout=5)

    assert response.status_code == 204
    assert response.content == b""
    assert demo.acks == [ack]


@pytest.mark.parametrize(
    "body",
    [
        b"{not json",
        b"[]",
        json.dumps({"integration_id": "dropbox", "kind": "disconnected"}).encode(),
        json.dumps({"integration_id": "dropbox", "kind": "gone", "key": "k"}).encode(),
        json.dumps({"integration_id": "a b", "kind": "expiring", "key": "k"}).encode(),
        json.dumps({"integration_id": "dropbox", "kind": "expiring", "key": "k" * 65}).encode(),
        json.dumps({"integration_id": "x", "kind": "expiring", "key": "k", "more": 1}).encode(),
    ],
)
def test_ack_refuses_a_body_that_is_not_an_ack(demo: DemoIntranet, body: bytes) -> None:
    response = requests.post(demo.url + ACK_PATH, data=body, headers=bearer(demo), timeout=5)

    assert_error(response, 400, "invalid_request")
    assert demo.acks == []


def test_ack_needs_the_bearer_token(demo: DemoIntranet) -> None:
    ack = {"integration_id": "dropbox", "kind": "disconnected", "key": "k"}
    assert_error(requests.post(demo.url + ACK_PATH, json=ack, timeout=5), 401, "invalid_token")
    assert demo.acks == []


# --- External apps page -----------------------------------------------------------------

MARKUP_SCENARIO = {
    "integrations": [
        {"id": "markup", "name": "<b>x</b>", "provider": "box", "status": "disconnected",
         "account": "jane@acme.example", "disconnected_days_ago": 1, "reason": "refresh_failed"},
        {"id": "ok-one", "name": "Fine & Dandy", "provider": "zoom", "status": "connected",
         "expires_in_days": 40},
        {"id": "soon", "name": "Soon", "provider": "google", "status": "connected",
         "expires_in_days": 3, "expires_in_hours": 6},
        {"id": "never", "name": "Never", "provider": "slack", "status": "not_connected"},
    ]
}


def test_external_apps_page_lists_everything_escaped(clock: FakeClock) -> None:
    with DemoIntranet(scenario=MARKUP_SCENARIO, clock=clock) as demo:
        response = requests.get(demo.url + APPS_PATH, timeout=5)

    page = response.text
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/html; charset=utf-8"
    assert "<title>External apps</title>" in page
    assert "&lt;b&gt;x&lt;/b&gt;" in page
    assert "<b>x</b>" not in page
    assert "Fine &amp; Dandy" in page
    for ident in ("markup", "ok-one", "soon", "never"):
        assert f'id="{ident}"' in page
        assert f'action="{APPS_PATH}/{ident}/connect"' in page
    assert page.count(">Connect account</button>") == 2
    assert page.count(">Reconnect account</button>") == 2
    assert "Disconnected on 2026-11-27 09:00 UTC (reason: refresh failed)" in page
    assert "expires on 2026-12-01 15:00 UTC (in 3 days)" in page
    assert "Not connected" in page


def test_connect_button_really_reconnects(demo: DemoIntranet, clock: FakeClock) -> None:
    response = post_form(demo, f"{APPS_PATH}/dropbox/connect")

    assert response.status_code == 303
    assert response.headers["Location"] == f"{APPS_PATH}#dropbox"
    served = by_id(get_list(demo).json())["dropbox"]
    assert served["status"] == "connected"
    assert served["expires_at"] == format_utc(clock.now + timedelta(days=90))
    assert served["disconnected_at"] is None
    assert served["reason"] is None
    assert served == demo.integration("dropbox")


def test_connect_gives_a_not_connected_integration_the_users_account(demo: DemoIntranet) -> None:
    followed = requests.post(f"{demo.url}{APPS_PATH}/slack/connect", timeout=5)

    assert followed.status_code == 200
    assert "<title>External apps</title>" in followed.text
    assert demo.integration("slack")["account"] == "jane@acme.example"


def test_connect_of_an_unknown_integration_is_404(demo: DemoIntranet) -> None:
    assert_error(post_form(demo, f"{APPS_PATH}/nope/connect"), 404, "not_found")


# --- admin ------------------------------------------------------------------------------

def test_admin_api_disconnect_expire_and_reconnect(demo: DemoIntranet, clock: FakeClock) -> None:
    disconnected = admin_api(demo, "microsoft365",
                             {"action": "disconnect", "reason": "consent_removed"})
    assert disconnected.status_code == 200
    assert_valid(disconnected.json(), "Integration")
    assert disconnected.json()["status"] == "disconnected"
    assert disconnected.json()["reason"] == "consent_removed"
    assert disconnected.json()["disconnected_at"] == "2026-11-28T09:00:00Z"
    assert disconnected.json()["expires_at"] is None

    clock.now = START + timedelta(hours=1)
    expired = admin_api(demo, "microsoft365", {"action": "expire"}).json()
    assert expired["status"] == "connected"
    assert expired["disconnected_at"] is None and expired["reason"] is None
    assert datetime.fromisoformat(expired["expires_at"]) < clock.now

    in_five = admin_api(demo, "microsoft365", {"action": "expire_in_days", "days": 5}).json()
    assert in_five["expires_at"] == "2026-12-03T10:00:00Z"

    reconnected = admin_api(demo, "microsoft365", {"action": "reconnect"}).json()
    assert reconnected["expires_at"] == "2027-02-26T10:00:00Z"
    assert by_id(get_list(demo).json())["microsoft365"] == reconnected


def test_admin_api_disconnect_defaults_to_revoked(demo: DemoIntranet) -> None:
    assert admin_api(demo, "slack", {"action": "disconnect"}).json()["reason"] == "revoked"


@pytest.mark.parametrize(
    ("ident", "payload", "status", "code"),
    [
        ("dropbox", {"action": "explode"}, 400, "invalid_request"),
        ("dropbox", {}, 400, "invalid_request"),
        ("dropbox", ["reconnect"], 400, "invalid_request"),
        ("dropbox", {"action": "expire_in_days"}, 400, "invalid_request"),
        ("dropbox", {"action": "expire_in_days", "days": True}, 400, "invalid_request"),
        ("dropbox", {"action": "expire_in_days", "days": 1.5}, 400, "invalid_request"),
        ("dropbox", {"action": "disconnect", "reason": "Not a word"}, 400, "invalid_request"),
        ("dropbox", {"action": "disconnect", "reason": 7}, 400, "invalid_request"),
        ("nope", {"action": "reconnect"}, 404, "not_found"),
    ],
)
def test_admin_api_refuses_bad_input(
    demo: DemoIntranet, ident: str, payload: Any, status: int, code: str
) -> None:
    before = demo.integration("dropbox")
    assert_error(admin_api(demo, ident, payload), status, code)
    assert demo.integration("dropbox") == before


def test_admin_api_refuses_bad_json_and_missing_token(demo: DemoIntranet) -> None:
    url = f"{demo.url}/admin/api/integrations/dropbox"
    bad_json = requests.post(url, data=b"{oops", headers=bearer(demo), timeout=5)
    assert_error(bad_json, 400, "invalid_request")
    no_token = requests.post(url, json={"action": "reconnect"}, timeout=5)
    assert_error(no_token, 401, "invalid_token")
    assert demo.integration("dropbox")["status"] == "disconnected"


def test_admin_page_offers_every_action_for_every_integration(demo: DemoIntranet) -> None:
    response = requests.get(demo.url + "/admin", timeout=5)

    assert response.status_code == 200
    assert "<title>Admin</title>" in response.text
    assert demo.token not in response.text
    for ident in ("microsoft365", "google-drive", "dropbox", "slack", "servicenow"):
        for action in ("disconnect", "expire", "expire_in_days", "reconnect"):
            assert f'action="/admin/integrations/{ident}/{action}"' in response.text


def test_admin_forms_change_the_data(demo: DemoIntranet, clock: FakeClock) -> None:
    disconnect = post_form(demo, "/admin/integrations/servicenow/disconnect",
                           {"reason": "password_changed"})
    assert disconnect.status_code == 303
    assert disconnect.headers["Location"] == "/admin"
    assert demo.integration("servicenow")["status"] == "disconnected"
    assert demo.integration("servicenow")["reason"] == "password_changed"

    assert post_form(demo, "/admin/integrations/servicenow/expire_in_days",
                     {"days": "4"}).status_code == 303
    assert demo.integration("servicenow")["expires_at"] == "2026-12-02T09:00:00Z"

    assert post_form(demo, "/admin/integrations/servicenow/expire").status_code == 303
    assert demo.integration("servicenow")["expires_at"] == "2026-11-28T08:59:00Z"

    assert post_form(demo, "/admin/integrations/servicenow/reconnect").status_code == 303
    assert demo.integration("servicenow")["expires_at"] == "2027-02-26T09:00:00Z"


def test_admin_forms_refuse_bad_input(demo: DemoIntranet) -> None:
    assert_error(post_form(demo, "/admin/integrations/dropbox/explode"), 400, "invalid_request")
    assert_error(post_form(demo, "/admin/integrations/dropbox/expire_in_days", {"days": "soon"}),
                 400, "invalid_request")
    assert_error(post_form(demo, "/admin/integrations/nope/expire"), 404, "not_found")


@pytest.mark.parametrize(
    "headers",
    [
        {"Origin": "http://evil.example"},
        {"Origin": "null"},
        {"Referer": "http://evil.example/attack.html"},
        {"Origin": "http://127.0.0.1:1"},
    ],
)
def test_forms_from_another_origin_are_refused(
    demo: DemoIntranet, headers: dict[str, str]
) -> None:
    before = demo.integration("dropbox")

    assert_error(post_form(demo, "/admin/integrations/dropbox/reconnect", **headers),
                 403, "forbidden")
    assert_error(post_form(demo, f"{APPS_PATH}/dropbox/connect", **headers), 403, "forbidden")
    assert demo.integration("dropbox") == before


def test_forms_from_the_demos_own_pages_are_accepted(demo: DemoIntranet) -> None:
    own_origin = post_form(demo, "/admin/integrations/dropbox/reconnect", Origin=demo.url)
    own_referer = post_form(demo, f"{APPS_PATH}/slack/connect", Referer=demo.url + APPS_PATH)

    assert own_origin.status_code == 303
    assert own_referer.status_code == 303
    assert demo.integration("dropbox")["status"] == "connected"
    assert demo.integration("slack")["status"] == "connected"


def test_python_admin_operations(demo: DemoIntranet, clock: FakeClock) -> None:
    demo.set_expiry("google-drive", None)
    assert demo.integration("google-drive")["expires_at"] is None
    demo.set_expiry("dropbox", START + timedelta(days=2))
    assert demo.integration("dropbox")["status"] == "connected"
    assert demo.integration("dropbox")["expires_at"] == "2026-11-30T09:00:00Z"
    demo.expire("servicenow")
    assert demo.integration("servicenow")["expires_at"] == "2026-11-28T08:59:00Z"
    with pytest.raises(UnknownIntegration):
        demo.integration("nope")
    with pytest.raises(LookupError):
        demo.disconnect("nope")


# --- scenarios --------------------------------------------------------------------------

RELATIVE_SCENARIO = {
    "user": {"id": "u-9", "name": "Max Muster", "email": None},
    "warning_window_days": 7,
    "integrations": [
        {"id": "zoom", "name": "Zoom", "provider": "zoom", "status": "connected",
         "expires_in_days": -2},
        {"id": "box", "name": "Box", "provider": "box", "status": "connected",
         "expires_in_hours": 5},
        {"id": "jira", "name": "Jira", "provider": "atlassian", "status": "disconnected",
         "disconnected_days_ago": 3, "reason": "revoked"},
        {"id": "fixed", "name": "Fixed", "provider": "other", "status": "connected",
         "expires_at": "2027-01-31T18:00:00+01:00"},
        {"id": "odd", "name": "Odd", "provider": "other", "status": "suspended"},
    ],
}


def test_scenario_file_with_relative_times(tmp_path: Path, clock: FakeClock) -> None:
    path = tmp_path / "scenario.json"
    path.write_text(json.dumps(RELATIVE_SCENARIO), encoding="utf-8")

    with DemoIntranet(scenario=load_scenario(str(path)), clock=clock) as demo:
        body = get_list(demo).json()

    assert_valid(body, "IntegrationList")
    assert body["user"] == {"id": "u-9", "name": "Max Muster", "email": None}
    assert body["warning_window_days"] == 7
    entries = by_id(body)
    assert entries["zoom"]["expires_at"] == "2026-11-26T09:00:00Z"
    assert entries["box"]["expires_at"] == "2026-11-28T14:00:00Z"
    assert entries["jira"]["disconnected_at"] == "2026-11-25T09:00:00Z"
    assert entries["jira"]["reason"] == "revoked"
    assert entries["fixed"]["expires_at"] == "2027-01-31T17:00:00Z"
    assert entries["odd"]["status"] == "suspended"


def entry(**fields: Any) -> dict[str, Any]:
    return {"id": "x", "name": "X", "provider": "other", "status": "connected", **fields}


@pytest.mark.parametrize(
    ("scenario", "expected"),
    [
        ([], "must be a JSON object"),
        ({}, "'integrations' must be a list"),
        ({"integrations": [], "extra": 1}, "unknown key 'extra'"),
        ({"integrations": [entry(id="a b")]}, "'id' must be"),
        ({"integrations": [entry(name="")]}, "'name' must be"),
        ({"integrations": [entry(name="n" * 101)]}, "'name' must be"),
        ({"integrations": [entry(provider="Google")]}, "'provider' must be a lower-case word"),
        ({"integrations": [entry(expires_at="tomorrow")]}, "RFC 3339"),
        ({"integrations": [entry(expires_at="2026-12-01T09:00:00")]}, "RFC 3339"),
        ({"integrations": [entry(expires_at="2026-12-01T09:00:00Z", expires_in_days=1)]},
         "not both"),
        ({"integrations": [entry(expires_in_days="3")]}, "'expires_in_days' must be a number"),
        ({"integrations": [entry(expire_in_days=3)]}, "unknown key 'expire_in_days'"),
        ({"integrations": [entry(account=5)]}, "'account' must be a string or null"),
        ({"integrations": [entry(), entry()]}, "the id 'x' is used twice"),
        ({"integrations": [], "warning_window_days": 0}, "'warning_window_days'"),
        ({"integrations": [], "user": {"id": "u"}}, "'name' must be a non-empty string"),
    ],
)
def test_bad_scenarios_are_explained_in_one_sentence(scenario: Any, expected: str) -> None:
    with pytest.raises(ScenarioError) as raised:
        DemoIntranet(scenario=scenario)

    message = str(raised.value)
    assert expected in message
    assert message.endswith(".") and "\n" not in message


def test_bad_scenario_files_are_explained(tmp_path: Path) -> None:
    broken = tmp_path / "broken.json"
    broken.write_text('{"integrations": [}', encoding="utf-8")
    wrong = tmp_path / "wrong.json"
    wrong.write_text('{"integrations": [{"id": "x"}]}', encoding="utf-8")

    with pytest.raises(ScenarioError, match=r"is not valid JSON: .* line 1, column 19\."):
        load_scenario(str(broken))
    with pytest.raises(ScenarioError, match=r"Cannot read the scenario file .*missing\.json"):
        load_scenario(str(tmp_path / "missing.json"))
    with pytest.raises(ScenarioError, match=r"^Scenario file .*wrong\.json: integrations\[0\]"):
        load_scenario(str(wrong))


# --- database file ------------------------------------------------------------------------

def test_a_database_file_keeps_its_data_across_restarts(tmp_path: Path, clock: FakeClock) -> None:
    db_path = str(tmp_path / "demo.sqlite")
    with DemoIntranet(db_path=db_path, clock=clock) as first:
        admin_api(first, "microsoft365", {"action": "disconnect", "reason": "password_changed"})
        first_drive = first.integration("google-drive")

    later = FakeClock(START + timedelta(days=5))
    with DemoIntranet(db_path=db_path, clock=later, scenario={"integrations": []}) as second:
        body = get_list(second).json()

    entries = by_id(body)
    assert len(entries) == 5
    assert entries["microsoft365"]["status"] == "disconnected"
    assert entries["microsoft365"]["reason"] == "password_changed"
    assert entries["microsoft365"]["disconnected_at"] == "2026-11-28T09:00:00Z"
    assert entries["google-drive"]["expires_at"] == first_drive["expires_at"]


# --- run() and python -m tray_app.demo ----------------------------------------------------

def _read_lines(stream: Any, lines: queue.Queue[str]) -> None:
    for line in stream:
        lines.put(line)


def _banner(lines: queue.Queue[str]) -> dict[str, str]:
    banner: dict[str, str] = {}
    while True:
        line = lines.get(timeout=15).strip()
        if line.startswith("Press Ctrl-C"):
            return banner
        label, _, value = line.partition(": ")
        banner[label] = value


@pytest.mark.skipif(sys.platform == "win32", reason="SIGINT to a child needs POSIX")
def test_module_prints_url_and_token_and_stops_cleanly_on_ctrl_c(tmp_path: Path) -> None:
    python_path = os.pathsep.join([str(REPO), os.environ.get("PYTHONPATH", "")])
    stderr_path = tmp_path / "stderr.txt"
    with stderr_path.open("w") as stderr_file:
        process = subprocess.Popen(
            [sys.executable, "-m", "tray_app.demo", "--port", "0", "--token", "test-token-123"],
            cwd=REPO, env={**os.environ, "PYTHONPATH": python_path},
            stdout=subprocess.PIPE, stderr=stderr_file, text=True,
        )
    lines: queue.Queue[str] = queue.Queue()
    reader = threading.Thread(target=_read_lines, args=(process.stdout, lines), daemon=True)
    reader.start()
    try:
        banner = _banner(lines)
        url = banner["Demo intranet"]
        assert url.startswith("http://127.0.0.1:")
        assert banner["Bearer token"] == "test-token-123"
        assert banner["External apps"] == url + APPS_PATH
        assert banner["Admin page"] == url + "/admin"
        answer = requests.get(url + LIST_PATH,
                              headers={"Authorization": "Bearer test-token-123"}, timeout=5)
        assert answer.status_code == 200
    finally:
        process.send_signal(signal.SIGINT)
        process.wait(timeout=15)
        reader.join(timeout=5)

    stderr = stderr_path.read_text()
    assert process.returncode == 0
    assert f"{LIST_PATH} -> 200" in stderr
    assert "Traceback" not in stderr
    assert "test-token-123" not in stderr
    assert lines.get(timeout=5).strip() == "Demo intranet stopped."


def test_run_refuses_a_port_in_use(demo: DemoIntranet, capsys: pytest.CaptureFixture) -> None:
    port = demo.url.rsplit(":", 1)[1]

    assert run(["--port", port]) == 1

    err = capsys.readouterr().err.strip()
    assert err == (f"Port {port} on 127.0.0.1 is already in use; choose another with --port, "
                   "or --port 0 for any free port.")


def test_run_refuses_a_bad_scenario_file(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    path = tmp_path / "bad.json"
    path.write_text('{"integrations": "none"}', encoding="utf-8")

    assert run(["--scenario", str(path)]) == 1

    err = capsys.readouterr().err.strip()
    assert err.startswith(f"Scenario file {path}: ")
    assert "'integrations' must be a list" in err
    assert "\n" not in err


@pytest.mark.parametrize("argv", [["--port", "abc"], ["--port", "70000"], ["--bogus"]])
def test_run_usage_errors_exit_2(argv: list[str], capsys: pytest.CaptureFixture) -> None:
    with pytest.raises(SystemExit) as exited:
        run(argv)
    assert exited.value.code == 2
    assert "usage:" in capsys.readouterr().err
