"""`main.py sign-in`, `check`, `diagnose` and `sign-out` end to end: real processes, the
demo intranet's OAuth server on 127.0.0.1, a scripted BROWSER that presses Approve, and a
keyring the processes share: a real Secret Service (GNOME Keyring in a private D-Bus
session) or a file-backed test keyring.

The Secret Service runs are skipped where dbus-run-session or gnome-keyring-daemon are
missing (.ci/setup-auth.sh installs them), never under CI.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from tray_app.core.timeutil import utc_now
from tray_app.demo.server import DemoIntranet

REPO = Path(__file__).resolve().parents[1]
TESTS = REPO / "tests"
SERVICE = "intranet-companion"
LIFETIME = 60


class JumpingClock:
    """Real time, plus whatever the test jumps ahead."""

    def __init__(self) -> None:
        self.offset = timedelta()

    def __call__(self) -> datetime:
        return utc_now() + self.offset


@dataclass
class Keyring:
    label: str
    env: dict[str, str]
    read: Callable[[str], str | None]


@dataclass
class Cli:
    env: dict[str, str]
    outputs: list[str] = field(default_factory=list)

    def run(self, *args: str, stdin: str = "", **extra_env: str) -> subprocess.CompletedProcess:
        done = subprocess.run([sys.executable, str(REPO / "main.py"), *args], input=stdin,
                              capture_output=True, text=True, env={**self.env, **extra_env},
                              timeout=60, check=False)
        self.outputs += [done.stdout, done.stderr]
        assert "Traceback" not in done.stderr, done.stderr
        return done

    def check(self) -> tuple[int, dict]:
        done = self.run("check", "--json")
        return done.returncode, json.loads(done.stdout)


def _secret_service_missing() -> str | None:
    missing = [tool for tool in ("dbus-run-session", "gnome-keyring-daemon")
               if shutil.which(tool) is None]
    return f"needs {', '.join(missing)} (installed by .ci/setup-auth.sh)" if missing else None


@pytest.fixture
def secret_service(tmp_path: Path) -> Iterator[Keyring]:
    reason = _secret_service_missing()
    if reason and not os.environ.get("CI"):
        pytest.skip(reason)
    assert reason is None, reason
    home = tmp_path / "keyring-home"
    runtime = home / "run"
    runtime.mkdir(parents=True, mode=0o700)
    env = {"HOME": str(home), "XDG_DATA_HOME": str(home / "data"),
           "XDG_RUNTIME_DIR": str(runtime)}
    log = (tmp_path / "session.log").open("w")
    session = subprocess.Popen([sys.executable, str(TESTS / "secret_service_session.py")],
                               env={**_clean_environ(), **env}, stdin=subprocess.PIPE,
                               stdout=subprocess.PIPE, stderr=log, text=True)
    assert session.stdin is not None and session.stdout is not None
    try:
        address = session.stdout.readline().strip()
        assert address, f"no D-Bus session: {(tmp_path / 'session.log').read_text()}"
        env["DBUS_SESSION_BUS_ADDRESS"] = address

        def read(name: str) -> str | None:
            program = ("import keyring, sys; value = keyring.get_password(sys.argv[1], "
                       "sys.argv[2]); print(json.dumps(value))")
            done = subprocess.run([sys.executable, "-c", "import json; " + program, SERVICE,
                                   name], env={**_clean_environ(), **env}, capture_output=True,
                                  text=True, timeout=30, check=True)
            return json.loads(done.stdout)

        yield Keyring("Secret Service", env, read)
    finally:
        session.stdin.close()
        session.wait(30)
        log.close()


@pytest.fixture
def file_keyring(tmp_path: Path) -> Keyring:
    path = tmp_path / "test-keyring.json"

    def read(name: str) -> str | None:
        data = json.loads(path.read_text()) if path.exists() else {}
        return data.get(f"{SERVICE}\n{name}")

    # The demo sandbox's plain-file keyring: a real keyring backend that processes share.
    env = {"PYTHON_KEYRING_BACKEND": "tray_app.demo.sandbox_keyring.PlaintextSandboxKeyring",
           "DEMO_KEYRING_FILE": str(path)}
    return Keyring("PlaintextSandboxKeyring", env, read)


@pytest.fixture(params=["secret_service", "file_keyring"])
def keyring_for_processes(request: pytest.FixtureRequest) -> Keyring:
    return request.getfixturevalue(request.param)


def _clean_environ() -> dict[str, str]:
    dropped = ("COMPANION_TOKEN", "PYTHON_KEYRING_BACKEND", "DBUS_SESSION_BUS_ADDRESS")
    return {k: v for k, v in os.environ.items() if k not in dropped}


@pytest.fixture
def clock() -> JumpingClock:
    return JumpingClock()


@pytest.fixture
def demo(clock: JumpingClock) -> Iterator[DemoIntranet]:
    with DemoIntranet(clock=clock, access_token_seconds=LIFETIME) as server:
        yield server


def make_cli(tmp_path: Path, demo: DemoIntranet, keyring: Keyring) -> Cli:
    browser = tmp_path / "browser.sh"
    browser.write_text(f'#!/bin/sh\nexec "{sys.executable}" "{TESTS / "approve_browser.py"}" '
                       '"$1"\n')
    browser.chmod(0o755)
    env = {**_clean_environ(), **keyring.env, "COMPANION_INTRANET_URL": demo.url,
           "BROWSER": str(browser), "COMPANION_READ_TIMEOUT_SECONDS": "5"}
    return Cli(env)


def tokens_in(keyring: Keyring, demo: DemoIntranet) -> set[str]:
    text = keyring.read(f"oauth:{demo.url}")
    assert text, "the sign-in is not in the keyring"
    record = json.loads(text)
    return {record["access_token"], record["refresh_token"]}


def assert_nowhere(secrets: set[str], home: Path, cli: Cli) -> None:
    texts = [p.read_text(errors="replace") for p in home.rglob("*") if p.is_file()]
    texts += cli.outputs
    for secret in secrets:
        assert not any(secret in text for text in texts), "a token was written or printed"


def test_sign_in_check_refresh_and_sign_out(
        tmp_path: Path, isolated_home: Path, demo: DemoIntranet, clock: JumpingClock,
        keyring_for_processes: Keyring) -> None:
    keyring = keyring_for_processes
    cli = make_cli(tmp_path, demo, keyring)

    signed_in = cli.run("sign-in")

    assert signed_in.returncode == 0, signed_in.stderr
    assert f"If no browser opened, visit: {demo.url}/oauth/authorize?" in signed_in.stdout
    assert "Signed in to 127.0.0.1:" in signed_in.stdout
    first_tokens = tokens_in(keyring, demo)
    code, report = cli.check()
    assert (code, report["outcome"], report["error"]) == (1, "attention", None)
    assert "COMPANION_TOKEN" not in cli.env

    clock.offset = timedelta(seconds=LIFETIME + 5)  # the access token has expired
    code, report = cli.check()
    assert (code, report["error"]) == (1, None)
    assert demo.oauth.grants == {"authorization_code": 1, "refresh_token": 1}
    second_tokens = tokens_in(keyring, demo)
    assert not first_tokens & second_tokens  # both rotated

    diagnosis = cli.run("diagnose").stdout
    assert "Sign-in method: oauth" in diagnosis
    assert keyring.label in diagnosis.split("Keyring: ", 1)[1].splitlines()[0]

    signed_out = cli.run("sign-out")
    assert signed_out.returncode == 0 and "Signed out" in signed_out.stdout
    assert keyring.read(f"oauth:{demo.url}") is None
    assert keyring.read("__index__") is None
    assert demo.oauth.active_sessions() == 0  # revoked at the server too
    code, report = cli.check()
    assert (code, report["error"]["kind"]) == (4, "auth")
    assert_nowhere(first_tokens | second_tokens, isolated_home, cli)


def test_revoked_sign_in_exits_4_and_says_sign_in_again(
        tmp_path: Path, isolated_home: Path, demo: DemoIntranet, file_keyring: Keyring) -> None:
    cli = make_cli(tmp_path, demo, file_keyring)
    assert cli.run("sign-in").returncode == 0
    tokens = tokens_in(file_keyring, demo)

    demo.revoke_sessions()
    code, report = cli.check()

    assert (code, report["error"]["kind"]) == (4, "auth")
    assert "sign in again" in report["error"]["message"].lower()
    assert_nowhere(tokens, isolated_home, cli)


def test_denying_in_the_browser_is_one_sentence_and_stores_nothing(
        tmp_path: Path, demo: DemoIntranet, file_keyring: Keyring) -> None:
    cli = make_cli(tmp_path, demo, file_keyring)
    done = cli.run("sign-in", APPROVE_BROWSER_DECISION="deny")
    assert done.returncode == 4
    assert "access was denied" in done.stderr
    assert file_keyring.read(f"oauth:{demo.url}") is None


def test_sign_in_with_a_token_on_standard_input(
        tmp_path: Path, isolated_home: Path, demo: DemoIntranet, file_keyring: Keyring) -> None:
    cli = make_cli(tmp_path, demo, file_keyring)

    done = cli.run("sign-in", "--token", "-", stdin=demo.token + "\n")

    assert done.returncode == 0, done.stderr
    assert file_keyring.read(f"token:{demo.url}") == demo.token
    settings = json.loads((isolated_home / "config" / SERVICE / "settings.json").read_text())
    assert settings == {"auth_method": "token"}
    assert cli.check()[0] == 1
    assert cli.run("sign-out").returncode == 0
    assert cli.check()[0] == 4
    assert_nowhere({demo.token}, isolated_home, cli)


@pytest.mark.parametrize("args", [
    ("sign-in", "--token", "abc"),
    ("sign-in", "--token", "-", "--method", "oauth"),
    ("sign-in", "--device"),
    ("sign-in", "--method", "nope"),
])
def test_sign_in_usage_errors_exit_2(tmp_path: Path, demo: DemoIntranet,
                                     file_keyring: Keyring, args: tuple[str, ...]) -> None:
    done = make_cli(tmp_path, demo, file_keyring).run(*args)
    assert done.returncode == 2
    assert done.stderr.strip()


def test_sign_out_without_any_keyring_says_nothing_was_stored(tmp_path: Path) -> None:
    done = subprocess.run([sys.executable, str(REPO / "main.py"), "sign-out"],
                          capture_output=True, text=True, timeout=60, check=False,
                          env={**_clean_environ(),
                               "PYTHON_KEYRING_BACKEND": "keyring.backends.fail.Keyring"})
    assert done.returncode == 0, done.stderr
    assert "No sign-in was stored" in done.stdout
