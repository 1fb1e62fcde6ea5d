"""Start the tray app at login, per user: XDG autostart, the Windows Run key, a LaunchAgent.

No Qt here: `diagnose` and the settings code use it without a GUI.
"""

from __future__ import annotations

import contextlib
import os
import struct
import subprocess
import sys
import time
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import platformdirs

from tray_app import APP_ID, APP_NAME
from tray_app.core import messages, paths
from tray_app.core.errors import ConfigError
from tray_app.core.fileio import atomic_write_text

if TYPE_CHECKING:
    from tray_app.core.config import Config

MAIN_SCRIPT = Path(__file__).resolve().parents[2] / "main.py"


def launch_command() -> list[str]:
    """The command line that starts the tray app at login."""
    if getattr(sys, "frozen", False):
        return [sys.executable, "--autostart"]
    return [sys.executable, str(MAIN_SCRIPT), "--autostart"]


class Autostart(ABC):
    """Turns "start at login" on and off for the current user."""

    @abstractmethod
    def is_enabled(self) -> bool: ...

    @abstractmethod
    def enable(self) -> None: ...

    @abstractmethod
    def disable(self) -> None: ...

    @abstractmethod
    def describe(self) -> str:
        """Where the login entry lives, for `diagnose`."""


def for_platform(platform: str = sys.platform) -> Autostart:
    if platform == "win32":
        return WindowsAutostart()
    if platform == "darwin":
        return MacAutostart()
    return XdgAutostart()


def settle_source_default(config: Config, autostart: Callable[[], Autostart] = for_platform,
                          source_checkout: Callable[[], bool] = paths.is_source_checkout
                          ) -> None:
    """Installed and frozen copies start at login unless told otherwise. A run from a
    source checkout registers itself only when the user ticks "Start at login": while
    `start_at_login` is the built-in default, it wants whatever the login entry already
    is, so starting it writes nothing (nor turns off an installed copy's entry)."""
    from tray_app.core.config import Resolved  # the tray loads config before this anyway

    if config.source("start_at_login") != "default" or not source_checkout():
        return
    try:
        enabled = autostart().is_enabled()
    except ConfigError:
        enabled = False
    config.resolved["start_at_login"] = Resolved(enabled, "default")


Explain = Callable[[str, str], str]  # (where, reason) -> sentence, from core/messages.py
_READ: Explain = messages.autostart_read_failed
_TURN_ON: Explain = messages.autostart_enable_failed
_TURN_OFF: Explain = messages.autostart_disable_failed


@contextlib.contextmanager
def _explained(sentence: Explain, where: object) -> Iterator[None]:
    """Turn an OSError into a ConfigError the user can read."""
    try:
        yield
    except OSError as problem:
        reason = problem.strerror or str(problem)
        raise ConfigError(sentence(str(where), reason)) from problem


# --- Linux and other Unix: XDG autostart ------------------------------------------------

ENTRY_NAME = f"{APP_ID}.desktop"
ENTRY_GROUP = "[Desktop Entry]"
# Characters that force an Exec argument to be quoted (Desktop Entry Specification).
EXEC_RESERVED = set(" \t\n\"'\\><~|&;$*?#()`")
EXEC_ESCAPED_IN_QUOTES = '"`$\\'


def quote_exec_argument(argument: str) -> str:
    """Quote one argument per the Exec rules, before the general string escaping."""
    if argument and not EXEC_RESERVED.intersection(argument):
        quoted = argument
    else:
        escaped = "".join(
            f"\\{char}" if char in EXEC_ESCAPED_IN_QUOTES else char for char in argument
        )
        quoted = f'"{escaped}"'
    return quoted.replace("%", "%%")


def escape_string_value(value: str) -> str:
    """The general escaping every desktop entry string value gets (applied last)."""
    replacements = {"\\": "\\\\", "\n": "\\n", "\t": "\\t", "\r": "\\r"}
    return "".join(replacements.get(char, char) for char in value)


def exec_value(command: list[str]) -> str:
    return escape_string_value(" ".join(quote_exec_argument(arg) for arg in command))


def read_entry(path: Path) -> dict[str, str]:
    """The keys of a desktop file's [Desktop Entry] group (values left escaped)."""
    keys: dict[str, str] = {}
    in_entry_group = False
    for line in path.read_text(encoding="utf-8", errors="replace").splitlines():
        line = line.strip()
        if line.startswith("["):
            in_entry_group = line == ENTRY_GROUP
        elif in_entry_group and "=" in line and not line.startswith("#"):
            key, value = line.split("=", 1)
            keys[key.strip()] = value.strip()
    return keys


def entry_is_active(keys: dict[str, str]) -> bool:
    return keys.get("Hidden") != "true" and keys.get("X-GNOME-Autostart-enabled") != "false"


def _system_config_dirs() -> list[Path]:
    configured = os.environ.get("XDG_CONFIG_DIRS", "").split(os.pathsep)
    return [Path(entry) for entry in configured if entry] or [Path("/etc/xdg")]


