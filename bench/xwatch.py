"""Watch an X display from outside: when a top-level window is mapped, and first drawn.

Plain ctypes over libX11 and libXdamage, no compiled helper. The watcher selects
SubstructureNotify on the root window, so the X server tells it of every top-level
window created and mapped; it puts a Damage object on each window as it is created, so
the server also tells it of the first drawing into the window after it is mapped (the
app's first paint reaching the screen). Each event is timed with CLOCK_MONOTONIC
(`time.monotonic`, the same clock in every process) when it is read: the watcher blocks
in select() on the X connection, so the delay is the local socket's wake-up, well under
a millisecond on an idle core. X events carry no server timestamp for maps.

Without a window manager (Xvfb) top-level windows stay children of the root; under a
reparenting window manager the root would see the frames instead.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import select
import time
from collections.abc import Callable
from dataclasses import dataclass, field

CREATE_NOTIFY, MAP_NOTIFY, PROPERTY_NOTIFY = 16, 19, 28
SUBSTRUCTURE_NOTIFY_MASK = 1 << 19
PROPERTY_CHANGE_MASK = 1 << 22
DAMAGE_REPORT_NON_EMPTY = 3


class _Any(ctypes.Structure):
    _fields_ = [("type", ctypes.c_int), ("serial", ctypes.c_ulong),
                ("send_event", ctypes.c_int), ("display", ctypes.c_void_p),
                ("first", ctypes.c_ulong), ("second", ctypes.c_ulong)]


class _Event(ctypes.Union):
    _fields_ = [("any", _Any), ("pad", ctypes.c_long * 24)]


_ERROR_HANDLER = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.c_void_p, ctypes.c_void_p)
# Windows come and go before we look at them (BadWindow): ignore every error rather than
# let Xlib's default handler exit the process.
_IGNORE_ERRORS = _ERROR_HANDLER(lambda _display, _error: 0)


def _library(name: str) -> ctypes.CDLL:
    path = ctypes.util.find_library(name) or f"lib{name}.so"
    return ctypes.CDLL(path)


def _declare(x11: ctypes.CDLL, damage: ctypes.CDLL) -> None:
    x11.XOpenDisplay.restype = ctypes.c_void_p
    x11.XOpenDisplay.argtypes = [ctypes.c_char_p]
    x11.XDefaultRootWindow.restype = ctypes.c_ulong
    x11.XDefaultRootWindow.argtypes = [ctypes.c_void_p]
    x11.XSelectInput.argtypes = [ctypes.c_void_p, ctypes.c_ulong, ctypes.c_long]
    x11.XConnectionNumber.argtypes = [ctypes.c_void_p]
    x11.XPending.argtypes = [ctypes.c_void_p]
    x11.XQLength.argtypes = [ctypes.c_void_p]
    x11.XNextEvent.argtypes = [ctypes.c_void_p, ctypes.POINTER(_Event)]
    x11.XSync.argtypes = [ctypes.c_void_p, ctypes.c_int]
    x11.XCloseDisplay.argtypes = [ctypes.c_void_p]
    x11.XInternAtom.restype = ctypes.c_ulong
    x11.XInternAtom.argtypes = [ctypes.c_void_p, ctypes.c_char_p, ctypes.c_int]
    x11.XFree.argtypes = [ctypes.c_void_p]
    x11.XGetWindowProperty.argtypes = [
        ctypes.c_void_p, ctypes.c_ulong, ctypes.c_ulong, ctypes.c_long, ctypes.c_long,
        ctypes.c_int, ctypes.c_ulong, ctypes.POINTER(ctypes.c_ulong),
        ctypes.POINTER(ctypes.c_int), ctypes.POINTER(ctypes.c_ulong),
        ctypes.POINTER(ctypes.c_ulong), ctypes.POINTER(ctypes.c_void_p)]
    x11.XSetErrorHandler(_IGNORE_ERRORS)
    damage.XDamageQueryExtension.argtypes = [
        ctypes.c_void_p, ctypes.POINTER(ctypes.c_int), ctypes.POINTER(ctypes.c_int)]
    damage.XDamageCreate.restype = ctypes.c_ulong
    damage.XDamageCreate.argtypes = [ctypes.c_void_p, ctypes.c_ulong, ctypes.c_int]


@dataclass
class Shown:
    """A window whose title matched: when it was mapped and first drawn (monotonic s)."""

    window: int
    title: str
    mapped_at: float
    painted_at: float | None = None


@dataclass
class _Windows:
    mapped: dict[int, float] = field(default_factory=dict)
    painted: dict[int, float] = field(default_factory=dict)


class MapWatch:
    """One connection to `display` that records maps and first paints of top-levels."""

    def __init__(self, display: str) -> None:
        self._x11, self._damage = _library("X11"), _library("Xdamage")
        _declare(self._x11, self._damage)
        self._dpy = self._x11.XOpenDisplay(display.encode())
        if not self._dpy:
            raise RuntimeError(f"cannot open X display {display}")
        base, _error = ctypes.c_int(), ctypes.c_int()
        if not self._damage.XDamageQueryExtension(self._dpy, base, _error):
            raise RuntimeError("the X server has no DAMAGE extension")
        self._damage_notify = base.value
        self._atoms = [self._x11.XInternAtom(self._dpy, name, False)
                       for name in (b"_NET_WM_NAME", b"WM_NAME")]
        root = self._x11.XDefaultRootWindow(self._dpy)
        self._x11.XSelectInput(self._dpy, root, SUBSTRUCTURE_NOTIFY_MASK)
        self._x11.XSync(self._dpy, False)
        self._windows = _Windows()

    def close(self) -> None:
        if self._dpy:
            self._x11.XCloseDisplay(self._dpy)
            self._dpy = None

    def __enter__(self) -> MapWatch:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    def reset(self) -> None:
        """Forget what was seen: call just before starting the process to watch."""
        self.drain(0)
        self._windows = _Windows()

    def title(self, window: int) -> str:
        for atom in self._atoms:
            text = self._property(window, atom)
            if text:
                return text
        return ""

    def _property(self, window: int, atom: int) -> str:
        kind, fmt = ctypes.c_ulong(), ctypes.c_int()
        count, after, data = ctypes.c_ulong(), ctypes.c_ulong(), ctypes.c_void_p()
        status = self._x11.XGetWindowProperty(self._dpy, window, atom, 0, 1024, False, 0,
                                              kind, fmt, count, after, data)
        if status != 0 or not data.value:
            return ""
        try:
            return ctypes.string_at(data.value, count.value).decode("utf-8", "replace")
        finally:
            self._x11.XFree(data)

    def drain(self, timeout: float) -> None:
        """Read the events that arrive within `timeout` seconds (at least those queued)."""
        fd = self._x11.XConnectionNumber(self._dpy)
        if not self._x11.XQLength(self._dpy):  # nothing read ahead by a reply
            select.select([fd], [], [], max(timeout, 0))
        now = time.monotonic()
        event = _Event()
        while self._x11.XPending(self._dpy):
            self._x11.XNextEvent(self._dpy, ctypes.byref(event))
            self._handle(event.any, now)

    def _handle(self, event: _Any, now: float) -> None:
        if event.type == CREATE_NOTIFY:  # first = parent, second = the new window
            self._x11.XSelectInput(self._dpy, event.second, PROPERTY_CHANGE_MASK)
            self._damage.XDamageCreate(self._dpy, event.second, DAMAGE_REPORT_NON_EMPTY)
        elif event.type == MAP_NOTIFY:  # first = root, second = the mapped window
            self._windows.mapped.setdefault(event.second, now)
        elif event.type == self._damage_notify and event.first in self._windows.mapped:
            self._windows.painted.setdefault(event.first, now)  # first = the drawable

    def find(self, title_start: str) -> Shown | None:
        """The first mapped window whose title starts with `title_start`, if any."""
        for window, mapped_at in sorted(self._windows.mapped.items(), key=lambda i: i[1]):
            title = self.title(window)
            if title.startswith(title_start):
                return Shown(window, title, mapped_at, self._windows.painted.get(window))
        return None

    def wait_for(self, title_start: str, timeout: float, *, paint: float = 2.0,
                 alive: Callable[[], bool] = lambda: True) -> Shown:
        """Wait for a window titled `title_start…` to map, then up to `paint` seconds
        for its first drawing. TimeoutError when it does not map within `timeout`, or
        once `alive()` says the process to watch has ended."""
        deadline = time.monotonic() + timeout
        shown = None
        while shown is None:
            left = deadline - time.monotonic()
            if left <= 0 or not alive():
                raise TimeoutError(f"no window titled {title_start!r} mapped "
                                   f"({'timed out' if left <= 0 else 'the process ended'})")
            self.drain(min(left, 0.5))
            shown = self.find(title_start)
        paint_deadline = time.monotonic() + paint
        while shown.painted_at is None and time.monotonic() < paint_deadline:
            self.drain(paint_deadline - time.monotonic())
            shown.painted_at = self._windows.painted.get(shown.window)
        return shown
