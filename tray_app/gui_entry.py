"""Start the tray app. Kept apart from cli.py so `check` never imports Qt.

Order matters: first whether there is a display at all (Qt aborts the process without
one), then the demo's sandbox (so even the single-instance lock lives in it), the
single-instance claim (a second launch does nothing else), everything that needs no Qt,
the first check's worker included (startup.py), and only then Qt.
"""

from __future__ import annotations

import os
import socket
import sys
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING

from tray_app.arguments import TrayOptions
from tray_app.core import messages
from tray_app.core.instance import claim_instance
from tray_app.startup import Prepared, QuitSignals, keep_tls_out, prepare

if TYPE_CHECKING:
    from tray_app.demo_process import DemoProcess

EXIT_NO_DISPLAY = 6  # README: no graphical session to show the tray in
EXIT_DEMO_UNAVAILABLE = 3


def run_gui(args: TrayOptions) -> int:
    problem = display_problem(os.environ)
    if problem is not None:
        print(problem, file=sys.stderr)
        return EXIT_NO_DISPLAY
    keep_tls_out()
    quit_signals = QuitSignals.catch()
    demo: DemoProcess | None = None
    if args.demo:
        from tray_app import demo_process

        try:
            demo = demo_process.DemoProcess.start()  # its sandbox before the claim
        except demo_process.DemoUnavailable as unavailable:
            print(unavailable, file=sys.stderr)
            return EXIT_DEMO_UNAVAILABLE
    try:
        instance = claim_instance()  # before any check, state or log write
        prepared = prepare(args, quit_signals, instance, demo) if instance.first else None
        if prepared is not None and demo is None:
            from tray_app.core.autostart import settle_source_default

            settle_source_default(prepared.config)
        return _run_qt(args, prepared, demo)
    finally:
        if demo is not None:
            demo.stop()  # also when Qt could not start; stopping twice is harmless


def _run_qt(args: TrayOptions, prepared: Prepared | None,
            demo: DemoProcess | None) -> int:
    try:
        from tray_app.ui import app
    except ImportError as problem:
        print(messages.tray_cannot_start(str(problem)), file=sys.stderr)
        return 1
    _explain_platform_failure(demo.stop if demo is not None else lambda: None)
    if prepared is None:
        return app.show_first_instance()
    return app.run(args, prepared)


# --- is there a display? (Linux and other X11/Wayland systems; no Qt, no Xlib) ------------

# Platforms that need no desktop session (QT_QPA_PLATFORM): Qt decides on its own there.
_NEEDS_NO_DISPLAY = {"offscreen", "minimal", "minimalegl", "vnc", "linuxfb", "eglfs",
                     "vkkhrdisplay", "directfb"}
_X_SOCKET_DIR = "/tmp/.X11-unix"
_X_TCP_PORT = 6000
_PROBE_SECONDS = 0.5  # a local socket answers at once; this only bounds a remote one
XCB_CURSOR_LIBRARY = "libxcb-cursor.so.0"


def display_problem(environ: Mapping[str, str], platform: str = sys.platform,
                    cursor_library: Callable[[], bool] | None = None) -> str | None:
    """The sentence saying why Qt would find no display here, or None when it will (or
    when we cannot tell: Qt then decides). Costs a socket connect or two."""
    if platform in ("win32", "darwin"):
        return None
    requested = [entry.split(":", 1)[0].strip()
                 for entry in environ.get("QT_QPA_PLATFORM", "").split(";") if entry.strip()]
    if any(name in _NEEDS_NO_DISPLAY for name in requested):
        return None
    if any(name != "xcb" and not name.startswith("wayland") for name in requested):
        return None  # a platform we do not know: leave it to Qt
    may_use_wayland = not requested or any(name.startswith("wayland") for name in requested)
    may_use_x = not requested or "xcb" in requested
    wayland = environ.get("WAYLAND_DISPLAY", "") if may_use_wayland else ""
    display = environ.get("DISPLAY", "") if may_use_x else ""
    if may_use_wayland and (environ.get("WAYLAND_SOCKET") or
                            (wayland and _wayland_answers(wayland, environ))):
        return None
    if display and _x_answers(display):
        has_cursor = cursor_library or xcb_cursor_installed
        return None if has_cursor() else messages.xcb_cursor_missing(XCB_CURSOR_LIBRARY)
    if display:
        return messages.x_display_unreachable(display)
    if wayland:
        return messages.wayland_display_unreachable(wayland)
    needed = [name for name, wanted in (("DISPLAY", may_use_x),
                                        ("WAYLAND_DISPLAY", may_use_wayland)) if wanted]
    return messages.no_graphical_session(", ".join(needed))