class XdgAutostart(Autostart):
    """A desktop file in $XDG_CONFIG_HOME/autostart (XDG Autostart Specification).

    A same-named file in an $XDG_CONFIG_DIRS autostart folder (IT's system-wide entry)
    starts the app too, unless the user's file overrides it with Hidden=true.
    """

    def __init__(self, config_home: Path | None = None,
                 system_dirs: list[Path] | None = None) -> None:
        home = config_home if config_home is not None else platformdirs.user_config_path()
        self.path = home / "autostart" / ENTRY_NAME
        self.system_dirs = system_dirs if system_dirs is not None else _system_config_dirs()

    def system_entry(self) -> Path | None:
        """The system-wide entry that applies, i.e. the first one found in XDG_CONFIG_DIRS."""
        for directory in self.system_dirs:
            candidate = directory / "autostart" / ENTRY_NAME
            if candidate.is_file():
                return candidate
        return None

    def is_enabled(self) -> bool:
        with _explained(_READ, self.path):
            if self.path.exists():
                return entry_is_active(read_entry(self.path))
            system = self.system_entry()
            return system is not None and entry_is_active(read_entry(system))

    def enable(self) -> None:
        with _explained(_TURN_ON, self.path):
            atomic_write_text(self.path, self._render(hidden=False), own_dir=False)

    def disable(self) -> None:
        with _explained(_TURN_OFF, self.path):
            if self.system_entry() is not None:
                atomic_write_text(self.path, self._render(hidden=True), own_dir=False)
            else:
                self.path.unlink(missing_ok=True)

    def describe(self) -> str:
        system = self.system_entry()
        if system is not None:
            return messages.autostart_xdg_with_system(str(self.path), str(system))
        return messages.autostart_xdg(str(self.path))

    def _render(self, *, hidden: bool) -> str:
        lines = [
            ENTRY_GROUP,
            "Type=Application",
            f"Name={APP_NAME}",
            f"Comment={escape_string_value(messages.autostart_comment())}",
            f"Exec={exec_value(launch_command())}",
            f"Icon={APP_ID}",
            "Terminal=false",
            f"X-GNOME-Autostart-enabled={'false' if hidden else 'true'}",
            "NoDisplay=true",
        ]
        if hidden:
            lines.append("Hidden=true")
        return "\n".join(lines) + "\n"


# --- Windows: the per-user Run key ------------------------------------------------------

RUN_KEY = r"Software\Microsoft\Windows\CurrentVersion\Run"
RUN_VALUE = "IntranetCompanion"
# Task Manager's (and Settings > Startup apps') per-user switch for Run entries: a
# 12-byte REG_BINARY named like the Run value, first byte even = on (0x02), odd = off
# (0x03), then the FILETIME of the change.
APPROVED_KEY = r"Software\Microsoft\Windows\CurrentVersion\Explorer\StartupApproved\Run"
APPROVED_ON = 0x02
APPROVED_OFF = 0x03
_FILETIME_EPOCH_OFFSET = 116_444_736_000_000_000  # 1601-01-01 to 1970-01-01, in 100 ns


