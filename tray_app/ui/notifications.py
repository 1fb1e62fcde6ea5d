"""Telling the person: the bubbles the controller shows, behind one interface
(`Notifications`: `announce` a notice that appears while running, `tell` a sentence).

- Linux: the desktop's own notification server (org.freedesktop.Notifications on the
  session bus; GNOME Shell, KDE Plasma, dunst, mako, xfce4-notifyd). One bubble per
  notice, with the integration's name as its title, the notice as its plain-text body
  and its own Reconnect; a newer bubble for the same integration replaces the older one
  (the server's id for it is kept per integration). Reconnect in a bubble does what the
  popup's Reconnect does (`reconnect_requested`: the controller checks the URL's
  origin); a click on the bubble opens the popup (`open_requested`).
- No notification server (no session bus, the name neither owned nor activatable, or
  the server does not answer): the tray's balloon, as before; with no tray either, the
  popup for a notice, while the controller tells sentences in the status window.
- Windows and macOS: the tray's balloon (their native notifications would be code that
  cannot be tested here).

Why not QtDBus for this: PySide6 cannot send a D-Bus uint32 (a Python int goes out as
int32, and QDBusArgument's `<<` takes it as uint16), while Notify's replaces_id is a
uint32 and every server checks the signature ("Type of message (sisssasa{sv}i) does not
match expected type (susssasa{sv}i)"). So the messages are built and read with jeepney
(pure Python, already there on Linux: SecretStorage's D-Bus library) and travel over
this module's own session-bus socket, read by a QSocketNotifier in the GUI thread:
nothing blocks but the connection's authentication on a local socket (AUTH_TIMEOUT_S at
most), and every call has its own time limit.
"""

from __future__ import annotations

import logging
import os
import socket
import sys
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from itertools import count
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject, QSocketNotifier, QTimer, Signal

from tray_app import APP_ID, APP_NAME
from tray_app.core import messages
from tray_app.core.classify import Notice

if TYPE_CHECKING:
    from jeepney import Message

    from tray_app.ui.tray import TrayPresenter

log = logging.getLogger(__name__)

SERVICE = "org.freedesktop.Notifications"
PATH = "/org/freedesktop/Notifications"
INTERFACE = "org.freedesktop.Notifications"
DEFAULT_ACTION = "default"
RECONNECT_ACTION = "reconnect"
AUTH_TIMEOUT_S = 0.5  # connecting to the bus: a local socket answers in well under 1 ms
PROBE_TIMEOUT_MS = 5_000  # GetCapabilities, which may first start an activatable server
CALL_TIMEOUT_MS = 5_000
EXPIRE_DEFAULT = -1  # the server's own display time


@dataclass(frozen=True)
class Bubble:
    """One thing to tell: `key` is the integration id (or "" for the app's sentences):
    a newer bubble with the same key replaces the older one."""

    summary: str
    body: str
    key: str = ""
    notice: Notice | None = None  # a notice: the bubble offers to open the popup, Reconnect
    warning: bool = False


class Notifications(QObject):
    """How the controller tells the person. `reconnect_requested(integration id, url,
    name)` and `open_requested()` say what the person chose in a bubble."""

    reconnect_requested = Signal(str, str, str)
    open_requested = Signal()
    shown = Signal(int)  # the server's id of a bubble just shown natively (tests)

    def announce(self, notices: tuple[Notice, ...]) -> None:
        raise NotImplementedError

    def tell(self, sentence: str, *, title: str | None = None, key: str = "",
             warning: bool = False) -> None:
        """`title`: whose sentence it is (an integration's name), the app's by default."""
        raise NotImplementedError

    def close(self) -> None:
        """Stop listening (at quit)."""


