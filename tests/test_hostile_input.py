"""The cases an attacker or a broken intranet sends, each as a real `check` process
against a real server on 127.0.0.1 (the open-ended search is in test_properties.py)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from fakeserver import Reply
from test_check_cli import PATH, REPO, TOKEN

ALLOWED_EXITS = {0, 1, 3, 4, 5}


def check(url: str, *args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    full = {k: v for k, v in os.environ.items() if not k.startswith("COMPANION_")}
    full.update(COMPANION_POLICY_FILE=os.environ["COMPANION_POLICY_FILE"],
                COMPANION_INTRANET_URL=url, COMPANION_TOKEN=TOKEN)
    full.update(env or {})
    done = subprocess.run([sys.executable, str(REPO / "main.py"), "check", *args],
                          capture_output=True, env=full, timeout=60, check=False)
    assert done.returncode in ALLOWED_EXITS
    assert b"Traceback" not in done.stderr and b"\x1b" not in done.stderr
    return done


def answer(base: str, **fields: object) -> bytes:
    entry = {"id": "dropbox", "name": "Dropbox", "provider": "dropbox",
             "status": "disconnected", "disconnected_at": "2026-11-27T08:12:00Z", **fields}
    return json.dumps({"user": {"id": "u-1", "name": "Jane", "email": None},
                       "external_apps_url": f"{base}/profile/settings/external-apps",
                       "integrations": [entry]}).encode()


def serve(server, raw: bytes, **reply: object) -> None:
    headers = {"Content-Type": "application/json", **reply.pop("headers", {})}  # type: ignore[dict-item]
    server.respond("GET", PATH, Reply(200, headers, raw, **reply))  # type: ignore[arg-type]


def state_file(home: Path) -> Path:
    return home / "state" / "intranet-companion" / "state.json"


def test_a_lone_surrogate_in_a_name_does_not_poison_later_checks(fake_server) -> None:
    server = fake_server()
    serve(server, answer(server.url, name="Drop\\ud800box").replace(b"\\\\", b"\\"))
    for _ in range(2):  # the second check reads what the first one saved
        done = check(server.url, "--json")
        assert done.returncode == 1
        [notice] = json.loads(done.stdout)["notices"]
        assert notice["message"].startswith("Drop\ufffdbox has unexpectedly")
    assert check(server.url).returncode == 1


def test_terminal_text_is_inert_and_json_is_exact(fake_server) -> None:
    server = fake_server()
    name = "Drop\x1b[2J\x07box\u202e\x85"
    serve(server, answer(server.url, name=name))
    human = check(server.url)
    for raw in (b"\x1b", b"\x07", "\u202e".encode(), "\x85".encode()):
        assert raw not in human.stdout
    assert "Drop\ufffd[2J\ufffdbox".encode() in human.stdout
    machine = check(server.url, "--json")
    assert json.loads(machine.stdout)["integrations"][0]["name"] == name
    assert b"\x1b" not in machine.stdout and "\u202e".encode() not in machine.stdout


@pytest.mark.parametrize("expires_at", ["0001-01-01T00:00:00+01:00",
                                        "9999-12-31T23:59:59-01:00",
                                        "9999-12-31T23:59:59Z", "2026-13-45T99:00:00Z",
                                        "\u0662\u0660\u0662\u0666-01-01T00:00:00Z"])
def test_times_at_the_ends_of_the_calendar(fake_server, expires_at: str) -> None:
    server = fake_server()
    serve(server, answer(server.url, status="connected", expires_at=expires_at))
    data = json.loads(check(server.url, "--json").stdout)
    assert data["outcome"] in ("ok", "attention")
    assert check(server.url).returncode in (0, 1)


@pytest.mark.parametrize("date", ["Fri, 31 Dec 9999 23:59:59 -0100", "Thu, 01 Jan 1970 "
                                  "00:00:00 +0100", "garbage", "x" * 500])
def test_an_unusable_date_header_falls_back_to_this_clock(fake_server, date: str) -> None:
    server = fake_server()
    serve(server, answer(server.url), headers={"Date": date}, send_date=False)
    data = json.loads(check(server.url, "--json").stdout)
    assert data["outcome"] == "attention"
    assert data["checked_at"] >= "2026"


def test_an_id_must_match_the_pattern_whole(fake_server) -> None:
    server = fake_server()
    serve(server, answer(server.url, id="drop\n"))
    data = json.loads(check(server.url, "--json").stdout)
    assert data["integrations"] == [] and data["outcome"] == "ok"
    assert any("integrations[0] skipped" in w for w in data["warnings"])


def test_a_foreign_external_apps_url_never_appears(fake_server) -> None:
    server = fake_server()
    raw = json.loads(answer(server.url))
    raw["external_apps_url"] = "https://evil.example/phish"
    serve(server, json.dumps(raw).encode())
    data = json.loads(check(server.url, "--json").stdout)
    assert data["external_apps_url"] == server.url + "/"
    assert "evil" not in json.dumps(data["integrations"])
    assert any("external_apps_url" in w for w in data["warnings"])


def test_deep_nesting_is_a_protocol_error(fake_server) -> None:
    server = fake_server()
    serve(server, b'{"user": ' + b"[" * 50_000 + b"]" * 50_000 + b"}")
    done = check(server.url, "--json")
    assert done.returncode == 3
    assert json.loads(done.stdout)["error"]["kind"] == "protocol"


def test_a_large_answer_makes_a_small_state_file(fake_server, isolated_home: Path) -> None:
    server = fake_server()
    raw = json.loads(answer(server.url))
    raw["padding"] = [[[[["x" * 100] * 10] * 10] * 10]] * 3  # ~1.9 MB of what we never use
    raw["integrations"] *= 1
    serve(server, json.dumps(raw).encode())
    assert check(server.url, "--json").returncode == 1
    assert state_file(isolated_home).stat().st_size < 4096


def test_a_huge_retry_after_is_capped(fake_server) -> None:
    server = fake_server()
    server.respond("GET", PATH, Reply.json({"error": "busy"}, status=503,
                                           headers={"Retry-After": "9" * 5000}))
    done = check(server.url, "--json")
    assert done.returncode == 3
    assert "about 24 hours" in json.loads(done.stdout)["error"]["message"]


@pytest.mark.parametrize("encoding", ["utf-16", "utf-8-sig", "utf-32"])
def test_a_policy_saved_by_notepad_is_read(fake_server, tmp_path: Path, encoding: str) -> None:
    server = fake_server()
    serve(server, answer(server.url))
    policy = tmp_path / "policy.json"
    policy.write_bytes(json.dumps({"intranet_url": server.url}).encode(encoding))
    done = check("", "--json", env={"COMPANION_POLICY_FILE": str(policy)})
    assert done.returncode == 1
    assert json.loads(done.stdout)["intranet_url"] == server.url


@pytest.mark.parametrize("content", [b"\xff\xfe\x00\xd8", b"{", b"[" * 100_000, b"\x00" * 10])
def test_an_unusable_policy_is_a_config_error(fake_server, tmp_path: Path,
                                              content: bytes) -> None:
    server = fake_server()
    policy = tmp_path / "policy.json"
    policy.write_bytes(content)
    done = check(server.url, "--json", env={"COMPANION_POLICY_FILE": str(policy)})
    assert done.returncode == 5
    assert json.loads(done.stdout)["error"]["kind"] == "config"


def test_stray_bytes_in_the_state_file_are_set_aside(fake_server, isolated_home: Path) -> None:
    server = fake_server()
    serve(server, answer(server.url))
    path = state_file(isolated_home)
    path.parent.mkdir(parents=True)
    path.write_bytes(b"\x00\xff{stray")
    done = check(server.url, "--json")
    assert done.returncode == 1
    assert b"set aside" in done.stderr
    assert json.loads(path.read_text())["version"] == 2


@pytest.mark.parametrize("location", ["http://[::1/x", "//[zz]/x", "http://a:99999999/"])
def test_a_malformed_redirect_is_a_protocol_error(fake_server, location: str) -> None:
    server = fake_server()
    server.respond("GET", PATH, Reply(302, {"Location": location}))
    done = check(server.url, "--json")
    assert done.returncode == 3
    assert json.loads(done.stdout)["error"]["kind"] == "protocol"
