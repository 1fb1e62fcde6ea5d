"""Quiet while presenting (ui/quiet.py): the login popup waits while the person is busy
and comes once they are free, or after max_quiet_minutes at the latest.

The gate over a stand-in probe; the controller holding the first check's popup (and its
acknowledgement); a real dunst, paused with dunstctl, in a private D-Bus session under
Xvfb; a real full-screen X window made the active one; and the popup shown without
taking the keyboard, on a real X server. CI installs dunst, Xvfb and xprop (.ci/run);
elsewhere those tests are skipped when a tool is missing, never under CI.
"""

from __future__ import annotations

import contextlib
import ctypes
import ctypes.util
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from itertools import count
from pathlib import Path

import pytest
from PySide6.QtCore import QCoreApplication, Qt

from tray_app.core import busy
from tray_app.core.busy import Verdict
from tray_app.core.config import load_config
from tray_app.core.policy import RawPolicy
from tray_app.core.session import Session
from tray_app.core.settings import BY_KEY
from tray_app.core.state import StateStore
from tray_app.core.worker_client import WorkerJobs
from tray_app.demo.server import DemoIntranet
from tray_app.ui import quiet
from tray_app.ui.controller import Controller
from tray_app.ui.quiet import QuietGate

TESTS = Path(__file__).resolve().parent
REPO = TESTS.parent
BUSY = Verdict(("presenting (a stand-in)",))
_names = count()


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


class Probe:
    """Says what `verdict` holds when asked, and counts the questions."""

    def __init__(self, verdict: Verdict = busy.FREE) -> None:
        self.verdict = verdict
        self.calls = 0

    def __call__(self) -> Verdict:
        self.calls += 1
        return self.verdict


def _tools_missing(*tools: str) -> None:
    """Skip when a tool is missing, except under CI, where that is a failure."""
    missing = [tool for tool in tools if shutil.which(tool) is None]
    reason = f"needs {', '.join(missing)} (installed by .ci/run)" if missing else None
    if reason and not os.environ.get("CI"):
        pytest.skip(reason)
    assert reason is None, reason


# --- the gate -----------------------------------------------------------------------------------


def test_free_shows_at_once(qtbot) -> None:
    shown: list[str] = []
    gate = QuietGate(60, Probe())
    gate.show_when_free("login popup", lambda: shown.append("popup"))
    assert shown == ["popup"] and gate.holding() == ()


def test_zero_minutes_never_holds_nor_asks(qtbot) -> None:
    probe, shown = Probe(BUSY), []
    gate = QuietGate(0, probe)
    gate.ask_early()
    gate.show_when_free("login popup", lambda: shown.append("popup"))
    assert shown == ["popup"] and probe.calls == 0


def test_held_while_busy_and_shown_once_free(qtbot) -> None:
    probe, shown = Probe(BUSY), []
    gate = QuietGate(60, probe, recheck_ms=50)
    with qtbot.waitSignal(gate.held) as held:
        gate.show_when_free("login popup", lambda: shown.append("popup"))
    assert held.args == ["login popup", BUSY]
    qtbot.waitUntil(lambda: probe.calls >= 3, timeout=5000)  # asked again and again
    assert shown == [] and gate.holding() == ("login popup",)
    probe.verdict = busy.FREE
    with qtbot.waitSignal(gate.released, timeout=5000) as released:
        pass
    assert released.args == ["login popup", "free"]
    assert shown == ["popup"] and gate.holding() == ()


def test_the_recheck_is_never_more_than_30_seconds_apart(qtbot) -> None:
    assert quiet.RECHECK_MS <= 30_000
    assert QuietGate(60, Probe(), recheck_ms=3_600_000).recheck_ms <= 30_000