def startup_approved_value(enabled: bool, now_ns: int | None = None) -> bytes:
    """What Task Manager writes: on carries no time, off the moment it was turned off."""
    if enabled:
        return bytes([APPROVED_ON]) + bytes(11)
    now = time.time_ns() if now_ns is None else now_ns
    return bytes([APPROVED_OFF, 0, 0, 0]) + struct.pack("<Q", _FILETIME_EPOCH_OFFSET
                                                        + now // 100)


class WindowsAutostart(Autostart):
    """A value under HKEY_CURRENT_USER\\...\\Run. `registry` stands in for winreg in tests.

    The MSI installs the same value under HKEY_LOCAL_MACHINE for every user. When that
    machine entry exists we never write ours (the app would start twice, and the second
    copy would pop up the first one's status window); the user turns it on and off for
    themselves with the StartupApproved switch Task Manager uses, which `is_enabled`
    honours for either entry, so the menu says what Windows will do at the next login.
    """

    def __init__(self, registry: Any = None) -> None:
        if registry is None:
            import winreg as registry  # only exists on Windows
        self.registry = registry
        self.where = f"HKEY_CURRENT_USER\\{RUN_KEY}\\{RUN_VALUE}"
        self.system_where = f"HKEY_LOCAL_MACHINE\\{RUN_KEY}\\{RUN_VALUE}"
        self.approved_where = f"HKEY_CURRENT_USER\\{APPROVED_KEY}\\{RUN_VALUE}"

    def _value(self, root: Any, path: str) -> Any:
        """Our value's data under root\\path, or None when the key or value is missing."""
        reg = self.registry
        try:
            key = reg.OpenKey(root, path, 0, reg.KEY_READ)
        except FileNotFoundError:
            return None
        try:
            return reg.QueryValueEx(key, RUN_VALUE)[0]
        except FileNotFoundError:
            return None
        finally:
            reg.CloseKey(key)

    def _has_value(self, root: Any) -> bool:
        return self._value(root, RUN_KEY) is not None

    def system_entry_exists(self) -> bool:
        with _explained(_READ, self.system_where):
            return self._has_value(self.registry.HKEY_LOCAL_MACHINE)

    def turned_off_by_user(self) -> bool:
        """Whether StartupApproved says off. A missing or unreadable switch means on, as it
        does for Windows."""
        with _explained(_READ, self.approved_where):
            data = self._value(self.registry.HKEY_CURRENT_USER, APPROVED_KEY)
        return isinstance(data, bytes | bytearray) and len(data) > 0 and bool(data[0] & 1)

    def is_enabled(self) -> bool:
        with _explained(_READ, self.where):
            entry = self._has_value(self.registry.HKEY_CURRENT_USER)
        return (entry or self.system_entry_exists()) and not self.turned_off_by_user()

    def enable(self) -> None:
        if self.system_entry_exists():
            self._remove_user_value()  # a leftover user entry would start a second copy
        else:
            reg = self.registry
            command_line = subprocess.list2cmdline(launch_command())
            with _explained(_TURN_ON, self.where):
                key = reg.CreateKeyEx(reg.HKEY_CURRENT_USER, RUN_KEY, 0, reg.KEY_SET_VALUE)
                try:
                    reg.SetValueEx(key, RUN_VALUE, 0, reg.REG_SZ, command_line)
                finally:
                    reg.CloseKey(key)
        if self.turned_off_by_user():
            self._approve(True, _TURN_ON)

    def disable(self) -> None:
        self._remove_user_value()
        if self.system_entry_exists():
            self._approve(False, _TURN_OFF)  # IT's entry stays; this user's switch goes off

    def _remove_user_value(self) -> None:
        reg = self.registry
        with _explained(_TURN_OFF, self.where):
            try:
                key = reg.OpenKey(reg.HKEY_CURRENT_USER, RUN_KEY, 0, reg.KEY_SET_VALUE)
            except FileNotFoundError:
                return
            try:
                with contextlib.suppress(FileNotFoundError):
                    reg.DeleteValue(key, RUN_VALUE)
            finally:
                reg.CloseKey(key)

    def _approve(self, enabled: bool, sentence: Explain) -> None:
        reg = self.registry
        with _explained(sentence, self.approved_where):
            key = reg.CreateKeyEx(reg.HKEY_CURRENT_USER, APPROVED_KEY, 0, reg.KEY_SET_VALUE)
            try:
                reg.SetValueEx(key, RUN_VALUE, 0, reg.REG_BINARY,
                               startup_approved_value(enabled))
            finally:
                reg.CloseKey(key)

    def describe(self) -> str:
        with contextlib.suppress(ConfigError):
            if self.system_entry_exists():
                return messages.autostart_windows_with_system(self.where, self.system_where)
        return messages.autostart_windows(self.where)


# --- macOS: a per-user LaunchAgent ------------------------------------------------------

AGENT_LABEL = "com.intranetcompanion.app"
SYSTEM_AGENTS_DIR = Path("/Library/LaunchAgents")


class MacAutostart(Autostart):
    """~/Library/LaunchAgents/com.intranetcompanion.app.plist.

    IT may install the same label in /Library/LaunchAgents. launchd refuses a second job
    with a label that is already loaded, so when that system agent exists we never write
    ours, and `is_enabled` reports true: the app does start at login. The user cannot turn
    the system agent off from here.
    """

    def __init__(self, home: Path | None = None,
                 system_agents_dir: Path = SYSTEM_AGENTS_DIR) -> None:
        home = home if home is not None else Path.home()
        self.path = home / "Library" / "LaunchAgents" / f"{AGENT_LABEL}.plist"
        self.system_path = system_agents_dir / f"{AGENT_LABEL}.plist"

    def is_enabled(self) -> bool:
        with _explained(_READ, self.path):
            return self.path.exists() or self.system_path.exists()

    def enable(self) -> None:
        with _explained(_TURN_ON, self.path):
            if self.system_path.exists():
                # A leftover user agent with the same label would clash with IT's.
                self.path.unlink(missing_ok=True)
                return
            import plistlib  # macOS only

            atomic_write_text(self.path, plistlib.dumps(agent_definition()).decode("utf-8"),
                              own_dir=False)

    def disable(self) -> None:
        with _explained(_TURN_OFF, self.path):
            self.path.unlink(missing_ok=True)

    def describe(self) -> str:
        if self.system_path.exists():
            return messages.autostart_macos_with_system(str(self.path), str(self.system_path))
        return messages.autostart_macos(str(self.path))


def agent_definition() -> dict[str, object]:
    return {
        "Label": AGENT_LABEL,
        "ProgramArguments": launch_command(),
        "RunAtLoad": True,
        "LimitLoadToSessionType": "Aqua",
        "ProcessType": "Interactive",
    }
