"""Is the person busy right now: presenting, in a full-screen window, or with
do-not-disturb on? Then the login popup (and a notification) waits.

Pure decisions over what the probes answered, and the probes that need no Qt: GNOME's
`show-banners` through `gsettings`, the active X11 window's `_NET_WM_STATE` through
`xprop`, and Windows' SHQueryUserNotificationState through ctypes. The D-Bus probes
(KDE's Inhibited, dunst's paused) are in ui/quiet.py, since they use QtDBus.

Every probe answers None when it cannot tell (no such tool, no X display, an error, a
timeout): an unknown answer never makes the person busy. Each subprocess has a short
timeout and its output is bounded. The reasons are English, for the log.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

PROBE_TIMEOUT_SECONDS = 0.5
MAX_OUTPUT_CHARS = 65_536

# SHQueryUserNotificationState's answers (shellapi.h, QUERY_USER_NOTIFICATION_STATE).
QUNS_NOT_PRESENT = 1  # a full-screen app is running, or the screen saver, or the lock
QUNS_BUSY = 2  # a full-screen application is running
QUNS_RUNNING_D3D_FULL_SCREEN = 3
QUNS_PRESENTATION_MODE = 4
QUNS_ACCEPTS_NOTIFICATIONS = 5
QUNS_QUIET_TIME = 6  # the first hour after a new user's first login
QUNS_APP = 7  # a Windows Store app is running (Windows 8)
WINDOWS_BUSY_STATES: Mapping[int, str] = {
    QUNS_NOT_PRESENT: "Windows says the user is not present (full screen, screen saver "
                      "or locked)",
    QUNS_BUSY: "Windows says a full-screen application is running",
    QUNS_RUNNING_D3D_FULL_SCREEN: "Windows says a full-screen Direct3D application is running",
    QUNS_PRESENTATION_MODE: "Windows is in presentation mode",
    QUNS_QUIET_TIME: "Windows is in its quiet time after the first login",
}

GNOME_SCHEMA = "org.gnome.desktop.notifications"
FULLSCREEN_ATOM = "_NET_WM_STATE_FULLSCREEN"

Run = Callable[[list[str]], "str | None"]


@dataclass(frozen=True)
class Answers:
    """What each probe said; None: it could not tell (or does not apply here)."""

    show_banners: bool | None = None  # GNOME: org.gnome.desktop.notifications show-banners
    notifications_inhibited: bool | None = None  # org.freedesktop.Notifications Inhibited
    dunst_paused: bool | None = None  # dunst: org.dunstproject.cmd0 paused
    fullscreen_window: bool | None = None  # X11: the active window is full screen
    windows_state: int | None = None  # SHQueryUserNotificationState

    def merged(self, other: Answers) -> Answers:
        """These answers, with `other`'s where this one has none."""
        return Answers(**{name: mine if mine is not None else getattr(other, name)
                          for name, mine in vars(self).items()})


@dataclass(frozen=True)
class Verdict:
    reasons: tuple[str, ...] = ()

    @property
    def busy(self) -> bool:
        return bool(self.reasons)

    def describe(self) -> str:
        return "; ".join(self.reasons) if self.reasons else "not busy"


FREE = Verdict()


def decide(answers: Answers) -> Verdict:
    """Busy when any probe said so: do-not-disturb, a full-screen window, or Windows'
    busy, presentation or quiet state."""
    reasons = []
    if answers.show_banners is False:
        reasons.append("GNOME's do-not-disturb is on (show-banners is false)")
    if answers.notifications_inhibited is True:
        reasons.append("the notification server is inhibited (do-not-disturb)")
    if answers.dunst_paused is True:
        reasons.append("dunst's notifications are paused")
    if answers.fullscreen_window is True:
        reasons.append("the active window is full screen")
    if answers.windows_state in WINDOWS_BUSY_STATES:
        reasons.append(WINDOWS_BUSY_STATES[answers.windows_state])
    return Verdict(tuple(reasons))


# --- what the tools print -----------------------------------------------------------------

_WINDOW_ID = re.compile(r"window id # (0x[0-9a-fA-F]{1,16}|[0-9]{1,20})\b")
_ATOM = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


def parse_bool(text: str | None) -> bool | None:
    """`true`/`false` as gsettings and dunstctl print them; None for anything else."""
    word = (text or "").strip().lower()
    return {"true": True, "false": False}.get(word)


def parse_active_window(text: str | None) -> int | None:
    """The window id in `xprop -root _NET_ACTIVE_WINDOW`'s answer
    (`_NET_ACTIVE_WINDOW(WINDOW): window id # 0x1e00006`); 0 when no window is active,
    None when the property is missing or the text is not that."""
    found = _WINDOW_ID.search(text or "")
    if found is None:
        return None
    value = found.group(1)
    number = int(value, 16) if value.lower().startswith("0x") else int(value)
    return number if number < 2**32 else None


def parse_atoms(text: str | None) -> frozenset[str]:
    """The atoms of `xprop -id W _NET_WM_STATE`'s answer
    (`_NET_WM_STATE(ATOM) = _NET_WM_STATE_FULLSCREEN, _NET_WM_STATE_ABOVE`); none when
    the property is not set (`_NET_WM_STATE:  not found.`)."""
    first = (text or "").partition("\n")[0]
    head, equals, values = first.partition("=")
    if not equals or "(ATOM)" not in head:
        return frozenset()
    names = (value.strip() for value in values.split(","))
    return frozenset(name for name in names if _ATOM.match(name))


