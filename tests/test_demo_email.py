"""The demo intranet's notice emails (shared/seed/), received by a real SMTP server
(aiosmtpd) on 127.0.0.1, and `demo-server` stopping cleanly on SIGTERM."""

from __future__ import annotations

import email
import email.policy
import logging
import os
import queue
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from email.message import EmailMessage
from html import escape
from pathlib import Path
from typing import Any

import pytest
import requests
from aiosmtpd.controller import Controller
from fake_clock import FakeClock

from tests.fakeserver import unused_port
from tray_app.core import messages
from tray_app.demo import DemoIntranet
from tray_app.demo.mail import SmtpAddressError, parse_smtp_address

REPO = Path(__file__).resolve().parents[1]
START = datetime(2026, 11, 28, 9, 0, tzinfo=UTC)
APPS_PATH = "/profile/settings/external-apps"


class Mailbox:
    """An aiosmtpd handler that keeps every envelope it is given."""

    def __init__(self) -> None:
        self.envelopes: list[Any] = []
        self._arrived = threading.Condition()

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        with self._arrived:
            self.envelopes.append(envelope)
            self._arrived.notify_all()
        return "250 Message accepted for delivery"

    def wait_for(self, count: int, timeout: float = 10) -> list[EmailMessage]:
        with self._arrived:
            self._arrived.wait_for(lambda: len(self.envelopes) >= count, timeout)
        return self.messages()

    def messages(self) -> list[EmailMessage]:
        with self._arrived:
            return [email.message_from_bytes(envelope.content, policy=email.policy.default)
                    for envelope in self.envelopes]


class SmtpServer:
    def __init__(self, port: int | None = None) -> None:
        self.mailbox = Mailbox()
        self.port = port or unused_port()
        self._controller = Controller(self.mailbox, hostname="127.0.0.1", port=self.port)

    @property
    def address(self) -> tuple[str, int]:
        return ("127.0.0.1", self.port)

    def start(self) -> SmtpServer:
        self._controller.start()
        return self

    def stop(self) -> None:
        self._controller.stop()


@pytest.fixture
def smtp() -> Iterator[SmtpServer]:
    server = SmtpServer().start()
    yield server
    server.stop()


def bearer(demo: DemoIntranet) -> dict[str, str]:
    return {"Authorization": f"Bearer {demo.token}"}


def admin(demo: DemoIntranet, ident: str, action: str) -> None:
    answer = requests.post(f"{demo.url}/admin/api/integrations/{ident}",
                           json={"action": action}, headers=bearer(demo), timeout=5)
    assert answer.status_code == 200


def parts(message: EmailMessage) -> tuple[str, str]:
    plain = message.get_body(preferencelist=("plain",))
    html = message.get_body(preferencelist=("html",))
    assert plain is not None and html is not None
    return plain.get_content(), html.get_content()


def by_subject(found: list[EmailMessage]) -> dict[str, EmailMessage]:
    return {str(message["Subject"]): message for message in found}


def identities(demo: DemoIntranet) -> set[tuple[str, str, str]]:
    return {notice.identity for notice in demo.current_notices()[1]}


# --- what is sent --------------------------------------------------------------------------

def test_each_notice_gets_one_email_with_the_sentence_and_the_link(smtp: SmtpServer) -> None:
    with DemoIntranet(clock=FakeClock(START), smtp=smtp.address) as demo:
        assert demo.mailer is not None and demo.mailer.wait_until_sent()
        found = smtp.mailbox.wait_for(2)

        # The default scenario: Dropbox disconnected, Google Drive expiring in 3 days.
        assert len(found) == 2
        assert len(identities(demo)) == 2
        emails = by_subject(found)
        assert set(emails) == {messages.notice_heading_disconnected("Dropbox"),
                               messages.notice_heading_expiring("Google Drive")}
        dropbox = emails[messages.notice_heading_disconnected("Dropbox")]
        assert dropbox["To"] == "Jane Doe <jane@acme.example>"
        assert dropbox["From"] == "Acme Intranet <no-reply@acme.example>"
        assert dropbox.get_content_type() == "multipart/alternative"
        plain, html = parts(dropbox)
        sentence = (
            "Dropbox has unexpectedly been disconnected. Please reconnect your Dropbox account.")
        link = f"{demo.url}{APPS_PATH}#dropbox"
        assert sentence == messages.notice_disconnected("Dropbox")
        assert sentence in plain and link in plain
        assert messages.email_reconnect_hint() in plain
        assert escape(sentence) in html and f'<a href="{escape(link)}">' in html
        drive_plain, drive_html = parts(emails[messages.notice_heading_expiring("Google Drive")])
        assert "Google Drive will be disconnected on 2026-12-01 (in " in drive_plain
        assert "Please reconnect your Google Drive account before then." in drive_plain
        assert f"{demo.url}{APPS_PATH}#google-drive" in drive_html
    assert all(envelope.rcpt_tos == ["jane@acme.example"] for envelope in smtp.mailbox.envelopes)


