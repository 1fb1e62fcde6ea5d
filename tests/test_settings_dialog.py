"""The settings dialog: built from the table, policy-locked keys greyed and labelled."""

from __future__ import annotations

import json
from pathlib import Path

from PySide6.QtWidgets import QLabel, QSpinBox

from tray_app.core.config import load_config
from tray_app.core.messages import managed_by_organisation
from tray_app.core.policy import RawPolicy
from tray_app.core.settings import SETTINGS
from tray_app.ui.settings_dialog import SettingsDialog


def test_locked_keys_are_greyed_and_say_who_manages_them(qtbot, tmp_path: Path) -> None:
    config = load_config(environ={}, settings_path=tmp_path / "s.json",
                         policy=RawPolicy({"check_interval_minutes": 30}, origin="test"))
    dialog = SettingsDialog(config)
    qtbot.addWidget(dialog)
    editable = {s.key for s in SETTINGS if s.user_editable}
    assert set(dialog.editors) == editable
    locked = dialog.editors["check_interval_minutes"]
    assert isinstance(locked, QSpinBox) and locked.value() == 30
    assert not locked.isEnabled()
    managed = managed_by_organisation()
    assert managed in locked.toolTip()
    labels = [label.text() for label in dialog.findChildren(QLabel)]
    assert f"Check every (minutes) ({managed})" in labels
    assert dialog.editors["log_level"].isEnabled()


def test_save_writes_only_changed_unlocked_keys(qtbot, tmp_path: Path) -> None:
    settings = tmp_path / "s.json"
    config = load_config(environ={}, settings_path=settings,
                         policy=RawPolicy({"log_level": "ERROR"}, origin="test"))
    dialog = SettingsDialog(config)
    qtbot.addWidget(dialog)
    dialog.editors["check_interval_minutes"].setValue(90)
    dialog.save()
    assert json.loads(settings.read_text()) == {"check_interval_minutes": 90}
    assert config.get("check_interval_minutes") == 90
