"""`main.py diagnose [--json]` end to end: real processes against the demo intranet on
127.0.0.1, an unreachable port, no keyring, a real GNOME Keyring; its exit codes."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from fakeserver import unused_port

from tray_app import __version__
from tray_app.core.settings import SETTINGS
from tray_app.demo.server import DemoIntranet

REPO = Path(__file__).resolve().parents[1]
TESTS = REPO / "tests"
TOKEN = "diagnose-test-token-0123456789abcdef"
NO_KEYRING = "keyring.backends.fail.Keyring"
TOP_KEYS = {"schema", "version", "intranet_url", "exit_code", "settings", "policy", "files",
            "keyring", "credential", "intranet", "problems", "warnings"}
SOURCES = {"default", "user_settings", "environment", "command_line", "policy"}


def run(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    base = {k: v for k, v in os.environ.items()
            if k not in ("COMPANION_TOKEN", "PYTHON_KEYRING_BACKEND")}
    done = subprocess.run([sys.executable, str(REPO / "main.py"), *args],
                          capture_output=True, text=True, env={**base, **env}, timeout=60,
                          check=False)
    assert "Traceback" not in done.stderr, done.stderr
    return done


def diagnose_json(*args: str, **env: str) -> tuple[int, dict]:
    done = run("diagnose", "--json", *args, **env)
    return done.returncode, json.loads(done.stdout)  # nothing else on stdout


@pytest.fixture
def demo() -> Iterator[DemoIntranet]:
    with DemoIntranet(token=TOKEN) as server:
        yield server


def test_against_the_demo_intranet_everything_is_fine(demo: DemoIntranet,
                                                      tmp_path: Path) -> None:
    policy = tmp_path / "policy.json"
    policy.write_text(json.dumps({"check_interval_minutes": 30}))
    done = run("diagnose", "--json", "--intranet-url", demo.url, COMPANION_TOKEN=TOKEN,
               COMPANION_POLICY_FILE=str(policy), COMPANION_LOG_LEVEL="DEBUG")
    assert done.returncode == 0, done.stdout
    data = json.loads(done.stdout)
    assert set(data) == TOP_KEYS
    assert (data["schema"], data["version"], data["exit_code"]) == (1, __version__, 0)
    assert data["intranet_url"] == demo.url
    assert set(data["settings"]) == {s.key for s in SETTINGS}
    assert all(entry["source"] in SOURCES for entry in data["settings"].values())
    assert data["settings"]["intranet_url"] == {
        "value": demo.url, "source": "command_line", "origin": None, "locked": False}
    assert data["settings"]["log_level"] == {
        "value": "DEBUG", "source": "environment", "origin": "COMPANION_LOG_LEVEL",
        "locked": False}
    assert data["settings"]["check_interval_minutes"] == {
        "value": 30, "source": "policy", "origin": str(policy), "locked": True}
    assert data["settings"]["auth_method"]["source"] == "default"
    assert data["policy"] == {"origin": str(policy), "error": None}
    assert data["files"]["log"].endswith("companion.log")
    assert data["credential"] == {"present": True, "source": "environment",
                                  "sign_in_method": "oauth"}
    intranet = data["intranet"]
    assert (intranet["checked"], intranet["reached"], intranet["http_status"]) == (
        True, True, 200)
    assert intranet["signed_in"] is True and intranet["error"] is None
    assert isinstance(intranet["duration_ms"], int) and 0 <= intranet["duration_ms"] < 30_000
    assert data["problems"] == []
    assert TOKEN not in done.stdout + done.stderr


def test_settings_from_the_user_settings_file_name_it(demo: DemoIntranet,
                                                      isolated_home: Path) -> None:
    settings = isolated_home / "config" / "intranet-companion" / "settings.json"
    settings.parent.mkdir(parents=True)
    settings.write_text(json.dumps({"intranet_url": demo.url}))
    code, data = diagnose_json(COMPANION_TOKEN=TOKEN)
    assert code == 0
    assert data["settings"]["intranet_url"]["source"] == "user_settings"
    assert data["settings"]["intranet_url"]["origin"] == str(settings)


def test_an_unreachable_intranet_exits_3() -> None:
    url = f"http://127.0.0.1:{unused_port()}"
    code, data = diagnose_json(COMPANION_INTRANET_URL=url, COMPANION_TOKEN=TOKEN)
    assert code == 3 and data["exit_code"] == 3
    assert data["intranet"]["reached"] is False
    assert data["intranet"]["http_status"] is None
    assert data["intranet"]["error"]["kind"] == "network"
    assert [(p["area"], p["kind"], p["exit_code"]) for p in data["problems"]] == [
        ("intranet", "network", 3)]


def test_json_is_english_whatever_the_language() -> None:
    url = f"http://127.0.0.1:{unused_port()}"
    _, english = diagnose_json(COMPANION_INTRANET_URL=url, COMPANION_TOKEN=TOKEN)
    _, german = diagnose_json(COMPANION_INTRANET_URL=url, COMPANION_TOKEN=TOKEN,
                              LANGUAGE="de", LANG="de_DE.UTF-8", COMPANION_LANGUAGE="de")
    assert german["problems"] == english["problems"]
    assert "refused the connection" in english["problems"][0]["message"]


def test_no_keyring_and_no_token_exits_4_and_still_asks_the_intranet(
        demo: DemoIntranet) -> None:
    code, data = diagnose_json(COMPANION_INTRANET_URL=demo.url,
                               PYTHON_KEYRING_BACKEND=NO_KEYRING)
    assert code == 4
    keyring = data["keyring"]
    assert (keyring["available"], keyring["id"], keyring["name"]) == (False, None, None)
    assert keyring["error"]["kind"] == "auth"
    assert "No secure password store" in keyring["error"]["message"]
    assert data["credential"]["present"] is False
    assert data["intranet"]["reached"] is True
    assert data["intranet"]["http_status"] == 401
    assert data["intranet"]["signed_in"] is False
    assert [p["area"] for p in data["problems"]] == ["keyring"]


def test_no_keyring_with_a_token_is_only_a_warning(demo: DemoIntranet) -> None:
    code, data = diagnose_json(COMPANION_INTRANET_URL=demo.url, COMPANION_TOKEN=TOKEN,
                               PYTHON_KEYRING_BACKEND=NO_KEYRING)
    assert code == 0 and data["problems"] == []
    assert any("COMPANION_TOKEN" in warning for warning in data["warnings"])


def test_a_refused_token_exits_4(demo: DemoIntranet) -> None:
    code, data = diagnose_json(COMPANION_INTRANET_URL=demo.url,
                               COMPANION_TOKEN="not-the-demo-token-at-all")
    assert code == 4
    assert data["intranet"]["reached"] is True
    assert [(p["area"], p["kind"]) for p in data["problems"]] == [("credential", "auth")]


def test_configuration_errors_exit_5() -> None:
    code, data = diagnose_json(COMPANION_INTRANET_URL="", COMPANION_TOKEN=TOKEN)
    assert code == 5
    assert data["intranet_url"] is None and data["intranet"]["checked"] is False
    assert data["problems"][0]["area"] == "config"


def test_an_unreadable_policy_exits_5_in_text_and_json(tmp_path: Path) -> None:
    policy = tmp_path / "policy.json"
    policy.write_text("{")
    code, data = diagnose_json(COMPANION_POLICY_FILE=str(policy), COMPANION_TOKEN=TOKEN,
                               COMPANION_INTRANET_URL="https://i.example")
    assert code == 5
    assert data["policy"]["error"]["kind"] == "config"
    assert data["intranet"]["checked"] is False
    text = run("diagnose", COMPANION_POLICY_FILE=str(policy), COMPANION_TOKEN=TOKEN)
    assert text.returncode == 5
    assert str(policy) in text.stdout.split("Problems:", 1)[1]


def test_text_diagnose_exits_4_without_a_keyring(demo: DemoIntranet) -> None:
    done = run("diagnose", COMPANION_INTRANET_URL=demo.url, PYTHON_KEYRING_BACKEND=NO_KEYRING)
    assert done.returncode == 4
    assert "Credential: none, sign-in needed" in done.stdout
    assert f"Intranet: {demo.url}: reachable (HTTP 401 without a sign-in)" in done.stdout
    assert "No secure password store" in done.stdout.split("Problems:", 1)[1]


def test_text_diagnose_says_nothing_is_broken(demo: DemoIntranet) -> None:
    done = run("diagnose", COMPANION_INTRANET_URL=demo.url, COMPANION_TOKEN=TOKEN)
    assert done.returncode == 0
    assert "Nothing found broken." in done.stdout


# --- a real password store, by the name people know ---------------------------------------


@pytest.fixture
def gnome_keyring(tmp_path: Path) -> Iterator[dict[str, str]]:
    missing = [tool for tool in ("dbus-run-session", "gnome-keyring-daemon")
               if shutil.which(tool) is None]
    if missing and not os.environ.get("CI"):
        pytest.skip(f"needs {', '.join(missing)} (installed by .ci/setup-auth.sh)")
    home = tmp_path / "keyring-home"
    runtime = home / "run"
    runtime.mkdir(parents=True, mode=0o700)
    env = {"HOME": str(home), "XDG_DATA_HOME": str(home / "data"),
           "XDG_RUNTIME_DIR": str(runtime)}
    clean = {k: v for k, v in os.environ.items()
             if k not in ("DBUS_SESSION_BUS_ADDRESS", "PYTHON_KEYRING_BACKEND")}
    session = subprocess.Popen([sys.executable, str(TESTS / "secret_service_session.py")],
                               env={**clean, **env}, stdin=subprocess.PIPE,
                               stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    assert session.stdin is not None and session.stdout is not None
    try:
        address = session.stdout.readline().strip()
        assert address, "no D-Bus session with GNOME Keyring"
        yield {**env, "DBUS_SESSION_BUS_ADDRESS": address}
    finally:
        session.stdin.close()
        session.wait(30)


def test_gnome_keyring_is_called_so(demo: DemoIntranet, gnome_keyring: dict[str, str]) -> None:
    env = {**gnome_keyring, "COMPANION_INTRANET_URL": demo.url}
    done = subprocess.run([sys.executable, str(REPO / "main.py"), "sign-in", "--token", "-"],
                          input=TOKEN + "\n", capture_output=True, text=True,
                          env={**os.environ, **env}, timeout=60, check=False)
    assert done.returncode == 0, done.stderr
    assert "GNOME Keyring" in done.stdout and "keyring.backends" not in done.stdout
    code, data = diagnose_json(**env)
    assert code == 0, data["problems"]
    assert data["keyring"] == {"available": True, "id": "keyring.backends.SecretService.Keyring",
                               "name": "GNOME Keyring", "chosen_by": "remembered",
                               "secure": True, "error": None}
    assert data["credential"] == {"present": True, "source": "keyring",
                                  "sign_in_method": "token"}
    text = run("diagnose", **env)
    keyring_line = text.stdout.split("Keyring: ", 1)[1].splitlines()[0]
    assert keyring_line == "GNOME Keyring (Secret Service), remembered from the first sign-in"
    assert TOKEN not in text.stdout + json.dumps(data)