def test_server_text_is_escaped_in_the_html_part(smtp: SmtpServer) -> None:
    scenario = {
        "user": {"id": "u-9", "name": "Ann <script>x</script>", "email": "ann@example.org"},
        "integrations": [{"id": "box", "name": "<b>Box</b> & Co", "provider": "box",
                          "status": "disconnected", "disconnected_days_ago": 0}],
    }
    with DemoIntranet(scenario=scenario, clock=FakeClock(START), smtp=smtp.address):
        [message] = smtp.mailbox.wait_for(1)

    plain, html = parts(message)
    assert messages.notice_disconnected("<b>Box</b> & Co") in plain
    assert escape(messages.notice_disconnected("<b>Box</b> & Co")) in html
    assert "<b>Box" not in html and "<script>" not in html
    assert escape(messages.email_greeting("Ann <script>x</script>")) in html
    assert message["From"] == "Acme Intranet <no-reply@example.org>"


def test_a_change_sends_only_the_new_notice_and_nothing_twice(smtp: SmtpServer) -> None:
    clock = FakeClock(START)
    with DemoIntranet(clock=clock, smtp=smtp.address) as demo:
        assert demo.mailer is not None
        smtp.mailbox.wait_for(2)

        admin(demo, "microsoft365", "disconnect")  # a new break: a new email
        admin(demo, "servicenow", "reconnect")  # a change without a notice: none
        assert demo.mailer.wait_until_sent()
        admin(demo, "slack", "reconnect")
        demo.mailer.check_soon()
        assert demo.mailer.wait_until_sent()
        found = smtp.mailbox.wait_for(3)

        assert len(found) == 3
        assert messages.notice_heading_disconnected("Microsoft 365") in by_subject(found)
        admin(demo, "microsoft365", "reconnect")
        clock.now = START.replace(hour=10)
        admin(demo, "microsoft365", "disconnect")  # broken again, later: a new notice
        admin(demo, "dropbox", "expire")  # disconnected -> expired: a new key
        assert demo.mailer.wait_until_sent()
        found = smtp.mailbox.wait_for(5)
        time.sleep(0.3)  # anything sent twice would arrive by now

        assert len(smtp.mailbox.messages()) == 5
        assert len(identities(demo)) == 3


def test_a_restart_with_the_same_database_does_not_resend(
        smtp: SmtpServer, tmp_path: Path) -> None:
    path = str(tmp_path / "demo.sqlite")
    with DemoIntranet(clock=FakeClock(START), smtp=smtp.address, db_path=path) as first:
        assert first.mailer is not None and first.mailer.wait_until_sent()
        assert len(smtp.mailbox.wait_for(2)) == 2

    with DemoIntranet(clock=FakeClock(START), smtp=smtp.address, db_path=path) as second:
        assert second.mailer is not None and second.mailer.wait_until_sent()
        assert len(smtp.mailbox.messages()) == 2
        admin(second, "microsoft365", "disconnect")
        assert second.mailer.wait_until_sent()
        assert len(smtp.mailbox.wait_for(3)) == 3


def test_no_email_address_no_email(smtp: SmtpServer, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger="tray_app.demo")
    scenario = {"user": {"id": "u-1", "name": "No Mail", "email": None},
                "integrations": [{"id": "box", "name": "Box", "provider": "box",
                                  "status": "disconnected"}]}
    with DemoIntranet(scenario=scenario, smtp=smtp.address) as demo:
        assert demo.mailer is not None and demo.mailer.wait_until_sent()
    assert smtp.mailbox.messages() == []
    assert "no email address" in caplog.text


def test_an_smtp_failure_is_one_log_line_and_the_email_follows_later(
        caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger="tray_app.demo")
    port = unused_port()
    with DemoIntranet(clock=FakeClock(START), smtp=("127.0.0.1", port)) as demo:
        assert demo.mailer is not None and demo.mailer.wait_until_sent()
        failures = [r for r in caplog.records if "Could not send a notice email" in r.message]
        assert len(failures) == 1
        assert failures[0].levelno == logging.WARNING
        assert f"SMTP at 127.0.0.1:{port}" in failures[0].message
        assert "\n" not in failures[0].message and failures[0].exc_info is None
        answer = requests.get(demo.url + "/api/v1/me/integrations", headers=bearer(demo),
                              timeout=5)
        assert answer.status_code == 200

        late = SmtpServer(port).start()  # the mail server comes up: nothing was lost
        try:
            admin(demo, "servicenow", "reconnect")
            assert demo.mailer.wait_until_sent()
            assert len(late.mailbox.wait_for(2)) == 2
        finally:
            late.stop()


