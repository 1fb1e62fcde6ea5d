"""`main.py check` end to end: a real process, real HTTP to servers on 127.0.0.1."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from pathlib import Path

import pytest
from fakeserver import Reply, unused_port

from tray_app.demo.server import DemoIntranet

REPO = Path(__file__).resolve().parents[1]
PATH = "/api/v1/me/integrations"
TOKEN = "s3cret-token-for-tests-0123456789"
CONTRACT_KEYS = {"schema", "intranet_url", "checked_at", "outcome", "error", "user",
                 "external_apps_url", "warning_window_days", "integrations", "notices",
                 "warnings"}


def run_check(*args: str, url: str | None = None, token: str | None = TOKEN,
              extra_env: dict[str, str] | None = None) -> tuple[int, dict | str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("COMPANION_")}
    env["COMPANION_POLICY_FILE"] = os.environ["COMPANION_POLICY_FILE"]
    env["COMPANION_READ_TIMEOUT_SECONDS"] = "2"
    if url is not None:
        env["COMPANION_INTRANET_URL"] = url
    if token is not None:
        env["COMPANION_TOKEN"] = token
    env.update(extra_env or {})
    done = subprocess.run([sys.executable, str(REPO / "main.py"), "check", *args],
                          capture_output=True, text=True, env=env, timeout=60, check=False)
    assert "Traceback" not in done.stderr
    output = json.loads(done.stdout) if "--json" in args else done.stdout
    return done.returncode, output, done.stderr


@pytest.fixture
def demo():
    with DemoIntranet(token=TOKEN) as server:
        yield server


def http_date(moment: datetime) -> str:
    return format_datetime(moment.astimezone(UTC), usegmt=True)


def integrations_body(*entries: dict, base: str) -> dict:
    return {"user": {"id": "u-1", "name": "Jane Doe", "email": None},
            "external_apps_url": f"{base}/profile/settings/external-apps",
            "integrations": list(entries)}


def test_demo_intranet_seeded_notices(demo: DemoIntranet) -> None:
    code, data, _ = run_check("--json", url=demo.url)
    assert code == 1
    assert set(data) == CONTRACT_KEYS
    assert data["outcome"] == "attention" and data["error"] is None
    assert data["intranet_url"] == demo.url
    assert data["user"] == {"id": "u-123", "name": "Jane Doe", "email": "jane@acme.example"}
    states = {i["id"]: (i["state"], i["days_left"]) for i in data["integrations"]}
    assert states == {"microsoft365": ("connected", 60), "google-drive": ("expiring", 3),
                      "dropbox": ("disconnected", None), "slack": ("not_connected", None),
                      "servicenow": ("connected", None)}
    dropbox, drive = data["notices"]
    assert dropbox["message"] == ("Dropbox has unexpectedly been disconnected. "
                                  "Please reconnect your Dropbox account.")
    assert (dropbox["integration_id"], dropbox["kind"]) == ("dropbox", "disconnected")
    assert (drive["integration_id"], drive["kind"]) == ("google-drive", "expiring")
    expires = next(i for i in data["integrations"] if i["id"] == "google-drive")["expires_at"]
    assert expires[:10] in drive["message"] and "3 days" in drive["message"]
    assert drive["key"] == expires
    checked = datetime.fromisoformat(data["checked_at"].replace("Z", "+00:00"))
    assert abs(checked - datetime.now(UTC)) < timedelta(seconds=30)
    assert data["checked_at"].endswith("Z")
    apps = demo.url + "/profile/settings/external-apps"
    assert data["external_apps_url"] == apps
    assert {i["reconnect_url"] for i in data["integrations"]} == {
        f"{apps}#{i['id']}" for i in data["integrations"]}


def test_second_check_uses_the_etag_and_gives_the_same_answer(
        demo: DemoIntranet, isolated_home: Path) -> None:
    _, first, _ = run_check("--json", url=demo.url)
    _, second, _ = run_check("--json", url=demo.url)
    assert second["notices"] == first["notices"]
    state = json.loads((isolated_home / "state" / "intranet-companion" / "state.json")
                       .read_text())
    assert state["last_good"]["etag"]
    demo.reconnect("dropbox")
    code, third, _ = run_check("--json", url=demo.url)
    assert code == 1
    assert [n["integration_id"] for n in third["notices"]] == ["google-drive"]


def test_all_fine_exits_zero(demo: DemoIntranet) -> None:
    demo.reconnect("dropbox")
    demo.reconnect("google-drive")
    code, data, _ = run_check("--json", url=demo.url)
    assert (code, data["outcome"], data["notices"]) == (0, "ok", [])


def test_human_output_names_the_notices(demo: DemoIntranet) -> None:
    code, text, _ = run_check(url=demo.url)
    assert code == 1
    assert ("Dropbox has unexpectedly been disconnected. "
            "Please reconnect your Dropbox account.") in text
    assert "Google Drive" in text and "expires in 3 days" in text
    assert f"Reconnect: {demo.url}/profile/settings/external-apps#dropbox" in text


def test_no_credential_exits_4_and_says_how_to_sign_in(demo: DemoIntranet) -> None:
    code, data, _ = run_check("--json", url=demo.url, token=None)
    assert code == 4
    assert data["outcome"] == "error" and data["error"]["kind"] == "auth"
    assert "sign-in" in data["error"]["message"] or "keyring" in data["error"]["message"]


def test_rejected_token_exits_4(demo: DemoIntranet) -> None:
    code, data, _ = run_check("--json", url=demo.url, token="wrong-token-000000")
    assert code == 4
    assert data["error"]["kind"] == "auth"
    assert "wrong-token-000000" not in json.dumps(data)


@pytest.mark.parametrize(("url", "fragment"), [
    (None, "No intranet address"),
    ("http://intranet.example", "plain http"),
    ("https://intranet.example/some/path", "no path"),
])
def test_configuration_errors_exit_5(url: str | None, fragment: str) -> None:
    code, data, _ = run_check("--json", url=url)
    assert code == 5
    assert data["error"]["kind"] == "config"
    assert fragment in data["error"]["message"]


def test_unreadable_policy_exits_5(tmp_path: Path, demo: DemoIntranet) -> None:
    policy = tmp_path / "policy.json"
    policy.write_text("{not json")
    code, data, _ = run_check("--json", url=demo.url,
                              extra_env={"COMPANION_POLICY_FILE": str(policy)})
    assert (code, data["error"]["kind"]) == (5, "config")
    assert "policy" in data["error"]["message"]


def test_policy_url_beats_the_command_line(tmp_path: Path, demo: DemoIntranet) -> None:
    policy = tmp_path / "policy.json"
    policy.write_text(json.dumps({"intranet_url": demo.url}))
    code, data, _ = run_check("--json", "--intranet-url", "https://elsewhere.example",
                              extra_env={"COMPANION_POLICY_FILE": str(policy)})
    assert code == 1 and data["intranet_url"] == demo.url


def test_failed_check_reports_last_known_answer_as_stale(demo: DemoIntranet) -> None:
    url = demo.url
    _, fresh, _ = run_check("--json", url=url)
    demo.stop()
    code, data, _ = run_check("--json", url=url)
    assert code == 3
    assert data["outcome"] == "error" and data["error"]["kind"] == "network"
    assert data["stale"] is True
    assert data["notices"] == fresh["notices"]
    assert data["confirmed_at"] == fresh["checked_at"]


def test_refused_without_history_has_no_stale_data() -> None:
    code, data, _ = run_check("--json", url=f"http://127.0.0.1:{unused_port()}")
    assert code == 3 and data["error"]["kind"] == "network"
    assert "stale" not in data and data["integrations"] == [] and data["notices"] == []


@pytest.mark.parametrize(("reply", "kind"), [
    (Reply.json({"error": "slow_down"}, status=429, headers={"Retry-After": "120"}),
     "rate_limited"),
    (Reply.json({"error": "boom"}, status=500), "server"),
    (Reply.json({"error": "down"}, status=503, headers={"Retry-After": "30"}), "server"),
    (Reply.text("{not json", content_type="application/json"), "protocol"),
    (Reply.json({"integrations": "nope"}), "protocol"),
    (Reply.json({}, delay=5), "timeout"),
])
def test_failing_servers_map_to_error_kinds(fake_server, reply: Reply, kind: str) -> None:
    server = fake_server()
    server.respond("GET", PATH, reply)
    code, data, _ = run_check("--json", url=server.url)
    assert (code, data["outcome"], data["error"]["kind"]) == (3, "error", kind)
    assert data["error"]["message"]
    assert TOKEN not in json.dumps(data)


def test_retry_after_is_in_the_message(fake_server) -> None:
    server = fake_server()
    server.respond("GET", PATH, Reply.json({}, status=429, headers={"Retry-After": "120"}))
    _, data, _ = run_check("--json", url=server.url)
    assert "2 minutes" in data["error"]["message"]


def test_cross_origin_redirect_is_not_followed(fake_server) -> None:
    elsewhere = fake_server()
    server = fake_server()
    server.respond("GET", PATH, Reply.redirect(elsewhere.url + PATH))
    code, data, _ = run_check("--json", url=server.url)
    assert (code, data["error"]["kind"]) == (3, "protocol")
    assert elsewhere.requests == []


def test_foreign_reconnect_url_never_appears(fake_server) -> None:
    server = fake_server()
    body = integrations_body(
        {"id": "dropbox", "name": "Dropbox", "provider": "dropbox", "status": "disconnected",
         "reconnect_url": "https://phish.example/reconnect",
         "disconnected_at": "2026-11-27T08:12:00Z"}, base=server.url)
    server.respond("GET", PATH, Reply.json(body))
    code, data, _ = run_check("--json", url=server.url)
    assert code == 1
    assert data["integrations"][0]["reconnect_url"] == body["external_apps_url"]
    assert "phish.example" not in json.dumps(data["integrations"])
    assert any("not on the intranet's origin" in w for w in data["warnings"])


def test_markup_and_non_latin_names_verbatim_and_malformed_entry_skipped(fake_server) -> None:
    server = fake_server()
    body = integrations_body(
        {"id": "x", "name": "<b>x</b>", "provider": "zoom", "status": "disconnected"},
        {"id": "bad", "provider": "zoom", "status": "connected"},
        {"id": "y", "name": "Яндекс Диск 云盘", "provider": "other", "status": "disconnected"},
        base=server.url)
    server.respond("GET", PATH, Reply.json(body))
    code, data, _ = run_check("--json", url=server.url)
    assert code == 1
    assert [n["message"] for n in data["notices"]] == [
        "<b>x</b> has unexpectedly been disconnected. Please reconnect your <b>x</b> account.",
        "Яндекс Диск 云盘 has unexpectedly been disconnected. "
        "Please reconnect your Яндекс Диск 云盘 account."]
    assert data["warnings"] == ["integrations[1] skipped: 'name' is missing or not a string"]


def test_skewed_server_clock_is_what_counts(fake_server) -> None:
    server = fake_server()
    server_now = datetime(2030, 1, 1, 12, 0, tzinfo=UTC)
    body = integrations_body(
        {"id": "g", "name": "Google Drive", "provider": "google", "status": "connected",
         "expires_at": "2030-01-03T12:00:00+00:00"}, base=server.url)
    server.respond("GET", PATH, Reply.json(body, headers={"Date": http_date(server_now)},
                                           send_date=False))
    code, data, _ = run_check("--json", url=server.url)
    assert code == 1
    assert data["checked_at"] == "2030-01-01T12:00:00Z"
    assert data["integrations"][0]["days_left"] == 2
    assert data["notices"][0]["kind"] == "expiring"


def test_json_goes_alone_to_stdout_and_nothing_leaks_the_token(
        demo: DemoIntranet, isolated_home: Path) -> None:
    code, _, _ = run_check("--json", url=demo.url)
    assert code == 1
    written = [p for p in isolated_home.rglob("*") if p.is_file()]
    assert any(p.name == "companion.log" for p in written)
    for path in written:
        assert TOKEN not in path.read_text(errors="replace")
        assert path.stat().st_mode & 0o077 == 0


def test_check_never_imports_qt(demo: DemoIntranet) -> None:
    probe = ("import sys; from tray_app.cli import main; code = main(['check', '--json']); "
             "assert 'PySide6' not in sys.modules, 'Qt was imported'; sys.exit(code)")
    env = dict(os.environ, COMPANION_INTRANET_URL=demo.url, COMPANION_TOKEN=TOKEN)
    done = subprocess.run([sys.executable, "-c", probe], cwd=REPO, env=env,
                          capture_output=True, text=True, timeout=60, check=False)
    assert done.returncode == 1, done.stderr
