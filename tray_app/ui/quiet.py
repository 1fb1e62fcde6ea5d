"""Quiet while presenting: the login popup (or a notification) waits while the person is
busy (do-not-disturb, a full-screen window, presentation mode; core/busy.py decides)
and comes once they are free, or `max_quiet_minutes` after it was first held at the
latest. The tray icon shows the state meanwhile.

`busy_now()` is the one question anything about to show itself may ask (blocking, a few
milliseconds); `QuietGate.show_when_free` holds an action until the answer is no. The
D-Bus probes live here because they use QtDBus: the Inhibited property of
org.freedesktop.Notifications (KDE Plasma and others) and dunst's `paused`.
"""

from __future__ import annotations

import contextlib
import logging
import os
import sys
import threading
import time
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, QTimer, Signal

from tray_app.core import busy
from tray_app.core.busy import Answers, Verdict

log = logging.getLogger(__name__)

RECHECK_MS = 30_000  # while held, ask again this often (never more than 30 s apart)
DBUS_TIMEOUT_MS = 500
# An answer asked for at start (while the first check runs) is used for this long.
FRESH_SECONDS = 5.0
EARLY_WAIT_SECONDS = 1.0  # the longest the first popup waits for that answer
NOTIFICATIONS = "org.freedesktop.Notifications"
NOTIFICATIONS_PATH = "/org/freedesktop/Notifications"
DUNST_INTERFACE = "org.dunstproject.cmd0"

Probe = Callable[[], Verdict]


# --- D-Bus ----------------------------------------------------------------------------------


def _session_bus_expected(environ: Mapping[str, str]) -> bool:
    """A session bus is there to ask (so Qt does not autolaunch one just for this)."""
    if environ.get("DBUS_SESSION_BUS_ADDRESS"):
        return True
    runtime = environ.get("XDG_RUNTIME_DIR")
    return bool(runtime) and Path(runtime, "bus").exists()


def _property(bus: Any, interface: str, name: str) -> Any:
    """org.freedesktop.DBus.Properties.Get on the notification server, without starting
    one that is not running; None on any error."""
    from PySide6.QtDBus import QDBus, QDBusMessage, QDBusVariant

    message = QDBusMessage.createMethodCall(NOTIFICATIONS, NOTIFICATIONS_PATH,
                                            "org.freedesktop.DBus.Properties", "Get")
    message.setArguments([interface, name])
    message.setAutoStartService(False)
    reply = bus.call(message, QDBus.CallMode.Block, DBUS_TIMEOUT_MS)
    if reply.type() != QDBusMessage.MessageType.ReplyMessage or not reply.arguments():
        return None
    value = reply.arguments()[0]
    return value.variant() if isinstance(value, QDBusVariant) else value


def dbus_answers(bus: Any = None, environ: Mapping[str, str] | None = None) -> Answers:
    """What the notification server on the session bus says (`bus`: a QDBusConnection,
    the session bus when None): KDE's Inhibited, dunst's paused."""
    environ = os.environ if environ is None else environ
    if bus is None:
        if sys.platform in ("win32", "darwin") or not _session_bus_expected(environ):
            return Answers()
        try:
            from PySide6.QtDBus import QDBusConnection
        except ImportError:
            return Answers()
        bus = QDBusConnection.sessionBus()
    if not bus.isConnected():
        return Answers()
    inhibited = _property(bus, NOTIFICATIONS, "Inhibited")
    paused = _property(bus, DUNST_INTERFACE, "paused")
    return Answers(notifications_inhibited=inhibited if isinstance(inhibited, bool) else None,
                   dunst_paused=paused if isinstance(paused, bool) else None)


def busy_now(environ: Mapping[str, str] | None = None, bus: Any = None) -> Verdict:
    """Is the person busy now, and why: every probe of this desktop asked once.
    Blocking, a few milliseconds (each tool and D-Bus call has a short timeout); any
    thread may ask."""
    early = busy.early_answers(FRESH_SECONDS) if environ is None else None
    answers = (early or busy.probe(environ)).merged(dbus_answers(bus, environ))
    return busy.decide(answers)


# --- holding ----------------------------------------------------------------------------------


