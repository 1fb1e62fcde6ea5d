"""The demo intranet's notice emails (the vendor's note in shared/seed/).

When a grant breaks or enters the warning window, the user gets an email with the
popup's sentence and a link to External apps: one email per notice identity, the
companion's own (integration id, kind, key), remembered in the database so a restart
does not send it again. It goes to an SMTP server on loopback (plain, no
authentication), from a thread of its own, so a slow or absent mail server never holds
up a request; a failure is logged in one sentence and tried again at the next change
(or a minute later).

The texts are core/messages.py's, in the process's language (`demo-server` uses
machine English); every text from the data is escaped in the HTML part.
"""

from __future__ import annotations

import logging
import re
import threading
from collections.abc import Callable
from datetime import datetime
from email.message import EmailMessage
from email.utils import format_datetime, formataddr, make_msgid
from html import escape
from typing import TYPE_CHECKING, Any

from tray_app.core import messages
from tray_app.core.classify import Notice, NoticeKind
from tray_app.core.text import inert
from tray_app.core.timeutil import format_utc
from tray_app.core.urls import is_loopback_host

if TYPE_CHECKING:
    from tray_app.demo.store import Store

log = logging.getLogger("tray_app.demo")

SENDER_NAME = "Acme Intranet"
SMTP_TIMEOUT_SECONDS = 5.0
# Time passes without any change: an expiry enters the warning window on its own.
RECHECK_SECONDS = 60.0
_ADDRESS = re.compile(
    r"^(?:\[(?P<v6>[0-9A-Fa-f:.]+)\]|(?P<host>[A-Za-z0-9.-]+)):(?P<port>\d{1,5})$")

NoticeSource = Callable[[], tuple[dict[str, Any], list[Notice]]]


class SmtpAddressError(ValueError):
    """An unusable --smtp value; the message is one sentence for a person."""


def parse_smtp_address(text: str) -> tuple[str, int]:
    """`HOST:PORT` (`[::1]:PORT` for IPv6) on loopback, as (host, port)."""
    found = _ADDRESS.match(text.strip())
    if found is None:
        raise SmtpAddressError(f"'{inert(text)}' is not HOST:PORT, like 127.0.0.1:8025.")
    host = found["v6"] or found["host"]
    port = int(found["port"])
    if not 1 <= port <= 65535:
        raise SmtpAddressError(f"{port} is not a port number from 1 to 65535.")
    if not is_loopback_host(host):
        raise SmtpAddressError(
            f"The demo sends mail without encryption, so only to this computer "
            f"(127.0.0.1, ::1 or localhost), not to {host}.")
    return host, port


def compose(notice: Notice, user: dict[str, Any], now: datetime) -> EmailMessage:
    """The email for one notice: plain text and an HTML alternative."""
    domain = _domain_of(user["email"])
    message = EmailMessage()
    message["Subject"] = inert(_subject(notice))
    message["From"] = formataddr((SENDER_NAME, f"no-reply@{domain}"))
    message["To"] = formataddr((inert(user["name"]), user["email"]))
    message["Date"] = format_datetime(now)
    message["Message-ID"] = make_msgid(domain=domain)
    message["Auto-Submitted"] = "auto-generated"
    greeting = messages.email_greeting(user["name"])
    hint = messages.email_reconnect_hint()
    message.set_content(
        f"{greeting}\n\n{notice.message}\n\n{hint}\n{notice.reconnect_url}\n\n{SENDER_NAME}\n"
    )
    message.add_alternative(_html(greeting, notice, hint), subtype="html")
    return message


def _subject(notice: Notice) -> str:
    if notice.kind is NoticeKind.DISCONNECTED:
        return messages.notice_heading_disconnected(notice.name)
    return messages.notice_heading_expiring(notice.name)


def _html(greeting: str, notice: Notice, hint: str) -> str:
    url = escape(notice.reconnect_url)
    return f"""<!doctype html>
<html><body style="font-family: sans-serif; color: #1d2129">
<p>{escape(greeting)}</p>
<p><strong>{escape(notice.message)}</strong></p>
<p>{escape(hint)}</p>
<p><a href="{url}">{escape(messages.email_link_label())}</a><br>{url}</p>
<p>{escape(SENDER_NAME)}</p>
</body></html>
"""


def _domain_of(email: str) -> str:
    domain = email.rpartition("@")[2]
    return domain if re.fullmatch(r"[A-Za-z0-9.-]{1,253}", domain) else "localhost"


class NoticeMailer:
    """Sends the email of each new notice when asked (`check_soon`) and every minute."""

    def __init__(self, address: tuple[str, int], store: Store, notices: NoticeSource,
                 now: Callable[[], datetime]) -> None:
        self.address = address
        self._store = store
        self._notices = notices
        self._now = now
        self._wake = threading.Event()
        self._condition = threading.Condition()
        self._asked = 0
        self._done = 0
        self._closing = False
        self._said_no_address = False
        self._thread = threading.Thread(target=self._run, name="demo-mail", daemon=True)

    @property
    def where(self) -> str:
        host, port = self.address
        return f"[{host}]:{port}" if ":" in host else f"{host}:{port}"

    def start(self) -> None:
        self._thread.start()
        self.check_soon()

    def check_soon(self) -> None:
        with self._condition:
            self._asked += 1
        self._wake.set()

    def wait_until_sent(self, timeout: float = 10.0) -> bool:
        """Wait until every check asked for so far has run; False on timeout."""
        with self._condition:
            asked = self._asked
            return self._condition.wait_for(lambda: self._done >= asked, timeout)

    def stop(self) -> None:
        with self._condition:
            self._closing = True
        self._wake.set()
        if self._thread.is_alive():
            self._thread.join(timeout=SMTP_TIMEOUT_SECONDS + 1)

    def _run(self) -> None:
        while True:
            self._wake.wait(RECHECK_SECONDS)
            with self._condition:
                if self._closing:
                    return
                self._wake.clear()
                asked = self._asked
            try:
                self._send_new_notices()
            except Exception as problem:  # the thread must outlive any surprise
                log.error("Notice emails failed: %r", problem)
            with self._condition:
                self._done = max(self._done, asked)
                self._condition.notify_all()

    def _send_new_notices(self) -> None:
        user, notices = self._notices()
        sent = self._store.sent_notices()
        fresh = [notice for notice in notices if notice.identity not in sent]
        if not fresh:
            return
        if not user.get("email"):
            if not self._said_no_address:
                log.info("The user has no email address, so no notice email is sent")
                self._said_no_address = True
            return
        self._send(fresh, user)

    def _send(self, fresh: list[Notice], user: dict[str, Any]) -> None:
        import smtplib  # only where mail is sent: it brings ssl along

        try:
            with smtplib.SMTP(*self.address, timeout=SMTP_TIMEOUT_SECONDS) as smtp:
                for notice in fresh:
                    smtp.send_message(compose(notice, user, self._now()))
                    self._store.mark_notice_sent(notice.identity, format_utc(self._now()))
                    log.info("Notice email sent for %s (%s)", notice.integration_id,
                             notice.kind.value)
        except (OSError, ValueError) as problem:  # smtplib's errors are OSErrors
            log.warning("Could not send a notice email through SMTP at %s (%s); it is "
                        "tried again later.", self.where, _describe(problem))


def _describe(problem: Exception) -> str:
    text = getattr(problem, "strerror", None) or str(problem) or type(problem).__name__
    return inert(str(text))[:200]
