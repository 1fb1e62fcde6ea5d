"""Start at login: XDG autostart for real, the Run key with a fake winreg, a LaunchAgent."""

from __future__ import annotations

import configparser
import contextlib
import os
import plistlib
import signal
import struct
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from fake_winreg import FakeWinreg

from tray_app.core import autostart, paths
from tray_app.core.autostart import (
    MacAutostart,
    WindowsAutostart,
    XdgAutostart,
    for_platform,
    launch_command,
    settle_source_default,
    startup_approved_value,
)
from tray_app.core.config import Config, load_config, save_user_setting
from tray_app.core.errors import ConfigError
from tray_app.core.policy import RawPolicy

RUN_KEY = r"Software\Microsoft\Windows\CurrentVersion\Run"


@pytest.fixture(autouse=True)
def no_system_entries(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Keep the machine's /etc/xdg out of the tests: system dirs are empty temp folders."""
    system = tmp_path / "xdg-system"
    monkeypatch.setenv("XDG_CONFIG_DIRS", f"{tmp_path / 'xdg-other'}:{system}")
    return system


@pytest.fixture
def odd_command(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Paths full of characters the Exec key must quote or escape."""
    monkeypatch.setattr(sys, "executable", "/opt/My Apps/py 100%/python3")
    monkeypatch.setattr(autostart, "MAIN_SCRIPT",
                        Path('/home/a b/it\'s "$HOME" `x` back\\slash/50%/main.py'))
    return launch_command()


def user_entry_path(home: Path) -> Path:
    return home / "config" / "autostart" / "intranet-companion.desktop"


def parse_desktop_file(path: Path) -> dict[str, str]:
    parser = configparser.ConfigParser(interpolation=None)
    parser.optionxform = str  # type: ignore[assignment, method-assign]
    parser.read(path, encoding="utf-8")
    return dict(parser["Desktop Entry"])


def split_exec(value: str) -> list[str]:
    """Undo the desktop entry escaping: string escapes, then %%, then argument quoting."""
    unescaped = _unescape_string(value).replace("%%", "%")
    arguments: list[str] = []
    current: list[str] = []
    started = in_quotes = False
    chars = iter(unescaped)
    for char in chars:
        if in_quotes and char == "\\":
            current.append(next(chars))
        elif char == '"':
            in_quotes, started = not in_quotes, True
        elif char == " " and not in_quotes:
            if started:
                arguments.append("".join(current))
            current, started = [], False
        else:
            current.append(char)
            started = True
    if started:
        arguments.append("".join(current))
    return arguments


def _unescape_string(value: str) -> str:
    escapes = {"s": " ", "n": "\n", "t": "\t", "r": "\r", "\\": "\\"}
    result: list[str] = []
    chars = iter(value)
    for char in chars:
        result.append(escapes[next(chars)] if char == "\\" else char)
    return "".join(result)


# --- launch command ---------------------------------------------------------------------

def test_launch_command_runs_main_py_from_source() -> None:
    command = launch_command()
    assert command == [sys.executable, str(autostart.MAIN_SCRIPT), "--autostart"]
    assert Path(command[1]).is_file()
    assert Path(command[1]).name == "main.py"


def test_launch_command_when_frozen(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sys, "frozen", True, raising=False)
    monkeypatch.setattr(sys, "executable", "/Applications/Companion.app/Contents/MacOS/app")
    assert launch_command() == ["/Applications/Companion.app/Contents/MacOS/app", "--autostart"]


def test_for_platform_picks_the_right_mechanism(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "winreg", FakeWinreg())
    assert isinstance(for_platform("linux"), XdgAutostart)
    assert isinstance(for_platform("freebsd14"), XdgAutostart)
    assert isinstance(for_platform("darwin"), MacAutostart)
    assert isinstance(for_platform("win32"), WindowsAutostart)


# --- Linux: XDG autostart ---------------------------------------------------------------

def test_enable_writes_a_valid_desktop_entry(isolated_home: Path) -> None:
    entry = XdgAutostart()
    assert not entry.is_enabled()
    entry.enable()
    path = user_entry_path(isolated_home)
    assert entry.path == path
    keys = parse_desktop_file(path)
    assert keys == {
        "Type": "Application",
        "Name": "Intranet Companion",
        "Comment": keys["Comment"],
        "Exec": keys["Exec"],
        "Icon": "intranet-companion",
        "Terminal": "false",
        "X-GNOME-Autostart-enabled": "true",
        "NoDisplay": "true",
    }
    assert keys["Comment"]
    assert split_exec(keys["Exec"]) == launch_command()
    assert path.read_text(encoding="utf-8").startswith("[Desktop Entry]\n")
    assert entry.is_enabled()


def test_exec_round_trips_spaces_percent_quotes_and_backslashes(
        isolated_home: Path, odd_command: list[str]) -> None:
    XdgAutostart().enable()
    exec_line = parse_desktop_file(user_entry_path(isolated_home))["Exec"]
    assert split_exec(exec_line) == odd_command
    assert exec_line.startswith('"/opt/My Apps/py 100%%/python3" "/home/a b/')
    assert exec_line.endswith('/50%%/main.py" --autostart')
    # A literal backslash in a quoted argument is four backslashes in the file.
    assert "back\\\\\\\\slash" in exec_line
    assert '\\\\"\\\\$HOME\\\\"' in exec_line
    assert "\\\\`x\\\\`" in exec_line


def test_plain_arguments_stay_unquoted() -> None:
    assert autostart.exec_value(["/usr/bin/python3", "/srv/app/main.py", "--autostart"]) == (
        "/usr/bin/python3 /srv/app/main.py --autostart")
    assert autostart.exec_value(["/x/y", ""]) == '/x/y ""'


def test_disable_removes_the_entry_and_tolerates_absence(isolated_home: Path) -> None:
    entry = XdgAutostart()
    entry.disable()  # nothing there yet
    entry.enable()
    entry.disable()
    assert not user_entry_path(isolated_home).exists()
    assert not entry.is_enabled()


@pytest.mark.parametrize("line", ["Hidden=true", "X-GNOME-Autostart-enabled=false"])
def test_switched_off_entries_do_not_count(isolated_home: Path, line: str) -> None:
    path = user_entry_path(isolated_home)
    path.parent.mkdir(parents=True)
    path.write_text(f"[Desktop Entry]\nType=Application\nExec=true\n{line}\n", encoding="utf-8")
    assert not XdgAutostart().is_enabled()


def test_system_wide_entry_is_overridden_by_a_hidden_user_entry(
        isolated_home: Path, no_system_entries: Path) -> None:
    system_entry = no_system_entries / "autostart" / "intranet-companion.desktop"
    system_entry.parent.mkdir(parents=True)
    system_entry.write_text("[Desktop Entry]\nType=Application\nExec=companion\n",
                            encoding="utf-8")
    entry = XdgAutostart()
    assert entry.system_entry() == system_entry
    assert entry.is_enabled()
    assert str(system_entry) in entry.describe()

    entry.disable()
    user_keys = parse_desktop_file(user_entry_path(isolated_home))
    assert user_keys["Hidden"] == "true"
    assert system_entry.exists()
    assert not entry.is_enabled()

    entry.enable()
    assert "Hidden" not in parse_desktop_file(user_entry_path(isolated_home))
    assert entry.is_enabled()


def test_a_hidden_system_entry_does_not_count(no_system_entries: Path) -> None:
    system_entry = no_system_entries / "autostart" / "intranet-companion.desktop"
    system_entry.parent.mkdir(parents=True)
    system_entry.write_text("[Desktop Entry]\nHidden=true\n", encoding="utf-8")
    assert not XdgAutostart().is_enabled()


def test_unwritable_config_dir_gives_a_config_error(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, no_system_entries: Path) -> None:
    blocker = tmp_path / "not-a-directory"
    blocker.write_text("a regular file", encoding="utf-8")
    monkeypatch.setenv("XDG_CONFIG_HOME", str(blocker / "config"))
    entry = XdgAutostart()
    with pytest.raises(ConfigError, match="Could not turn on start at login"):
        entry.enable()

    (no_system_entries / "autostart").mkdir(parents=True)
    (no_system_entries / "autostart" / "intranet-companion.desktop").write_text(
        "[Desktop Entry]\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="Could not turn off start at login"):
        entry.disable()


def test_xdg_describe_names_the_file(isolated_home: Path) -> None:
    assert str(user_entry_path(isolated_home)) in XdgAutostart().describe()


# --- Windows: the Run key, against a fake winreg ----------------------------------------

@pytest.fixture
def registry() -> FakeWinreg:
    return FakeWinreg()


def test_windows_enable_sets_the_run_value(
        registry: FakeWinreg, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sys, "frozen", True, raising=False)
    monkeypatch.setattr(sys, "executable", r"C:\Program Files\Intranet Companion\companion.exe")
    entry = WindowsAutostart(registry=registry)
    assert not entry.is_enabled()
    entry.enable()
    assert registry.keys == {(registry.HKEY_CURRENT_USER, RUN_KEY): {
        "IntranetCompanion": (
            r'"C:\Program Files\Intranet Companion\companion.exe" --autostart', registry.REG_SZ),
    }}
    assert entry.is_enabled()
    assert all(handle.closed for handle in registry.handles)


def test_windows_source_run_uses_list2cmdline(registry: FakeWinreg) -> None:
    WindowsAutostart(registry=registry).enable()
    data, kind = registry.keys[(registry.HKEY_CURRENT_USER, RUN_KEY)]["IntranetCompanion"]
    assert data == subprocess.list2cmdline(launch_command())
    assert kind == registry.REG_SZ


def test_windows_disable_deletes_only_our_value(registry: FakeWinreg) -> None:
    entry = WindowsAutostart(registry=registry)
    entry.disable()  # neither key nor value yet
    registry.keys[(registry.HKEY_CURRENT_USER, RUN_KEY)] = {"OtherApp": ("other.exe", 1)}
    entry.disable()  # key but no value
    entry.enable()
    entry.disable()
    assert registry.keys[(registry.HKEY_CURRENT_USER, RUN_KEY)] == {"OtherApp": ("other.exe", 1)}
    assert not entry.is_enabled()
    assert all(handle.closed for handle in registry.handles)


def test_windows_registry_error_gives_a_config_error(registry: FakeWinreg) -> None:
    registry.failure = PermissionError(5, "Access is denied")
    entry = WindowsAutostart(registry=registry)
    with pytest.raises(ConfigError, match="Access is denied"):
        entry.enable()
    registry.keys[(registry.HKEY_CURRENT_USER, RUN_KEY)] = {}
    with pytest.raises(ConfigError, match="Could not turn off"):
        entry.disable()
    with pytest.raises(ConfigError, match="Could not read"):
        entry.is_enabled()
    assert "HKEY_CURRENT_USER" in entry.describe()
    assert "IntranetCompanion" in entry.describe()


def test_windows_machine_entry_from_the_msi_takes_precedence(registry: FakeWinreg) -> None:
    machine_run = (registry.HKEY_LOCAL_MACHINE, RUN_KEY)
    user_run = (registry.HKEY_CURRENT_USER, RUN_KEY)
    registry.keys[user_run] = {"IntranetCompanion": ("old.exe --autostart", registry.REG_SZ)}
    registry.keys[machine_run] = {
        "IntranetCompanion": (r'"C:\Program Files\x.exe" --autostart', registry.REG_SZ)}
    entry = WindowsAutostart(registry=registry)
    entry.enable()  # removes the user's duplicate instead of writing one
    assert registry.keys[user_run] == {}
    assert entry.is_enabled()
    assert "HKEY_LOCAL_MACHINE" in entry.describe()
    entry.disable()  # cannot touch IT's entry
    assert "IntranetCompanion" in registry.keys[machine_run]
    assert all(handle.closed for handle in registry.handles)


# --- macOS: LaunchAgent -----------------------------------------------------------------

@pytest.fixture
def mac_home(tmp_path: Path) -> Path:
    return tmp_path / "machome"


def test_mac_enable_writes_the_launch_agent(tmp_path: Path, mac_home: Path) -> None:
    entry = MacAutostart(home=mac_home, system_agents_dir=tmp_path / "no-system-agents")
    assert not entry.is_enabled()
    entry.enable()
    path = mac_home / "Library" / "LaunchAgents" / "com.intranetcompanion.app.plist"
    with path.open("rb") as stream:
        agent = plistlib.load(stream)
    assert agent == {
        "Label": "com.intranetcompanion.app",
        "ProgramArguments": launch_command(),
        "RunAtLoad": True,
        "LimitLoadToSessionType": "Aqua",
        "ProcessType": "Interactive",
    }
    assert entry.is_enabled()
    entry.disable()
    assert not path.exists()
    assert not entry.is_enabled()
    entry.disable()  # already gone


def test_mac_system_agent_counts_and_is_never_shadowed(tmp_path: Path, mac_home: Path) -> None:
    system_dir = tmp_path / "system-agents"
    system_dir.mkdir()
    (system_dir / "com.intranetcompanion.app.plist").write_bytes(plistlib.dumps({"Label": "x"}))
    entry = MacAutostart(home=mac_home, system_agents_dir=system_dir)
    assert entry.is_enabled()
    entry.enable()
    assert not entry.path.exists()
    assert "IT-installed" in entry.describe()


def test_mac_unwritable_home_gives_a_config_error(tmp_path: Path) -> None:
    home = tmp_path / "home-is-a-file"
    home.write_text("", encoding="utf-8")
    entry = MacAutostart(home=home, system_agents_dir=tmp_path / "none")
    with pytest.raises(ConfigError, match="Could not turn on start at login"):
        entry.enable()


# --- a source checkout registers at login only when asked --------------------------------

def test_this_checkout_is_a_source_checkout(monkeypatch: pytest.MonkeyPatch) -> None:
    assert paths.is_source_checkout()
    monkeypatch.setattr(sys, "frozen", True, raising=False)
    assert not paths.is_source_checkout()


def test_installed_copies_are_not_source_checkouts(tmp_path: Path) -> None:
    for folder in ("site-packages", "dist-packages"):
        package = tmp_path / "lib" / "python3.11" / folder / "tray_app"
        package.mkdir(parents=True)
        (package.parent / "pyproject.toml").touch()  # even beside a stray pyproject.toml
        assert not paths.is_source_checkout(package)
    bare = tmp_path / "unpacked" / "tray_app"
    bare.mkdir(parents=True)
    assert not paths.is_source_checkout(bare)
    (bare.parent / ".git").mkdir()
    assert paths.is_source_checkout(bare)


def default_config(tmp_path: Path, **environ: str) -> Config:
    return load_config(settings_path=tmp_path / "settings.json", environ=environ,
                       policy=RawPolicy())


@pytest.mark.parametrize(("checkout", "entry_exists", "wanted"), [
    (True, False, False),   # a checkout never registers itself by default...
    (True, True, True),     # ...nor turns off an entry that exists (an installed copy's)
    (False, False, True),   # installed and frozen copies keep the default on
])
def test_the_default_depends_on_where_the_app_runs(
        tmp_path: Path, checkout: bool, entry_exists: bool, wanted: bool) -> None:
    entry = XdgAutostart(tmp_path / "config", [])
    if entry_exists:
        entry.enable()
    config = default_config(tmp_path)
    settle_source_default(config, lambda: entry, lambda: checkout)
    assert config.get("start_at_login") is wanted
    assert config.source("start_at_login") == "default"


def test_a_users_choice_is_kept_in_a_checkout(tmp_path: Path) -> None:
    entry = XdgAutostart(tmp_path / "config", [])
    config = default_config(tmp_path, COMPANION_START_AT_LOGIN="true")
    settle_source_default(config, lambda: entry, lambda: True)
    assert config.get("start_at_login") is True
    save_user_setting(config, "start_at_login", True)  # ticked in the menu
    config = default_config(tmp_path)
    settle_source_default(config, lambda: entry, lambda: True)
    assert config.get("start_at_login") is True


@contextlib.contextmanager
def tray_running(env: dict[str, str], log: Path) -> Iterator[None]:
    """This checkout's tray, offscreen, from its start-up line in the log until SIGTERM."""
    process = subprocess.Popen([sys.executable, str(autostart.MAIN_SCRIPT)], env=env,
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        deadline = time.monotonic() + 60
        while not (log.exists() and "started (tray)" in log.read_text(encoding="utf-8")):
            assert process.poll() is None, process.communicate()[0]
            assert time.monotonic() < deadline, "the tray did not start"
            time.sleep(0.1)
        yield
        process.send_signal(signal.SIGTERM)
        output = process.communicate(timeout=30)[0]
        assert process.returncode == 0, output
    finally:
        if process.poll() is None:
            process.kill()
            process.communicate()


@pytest.mark.skipif(sys.platform == "win32", reason="XDG autostart")
def test_running_this_checkout_registers_nothing_at_login(
        isolated_home: Path, tmp_path: Path) -> None:
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen",
           "XDG_CONFIG_DIRS": str(tmp_path / "xdg-system")}
    log = isolated_home / "state" / "intranet-companion" / "companion.log"
    entry = user_entry_path(isolated_home)
    # The control: asked for, the entry appears, so a run gets that far in `took`.
    with tray_running({**env, "COMPANION_START_AT_LOGIN": "true"}, log):
        started = time.monotonic()
        while not entry.exists() and time.monotonic() < started + 30:
            time.sleep(0.05)
        took = time.monotonic() - started
    assert entry.exists()
    entry.unlink()
    log.unlink()
    with tray_running(env, log):
        time.sleep(max(2.0, 3 * took))
    assert list(entry.parent.iterdir()) == []


# --- Windows: Task Manager's per-user switch (StartupApproved) ---------------------------

APPROVED_KEY = r"Software\Microsoft\Windows\CurrentVersion\Explorer\StartupApproved\Run"
MACHINE_COMMAND = r'"C:\Program Files\Intranet Companion\companion.exe" --autostart'
ON = bytes.fromhex("020000000000000000000000")
OFF = bytes.fromhex("03000000d40d438dc83bd901")  # as Task Manager writes it


def machine_entry(registry: FakeWinreg) -> WindowsAutostart:
    registry.set((registry.HKEY_LOCAL_MACHINE, RUN_KEY), "IntranetCompanion",
                 MACHINE_COMMAND, registry.REG_SZ)
    return WindowsAutostart(registry=registry)


def switch(registry: FakeWinreg) -> tuple[bytes, int] | None:
    return registry.keys.get((registry.HKEY_CURRENT_USER, APPROVED_KEY), {}).get(
        "IntranetCompanion")


@pytest.mark.parametrize(("data", "enabled"), [
    (None, True), (ON, True), (OFF, False), (bytes([0x06]) + bytes(11), True),
    (bytes([0x07]) + bytes(11), False), (b"", True), ("not binary", True)])
def test_task_managers_switch_decides_for_the_machine_entry(
        registry: FakeWinreg, data: bytes | None, enabled: bool) -> None:
    entry = machine_entry(registry)
    if data is not None:
        registry.set((registry.HKEY_CURRENT_USER, APPROVED_KEY), "IntranetCompanion", data,
                     registry.REG_BINARY)
    assert entry.is_enabled() is enabled
    assert all(handle.closed for handle in registry.handles)


def test_turning_the_machine_entry_off_and_on_writes_only_the_users_switch(
        registry: FakeWinreg) -> None:
    entry = machine_entry(registry)
    machine_before = dict(registry.keys[(registry.HKEY_LOCAL_MACHINE, RUN_KEY)])
    before = time.time_ns()
    entry.disable()
    data, kind = switch(registry) or (b"", 0)
    assert kind == registry.REG_BINARY and len(data) == 12 and data[:4] == b"\x03\0\0\0"
    filetime = struct.unpack("<Q", data[4:])[0]
    unix_ns = (filetime - 116_444_736_000_000_000) * 100
    assert before - 10**8 <= unix_ns <= time.time_ns()
    assert not entry.is_enabled()  # what the menu shows
    entry.enable()
    assert switch(registry) == (ON, registry.REG_BINARY)
    assert entry.is_enabled()
    assert registry.keys[(registry.HKEY_LOCAL_MACHINE, RUN_KEY)] == machine_before
    assert registry.keys.get((registry.HKEY_CURRENT_USER, RUN_KEY), {}) == {}
    assert all(handle.closed for handle in registry.handles)


def test_the_users_own_entry_turned_off_in_task_manager_is_reported_and_turned_on(
        registry: FakeWinreg) -> None:
    entry = WindowsAutostart(registry=registry)
    entry.enable()
    assert switch(registry) is None  # nothing to switch on: Windows runs it
    registry.set((registry.HKEY_CURRENT_USER, APPROVED_KEY), "IntranetCompanion", OFF,
                 registry.REG_BINARY)
    assert not entry.is_enabled()
    entry.enable()
    assert switch(registry) == (ON, registry.REG_BINARY)
    assert entry.is_enabled()
    entry.disable()  # our own entry simply goes
    assert "IntranetCompanion" not in registry.keys[(registry.HKEY_CURRENT_USER, RUN_KEY)]
    assert not entry.is_enabled()


def test_the_switch_values_are_task_managers() -> None:
    assert startup_approved_value(True) == ON
    off = startup_approved_value(False, now_ns=1_700_000_000 * 10**9)
    assert off[:4] == b"\x03\0\0\0"
    assert struct.unpack("<Q", off[4:])[0] == 116_444_736_000_000_000 + 17 * 10**15