# --- the probes ---------------------------------------------------------------------------


def run_tool(command: list[str], env: Mapping[str, str] | None = None,
             timeout: float = PROBE_TIMEOUT_SECONDS) -> str | None:
    """A tool's standard output, or None when it failed, timed out or is missing."""
    try:
        done = subprocess.run(command, env=dict(env) if env is not None else None,
                              stdin=subprocess.DEVNULL, capture_output=True, timeout=timeout,
                              check=False)
    except (OSError, subprocess.SubprocessError, ValueError):
        return None
    if done.returncode != 0:
        return None
    return done.stdout[:MAX_OUTPUT_CHARS].decode("utf-8", "replace")


def _runner(environ: Mapping[str, str]) -> Run:
    return lambda command: run_tool(command, environ)


def _has(tool: str, environ: Mapping[str, str]) -> bool:
    return shutil.which(tool, path=environ.get("PATH", os.defpath)) is not None


def on_gnome(environ: Mapping[str, str]) -> bool:
    """GNOME Shell shows the notifications (XDG_CURRENT_DESKTOP such as "GNOME" or
    "ubuntu:GNOME"); elsewhere its show-banners switch says nothing, so it is not asked
    (a gsettings process less beside the tray's start)."""
    desktops = environ.get("XDG_CURRENT_DESKTOP", "").lower().split(":")
    return any(name.startswith("gnome") for name in desktops)


def gnome_show_banners(environ: Mapping[str, str], run: Run | None = None) -> bool | None:
    """GNOME's do-not-disturb switch (False: on); None off GNOME, or where gsettings or
    the schema is missing."""
    if not on_gnome(environ) or not _has("gsettings", environ):
        return None
    run = run or _runner(environ)
    return parse_bool(run(["gsettings", "get", GNOME_SCHEMA, "show-banners"]))


def on_x11(environ: Mapping[str, str]) -> bool:
    """An X display of its own, not Wayland (where XWayland's root says nothing about
    the native windows)."""
    if not environ.get("DISPLAY") or environ.get("WAYLAND_DISPLAY"):
        return False
    return environ.get("XDG_SESSION_TYPE", "").lower() != "wayland"


def x11_fullscreen(environ: Mapping[str, str], run: Run | None = None) -> bool | None:
    """Whether the window the window manager calls active (_NET_ACTIVE_WINDOW on the
    root) says it is full screen (_NET_WM_STATE_FULLSCREEN); None off X11, without
    xprop, or without a window manager that keeps _NET_ACTIVE_WINDOW."""
    if not on_x11(environ) or not _has("xprop", environ):
        return None
    run = run or _runner(environ)
    active = parse_active_window(run(["xprop", "-root", "_NET_ACTIVE_WINDOW"]))
    if not active:
        return None if active is None else False
    state = run(["xprop", "-id", hex(active), "_NET_WM_STATE"])
    if state is None:  # the window went away between the two calls
        return None
    return FULLSCREEN_ATOM in parse_atoms(state)


def windows_notification_state(shell32: Any = None) -> int | None:
    """SHQueryUserNotificationState's answer (QUNS_*), None off Windows or on failure.
    `shell32` stands in for ctypes.windll.shell32 in tests."""
    import ctypes  # here: the tray's start does not need it elsewhere

    if shell32 is None:
        if sys.platform != "win32":
            return None
        shell32 = ctypes.WinDLL("shell32")  # type: ignore[attr-defined]
    state = ctypes.c_int(0)
    try:
        result = shell32.SHQueryUserNotificationState(ctypes.pointer(state))
    except (OSError, AttributeError, ValueError):
        return None
    if result != 0:  # an HRESULT other than S_OK
        return None
    return state.value


def probe(environ: Mapping[str, str] | None = None, shell32: Any = None) -> Answers:
    """What the probes of this module say here and now (the D-Bus ones are ui/quiet.py's).
    Blocking: a few milliseconds, at most PROBE_TIMEOUT_SECONDS per tool."""
    environ = os.environ if environ is None else environ
    if sys.platform == "win32" or shell32 is not None:
        return Answers(windows_state=windows_notification_state(shell32))
    if sys.platform == "darwin":
        return Answers()
    return Answers(show_banners=gnome_show_banners(environ),
                   fullscreen_window=x11_fullscreen(environ))


class _Early:
    answer: tuple[float, Answers] | None = None


def probe_early() -> None:
    """Start this module's probes in a thread now (the tray does so before Qt loads, beside
    the first check's worker), so the login popup finds the answer ready instead of
    spawning `gsettings` and `xprop` on the GUI thread after the check."""
    import threading
    import time

    def ask() -> None:
        answers = probe()
        _Early.answer = (time.monotonic(), answers)

    threading.Thread(target=ask, name="busy-probe", daemon=True).start()


def early_answers(max_age_seconds: float) -> Answers | None:
    """The answers `probe_early` found, if no older than `max_age_seconds`."""
    import time

    found = _Early.answer
    if found is None or time.monotonic() - found[0] > max_age_seconds:
        return None
    return found[1]