@pytest.mark.parametrize(("text", "expected"), [
    ("127.0.0.1:8025", ("127.0.0.1", 8025)),
    ("localhost:2525", ("localhost", 2525)),
    ("[::1]:25", ("::1", 25)),
    (" 127.0.0.2:1025 ", ("127.0.0.2", 1025)),
])
def test_smtp_addresses_on_loopback_are_taken(text: str, expected: tuple[str, int]) -> None:
    assert parse_smtp_address(text) == expected


@pytest.mark.parametrize(("text", "expected"), [
    ("mail.example.com:25", "only to this computer"),
    ("10.0.0.5:25", "only to this computer"),
    ("127.0.0.1", "is not HOST:PORT"),
    ("127.0.0.1:", "is not HOST:PORT"),
    ("127.0.0.1:0", "is not a port number"),
    ("127.0.0.1:99999", "is not a port number"),
    ("smtp://127.0.0.1:25", "is not HOST:PORT"),
])
def test_other_smtp_addresses_are_refused(text: str, expected: str) -> None:
    with pytest.raises(SmtpAddressError, match=expected):
        parse_smtp_address(text)


# --- demo-server --smtp, and SIGTERM ---------------------------------------------------

def _read_lines(stream: Any, lines: queue.Queue[str]) -> None:
    for line in stream:
        lines.put(line)


def _start_demo_server(args: list[str], stderr_file: Any) -> tuple[subprocess.Popen[str],
                                                                   queue.Queue[str], dict]:
    python_path = os.pathsep.join([str(REPO), os.environ.get("PYTHONPATH", "")])
    process = subprocess.Popen(
        [sys.executable, "main.py", "demo-server", "--port", "0", *args],
        cwd=REPO, env={**os.environ, "PYTHONPATH": python_path},
        stdout=subprocess.PIPE, stderr=stderr_file, text=True,
    )
    lines: queue.Queue[str] = queue.Queue()
    threading.Thread(target=_read_lines, args=(process.stdout, lines), daemon=True).start()
    banner: dict[str, str] = {}
    while not (line := lines.get(timeout=15).strip()).startswith("Press Ctrl-C"):
        label, _, value = line.partition(": ")
        banner[label] = value
    return process, lines, banner


@pytest.mark.skipif(sys.platform == "win32", reason="SIGTERM to a child needs POSIX")
def test_demo_server_sends_the_emails_and_stops_cleanly_on_sigterm(
        smtp: SmtpServer, tmp_path: Path) -> None:
    stderr_path = tmp_path / "stderr.txt"
    with stderr_path.open("w") as stderr_file:
        process, lines, banner = _start_demo_server(
            ["--smtp", f"127.0.0.1:{smtp.port}", "--db", str(tmp_path / "demo.sqlite"),
             "--token", "sigterm-token"], stderr_file)
    try:
        assert banner["Notice emails"] == f"SMTP at 127.0.0.1:{smtp.port}"
        found = smtp.mailbox.wait_for(2, timeout=15)
        assert len(found) == 2
        assert messages.notice_heading_disconnected("Dropbox") in by_subject(found)
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=15)

    stderr = stderr_path.read_text()
    assert process.returncode == 0
    assert lines.get(timeout=5).strip() == "Demo intranet stopped."
    assert "Traceback" not in stderr
    assert "sigterm-token" not in stderr
    assert "Notice email sent for dropbox (disconnected)" in stderr


@pytest.mark.skipif(sys.platform == "win32", reason="SIGTERM to a child needs POSIX")
def test_demo_server_without_smtp_stops_cleanly_on_sigterm(tmp_path: Path) -> None:
    stderr_path = tmp_path / "stderr.txt"
    with stderr_path.open("w") as stderr_file:
        process, lines, banner = _start_demo_server([], stderr_file)
    assert "Notice emails" not in banner
    assert requests.get(banner["Demo intranet"] + "/", timeout=5).status_code == 200

    process.send_signal(signal.SIGTERM)
    process.wait(timeout=15)

    assert process.returncode == 0
    assert lines.get(timeout=5).strip() == "Demo intranet stopped."
    assert "Traceback" not in stderr_path.read_text()


def test_a_bad_smtp_address_is_a_usage_error(capsys: pytest.CaptureFixture) -> None:
    from tray_app.demo import run

    with pytest.raises(SystemExit) as exited:
        run(["--smtp", "mail.example.com:25"])
    assert exited.value.code == 2
    assert "only to this computer" in capsys.readouterr().err
