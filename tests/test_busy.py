"""core/busy.py: when the person counts as busy, what the tools' output means, and the
Windows probe through a stand-in shell32. No Qt, no desktop."""

from __future__ import annotations

import sys

import pytest
from fake_shell32 import FakeShell32
from hypothesis import given
from hypothesis import strategies as st

from tray_app.core import busy
from tray_app.core.busy import Answers, decide

X11 = {"DISPLAY": ":5", "PATH": "/usr/bin:/bin"}


def test_nobody_saying_anything_is_not_busy() -> None:
    verdict = decide(Answers())
    assert not verdict.busy and verdict.reasons == () and verdict.describe() == "not busy"


@pytest.mark.parametrize(("answers", "reason"), [
    (Answers(show_banners=False), "GNOME's do-not-disturb is on"),
    (Answers(notifications_inhibited=True), "notification server is inhibited"),
    (Answers(dunst_paused=True), "dunst's notifications are paused"),
    (Answers(fullscreen_window=True), "the active window is full screen"),
    (Answers(windows_state=busy.QUNS_PRESENTATION_MODE), "presentation mode"),
])
def test_each_probe_alone_makes_the_person_busy(answers: Answers, reason: str) -> None:
    verdict = decide(answers)
    assert verdict.busy
    assert reason in verdict.describe()


def test_the_free_answers_are_not_busy() -> None:
    free = Answers(show_banners=True, notifications_inhibited=False, dunst_paused=False,
                   fullscreen_window=False, windows_state=busy.QUNS_ACCEPTS_NOTIFICATIONS)
    assert not decide(free).busy


def test_every_reason_is_given() -> None:
    verdict = decide(Answers(show_banners=False, dunst_paused=True, fullscreen_window=True))
    assert len(verdict.reasons) == 3


@pytest.mark.parametrize(("state", "is_busy"), [
    (busy.QUNS_NOT_PRESENT, True), (busy.QUNS_BUSY, True),
    (busy.QUNS_RUNNING_D3D_FULL_SCREEN, True), (busy.QUNS_PRESENTATION_MODE, True),
    (busy.QUNS_ACCEPTS_NOTIFICATIONS, False), (busy.QUNS_QUIET_TIME, True),
    (busy.QUNS_APP, False), (0, False), (None, False),
])
def test_windows_states(state: int | None, is_busy: bool) -> None:
    assert decide(Answers(windows_state=state)).busy is is_busy


@given(st.builds(Answers, st.none() | st.booleans(), st.none() | st.booleans(),
                 st.none() | st.booleans(), st.none() | st.booleans(),
                 st.none() | st.integers(-2**31, 2**31)))
def test_busy_exactly_when_some_probe_says_so(answers: Answers) -> None:
    said_so = (answers.show_banners is False or answers.notifications_inhibited is True
               or answers.dunst_paused is True or answers.fullscreen_window is True
               or answers.windows_state in (1, 2, 3, 4, 6))
    assert decide(answers).busy is said_so


def test_merged_keeps_the_first_answer_and_fills_the_rest() -> None:
    merged = Answers(show_banners=True).merged(Answers(show_banners=False, dunst_paused=True))
    assert merged == Answers(show_banners=True, dunst_paused=True)


# --- the tools' output ------------------------------------------------------------------------


@pytest.mark.parametrize(("text", "value"), [
    ("true\n", True), ("false\n", False), ("  FALSE ", False), ("", None), (None, None),
    ("No such schema “org.gnome.desktop.notifications”", None), ("'false'", None),
])
def test_parse_bool(text: str | None, value: bool | None) -> None:
    assert busy.parse_bool(text) is value