def test_shown_anyway_after_max_quiet_minutes(qtbot) -> None:
    clock, probe, shown = FakeClock(), Probe(BUSY), []
    gate = QuietGate(60, probe, recheck_ms=20, clock=clock)
    gate.show_when_free("login popup", lambda: shown.append("popup"))
    clock.now += 59 * 60
    qtbot.waitUntil(lambda: probe.calls >= 3, timeout=5000)
    assert shown == []
    clock.now += 60
    with qtbot.waitSignal(gate.released, timeout=5000) as released:
        pass
    assert released.args == ["login popup", "waited long enough"] and shown == ["popup"]


def test_the_deadline_wakes_the_gate_before_the_next_recheck(qtbot) -> None:
    clock, shown = FakeClock(), []
    gate = QuietGate(1, Probe(BUSY), recheck_ms=30_000, clock=clock)
    gate.show_when_free("login popup", lambda: shown.append("popup"))
    clock.now += 61
    gate._arm()  # as if the minute had passed while the timer ran
    qtbot.waitUntil(lambda: shown == ["popup"], timeout=2000)


def test_a_later_popup_replaces_the_held_one_and_keeps_its_deadline(qtbot) -> None:
    clock, probe, shown = FakeClock(), Probe(BUSY), []
    gate = QuietGate(10, probe, recheck_ms=20, clock=clock)
    gate.show_when_free("login popup", lambda: shown.append("first"))
    clock.now += 9 * 60
    gate.show_when_free("login popup", lambda: shown.append("second"))
    gate.show_when_free("notification", lambda: shown.append("bubble"))
    clock.now += 60
    qtbot.waitUntil(lambda: "second" in shown, timeout=5000)
    assert shown == ["second"]  # the bubble has its own ten minutes
    probe.verdict = busy.FREE
    qtbot.waitUntil(lambda: shown == ["second", "bubble"], timeout=5000)


def test_a_broken_probe_holds_nothing(qtbot) -> None:
    def broken() -> Verdict:
        raise OSError("no")

    shown: list[str] = []
    QuietGate(60, broken).show_when_free("login popup", lambda: shown.append("popup"))
    assert shown == ["popup"]


def test_the_early_answer_is_used_when_fresh(qtbot) -> None:
    probe, shown = Probe(BUSY), []
    gate = QuietGate(60, probe)
    gate.ask_early()
    gate.show_when_free("login popup", lambda: shown.append("popup"))
    assert probe.calls == 1 and gate.holding() == ("login popup",)


def test_a_stale_early_answer_is_asked_again(qtbot) -> None:
    clock, probe, shown = FakeClock(), Probe(BUSY), []
    gate = QuietGate(60, probe, clock=clock)
    gate.ask_early()
    gate._early_thread.join(5)  # type: ignore[union-attr]
    probe.verdict = busy.FREE
    clock.now += quiet.FRESH_SECONDS + 1
    gate.show_when_free("login popup", lambda: shown.append("popup"))
    assert probe.calls == 2 and shown == ["popup"]


def test_the_setting() -> None:
    setting = BY_KEY["max_quiet_minutes"]
    assert (setting.type, setting.default, setting.minimum, setting.maximum) == (int, 60, 0, 480)
    config = load_config({}, environ={"COMPANION_MAX_QUIET_MINUTES": "0"},
                         policy=RawPolicy({}, origin="test"))
    assert config.get("max_quiet_minutes") == 0


# --- the controller ------------------------------------------------------------------------------


def make_controller(demo: DemoIntranet, probe: Callable[[], Verdict], *,
                    recheck_ms: int = 100, policy: dict | None = None) -> Controller:
    config = load_config({"intranet_url": demo.url}, environ={},
                         policy=RawPolicy(policy or {}, origin="test"))
    workers = WorkerJobs(demo.url, 20, env={**os.environ, "COMPANION_TOKEN": demo.token})
    controller = Controller(Session(StateStore()), config, None, workers)
    controller.quiet = QuietGate(config.get("max_quiet_minutes"), probe,
                                 recheck_ms=recheck_ms, parent=controller)
    return controller


