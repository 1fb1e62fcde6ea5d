"""Starting the tray without a usable display: one sentence and exit 6, decided before Qt
loads, so Qt never aborts the process (134) with its misleading libxcb-cursor0 hint."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tray_app.gui_entry import EXIT_NO_DISPLAY, display_problem, xcb_cursor_installed

REPO = Path(__file__).resolve().parent.parent
MAIN = REPO / "main.py"
GRAPHICAL = ("DISPLAY", "WAYLAND_DISPLAY", "WAYLAND_SOCKET", "QT_QPA_PLATFORM")
HEADLESS_HINT = "`intranet-companion check` works without a desktop"

pytestmark = pytest.mark.skipif(sys.platform in ("win32", "darwin"),
                                reason="the check is for X11 and Wayland desktops")
LINUX = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="abstract sockets")


def tray_env(tmp_path: Path, **extra: str) -> dict[str, str]:
    env = {name: value for name, value in os.environ.items()
           if name not in GRAPHICAL and not name.startswith("COMPANION_")}
    for variable, sub in (("XDG_CONFIG_HOME", "config"), ("XDG_STATE_HOME", "state"),
                          ("XDG_CACHE_HOME", "cache")):
        env[variable] = str(tmp_path / sub)
    env["COMPANION_POLICY_FILE"] = str(tmp_path / "no-policy.json")
    return {**env, **extra}


def run_tray(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, str(MAIN), *args], cwd=REPO, env=env,
                          capture_output=True, text=True, timeout=60, check=False)


def answers(address: str | tuple[str, int]) -> bool:
    family = socket.AF_UNIX if isinstance(address, str) else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        probe.settimeout(0.5)
        try:
            probe.connect(address)
        except OSError:
            return False
    return True


def free_display_number() -> int:
    """A display number where no X server listens: no socket file, no abstract socket,
    no TCP port."""
    for number in range(99, 400):
        path = f"/tmp/.X11-unix/X{number}"
        if not (Path(path).exists() or answers("\0" + path)
                or answers(("127.0.0.1", 6000 + number))):
            return number
    pytest.fail("no free X display number")


def assert_one_sentence_before_qt(done: subprocess.CompletedProcess[str], *words: str) -> None:
    assert done.returncode == EXIT_NO_DISPLAY, done.stderr
    assert done.stdout == ""
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1, done.stderr  # nothing from Qt: it was never loaded
    assert HEADLESS_HINT in lines[0]
    for word in words:
        assert word in lines[0]
    assert "Traceback" not in done.stderr and "Aborted" not in done.stderr


# --- the real process --------------------------------------------------------------------

@pytest.mark.parametrize("args", [(), ("--demo",)])
def test_no_display_at_all_gives_one_sentence_and_exit_6(tmp_path: Path,
                                                         args: tuple[str, ...]) -> None:
    done = run_tray(tray_env(tmp_path), *args)
    assert_one_sentence_before_qt(done, "DISPLAY", "WAYLAND_DISPLAY")
    assert not (tmp_path / "state").exists()  # decided before the instance claim
    assert not list(tmp_path.glob("**/intranet-companion-demo-*"))


def test_a_display_without_an_x_server_gives_one_sentence(tmp_path: Path) -> None:
    display = f":{free_display_number()}"
    done = run_tray(tray_env(tmp_path, DISPLAY=display))
    assert_one_sentence_before_qt(done, display)


def test_an_x_only_platform_names_display(tmp_path: Path) -> None:
    done = run_tray(tray_env(tmp_path, QT_QPA_PLATFORM="xcb", WAYLAND_DISPLAY="wayland-0"))
    assert_one_sentence_before_qt(done, "(not set: DISPLAY)")


@pytest.fixture
def fake_x_server() -> Iterator[str]:
    """An abstract X socket that takes connections and hangs up: our probe sees a server,
    Qt's X11 plugin then fails, as with a server that refuses us."""
    number = free_display_number()
    server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    server.bind(f"\0/tmp/.X11-unix/X{number}")
    server.listen(16)

    def hang_up() -> None:
        while True:
            try:
                connection, _ = server.accept()
            except OSError:
                return
            connection.close()

    threading.Thread(target=hang_up, daemon=True).start()
    try:
        yield f":{number}"
    finally:
        server.shutdown(socket.SHUT_RDWR)
        server.close()