@pytest.mark.parametrize(("text", "window"), [
    ("_NET_ACTIVE_WINDOW(WINDOW): window id # 0x1e00006\n", 0x1E00006),
    ("_NET_ACTIVE_WINDOW(WINDOW): window id # 0x0\n", 0),
    ("_NET_ACTIVE_WINDOW(WINDOW): window id # 0x3a00007, 0x0\n", 0x3A00007),
    ("_NET_ACTIVE_WINDOW:  not found.\n", None),
    ("_NET_ACTIVE_WINDOW(WINDOW): window id # 0xffffffffffff\n", None),
    ("", None), (None, None),
])
def test_parse_active_window(text: str | None, window: int | None) -> None:
    assert busy.parse_active_window(text) == window


@pytest.mark.parametrize(("text", "atoms"), [
    ("_NET_WM_STATE(ATOM) = _NET_WM_STATE_FULLSCREEN\n", {"_NET_WM_STATE_FULLSCREEN"}),
    ("_NET_WM_STATE(ATOM) = _NET_WM_STATE_MAXIMIZED_VERT, _NET_WM_STATE_FULLSCREEN,"
     " _NET_WM_STATE_FOCUSED\n",
     {"_NET_WM_STATE_MAXIMIZED_VERT", "_NET_WM_STATE_FULLSCREEN", "_NET_WM_STATE_FOCUSED"}),
    ("_NET_WM_STATE(ATOM) = \n", set()),
    ("_NET_WM_STATE:  not found.\n", set()),
    ("WM_NAME(STRING) = \"_NET_WM_STATE_FULLSCREEN\"\n", set()),
    ("", set()), (None, set()),
])
def test_parse_atoms(text: str | None, atoms: set[str]) -> None:
    assert busy.parse_atoms(text) == atoms


@given(st.text(max_size=400) | st.none())
def test_any_tool_output_is_read_without_crashing(text: str | None) -> None:
    window = busy.parse_active_window(text)
    assert window is None or 0 <= window < 2**32
    assert all(isinstance(atom, str) and atom for atom in busy.parse_atoms(text))
    assert busy.parse_bool(text) in (True, False, None)


@given(st.text(alphabet="_NETWMSAOFULCR()=,#xid0123456789abcdef: \n", max_size=200))
def test_output_close_to_xprops_is_read_without_crashing(text: str) -> None:
    busy.parse_active_window(text)
    busy.parse_atoms(text)


# --- probes over stand-in tools ---------------------------------------------------------------


class Tools:
    """Stands in for the tools: the output for each command, None when it fails."""

    def __init__(self, answers: dict[tuple[str, ...], str | None]) -> None:
        self.answers = answers
        self.asked: list[list[str]] = []

    def __call__(self, command: list[str]) -> str | None:
        self.asked.append(command)
        return self.answers.get(tuple(command))


def _xprop(active: str, state: str | None) -> Tools:
    return Tools({("xprop", "-root", "_NET_ACTIVE_WINDOW"): active,
                  ("xprop", "-id", "0x1e00006", "_NET_WM_STATE"): state})