@contextlib.contextmanager
def running(qtbot, controller: Controller) -> Iterator[Controller]:
    try:
        with qtbot.waitSignal(controller.update_shown, timeout=10_000):
            controller.start()
        yield controller
    finally:
        controller.shutdown()
        controller.popup.close()


def test_the_first_checks_popup_waits_while_busy(qtbot, demo: DemoIntranet) -> None:
    probe = Probe(BUSY)
    with running(qtbot, make_controller(demo, probe)) as controller:
        assert not controller.popup.isVisible()
        assert controller.quiet.holding() == ("login popup",)
        qtbot.wait(500)
        assert demo.acks == []  # not acknowledged: nobody has seen it yet
        probe.verdict = busy.FREE
        qtbot.waitUntil(controller.popup.isVisible, timeout=5000)
        assert len(controller.popup.rows) == 2
        qtbot.waitUntil(lambda: len(demo.acks) == 2, timeout=5000)


def test_a_popup_opened_by_hand_meanwhile_is_left_as_it_is(qtbot, demo: DemoIntranet) -> None:
    probe = Probe(BUSY)
    with running(qtbot, make_controller(demo, probe)) as controller:
        controller._on_message_clicked()  # the person opens it themselves
        popup = controller.popup
        assert popup.isVisible() and len(popup.rows) == 2
        qtbot.mouseClick(popup.rows[0].dismiss, Qt.MouseButton.LeftButton)
        rows = list(popup.rows)
        probe.verdict = busy.FREE
        qtbot.waitUntil(lambda: controller.quiet.holding() == (), timeout=5000)
        assert popup.rows == rows and not popup.rows[0].dismiss.isEnabled()
        qtbot.waitUntil(lambda: len(demo.acks) == 2, timeout=5000)


def test_policy_zero_shows_the_popup_at_once(qtbot, demo: DemoIntranet) -> None:
    probe = Probe(BUSY)
    controller = make_controller(demo, probe, policy={"max_quiet_minutes": 0})
    with running(qtbot, controller):
        assert controller.popup.isVisible() and probe.calls == 0


def test_the_controller_asks_the_real_probes_by_default(qtbot, demo: DemoIntranet) -> None:
    config = load_config({"intranet_url": demo.url}, environ={},
                         policy=RawPolicy({}, origin="test"))
    controller = Controller(Session(StateStore()), config, None,
                            WorkerJobs(demo.url, 20, env=dict(os.environ)))
    assert controller.quiet._probe is quiet.busy_now
    assert controller.quiet.max_quiet_seconds == 60 * 60


# --- a real desktop: Xvfb, a private D-Bus session, dunst ---------------------------------------


@pytest.fixture
def quiet_display() -> Iterator[dict[str, str]]:
    """A private X server: the environment that reaches it."""
    _tools_missing("Xvfb", "xprop")
    reader, writer = os.pipe()
    xvfb = subprocess.Popen(["Xvfb", "-displayfd", str(writer), "-screen", "0", "1024x768x24",
                             "-nolisten", "tcp"], pass_fds=(writer,),
                            stderr=subprocess.DEVNULL, start_new_session=True)
    os.close(writer)
    with os.fdopen(reader) as lines:
        number = lines.readline().strip()
    try:
        assert number, "Xvfb did not start"
        yield {**os.environ, "DISPLAY": f":{number}", "QT_QPA_PLATFORM": "xcb"}
    finally:
        _end(xvfb)


def _end(process: subprocess.Popen) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(10)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(5)


