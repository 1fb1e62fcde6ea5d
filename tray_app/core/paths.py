"""Where settings, state and logs live (platformdirs; XDG_* on Linux)."""

from __future__ import annotations

from pathlib import Path

from platformdirs import PlatformDirs

from tray_app import APP_ID

_DIRS = PlatformDirs(appname=APP_ID, appauthor=False)


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


def ensure_private_dir(path: Path) -> Path:
    """Create `path` (and parents) readable only by this user."""
    path.mkdir(parents=True, exist_ok=True, mode=0o700)
    return path
