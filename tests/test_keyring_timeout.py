"""A keyring that never answers does not hang anything: every call gives up after
KEYRING_TIMEOUT_SECONDS with one sentence (`check`: exit 4)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import hanging_keyring
import pytest

from tray_app.core import keyring_calls, secrets
from tray_app.core.config import Config, load_config
from tray_app.core.policy import RawPolicy
from tray_app.core.secrets import open_secret_store
from tray_app.core.tokens import KeyringUnavailable
from tray_app.demo.server import DemoIntranet

REPO = Path(__file__).resolve().parents[1]
TESTS = Path(__file__).resolve().parent
BACKEND = "hanging_keyring.HangingKeyring"
SECRET = "a-token-that-must-never-be-shown-0123456789"


def run_check(*args: str, url: str) -> tuple[int, str, str, float]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("COMPANION_")}
    env.update({
        "COMPANION_POLICY_FILE": os.environ["COMPANION_POLICY_FILE"],
        "COMPANION_INTRANET_URL": url,
        "PYTHON_KEYRING_BACKEND": BACKEND,
        hanging_keyring.ENABLE_ENV: "1",
        "PYTHONPATH": os.pathsep.join(filter(None, [str(TESTS), env.get("PYTHONPATH")])),
    })
    started = time.monotonic()
    done = subprocess.run([sys.executable, str(REPO / "main.py"), "check", *args],
                          capture_output=True, text=True, env=env, timeout=30, check=False)
    return done.returncode, done.stdout, done.stderr, time.monotonic() - started


@pytest.fixture(scope="module")
def demo() -> Iterator[DemoIntranet]:
    with DemoIntranet() as server:
        yield server


@pytest.fixture
def hanging(monkeypatch: pytest.MonkeyPatch) -> Iterator[type[hanging_keyring.HangingKeyring]]:
    """The hanging backend in this process, with a short deadline; released afterwards."""
    monkeypatch.setattr(keyring_calls, "KEYRING_TIMEOUT_SECONDS", 0.5)
    monkeypatch.setenv(hanging_keyring.ENABLE_ENV, "1")
    hanging_keyring.release.clear()
    hanging_keyring.calls.clear()
    yield hanging_keyring.HangingKeyring
    hanging_keyring.release.set()


def config() -> Config:
    return load_config({}, environ={}, policy=RawPolicy({}, origin="test"))


def test_check_gives_up_on_a_keyring_that_never_answers(demo: DemoIntranet) -> None:
    code, stdout, stderr, took = run_check(url=demo.url)
    assert code == 4, stderr
    assert took < 15
    assert "Traceback" not in stderr
    lines = [line for line in stderr.splitlines() if line.strip()]
    assert len(lines) == 1, stderr
    assert lines[0].startswith("Could not check: The password store (")
    assert (f"did not answer within {keyring_calls.KEYRING_TIMEOUT_SECONDS:g} seconds; it may be "
            "locked and waiting for a password prompt. Unlock it and try again.") in lines[0]
    assert stdout == ""


def test_check_json_gives_up_with_an_auth_error(demo: DemoIntranet) -> None:
    code, stdout, stderr, took = run_check("--json", url=demo.url)
    assert code == 4 and took < 15
    assert "Traceback" not in stderr
    report = json.loads(stdout)  # one JSON object, nothing else
    assert report["error"]["kind"] == "auth"
    assert "did not answer within" in report["error"]["message"]


def test_every_call_gives_up_and_a_late_write_never_happens(
        monkeypatch: pytest.MonkeyPatch, hanging: type) -> None:
    monkeypatch.setenv("PYTHON_KEYRING_BACKEND", BACKEND)
    store = open_secret_store(config())
    for attempt in (lambda: store.get("oauth:x"), lambda: store.set("oauth:x", SECRET),
                    lambda: store.delete("oauth:x")):
        started = time.monotonic()
        with pytest.raises(KeyringUnavailable) as refused:
            attempt()
        assert time.monotonic() - started < 2
        assert "did not answer within 0.5 seconds" in refused.value.message
        assert SECRET not in refused.value.message and "oauth:x" not in refused.value.message
    hanging_keyring.release.set()
    time.sleep(0.3)
    # The calls that queued behind the stuck one were abandoned by their callers.
    assert hanging_keyring.calls == ["get_password"]


def test_choosing_a_backend_that_never_answers_gives_up(
        monkeypatch: pytest.MonkeyPatch, hanging: type) -> None:
    monkeypatch.delenv("PYTHON_KEYRING_BACKEND", raising=False)
    monkeypatch.setattr(hanging, "hang_in_priority", True)
    monkeypatch.setattr(secrets, "known_backend_names",
                        lambda: (f"{hanging.__module__}.{hanging.__name__}",))
    started = time.monotonic()
    with pytest.raises(KeyringUnavailable, match=r"did not answer within 0\.5 seconds"):
        open_secret_store(config())
    assert time.monotonic() - started < 2
