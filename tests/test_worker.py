"""The worker process and the tray's side of it: real processes, a real server on
127.0.0.1; a worker that crashes, hangs, prints garbage or is cancelled never hangs the
caller and is never left running."""

from __future__ import annotations

import os
import sys
import threading
import time

import pytest
from fakeserver import Reply

from tray_app.core.errors import CompanionError
from tray_app.core.report import report_from_message
from tray_app.core.worker_client import WorkerCancelled, call_worker

PATH = "/api/v1/me/integrations"
TOKEN = "worker-token-0123456789"


def fake_worker(code: str) -> list[str]:
    return [sys.executable, "-c", code]


def env_with_token() -> dict[str, str]:
    return {**os.environ, "COMPANION_TOKEN": TOKEN}


def test_a_check_in_the_worker_hands_back_its_report(fake_server) -> None:
    server = fake_server()
    server.respond("GET", PATH, Reply.json({
        "user": {"id": "u-1", "name": "Jane", "email": None},
        "external_apps_url": f"{server.url}/profile/settings/external-apps",
        "integrations": [{"id": "dropbox", "name": "Dropbox", "provider": "dropbox",
                          "status": "disconnected"}]}))
    final = call_worker({"op": "check", "intranet_url": server.url}, deadline_seconds=30,
                        env=env_with_token())
    report = report_from_message(final["report"])
    assert report.outcome == "attention" and report.error is None
    assert [n.integration_id for n in report.classification.notices] == ["dropbox"]
    assert server.requests[0].headers["Authorization"] == f"Bearer {TOKEN}"


def test_the_worker_never_saves_the_state(fake_server, isolated_home) -> None:
    server = fake_server()
    server.respond("GET", PATH, Reply.json({"user": {"id": "u", "name": "J"},
                                            "external_apps_url": server.url + "/x",
                                            "integrations": []}))
    call_worker({"op": "check", "intranet_url": server.url}, deadline_seconds=30,
                env=env_with_token())
    assert not (isolated_home / "state" / "intranet-companion" / "state.json").exists()


@pytest.mark.parametrize(("code", "said"), [
    ("print('garbage', flush=True)", "answered wrongly"),
    ("print('{\"v\": 2, \"type\": \"report\"}', flush=True)", "answered wrongly"),
    ("import sys; sys.exit(3)", "stopped without an answer"),
    ("import os; os.abort()", "stopped without an answer"),
])
def test_a_broken_worker_gives_a_sentence(code: str, said: str) -> None:
    with pytest.raises(CompanionError) as caught:
        call_worker({"op": "check"}, deadline_seconds=30, command=fake_worker(code))
    assert said in caught.value.message and caught.value.title == "Could not check"
    assert not caught.value.offers_sign_in


def test_a_hanging_worker_is_killed_at_the_deadline(tmp_path) -> None:
    pid_file = tmp_path / "pid"
    code = f"import os, time; open({str(pid_file)!r}, 'w').write(str(os.getpid())); " \
           "time.sleep(60)"
    started = time.monotonic()
    with pytest.raises(CompanionError) as caught:
        call_worker({"op": "check"}, deadline_seconds=1.5, command=fake_worker(code))
    assert time.monotonic() - started < 10
    assert "did not finish in time" in caught.value.message
    pid = int(pid_file.read_text())
    with pytest.raises(ProcessLookupError):
        os.kill(pid, 0)


def test_a_worker_can_be_cancelled() -> None:
    cancelled = threading.Event()
    threading.Timer(0.5, cancelled.set).start()
    started = time.monotonic()
    with pytest.raises(WorkerCancelled):
        call_worker({"op": "sign-in"}, deadline_seconds=60, cancelled=cancelled,
                    command=fake_worker("import time; time.sleep(60)"))
    assert time.monotonic() - started < 5


def test_messages_before_the_final_one_are_relayed() -> None:
    code = ("import sys\n"
            "w = sys.stdout.write\n"
            "w('{\"v\":1,\"type\":\"open\",\"url\":\"http://127.0.0.1:9/authorize\"}\\n')\n"
            "w('{\"v\":1,\"type\":\"result\",\"sentence\":\"Signed in.\",\"error\":null}\\n')\n")
    seen: list[dict] = []
    final = call_worker({"op": "sign-in"}, deadline_seconds=30, on_message=seen.append,
                        command=fake_worker(code))
    assert seen == [{"v": 1, "type": "open", "url": "http://127.0.0.1:9/authorize"}]
    assert final["sentence"] == "Signed in."


def test_a_worker_that_cannot_start_gives_a_sentence(tmp_path) -> None:
    with pytest.raises(CompanionError) as caught:
        call_worker({"op": "check"}, deadline_seconds=5, command=[str(tmp_path / "none")])
    assert "could not start" in caught.value.message


def test_a_wrong_request_is_refused_by_the_real_worker() -> None:
    code = ("import subprocess, sys\n"
            "done = subprocess.run([sys.executable, '-m', 'tray_app', 'worker'],"
            " input=b'nonsense\\n', capture_output=True)\n"
            "sys.stdout.buffer.write(done.stdout)\n")
    final = call_worker({"op": "check"}, deadline_seconds=30, command=fake_worker(code))
    assert final["type"] == "result" and "asked wrongly" in final["error"]["message"]