@LINUX
def test_when_qt_still_fails_the_process_explains_instead_of_aborting(
        tmp_path: Path, fake_x_server: str) -> None:
    assert display_problem({"DISPLAY": fake_x_server}) is None
    temporary = tmp_path / "tmp"
    temporary.mkdir()
    done = run_tray(tray_env(tmp_path, DISPLAY=fake_x_server, TMPDIR=str(temporary)),
                    "--demo")
    assert done.returncode == EXIT_NO_DISPLAY, done.stderr
    assert done.stderr.strip().splitlines()[-1].endswith(HEADLESS_HINT + ".")
    assert "could not open the graphical session" in done.stderr
    assert "Aborted" not in done.stderr and "Traceback" not in done.stderr
    assert "Reinstalling the application" not in done.stderr
    if xcb_cursor_installed():  # then Qt's hint about it is wrong, and not shown
        assert "libxcb-cursor0" not in done.stderr
    assert list(temporary.iterdir()) == []  # the demo's sandbox went too


@pytest.mark.skipif(shutil.which("Xvfb") is None, reason="needs Xvfb")
def test_a_real_x_server_is_found_quickly() -> None:
    number = free_display_number()
    server = subprocess.Popen(["Xvfb", f":{number}", "-nolisten", "tcp"],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 10
        while not answers(f"/tmp/.X11-unix/X{number}") and time.monotonic() < deadline:
            time.sleep(0.05)
        for display in (f":{number}", f":{number}.0", f"unix/:{number}"):
            started = time.perf_counter()
            assert display_problem({"DISPLAY": display}) is None
            assert time.perf_counter() - started < 0.05
        assert display_problem({"DISPLAY": f"tcp/localhost:{number}"}) is not None  # no TCP
    finally:
        server.terminate()
        server.wait(timeout=10)


# --- the decision, piece by piece ----------------------------------------------------------

def test_a_missing_x_server_is_told_within_milliseconds() -> None:
    display = f":{free_display_number()}"
    started = time.perf_counter()
    problem = display_problem({"DISPLAY": display})
    assert time.perf_counter() - started < 0.05
    assert problem is not None and display in problem


def test_a_tcp_display_is_probed_on_its_port() -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as listener:
        for number in range(50, 400):
            try:
                listener.bind(("127.0.0.1", 6000 + number))
            except OSError:
                continue
            break
        listener.listen(4)
        assert display_problem({"DISPLAY": f"127.0.0.1:{number}"},
                               cursor_library=lambda: True) is None
    problem = display_problem({"DISPLAY": f"127.0.0.1:{number}"})
    assert problem is not None and f"127.0.0.1:{number}" in problem


def test_a_wayland_socket_is_enough(tmp_path: Path) -> None:
    env = {"WAYLAND_DISPLAY": "wayland-test", "XDG_RUNTIME_DIR": str(tmp_path)}
    problem = display_problem(env)
    assert problem is not None and "wayland-test" in problem
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as compositor:
        compositor.bind(str(tmp_path / "wayland-test"))
        compositor.listen(4)
        assert display_problem(env) is None
        assert display_problem({"WAYLAND_DISPLAY": str(tmp_path / "wayland-test")}) is None
        # Qt told to use X only does not care about the compositor.
        assert display_problem({**env, "QT_QPA_PLATFORM": "xcb"}) is not None


@pytest.mark.parametrize("platform", ["offscreen", "minimal", "vnc", "xcb;offscreen",
                                      "offscreen:fontengine=freetype", "eglfs", "haiku"])
def test_platforms_that_need_no_desktop_are_left_to_qt(platform: str) -> None:
    assert display_problem({"QT_QPA_PLATFORM": platform}) is None


@pytest.mark.parametrize("os_name", ["win32", "darwin"])
def test_windows_and_macos_are_not_checked(os_name: str) -> None:
    assert display_problem({}, platform=os_name) is None


@LINUX
def test_a_missing_xcb_cursor_library_is_named(fake_x_server: str) -> None:
    problem = display_problem({"DISPLAY": fake_x_server}, cursor_library=lambda: False)
    assert problem is not None
    assert "libxcb-cursor.so.0" in problem and HEADLESS_HINT in problem


def test_the_xcb_cursor_library_is_looked_for_then_loaded(tmp_path: Path) -> None:
    def cannot_load(name: str) -> object:
        raise OSError(f"{name}: cannot open shared object file")

    asked: list[str] = []
    assert not xcb_cursor_installed([tmp_path], cannot_load)
    assert xcb_cursor_installed([tmp_path], asked.append)  # the loader found it elsewhere
    assert asked == ["libxcb-cursor.so.0"]
    (tmp_path / "libxcb-cursor.so.0").touch()
    assert xcb_cursor_installed([tmp_path], cannot_load)
