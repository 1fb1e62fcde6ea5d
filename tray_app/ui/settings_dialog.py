"""Settings the person may change, built from the one settings table. Keys that IT
policy sets are greyed and say so."""

from __future__ import annotations

from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QMessageBox,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from tray_app.core import messages
from tray_app.core.config import Config, save_user_setting
from tray_app.core.errors import CompanionError
from tray_app.core.settings import SETTINGS, Setting, SettingValue


def _editor(setting: Setting, value: SettingValue) -> QWidget:
    if setting.type is bool:
        box = QCheckBox()
        box.setChecked(bool(value))
        return box
    if setting.type is int:
        spin = QSpinBox()
        spin.setRange(setting.minimum or 0, setting.maximum or 1_000_000)
        spin.setValue(int(value))
        return spin
    if setting.choices:
        combo = QComboBox()
        combo.addItems(list(setting.choices))
        combo.setCurrentText(str(value))
        return combo
    line = QLineEdit(str(value))
    return line


def _value_of(editor: QWidget) -> SettingValue:
    if isinstance(editor, QCheckBox):
        return editor.isChecked()
    if isinstance(editor, QSpinBox):
        return editor.value()
    if isinstance(editor, QComboBox):
        return editor.currentText()
    assert isinstance(editor, QLineEdit)
    return editor.text().strip()


class SettingsDialog(QDialog):
    def __init__(self, config: Config, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.config = config
        self.setWindowTitle(messages.settings_title())
        self.editors: dict[str, QWidget] = {}
        form = QFormLayout()
        for setting in (s for s in SETTINGS if s.user_editable):
            editor = _editor(setting, config.get(setting.key))
            label = messages.setting_label(setting.key)
            description = messages.setting_description(setting.key, setting.description)
            editor.setToolTip(description)
            editor.setAccessibleName(label)
            if config.is_locked(setting.key):
                editor.setEnabled(False)
                editor.setToolTip(messages.setting_managed_tooltip(description))
                label = messages.setting_managed_label(label)
            form.addRow(QLabel(label), editor)
            self.editors[setting.key] = editor
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Save
                                   | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.save)
        buttons.rejected.connect(self.reject)
        note = QLabel(messages.settings_note())
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(note)
        layout.addWidget(buttons)

    def changed(self) -> dict[str, SettingValue]:
        return {key: _value_of(editor) for key, editor in self.editors.items()
                if editor.isEnabled() and _value_of(editor) != self.config.get(key)}

    def save(self) -> None:
        try:
            for key, value in self.changed().items():
                save_user_setting(self.config, key, value)
        except CompanionError as problem:
            QMessageBox.warning(self, messages.app_name(), problem.message)
            return
        self.accept()
