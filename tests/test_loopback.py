"""The shared loopback receiver over real HTTP on 127.0.0.1: only the answer with the
expected state counts; anything else is answered, ignored, and the wait goes on."""

from __future__ import annotations

import logging
import socket
import threading
import time
from collections.abc import Iterator

import pytest
import requests

from tray_app.core.auth.loopback import LoopbackReceiver
from tray_app.core.errors import ConfigError

STATE = "the-state-of-this-sign-in-0123456789"
CODE = "the-authorization-code-abcdef"


@pytest.fixture
def direct() -> Iterator[requests.Session]:
    session = requests.Session()
    session.trust_env = False  # no proxy between the test and 127.0.0.1
    yield session
    session.close()


def waiting(receiver: LoopbackReceiver, timeout: float = 10.0,
            cancelled: threading.Event | None = None) -> tuple[threading.Thread, list]:
    """receiver.wait() on another thread, as a sign-in runs it; its result lands in the list."""
    result: list = []
    thread = threading.Thread(
        target=lambda: result.append(receiver.wait(timeout, cancelled)), daemon=True)
    thread.start()
    return thread, result


def test_only_the_answer_with_the_expected_state_completes(
        direct: requests.Session, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    with LoopbackReceiver(STATE) as receiver:
        uri = receiver.redirect_uri()
        thread, result = waiting(receiver)
        stray = [
            direct.get(f"{uri}?code=forged&state=not-the-state", timeout=5),
            direct.get(f"{uri}?code=forged", timeout=5),
            direct.get(f"http://127.0.0.1:{receiver.port}/favicon.ico", timeout=5),
            direct.get(f"{uri}?code=forged&state={STATE}&state=other", timeout=5),
        ]
        assert [reply.status_code for reply in stray] == [400, 400, 404, 400]
        time.sleep(0.2)
        assert thread.is_alive() and not result  # still waiting for the real answer
        real = direct.get(uri, params={"code": CODE, "state": STATE}, timeout=5)
        thread.join(5)
    assert real.status_code == 200 and "You can close this tab" in real.text
    assert result == [{"code": CODE, "state": STATE}]
    for reply in stray:
        assert reply.headers["Content-Type"] == "text/html; charset=utf-8"
        assert "refused" in reply.text or "Nothing here" in reply.text
        assert "forged" not in reply.text and STATE not in reply.text
    assert receiver.turned_away == 4
    logged = "\n".join(record.getMessage() for record in caplog.records
                       if record.name.startswith("tray_app"))
    assert "turned away 4 request(s)" in logged
    assert CODE not in logged and STATE not in logged and "forged" not in logged


def test_an_error_with_the_right_state_is_the_answer(direct: requests.Session) -> None:
    with LoopbackReceiver(STATE) as receiver:
        thread, result = waiting(receiver)
        reply = direct.get(receiver.redirect_uri(),
                           params={"error": "access_denied", "state": STATE}, timeout=5)
        thread.join(5)
    assert reply.status_code == 200 and "was not signed in" in reply.text
    assert result == [{"error": "access_denied", "state": STATE}]


def test_an_answer_before_the_wait_counts_and_the_first_one_wins(
        direct: requests.Session) -> None:
    with LoopbackReceiver(STATE) as receiver:
        uri = receiver.redirect_uri()
        direct.get(uri, params={"code": CODE, "state": STATE}, timeout=5)
        direct.get(uri, params={"code": "second", "state": STATE}, timeout=5)
        assert receiver.wait(1) == {"code": CODE, "state": STATE}


def test_form_post_answers_when_asked_for(direct: requests.Session) -> None:
    with LoopbackReceiver(STATE, path="/", form_post=True) as receiver:
        uri = receiver.redirect_uri("localhost")
        assert uri == f"http://localhost:{receiver.port}"
        target = f"http://127.0.0.1:{receiver.port}/"
        wrong = direct.post(target, data={"code": "forged", "state": "nope"}, timeout=5)
        not_a_form = direct.post(target, data=f"code={CODE}&state={STATE}", timeout=5,
                                 headers={"Content-Type": "text/plain"})
        right = direct.post(target, data={"code": CODE, "state": STATE}, timeout=5)
        assert receiver.wait(1) == {"code": CODE, "state": STATE}
    assert (wrong.status_code, not_a_form.status_code, right.status_code) == (400, 400, 200)


def test_post_is_turned_away_without_form_post(direct: requests.Session) -> None:
    with LoopbackReceiver(STATE) as receiver:
        reply = direct.post(receiver.redirect_uri(), data={"code": CODE, "state": STATE},
                            timeout=5)
        assert reply.status_code == 404
        assert receiver.wait(0.3) is None


def test_cancel_from_another_thread_ends_the_wait_promptly() -> None:
    cancelled = threading.Event()
    with LoopbackReceiver(STATE) as receiver:
        thread, result = waiting(receiver, timeout=60, cancelled=cancelled)
        time.sleep(0.2)
        started = time.monotonic()
        cancelled.set()
        thread.join(5)
        assert time.monotonic() - started < 1
    assert result == [None]


def test_the_wait_has_a_timeout() -> None:
    with LoopbackReceiver(STATE) as receiver:
        started = time.monotonic()
        assert receiver.wait(0.3) is None
        assert 0.25 < time.monotonic() - started < 2


def test_a_connection_that_sends_nothing_does_not_hold_up_the_answer(
        direct: requests.Session) -> None:
    with LoopbackReceiver(STATE) as receiver, socket.create_connection(
            ("127.0.0.1", receiver.port), timeout=5):
        thread, result = waiting(receiver)
        direct.get(receiver.redirect_uri(), params={"code": CODE, "state": STATE}, timeout=5)
        thread.join(5)
        assert result == [{"code": CODE, "state": STATE}]


def test_a_port_in_use_is_a_sentence() -> None:
    with LoopbackReceiver(STATE) as first, pytest.raises(ConfigError, match=f"port {first.port}"):
        LoopbackReceiver(STATE, port=first.port)


def test_the_port_is_free_again_after_close() -> None:
    with LoopbackReceiver(STATE) as receiver:
        port = receiver.port
    with LoopbackReceiver(STATE, port=port) as again:
        assert again.port == port