class QuietGate(QObject):
    """Runs actions at once when the person is free; otherwise holds them (the latest
    per key), asks again every `recheck_ms` in a thread, and runs them when the answer is
    no, or `max_quiet_minutes` after each was first held. 0 minutes: never holds."""

    held = Signal(str, object)  # key, Verdict: an action was held (tests, log)
    released = Signal(str, str)  # key, why: "free" or "waited long enough"
    _probed = Signal(object)  # a Verdict, from the probing thread

    def __init__(self, max_quiet_minutes: int, probe: Probe = busy_now, *,
                 recheck_ms: int = RECHECK_MS, clock: Callable[[], float] = time.monotonic,
                 parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.max_quiet_seconds = max(0, max_quiet_minutes) * 60
        self._probe = probe
        self._clock = clock
        self.recheck_ms = min(recheck_ms, RECHECK_MS)
        self._pending: dict[str, tuple[Callable[[], None], float]] = {}
        self._probing = False
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.timeout.connect(self._recheck)
        self._probed.connect(self._on_probed)
        self._early: tuple[float, Verdict] | None = None
        self._early_thread: threading.Thread | None = None

    def ask_early(self) -> None:
        """Ask now, in a thread, so the first show_when_free (the first check's popup)
        need not wait for the probes."""
        if self.max_quiet_seconds == 0 or self._early_thread is not None:
            return

        def ask() -> None:
            self._early = (self._clock(), self._safe_probe())

        self._early_thread = threading.Thread(target=ask, name="quiet-probe", daemon=True)
        self._early_thread.start()

    def holding(self) -> tuple[str, ...]:
        return tuple(self._pending)

    def show_when_free(self, key: str, action: Callable[[], None]) -> None:
        """Run `action` now if the person is free, else when they are (`key` names it in
        the log: a later action of the same key replaces the one held, keeping its
        deadline)."""
        if self.max_quiet_seconds == 0:
            action()
            return
        if key in self._pending:
            self._pending[key] = (action, self._pending[key][1])
            return
        # Others held: the person was busy a moment ago (the next re-check tells more).
        verdict = Verdict(("still busy a moment ago",)) if self._pending else self._verdict_now()
        if not verdict.busy:
            action()
            return
        log.info("Holding the %s while the person is busy: %s (at most %d min)", key,
                 verdict.describe(), self.max_quiet_seconds // 60)
        self._pending[key] = (action, self._clock())
        self.held.emit(key, verdict)
        self._arm()

    def _verdict_now(self) -> Verdict:
        thread, self._early_thread = self._early_thread, None
        if thread is not None:
            thread.join(EARLY_WAIT_SECONDS)
            if thread.is_alive():  # a probe hangs: asking again here would hang too
                log.warning("Could not tell in time whether the person is busy")
                return busy.FREE
            early, self._early = self._early, None
            if early is not None and self._clock() - early[0] <= FRESH_SECONDS:
                return early[1]
        return self._safe_probe()

    def _safe_probe(self) -> Verdict:
        try:
            return self._probe()
        except Exception:  # a broken probe must not hold anything back
            log.exception("Could not tell whether the person is busy")
            return busy.FREE

    def _arm(self) -> None:
        """Wake at the next re-check, or at the earliest deadline when that is sooner."""
        if not self._pending:
            self._timer.stop()
            return
        first_held = min(since for _action, since in self._pending.values())
        left_ms = int((first_held + self.max_quiet_seconds - self._clock()) * 1000)
        self._timer.start(max(0, min(self.recheck_ms, left_ms)))

    def _recheck(self) -> None:
        self._release_overdue()
        if not self._pending:
            return
        if self._probing:
            self._arm()
            return
        self._probing = True
        threading.Thread(target=self._probe_in_thread, name="quiet-probe",
                         daemon=True).start()

    def _probe_in_thread(self) -> None:
        verdict = self._safe_probe()
        with contextlib.suppress(RuntimeError):  # the gate is gone (at exit)
            self._probed.emit(verdict)

    def _on_probed(self, verdict: Verdict) -> None:
        self._probing = False
        if not self._pending:
            return
        if verdict.busy:
            log.debug("Still holding %s: %s", ", ".join(self._pending), verdict.describe())
            self._release_overdue()
            self._arm()
            return
        self._release(list(self._pending), "free")

    def _release_overdue(self) -> None:
        now = self._clock()
        overdue = [key for key, (_action, since) in self._pending.items()
                   if now - since >= self.max_quiet_seconds]
        if overdue:
            self._release(overdue, "waited long enough")

    def _release(self, keys: list[str], why: str) -> None:
        for key in keys:
            action, since = self._pending.pop(key)
            log.info("Showing the %s after %.0f s (%s)", key, self._clock() - since,
                     "the person is free" if why == "free" else
                     f"held for the most max_quiet_minutes allows, "
                     f"{self.max_quiet_seconds // 60} min")
            self.released.emit(key, why)
            try:
                action()
            except Exception:  # the others held still come
                log.exception("Could not show the %s", key)
        self._arm()