def _wayland_answers(name: str, environ: Mapping[str, str]) -> bool:
    if os.path.isabs(name):
        return _unix_answers(name)
    runtime = environ.get("XDG_RUNTIME_DIR", "")
    return bool(runtime) and _unix_answers(os.path.join(runtime, name))


def _x_answers(display: str) -> bool:
    """Whether an X server listens where DISPLAY ([protocol/][host]:number[.screen]) says.
    A form we do not know counts as an answer: Qt then decides."""
    parsed = _parse_display(display)
    if parsed is None:
        return True
    protocol, host, number = parsed
    if protocol not in ("", "unix", "tcp", "inet", "inet6"):
        return True
    if protocol != "tcp" and host in ("", "unix"):
        path = f"{_X_SOCKET_DIR}/X{number}"
        if _unix_answers("\0" + path) or _unix_answers(path):
            return True
        if protocol == "unix" or host == "unix":
            return False
        host = "localhost"  # libxcb tries TCP when the local socket is missing
    return _tcp_answers(host.strip("[]"), _X_TCP_PORT + number)


def _parse_display(display: str) -> tuple[str, str, int] | None:
    protocol = ""
    head, slash, tail = display.partition("/")
    if slash and head and ":" not in head:
        protocol, display = head, tail
    host, colon, number = display.rpartition(":")
    number = number.split(".", 1)[0]
    if not colon or not number.isdigit() or host.endswith(":") or host.startswith("/"):
        return None  # DECnet (host::0) or a socket path: not ours to judge
    return protocol, host, int(number)


def _unix_answers(path: str) -> bool:
    if path.startswith("\0") and not sys.platform.startswith("linux"):
        return False  # abstract sockets are Linux's
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as probe:
        probe.settimeout(_PROBE_SECONDS)
        try:
            probe.connect(path)
        except OSError:
            return False
    return True


def _tcp_answers(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=_PROBE_SECONDS):
            return True
    except (OSError, UnicodeError):
        return False


def xcb_cursor_installed(directories: list[Path] | None = None,
                         load: Callable[[str], object] | None = None) -> bool:
    """Whether the library Qt's X11 plugin needs (since Qt 6.5) can be loaded: looked for
    where it usually is, else asked of the dynamic loader itself."""
    for directory in directories if directories is not None else _library_directories():
        if (directory / XCB_CURSOR_LIBRARY).exists():
            return True
    if load is None:
        import ctypes  # only when the usual places lack it

        load = ctypes.CDLL
    try:
        load(XCB_CURSOR_LIBRARY)
    except OSError:
        return False
    return True


def _library_directories() -> list[Path]:
    arch = getattr(sys.implementation, "_multiarch", "") or ""
    found = [Path(entry) for entry in os.environ.get("LD_LIBRARY_PATH", "").split(":") if entry]
    bundle = getattr(sys, "_MEIPASS", "")  # the frozen app ships its own copy
    if bundle:
        found.append(Path(bundle))
    for prefix in ("/usr/lib", "/lib"):
        if arch:
            found.append(Path(prefix) / arch)
        found.append(Path(prefix))
    found += [Path("/usr/lib64"), Path("/lib64"), Path("/usr/local/lib")]
    return found


# --- when Qt still cannot open the display ---------------------------------------------

# Qt names this library whenever its X11 plugin fails, whatever the reason.
_XCB_CURSOR_HINT = "xcb-cursor0 or libxcb-cursor0 is needed"
_NO_PLATFORM = "no Qt platform plugin could be initialized"


def _explain_platform_failure(clean_up: Callable[[], None]) -> None:
    """Qt aborts the process (exit 134) when no platform plugin starts, after printing a
    hint about libxcb-cursor0 even when that library is there. Say what happened instead
    and exit with EXIT_NO_DISPLAY; every other Qt message is printed as Qt would."""
    from PySide6.QtCore import QtMsgType, qFormatLogMessage, qInstallMessageHandler

    def handle(kind: QtMsgType, context: object, text: str) -> None:
        if kind == QtMsgType.QtFatalMsg and _NO_PLATFORM in text:
            # Its "Reinstalling the application may fix this" misleads as well.
            print(messages.qt_display_failed(), file=sys.stderr, flush=True)
            clean_up()
            os._exit(EXIT_NO_DISPLAY)
        if _XCB_CURSOR_HINT not in text or not xcb_cursor_installed():
            sys.stderr.write(qFormatLogMessage(kind, context, text) + "\n")

    qInstallMessageHandler(handle)