@pytest.fixture
def quiet_bus(tmp_path: Path) -> Iterator[dict[str, str]]:
    """A private D-Bus session bus (tests/secret_service_session.py --no-keyring)."""
    _tools_missing("dbus-run-session")
    home = tmp_path / "dbus-home"
    runtime = home / "run"
    runtime.mkdir(parents=True, mode=0o700)
    env = {"HOME": str(home), "XDG_RUNTIME_DIR": str(runtime),
           "XDG_CONFIG_HOME": str(home / "config"), "XDG_DATA_HOME": str(home / "data")}
    clean = {k: v for k, v in os.environ.items() if not k.startswith("DBUS_")}
    helper = subprocess.Popen([sys.executable, str(TESTS / "secret_service_session.py"),
                               "--no-keyring"], env={**clean, **env}, stdin=subprocess.PIPE,
                              stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
                              start_new_session=True)
    assert helper.stdin is not None and helper.stdout is not None
    try:
        address = helper.stdout.readline().strip()
        assert address, "no private D-Bus session could be started"
        yield {**env, "DBUS_SESSION_BUS_ADDRESS": address}
    finally:
        helper.stdin.close()
        try:
            helper.wait(20)
        except subprocess.TimeoutExpired:
            _end(helper)


def _dunstctl(env: dict[str, str], *args: str) -> str:
    done = subprocess.run(["dunstctl", *args], env=env, capture_output=True, text=True,
                          timeout=10, check=False)
    assert done.returncode == 0, f"dunstctl {' '.join(args)}: {done.stderr.strip()}"
    return done.stdout.strip()


@pytest.fixture
def quiet_dunst(quiet_display: dict[str, str],
                quiet_bus: dict[str, str]) -> Iterator[dict[str, str]]:
    """dunst running on the private X server and bus: the environment that reaches it."""
    _tools_missing("dunst", "dunstctl", "dbus-send")
    env = {**quiet_display, **quiet_bus}
    env = {k: v for k, v in env.items() if k != "WAYLAND_DISPLAY"}
    daemon = subprocess.Popen(["dunst"], env=env, stdout=subprocess.DEVNULL,
                              stderr=subprocess.PIPE, text=True, start_new_session=True)
    try:
        deadline = time.monotonic() + 15
        while subprocess.run(["dunstctl", "is-paused"], env=env, capture_output=True,
                             text=True, check=False).stdout.strip() != "false":
            if daemon.poll() is not None or time.monotonic() > deadline:
                _end(daemon)
                raise AssertionError(f"dunst did not come up: {daemon.communicate()[1][-500:]}")
            time.sleep(0.1)
        yield env
    finally:
        _end(daemon)


@pytest.fixture
def private_bus(qapp, quiet_dunst: dict[str, str]) -> Iterator[object]:
    """This process's own connection to the private bus (its session bus is another)."""
    from PySide6.QtDBus import QDBusConnection

    name = f"quiet-test-{next(_names)}"
    bus = QDBusConnection.connectToBus(quiet_dunst["DBUS_SESSION_BUS_ADDRESS"], name)
    assert bus.isConnected(), bus.lastError().message()
    yield bus
    QDBusConnection.disconnectFromBus(name)


def test_dunst_paused_is_read_from_its_d_bus_property(quiet_dunst: dict[str, str],
                                                      private_bus: object) -> None:
    assert quiet.dbus_answers(private_bus).dunst_paused is False
    assert not quiet.busy_now(quiet_dunst, private_bus).busy
    _dunstctl(quiet_dunst, "set-paused", "true")
    assert quiet.dbus_answers(private_bus).dunst_paused is True
    verdict = quiet.busy_now(quiet_dunst, private_bus)
    assert verdict.busy and "dunst" in verdict.describe()


def test_with_dunst_paused_the_login_popup_waits(qtbot, demo: DemoIntranet,
                                                 quiet_dunst: dict[str, str],
                                                 private_bus: object) -> None:
    _dunstctl(quiet_dunst, "set-paused", "true")
    controller = make_controller(demo, lambda: quiet.busy_now(quiet_dunst, private_bus),
                                 recheck_ms=300)
    with running(qtbot, controller):
        assert controller.quiet.holding() == ("login popup",)
        qtbot.wait(1000)
        assert not controller.popup.isVisible()
        _dunstctl(quiet_dunst, "set-paused", "false")
        unpaused = time.monotonic()
        qtbot.waitUntil(controller.popup.isVisible, timeout=30_000)
        assert time.monotonic() - unpaused < 30
        assert controller.quiet.holding() == ()


