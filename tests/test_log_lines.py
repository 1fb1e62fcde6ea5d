"""The log an IT admin reads: a start line, one line per check, one per notice shown,
snoozed or dismissed; libraries kept at WARNING unless -v; never a token."""

from __future__ import annotations

import logging
import os
import platform
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tray_app import __version__
from tray_app.core.check import Checker
from tray_app.core.config import load_config
from tray_app.core.credentials import StaticToken
from tray_app.core.session import Session
from tray_app.core.state import StateStore
from tray_app.demo.server import DemoIntranet

REPO = Path(__file__).resolve().parents[1]
TOKEN = "log-lines-token-0123456789abcdef"


@pytest.fixture
def demo() -> Iterator[DemoIntranet]:
    with DemoIntranet(token=TOKEN) as server:
        yield server


def check(*args: str, url: str, **env: str) -> subprocess.CompletedProcess[str]:
    done = subprocess.run([sys.executable, str(REPO / "main.py"), "check", *args],
                          capture_output=True, text=True, timeout=60, check=False,
                          env={**os.environ, "COMPANION_INTRANET_URL": url,
                               "COMPANION_TOKEN": TOKEN, **env})
    assert "Traceback" not in done.stderr, done.stderr
    return done


def log_lines(home: Path) -> list[str]:
    return (home / "state" / "intranet-companion" / "companion.log").read_text().splitlines()


def test_one_check_writes_a_start_line_and_a_check_line(demo: DemoIntranet,
                                                        isolated_home: Path) -> None:
    assert check("--json", url=demo.url).returncode == 1
    assert check(url=demo.url).returncode == 1  # the second one gets 304
    lines = log_lines(isolated_home)
    starts = [line for line in lines if " started (" in line]
    assert len(starts) == 2
    first = starts[0]
    assert f"Intranet Companion {__version__} started (check --json)" in first
    assert f" on {platform.system()} " in first
    assert f"intranet {demo.url} (from env COMPANION_INTRANET_URL)" in first
    assert "sign-in COMPANION_TOKEN (environment)" in first
    assert f"policy {os.environ['COMPANION_POLICY_FILE']} (not present)" in first
    checks = [line for line in lines if "tray_app.core.check: Checked" in line]
    assert len(checks) == 2
    counts = "5 integrations (connected 2, disconnected 1, expiring 1, not_connected 1)"
    assert re.search(rf"INFO .*Checked {re.escape(demo.url)}: {re.escape(counts)}; "
                     r"outcome attention; HTTP 200; 2 notices, 0 warnings; \d+ ms$",
                     checks[0]), checks[0]
    assert re.search(rf"{re.escape(counts)}; outcome attention; 304 not modified; "
                     r"2 notices, 0 warnings; \d+ ms$", checks[1]), checks[1]
    assert not any(" DEBUG " in line for line in lines)
    text = "\n".join(lines)
    assert TOKEN not in text


def test_a_failed_check_says_why_and_how_long_it_took(isolated_home: Path) -> None:
    done = check(url="http://127.0.0.1:1")
    assert done.returncode == 3
    line = next(line for line in log_lines(isolated_home) if "Check of" in line)
    assert re.search(r"Check of http://127.0.0.1:1 failed: network: .*; \d+ ms$", line), line


def test_verbose_logs_debug_to_the_file_but_never_the_token(demo: DemoIntranet,
                                                            isolated_home: Path) -> None:
    done = check("-v", "--json", url=demo.url)
    assert done.returncode == 1
    lines = log_lines(isolated_home)
    assert any(" DEBUG " in line for line in lines)
    assert TOKEN not in "\n".join(lines) + done.stderr + done.stdout


def test_libraries_stay_at_warning_unless_verbose() -> None:
    program = ("import logging, sys; from tray_app.core import logs; "
               "sys.argv[1:] == ['-v'] and logs.set_verbose(); logs.setup_logging(); "
               "print(*(logging.getLogger(n).getEffectiveLevel() for n in "
               "('urllib3', 'apscheduler', 'msal', 'keyring', 'asyncio', 'tray_app')))")
    quiet = subprocess.run([sys.executable, "-c", program], capture_output=True, text=True,
                           cwd=REPO, timeout=60, check=True)
    assert quiet.stdout.split() == ["30"] * 5 + ["10"]
    loud = subprocess.run([sys.executable, "-c", program, "-v"], capture_output=True,
                          text=True, cwd=REPO, timeout=60, check=True)
    assert loud.stdout.split() == ["10"] * 6


def test_notices_shown_snoozed_and_dismissed_are_logged(
        demo: DemoIntranet, caplog: pytest.LogCaptureFixture) -> None:
    config = load_config({"intranet_url": demo.url})
    session = Session(StateStore())
    caplog.set_level(logging.INFO, logger="tray_app.core.session")
    checker = Checker(config, StateStore(), provider_factory=lambda _url: StaticToken(TOKEN))
    update = session.apply(checker.run())
    dropbox, drive = update.popup
    session.remind_later([drive])
    session.dismiss(dropbox)
    session.remind_again(dropbox.identity)
    said = [r.getMessage() for r in caplog.records if r.name == "tray_app.core.session"]
    assert said[0] == f"Notice shown in the login popup: dropbox disconnected (key {dropbox.key})"
    assert said[1] == f"Notice shown in the login popup: google-drive expiring (key {drive.key})"
    assert said[2] == f"Notice snoozed (remind me later): google-drive expiring (key {drive.key})"
    assert said[3] == (f"Notice dismissed (don't remind me again): dropbox disconnected "
                       f"(key {dropbox.key})")
    assert said[4] == f"Notice reminders on again: dropbox disconnected (key {dropbox.key})"
