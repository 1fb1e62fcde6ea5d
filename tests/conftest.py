"""Test isolation: every test gets its own settings, state and policy, and no real keyring."""

from __future__ import annotations

import os
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
