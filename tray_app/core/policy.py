"""IT policy: the managed values that sit on top of every other layer and lock their keys.

Each platform has one reader that returns raw key/value pairs and where they came from;
validation against the settings table happens in config.py, the same for every platform.
The readers, through POLICY_READERS:
- Linux: /etc/intranet-companion/policy.json (read_json_policy below);
- Windows: HKLM, then HKCU, \\SOFTWARE\\Policies\\IntranetCompanion (policy_windows.py);
- macOS: the com.intranetcompanion.app managed preferences (policy_macos.py).
COMPANION_POLICY_FILE overrides all of them with a JSON file.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from pathlib import Path

from tray_app.core import messages
from tray_app.core.errors import ConfigError
from tray_app.core.fileio import UnreadableFile, read_json_file
from tray_app.core.raw_policy import MAX_POLICY_BYTES, RawPolicy

LINUX_POLICY_FILE = Path("/etc/intranet-companion/policy.json")
POLICY_FILE_ENV = "COMPANION_POLICY_FILE"


def read_json_policy(path: Path) -> RawPolicy:
    """A JSON object of settings (UTF-8, or UTF-16/32 with a BOM, as Notepad saves it).
    A missing file is no policy; any other file that is not such an object is an error."""
    try:
        values = read_json_file(path, MAX_POLICY_BYTES)
    except UnreadableFile as problem:
        raise ConfigError(messages.policy_file_unusable(str(path), problem.reason)) from None
    if values is None:
        return RawPolicy(origin=messages.policy_not_present(str(path)))
    if not isinstance(values, dict):
        raise ConfigError(messages.policy_file_not_an_object(str(path)))
    return RawPolicy(values=values, origin=str(path))


def _linux_policy() -> RawPolicy:
    return read_json_policy(LINUX_POLICY_FILE)


def _windows_policy() -> RawPolicy:
    from tray_app.core.policy_windows import read_registry_policy  # imports winreg

    return read_registry_policy()


def _macos_policy() -> RawPolicy:
    from tray_app.core.policy_macos import read_managed_preferences

    return read_managed_preferences()


def _no_policy() -> RawPolicy:
    return RawPolicy(origin=messages.policy_none())


POLICY_READERS: dict[str, Callable[[], RawPolicy]] = {
    "linux": _linux_policy,
    "win32": _windows_policy,
    "darwin": _macos_policy,
}


def load_policy() -> RawPolicy:
    """The policy in force: COMPANION_POLICY_FILE if set, else the platform's own place."""
    override = os.environ.get(POLICY_FILE_ENV)
    if override:
        return read_json_policy(Path(override))
    platform_key = "linux" if sys.platform.startswith("linux") else sys.platform
    return POLICY_READERS.get(platform_key, _no_policy)()