def test_no_notification_server_says_nothing(qapp, quiet_bus: dict[str, str]) -> None:
    """An empty bus: nothing is started to answer (no autostart), nothing is busy."""
    from PySide6.QtDBus import QDBusConnection

    name = f"quiet-test-{next(_names)}"
    bus = QDBusConnection.connectToBus(quiet_bus["DBUS_SESSION_BUS_ADDRESS"], name)
    try:
        assert quiet.dbus_answers(bus) == busy.Answers()
    finally:
        QDBusConnection.disconnectFromBus(name)


def test_no_session_bus_is_not_asked(tmp_path: Path) -> None:
    environ = {"XDG_RUNTIME_DIR": str(tmp_path)}
    assert quiet.dbus_answers(None, environ) == busy.Answers()


# --- a real full-screen window ------------------------------------------------------------------

_XA_WINDOW = 33
_PROP_MODE_REPLACE = 0


def _set_active_window(display: str, window: int) -> None:
    """Say on the root window that `window` is active, as a window manager does
    (_NET_ACTIVE_WINDOW, type WINDOW: xprop cannot set that type)."""
    x11 = ctypes.CDLL(ctypes.util.find_library("X11") or "libX11.so.6")
    x11.XOpenDisplay.restype = ctypes.c_void_p
    x11.XOpenDisplay.argtypes = [ctypes.c_char_p]
    x11.XDefaultRootWindow.restype = ctypes.c_ulong
    x11.XDefaultRootWindow.argtypes = [ctypes.c_void_p]
    x11.XInternAtom.restype = ctypes.c_ulong
    x11.XInternAtom.argtypes = [ctypes.c_void_p, ctypes.c_char_p, ctypes.c_int]
    x11.XChangeProperty.argtypes = [ctypes.c_void_p, ctypes.c_ulong, ctypes.c_ulong,
                                    ctypes.c_ulong, ctypes.c_int, ctypes.c_int,
                                    ctypes.c_void_p, ctypes.c_int]
    x11.XSync.argtypes = [ctypes.c_void_p, ctypes.c_int]
    x11.XCloseDisplay.argtypes = [ctypes.c_void_p]
    connection = x11.XOpenDisplay(display.encode())
    assert connection, f"cannot open {display}"
    try:
        atom = x11.XInternAtom(connection, b"_NET_ACTIVE_WINDOW", 0)
        data = (ctypes.c_ulong * 1)(window)  # format 32 is a long in Xlib
        x11.XChangeProperty(connection, x11.XDefaultRootWindow(connection), atom, _XA_WINDOW,
                            32, _PROP_MODE_REPLACE, ctypes.cast(data, ctypes.c_void_p), 1)
        x11.XSync(connection, 0)
    finally:
        x11.XCloseDisplay(connection)


@contextlib.contextmanager
def x_window(env: dict[str, str], *, fullscreen: bool) -> Iterator[int]:
    """A real Qt window on that X server (full screen: Qt sets its _NET_WM_STATE)."""
    command = [sys.executable, str(TESTS / "quiet_window.py"), "window",
               *(["--fullscreen"] if fullscreen else [])]
    window = subprocess.Popen(command, env={**env, "PYTHONPATH": str(REPO)},
                              stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True, start_new_session=True)
    assert window.stdin is not None and window.stdout is not None
    try:
        line = window.stdout.readline().strip()
        assert line.startswith("0x"), f"no window: {window.stderr.read()[-500:]}"
        yield int(line, 16)
    finally:
        window.stdin.close()
        try:
            window.wait(10)
        except subprocess.TimeoutExpired:
            _end(window)


