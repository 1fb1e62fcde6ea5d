"""One owner of the state across processes: the tray's choices survive a concurrent
`check` (a real process, against a slow server on 127.0.0.1), whichever saves last."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
from pathlib import Path

from fakeserver import FakeServer, Reply

from tray_app.core.check import Checker
from tray_app.core.config import load_config
from tray_app.core.credentials import StaticToken
from tray_app.core.report import CheckReport
from tray_app.core.session import Session
from tray_app.core.state import StateStore, notice_id

REPO = Path(__file__).resolve().parents[1]
PATH = "/api/v1/me/integrations"
TOKEN = "state-sharing-token-0123456789"
SLOW_SECONDS = 2.0


def body(base: str) -> dict:
    return {"user": {"id": "u-1", "name": "Jane Doe", "email": None},
            "external_apps_url": f"{base}/profile/settings/external-apps",
            "integrations": [
                {"id": "dropbox", "name": "Dropbox", "provider": "dropbox",
                 "status": "disconnected", "disconnected_at": "2026-11-27T08:12:00Z"},
                {"id": "slack", "name": "Slack", "provider": "slack",
                 "status": "disconnected", "disconnected_at": "2026-11-26T08:00:00Z"}]}


def tray_session() -> Session:
    return Session(StateStore())


def worker_check(url: str) -> CheckReport:
    """What the tray's check worker does (it never saves the state)."""
    config = load_config({"intranet_url": url})
    return Checker(config, StateStore(), provider_factory=lambda _url: StaticToken(TOKEN)).run()


def start_check_process(url: str) -> subprocess.Popen[str]:
    env = {**os.environ, "COMPANION_INTRANET_URL": url, "COMPANION_TOKEN": TOKEN}
    return subprocess.Popen([sys.executable, str(REPO / "main.py"), "check", "--json"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)


def wait_for_request(server: FakeServer, count: int) -> None:
    deadline = time.monotonic() + 20
    while len(server.requests_to(PATH)) < count:
        assert time.monotonic() < deadline, "the check never reached the server"
        time.sleep(0.02)


def test_a_dismissal_survives_a_check_process_that_started_before_it(
        fake_server) -> None:
    server = fake_server()
    server.respond("GET", PATH, Reply.json(body(server.url)))
    session = tray_session()
    update = session.apply(worker_check(server.url))
    dropbox, slack = update.popup
    assert dropbox.integration_id == "dropbox"

    # A `check` that loads the state now and saves after the tray's dismissal.
    server.respond("GET", PATH, Reply.json(body(server.url), delay=SLOW_SECONDS))
    process = start_check_process(server.url)
    wait_for_request(server, 2)
    session.dismiss(dropbox)
    session.remind_later([slack])
    out, err = process.communicate(timeout=60)

    assert process.returncode == 1, err
    assert json.loads(out)["outcome"] == "attention"
    state = StateStore().load()
    assert state.notices[notice_id(dropbox.identity)].dismissed
    assert state.notices[notice_id(slack.identity)].snoozed_until is not None
    assert state.notices[notice_id(dropbox.identity)].times_shown == 1  # the tray's mark too
    assert state.last_good is not None  # and the check's own result was kept


def test_the_tray_check_hands_its_result_over_without_undoing_a_dismissal(
        fake_server) -> None:
    server = fake_server()
    server.respond("GET", PATH, Reply.json(body(server.url)))
    session = tray_session()
    dropbox = session.apply(worker_check(server.url)).popup[0]

    server.respond("GET", PATH, Reply.json(body(server.url), delay=SLOW_SECONDS))
    reports = []
    worker = threading.Thread(target=lambda: reports.append(worker_check(server.url)))
    worker.start()
    wait_for_request(server, 2)
    session.dismiss(dropbox)
    worker.join(timeout=30)
    session.apply(reports[0])

    assert StateStore().load().notices[notice_id(dropbox.identity)].dismissed
    assert dropbox not in session.due_for_popup()


def test_many_check_processes_and_the_tray_lose_nothing(fake_server) -> None:
    server = fake_server()
    server.respond("GET", PATH, Reply.json(body(server.url)))
    session = tray_session()
    dropbox, slack = session.apply(worker_check(server.url)).popup
    server.respond("GET", PATH, Reply.json(body(server.url), delay=0.3))
    processes = [start_check_process(server.url) for _ in range(4)]
    session.dismiss(dropbox)
    time.sleep(0.4)
    session.dismiss(slack)
    for process in processes:
        process.communicate(timeout=60)
        assert process.returncode == 1
    notices = StateStore().load().notices
    assert notices[notice_id(dropbox.identity)].dismissed
    assert notices[notice_id(slack.identity)].dismissed
