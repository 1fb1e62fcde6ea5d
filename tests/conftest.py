"""Test isolation: every test gets its own settings, state and policy, and no real keyring."""

from __future__ import annotations

import logging
import os
from collections.abc import Iterator
from pathlib import Path

import pytest

os.environ["QT_QPA_PLATFORM"] = "offscreen"

REPO = Path(__file__).resolve().parents[1]
pytest_plugins = ["fakeserver", "qt_fixtures"]


@pytest.fixture(autouse=True)
def isolated_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    for name in list(os.environ):
        if name.startswith("COMPANION_") or name == "BROWSER":
            monkeypatch.delenv(name)
    home = tmp_path / "home"
    for var, sub in (("XDG_CONFIG_HOME", "config"), ("XDG_STATE_HOME", "state"),
                     ("XDG_CACHE_HOME", "cache")):
        monkeypatch.setenv(var, str(home / sub))
    monkeypatch.setenv("COMPANION_POLICY_FILE", str(tmp_path / "no-policy.json"))
    return home


@pytest.fixture
def app_log(isolated_home: Path) -> Iterator[Path]:
    """The app's own log file, at DEBUG, so that the libraries' chatter lands in it too;
    the root logger is put back afterwards."""
    from tray_app.core import paths
    from tray_app.core.logs import setup_logging

    root = logging.getLogger()
    saved_handlers, saved_level = list(root.handlers), root.level
    setup_logging("DEBUG", stderr_level="CRITICAL")
    yield paths.log_file()
    for handler in list(root.handlers):
        root.removeHandler(handler)
        handler.close()
    for handler in saved_handlers:
        root.addHandler(handler)
    root.setLevel(saved_level)