@pytest.fixture
def tools_exist(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(busy, "_has", lambda _tool, _environ: True)


ACTIVE = "_NET_ACTIVE_WINDOW(WINDOW): window id # 0x1e00006\n"


def test_a_full_screen_active_window(tools_exist: None) -> None:
    tools = _xprop(ACTIVE, "_NET_WM_STATE(ATOM) = _NET_WM_STATE_FULLSCREEN\n")
    assert busy.x11_fullscreen(X11, tools) is True
    assert tools.asked[1] == ["xprop", "-id", "0x1e00006", "_NET_WM_STATE"]


def test_an_ordinary_active_window(tools_exist: None) -> None:
    assert busy.x11_fullscreen(X11, _xprop(ACTIVE, "_NET_WM_STATE:  not found.\n")) is False


def test_no_active_window_or_no_window_manager(tools_exist: None) -> None:
    none_active = "_NET_ACTIVE_WINDOW(WINDOW): window id # 0x0\n"
    assert busy.x11_fullscreen(X11, _xprop(none_active, None)) is False
    assert busy.x11_fullscreen(X11, _xprop("_NET_ACTIVE_WINDOW:  not found.\n", None)) is None
    assert busy.x11_fullscreen(X11, _xprop(ACTIVE, None)) is None  # gone in between


@pytest.mark.parametrize("environ", [
    {}, {"DISPLAY": ""}, {"DISPLAY": ":0", "WAYLAND_DISPLAY": "wayland-0"},
    {"DISPLAY": ":0", "XDG_SESSION_TYPE": "wayland"},
])
def test_x11_only(tools_exist: None, environ: dict[str, str]) -> None:
    tools = _xprop(ACTIVE, "_NET_WM_STATE(ATOM) = _NET_WM_STATE_FULLSCREEN\n")
    assert busy.x11_fullscreen(environ, tools) is None
    assert tools.asked == []


def test_without_xprop_or_gsettings_nothing_is_run() -> None:
    tools = Tools({})
    empty = {"DISPLAY": ":5", "PATH": "/nonexistent"}
    assert busy.x11_fullscreen(empty, tools) is None
    assert busy.gnome_show_banners(empty, tools) is None
    assert tools.asked == []


GNOME = {"XDG_CURRENT_DESKTOP": "ubuntu:GNOME"}


def test_gnome_do_not_disturb(tools_exist: None) -> None:
    command = ("gsettings", "get", "org.gnome.desktop.notifications", "show-banners")
    assert busy.gnome_show_banners(GNOME, Tools({command: "false\n"})) is False
    assert busy.gnome_show_banners(GNOME, Tools({command: "true\n"})) is True
    assert busy.gnome_show_banners(GNOME, Tools({command: None})) is None  # no such schema


@pytest.mark.parametrize("desktop", ["", "KDE", "XFCE", "X-Cinnamon", "sway"])
def test_gnome_is_asked_only_on_gnome(tools_exist: None, desktop: str) -> None:
    command = ("gsettings", "get", "org.gnome.desktop.notifications", "show-banners")
    tools = Tools({command: "false\n"})
    assert busy.gnome_show_banners({"XDG_CURRENT_DESKTOP": desktop}, tools) is None
    assert tools.asked == []


def test_run_tool_answers_none_on_failure_timeout_or_absence() -> None:
    assert busy.run_tool([sys.executable, "-c", "print('true')"]) == "true\n"
    assert busy.run_tool([sys.executable, "-c", "import sys; sys.exit(1)"]) is None
    assert busy.run_tool(["/nonexistent/tool"]) is None
    assert busy.run_tool([sys.executable, "-c", "import time; time.sleep(5)"],
                         timeout=0.2) is None


def test_run_tool_bounds_the_output() -> None:
    text = busy.run_tool([sys.executable, "-c", "print('x' * 1_000_000)"])
    assert text is not None and len(text) == busy.MAX_OUTPUT_CHARS


# --- Windows, through a stand-in shell32 ------------------------------------------------------


@pytest.mark.parametrize("state", [1, 2, 3, 4, 6])
def test_windows_busy_states_through_shqueryusernotificationstate(state: int) -> None:
    shell32 = FakeShell32(state)
    assert busy.windows_notification_state(shell32) == state
    verdict = busy.decide(busy.probe({}, shell32=shell32))
    assert verdict.busy and verdict.reasons == (busy.WINDOWS_BUSY_STATES[state],)


def test_windows_accepting_notifications_is_free() -> None:
    assert not busy.decide(busy.probe({}, shell32=FakeShell32(5))).busy


def test_a_failing_shqueryusernotificationstate_says_nothing() -> None:
    shell32 = FakeShell32(state=4, result=-2147467259)  # E_FAIL
    assert busy.windows_notification_state(shell32) is None
    assert not busy.decide(busy.probe({}, shell32=shell32)).busy
    assert shell32.calls == 2


def test_a_shell32_without_the_function_says_nothing() -> None:
    assert busy.windows_notification_state(object()) is None


def test_off_windows_shell32_is_not_asked() -> None:
    assert (busy.windows_notification_state() is None) is (sys.platform != "win32")