class TrayMessages(Notifications):
    """The tray's balloon (a click on it: the tray's own `message_clicked`). With no tray,
    a notice opens the popup; a sentence is left to the status window, where the
    controller always tells it when there is no tray."""

    def __init__(self, tray: Callable[[], TrayPresenter | None],
                 show_popup: Callable[[tuple[Notice, ...]], None],
                 parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._tray = tray
        self._show_popup = show_popup

    def announce(self, notices: tuple[Notice, ...]) -> None:
        if not notices:
            return
        tray = self._tray()
        if tray is None:
            self._show_popup(notices)
            return
        text = notices[0].message if len(notices) == 1 else (
            messages.accounts_need_attention(len(notices)))
        tray.show_message(text, warning=True)

    def tell(self, sentence: str, *, title: str | None = None, key: str = "",
             warning: bool = False) -> None:
        tray = self._tray()
        if tray is not None:
            tray.show_message(sentence, warning=warning)


def escape_markup(text: str) -> str:
    """Plain text for a server that reads the body as markup (capability body-markup)."""
    return (text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
            .replace('"', "&quot;").replace("'", "&apos;"))


def session_bus_address(environ: Mapping[str, str] | None = None) -> str | None:
    """The session bus to use, or None when there is none (nothing is launched for it)."""
    environ = os.environ if environ is None else environ
    address = environ.get("DBUS_SESSION_BUS_ADDRESS", "").strip()
    if address:
        return address
    runtime = environ.get("XDG_RUNTIME_DIR")
    if runtime and Path(runtime, "bus").exists():
        return f"unix:path={Path(runtime, 'bus')}"
    return None


def for_platform(fallback: TrayMessages, *, environ: Mapping[str, str] | None = None,
                 parent: QObject | None = None) -> Notifications:
    """The desktop's notifications on Linux (falling back to `fallback`), else `fallback`."""
    if sys.platform in ("win32", "darwin"):
        return fallback
    address = session_bus_address(environ)
    if address is None:
        log.info("No session bus: notices are told with the tray's balloon")
        return fallback
    return DesktopNotifications(address, fallback, parent)


def _app_icon() -> str:
    """The app's icon as a file URI (the bundled PNG), or its icon name in the theme."""
    from tray_app.ui.icons import icons_dir

    png = icons_dir() / "app-128.png"
    return png.as_uri() if png.exists() else APP_ID


# --- the notification server over D-Bus ---------------------------------------------------

_PROBING, _NATIVE, _FALLBACK = "probing", "native", "fallback"


class DesktopNotifications(Notifications):
    """org.freedesktop.Notifications, probed once (GetCapabilities): until it answers,
    what is to be told waits; without an answer, everything goes to `fallback`."""

    def __init__(self, address: str, fallback: TrayMessages,
                 parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._fallback = fallback
        self._state = _PROBING
        self._waiting: list[Callable[[], None]] = []
        self._markup = False
        self._actions = False
        self._server: str | None = None  # the unique name of the server that answered
        self._ids: dict[str, int] = {}  # bubble key -> the server's id of its bubble
        self._shown: dict[int, Bubble] = {}  # the server's id -> our bubble on screen
        self._bus: _Bus | None = None
        try:
            self._bus = _Bus(address, self)
        except Exception as problem:  # no bus, refused, unsupported address, no jeepney
            log.info("The session bus could not be reached (%s); notices are told with "
                     "the tray's balloon", problem)
            self._state = _FALLBACK
            return
        self._bus.signal_received.connect(self._on_signal)
        self._bus.lost.connect(self._on_lost)
        from jeepney import MatchRule, message_bus

        # Servers that broadcast their signals (GNOME Shell); dunst sends them to us alone.
        rule = MatchRule(type="signal", sender=SERVICE, interface=INTERFACE, path=PATH)
        self._bus.call(message_bus.AddMatch(rule), None)
        self._bus.call(self._method("GetCapabilities"), self._on_capabilities,
                       PROBE_TIMEOUT_MS)

    @property
    def bus_name(self) -> str:
        """This connection's unique name on the bus ("" when there is none)."""
        return self._bus.unique_name if self._bus is not None else ""

    @property
    def native(self) -> bool | None:
        """True once the server answered, False when the fallback is used, None before."""
        return {_PROBING: None, _NATIVE: True}.get(self._state, False)

    def announce(self, notices: tuple[Notice, ...]) -> None:
        if self._state == _PROBING:
            self._waiting.append(lambda: self.announce(notices))
        elif self._state == _FALLBACK:
            self._fallback.announce(notices)
        else:
            for notice in notices:
                self._notify(Bubble(notice.name, notice.message, notice.integration_id,
                                    notice, warning=True))

    def tell(self, sentence: str, *, title: str | None = None, key: str = "",
             warning: bool = False) -> None:
        if self._state == _PROBING:
            self._waiting.append(
                lambda: self.tell(sentence, title=title, key=key, warning=warning))
        elif self._state == _FALLBACK:
            self._fallback.tell(sentence, title=title, key=key, warning=warning)
        else:
            self._notify(Bubble(title or messages.app_name(), sentence, key,
                                warning=warning))

    def close(self) -> None:
        if self._bus is not None:
            self._bus.close()
            self._bus = None
        self._state = _FALLBACK

    # --- the probe ---------------------------------------------------------------------

    def _on_capabilities(self, reply: Message | None) -> None:
        problem = _problem(reply)
        if problem or reply is None:
            log.info("No notification server on the session bus (%s); notices are told "
                     "with the tray's balloon", problem)
            self._settle(_FALLBACK)
            return
        capabilities = reply.body[0] if reply.body else []
        self._markup = "body-markup" in capabilities
        self._actions = "actions" in capabilities
        self._server = _sender(reply)
        log.info("Notices are told by the desktop's notification server (%s)",
                 ", ".join(capabilities))
        self._settle(_NATIVE)

    def _settle(self, state: str) -> None:
        self._state = state
        waiting, self._waiting = self._waiting, []
        for action in waiting:
            action()

    def _on_lost(self) -> None:
        log.warning("The session bus connection was lost; notices are told with the "
                    "tray's balloon")
        self._bus = None
        self._shown.clear()
        self._ids.clear()
        self._settle(_FALLBACK)

    # --- showing -------------------------------------------------------------------------

    def _method(self, name: str, signature: str | None = None,
                body: tuple[Any, ...] = ()) -> Message:
        from jeepney import DBusAddress, new_method_call

        address = DBusAddress(PATH, bus_name=SERVICE, interface=INTERFACE)
        return new_method_call(address, name, signature, body)

    def _actions_for(self, bubble: Bubble) -> list[str]:
        notice = bubble.notice
        if not self._actions or notice is None:
            return []
        actions = [DEFAULT_ACTION, messages.notification_show_details()]
        if notice.reconnect_url:
            actions += [RECONNECT_ACTION, messages.popup_reconnect()]
        return actions

    def _notify(self, bubble: Bubble) -> None:
        if self._bus is None:
            self._tell_instead(bubble)
            return
        body = escape_markup(bubble.body) if self._markup else bubble.body
        hints = {"desktop-entry": ("s", APP_ID)}
        message = self._method("Notify", "susssasa{sv}i", (
            APP_NAME, self._ids.get(bubble.key, 0), _app_icon(), bubble.summary, body,
            self._actions_for(bubble), hints, EXPIRE_DEFAULT))
        self._bus.call(message, lambda reply: self._on_notified(bubble, reply))

    def _on_notified(self, bubble: Bubble, reply: Message | None) -> None:
        problem = _problem(reply)
        if problem or reply is None or not reply.body:
            log.warning("The notification server did not show a notification (%s); "
                        "the tray's balloon tells it", problem)
            self._tell_instead(bubble)
            return
        ident = int(reply.body[0])
        self._server = _sender(reply) or self._server
        older = self._ids.get(bubble.key)
        if older is not None and older != ident:
            self._shown.pop(older, None)
        self._ids[bubble.key] = ident
        self._shown[ident] = bubble
        self.shown.emit(ident)

    def _tell_instead(self, bubble: Bubble) -> None:
        if bubble.notice is not None:
            self._fallback.announce((bubble.notice,))
        else:
            self._fallback.tell(bubble.body, warning=bubble.warning)

    # --- what the person chose -----------------------------------------------------------

    def _on_signal(self, message: Message) -> None:
        from jeepney import HeaderFields

        fields = message.header.fields
        if fields.get(HeaderFields.interface) != INTERFACE or \
                fields.get(HeaderFields.path) != PATH:
            return
        if self._server is not None and fields.get(HeaderFields.sender) != self._server:
            return  # only the server that shows our bubbles speaks for them
        member, body = fields.get(HeaderFields.member), message.body
        if member == "ActionInvoked" and len(body) == 2:
            self._on_action(int(body[0]), str(body[1]))
        elif member == "NotificationClosed" and body:
            bubble = self._shown.pop(int(body[0]), None)
            if bubble is not None and self._ids.get(bubble.key) == int(body[0]):
                del self._ids[bubble.key]

    def _on_action(self, ident: int, action: str) -> None:
        bubble = self._shown.get(ident)
        notice = bubble.notice if bubble is not None else None
        if notice is None:
            return  # another application's notification, or not one with actions
        if action == DEFAULT_ACTION:
            self.open_requested.emit()
        elif action == RECONNECT_ACTION and notice.reconnect_url:
            self.reconnect_requested.emit(notice.integration_id, notice.reconnect_url,
                                          notice.name)


def _problem(reply: Message | None) -> str:
    """Why a call failed ("" when it did not)."""
    if reply is None:
        return "no answer"
    from jeepney import HeaderFields, MessageType

    if reply.header.message_type == MessageType.error:
        name = reply.header.fields.get(HeaderFields.error_name, "an error")
        detail = reply.body[0] if reply.body and isinstance(reply.body[0], str) else ""
        return f"{name}: {detail}" if detail else str(name)
    return ""


def _sender(message: Message) -> str | None:
    from jeepney import HeaderFields

    return message.header.fields.get(HeaderFields.sender)


class _Bus(QObject):
    """One connection to the session bus in the GUI thread: jeepney writes and reads the
    messages, a QSocketNotifier says when there is something to read. `call` hands each
    reply (None when none comes in time, or the connection is lost) to its callback."""

    signal_received = Signal(object)
    lost = Signal()

    def __init__(self, address: str, parent: QObject | None = None) -> None:
        super().__init__(parent)
        from jeepney import Parser
        from jeepney.bus import get_bus
        from jeepney.io.blocking import prep_socket

        self._socket: socket.socket | None = prep_socket(get_bus(address),
                                                         timeout=AUTH_TIMEOUT_S)
        self._socket.setblocking(False)
        self._parser = Parser()
        self._serials = count(1)
        self._replies: dict[int, Callable[[Message | None], None] | None] = {}
        self._outgoing = b""
        descriptor = self._socket.fileno()
        self._readable = QSocketNotifier(descriptor, QSocketNotifier.Type.Read, self)
        self._readable.activated.connect(self._read)
        self._writable = QSocketNotifier(descriptor, QSocketNotifier.Type.Write, self)
        self._writable.setEnabled(False)
        self._writable.activated.connect(self._write)
        self.unique_name = ""  # ours on the bus, once Hello is answered
        self._limits: dict[int, QTimer] = {}
        from jeepney import message_bus

        self.call(message_bus.Hello(), self._on_hello)  # the bus wants Hello first

    def call(self, message: Message, on_reply: Callable[[Message | None], None] | None,
             timeout_ms: int = CALL_TIMEOUT_MS) -> None:
        if self._socket is None:
            if on_reply is not None:
                on_reply(None)
            return
        serial = next(self._serials)
        self._replies[serial] = on_reply
        self._outgoing += message.serialise(serial=serial)
        self._write()
        if on_reply is not None:
            # Stopped when the answer comes: an idle tray must not wake for a spent limit.
            limit = QTimer(self)
            limit.setSingleShot(True)
            limit.timeout.connect(lambda: self._answer(serial, None))
            limit.start(timeout_ms)
            self._limits[serial] = limit

    def _on_hello(self, reply: Message | None) -> None:
        if reply is not None and reply.body and isinstance(reply.body[0], str):
            self.unique_name = reply.body[0]

    def close(self) -> None:
        if self._socket is None:
            return
        self._readable.setEnabled(False)
        self._writable.setEnabled(False)
        self._socket.close()
        self._socket = None
        pending, self._replies = self._replies, {}
        for limit in self._limits.values():
            limit.stop()
        self._limits.clear()
        for on_reply in pending.values():
            if on_reply is not None:
                on_reply(None)

    def _answer(self, serial: int, reply: Message | None) -> None:
        limit = self._limits.pop(serial, None)
        if limit is not None:
            limit.stop()
            limit.deleteLater()
        if serial in self._replies:
            on_reply = self._replies.pop(serial)
            if on_reply is not None:
                on_reply(reply)

    def _write(self) -> None:
        if self._socket is None:
            return
        try:
            while self._outgoing:
                sent = self._socket.send(self._outgoing)
                self._outgoing = self._outgoing[sent:]
        except BlockingIOError:
            pass
        except OSError as problem:
            self._drop(problem)
            return
        self._writable.setEnabled(bool(self._outgoing))

    def _read(self) -> None:
        from jeepney import HeaderFields, MessageType

        while self._socket is not None:
            try:
                data = self._socket.recv(65536)
            except BlockingIOError:
                break
            except OSError as problem:
                self._drop(problem)
                return
            if not data:
                self._drop(ConnectionResetError("the bus closed the connection"))
                return
            self._parser.add_data(data)
            while (message := self._parser.get_next_message()) is not None:
                kind = message.header.message_type
                if kind in (MessageType.method_return, MessageType.error):
                    self._answer(message.header.fields.get(HeaderFields.reply_serial, 0),
                                 message)
                elif kind == MessageType.signal:
                    self.signal_received.emit(message)

    def _drop(self, problem: Exception) -> None:
        log.info("Session bus connection closed: %s", problem)
        self.close()
        self.lost.emit()