def test_an_active_full_screen_window_makes_the_person_busy(
        qtbot, quiet_display: dict[str, str]) -> None:
    env = quiet_display
    # No window manager on Xvfb: nothing says which window is active.
    assert busy.x11_fullscreen(env) is None
    with x_window(env, fullscreen=False) as ordinary:
        _set_active_window(env["DISPLAY"], ordinary)
        assert busy.x11_fullscreen(env) is False
    with x_window(env, fullscreen=True) as presentation:
        state = busy.run_tool(["xprop", "-id", hex(presentation), "_NET_WM_STATE"], env)
        assert busy.FULLSCREEN_ATOM in busy.parse_atoms(state), state
        _set_active_window(env["DISPLAY"], presentation)
        assert busy.x11_fullscreen(env) is True
        verdict = quiet.busy_now(env)
        assert verdict.busy and "full screen" in verdict.describe()
        shown: list[str] = []
        gate = QuietGate(60, lambda: quiet.busy_now(env), recheck_ms=100)
        gate.show_when_free("login popup", lambda: shown.append("popup"))
        assert gate.holding() == ("login popup",)
        qtbot.wait(300)
        assert shown == []
    # The presentation is over (its window gone): the popup comes.
    qtbot.waitUntil(lambda: shown == ["popup"], timeout=5000)


def test_wayland_is_not_asked_through_x(quiet_display: dict[str, str]) -> None:
    assert busy.x11_fullscreen({**quiet_display, "WAYLAND_DISPLAY": "wayland-0"}) is None


# --- the popup does not take the keyboard ---------------------------------------------------------


def test_the_automatic_popup_leaves_the_keyboard_where_it_is(
        quiet_display: dict[str, str]) -> None:
    done = subprocess.run([sys.executable, str(TESTS / "quiet_window.py"), "focus"],
                          env={**quiet_display, "PYTHONPATH": str(REPO)},
                          capture_output=True, text=True, timeout=60, check=False)
    assert done.returncode == 0, done.stderr[-2000:]
    seen = json.loads(done.stdout.strip().splitlines()[-1])
    assert seen["before"] == "typing"
    assert seen["shown"] is True
    assert seen["automatic"] == "typing", (
        "the automatic login popup took the keyboard: popup.py's show_notices needs "
        "`activate=False` (WA_ShowWithoutActivating, no activateWindow())")
    assert seen["by_hand"] == seen["popup"]  # opened from the menu: it takes the keyboard


def test_the_controller_shows_the_automatic_popup_without_activating(
        qtbot, demo: DemoIntranet, monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[dict] = []
    controller = make_controller(demo, Probe())

    def show_notices(notices, *, activate: bool = True) -> None:
        calls.append({"count": len(notices), "activate": activate})

    monkeypatch.setattr(controller.popup, "show_notices", show_notices)
    with running(qtbot, controller):
        assert calls == [{"count": 2, "activate": False}]
    QCoreApplication.processEvents()


def test_a_notice_that_appears_while_running_waits_while_busy(qtbot,
                                                              demo: DemoIntranet) -> None:
    probe = Probe(busy.FREE)
    with running(qtbot, make_controller(demo, probe)) as controller:
        qtbot.waitUntil(controller.popup.isVisible, timeout=5000)
        announced: list[tuple[str, ...]] = []
        controller.notifications.announce = lambda notices: announced.append(  # type: ignore[method-assign]
            tuple(n.integration_id for n in notices))
        probe.verdict = BUSY
        demo.disconnect("microsoft365", reason="revoked")
        with qtbot.waitSignal(controller.update_shown, timeout=10_000):
            controller.request_check()
        qtbot.wait(300)
        assert announced == [] and controller.quiet.holding() == ("notices",)
        probe.verdict = busy.FREE
        qtbot.waitUntil(lambda: announced == [("microsoft365",)], timeout=5000)
