"""Where settings, state and logs live (platformdirs; XDG_* on Linux)."""

from __future__ import annotations

import os
import stat
import sys
from pathlib import Path

from platformdirs import PlatformDirs

from tray_app import APP_ID

_DIRS = PlatformDirs(appname=APP_ID, appauthor=False)
PACKAGE_DIR = Path(__file__).resolve().parents[1]  # tray_app/
_INSTALLED_DIRS = {"site-packages", "dist-packages"}


def config_dir() -> Path:
    return Path(_DIRS.user_config_dir)


def state_dir() -> Path:
    return Path(_DIRS.user_state_dir)


def settings_file() -> Path:
    return config_dir() / "settings.json"


def state_file() -> Path:
    return state_dir() / "state.json"


def log_file() -> Path:
    return state_dir() / "companion.log"


def instance_lock_file() -> Path:
    """Held by the running tray app for its whole life (see core/instance.py)."""
    return state_dir() / ".tray.lock"


def ensure_private_dir(path: Path) -> Path:
    """Create `path` (and parents) readable only by this user, and make it so when it
    already exists. A directory behind a symbolic link (a dotfile manager's, say) is the
    user's choice and keeps its mode."""
    path.mkdir(parents=True, exist_ok=True, mode=0o700)
    info = path.lstat()
    if stat.S_ISDIR(info.st_mode) and stat.S_IMODE(info.st_mode) & 0o077 and _owned(info):
        os.chmod(path, 0o700)
    return path


def _owned(info: os.stat_result) -> bool:
    getuid = getattr(os, "getuid", None)
    return getuid is None or info.st_uid == getuid()


def is_source_checkout(package_dir: Path = PACKAGE_DIR) -> bool:
    """Whether this copy runs from a developer's checkout (an editable install counts),
    rather than from an installed package or a frozen app."""
    if getattr(sys, "frozen", False):
        return False
    if _INSTALLED_DIRS.intersection(package_dir.parts):
        return False
    root = package_dir.parent
    return (root / "pyproject.toml").is_file() or (root / ".git").exists()
