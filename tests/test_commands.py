"""diagnose, sign-in --token and the usage errors of the command line."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from tray_app.demo.server import DemoIntranet

REPO = Path(__file__).resolve().parents[1]


def run(*args: str, stdin: str = "", **env: str) -> subprocess.CompletedProcess[str]:
    done = subprocess.run([sys.executable, str(REPO / "main.py"), *args], input=stdin,
                          capture_output=True, text=True, env={**os.environ, **env},
                          timeout=60, check=False)
    assert "Traceback" not in done.stderr
    return done


def test_diagnose_lists_every_key_with_its_source(tmp_path: Path) -> None:
    policy = tmp_path / "policy.json"
    policy.write_text(json.dumps({"check_interval_minutes": 30, "bogus": 1}))
    with DemoIntranet() as demo:
        done = run("diagnose", COMPANION_POLICY_FILE=str(policy), COMPANION_TOKEN=demo.token,
                   COMPANION_INTRANET_URL=demo.url)
    assert done.returncode == 0
    out = done.stdout
    assert f"intranet_url = '{demo.url}'  [env COMPANION_INTRANET_URL]" in out
    assert "check_interval_minutes = 30  [policy, locked by policy]" in out
    assert "log_level = 'INFO'  [default]" in out
    assert "unknown setting 'bogus'" in out
    assert f"Intranet: {demo.url}: reachable, signed in" in out
    assert "Credential: COMPANION_TOKEN (environment)" in out
    assert demo.token not in out + done.stderr


def test_sign_in_without_keyring_says_so_and_writes_nothing(isolated_home: Path) -> None:
    secret = "a-token-that-must-not-be-written-anywhere"
    done = run("sign-in", "--token", "-", "--intranet-url", "https://i.example",
               stdin=secret + "\n", PYTHON_KEYRING_BACKEND="keyring.backends.fail.Keyring")
    assert done.returncode == 4
    assert "No secure password store" in done.stderr
    for path in (p for p in isolated_home.rglob("*") if p.is_file()):
        assert secret not in path.read_text(errors="replace")


def test_usage_error_exits_2() -> None:
    assert run("check", "--no-such-flag").returncode == 2
    assert run("frobnicate").returncode == 2


def test_demo_server_bad_scenario_is_one_sentence(tmp_path: Path) -> None:
    scenario = tmp_path / "s.json"
    scenario.write_text("[]")
    done = run("demo-server", "--scenario", str(scenario))
    assert done.returncode == 1
    assert done.stderr.strip() and len(done.stderr.strip().splitlines()) == 1
