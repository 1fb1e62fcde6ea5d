"""IT policy on macOS: the managed-preferences domain com.intranetcompanion.app.

A configuration profile (MDM, Jamf, or the example .mobileconfig in installers/macos)
makes macOS write /Library/Managed Preferences/com.intranetcompanion.app.plist for the
computer, and /Library/Managed Preferences/<user>/com.intranetcompanion.app.plist for a
user. As in macOS's own preference lookup, a user's managed value wins over the
computer's, key by key. Strings, integers and booleans are read; other plist types are
ignored with a warning.
"""

from __future__ import annotations

import getpass
import plistlib
from pathlib import Path
from typing import Any
from xml.parsers.expat import ExpatError

from tray_app.core import messages
from tray_app.core.errors import ConfigError
from tray_app.core.fileio import UnreadableFile, read_bytes
from tray_app.core.raw_policy import MAX_POLICY_BYTES, RawPolicy

DOMAIN = "com.intranetcompanion.app"
MANAGED_PREFERENCES_DIR = Path("/Library/Managed Preferences")


def managed_preference_files(directory: Path, user: str) -> list[Path]:
    """The plists that may hold our policy, strongest first."""
    return [directory / user / f"{DOMAIN}.plist", directory / f"{DOMAIN}.plist"]


def read_managed_preferences(directory: Path | None = None,
                             user: str | None = None) -> RawPolicy:
    """The policy from the user's and the computer's managed preferences."""
    files = managed_preference_files(directory or MANAGED_PREFERENCES_DIR,
                                     user or getpass.getuser())
    values: dict[str, Any] = {}
    used: list[str] = []
    warnings: list[str] = []
    seen: set[str] = set()  # a key the user's file sets, even wrongly, masks the computer's
    for path in files:
        content = _read_plist(path)
        if content is None:
            continue
        used.append(str(path))
        for key, value in content.items():
            if key in seen:
                continue
            seen.add(key)
            if _is_plain(path, key, value, warnings):
                values[key] = value
    if len(used) == 2:
        origin = messages.policy_user_over_computer(*used)
    else:
        origin = used[0] if used else messages.policy_not_present(str(files[-1]))
    return RawPolicy(values, origin, tuple(warnings))


def _read_plist(path: Path) -> dict[str, Any] | None:
    """The plist's dictionary; None when absent; ConfigError when it cannot be used."""
    try:
        data = read_bytes(path, MAX_POLICY_BYTES)
    except UnreadableFile as problem:
        raise ConfigError(messages.policy_plist_unreadable(str(path), problem.reason)) from None
    if data is None:
        return None
    try:
        content = plistlib.loads(data)
    except (plistlib.InvalidFileException, ExpatError, ValueError, RecursionError) as problem:
        raise ConfigError(messages.policy_plist_invalid(str(path), str(problem))) from None
    if not isinstance(content, dict):
        raise ConfigError(messages.policy_plist_not_a_dictionary(str(path)))
    return content


def _is_plain(path: Path, key: str, value: Any, warnings: list[str]) -> bool:
    if isinstance(value, str | int | bool):  # bool is an int too
        return True
    warnings.append(messages.policy_plist_value_ignored(str(path), key, type(value).__name__))
    return False
