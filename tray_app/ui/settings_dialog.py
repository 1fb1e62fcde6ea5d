"""Settings the person may change, built from the one settings table.

Each field is checked by the rule the rest of the app applies (config.user_value: the
table's, and the intranet address through the normaliser every check uses) and refused
under the field with the reason before anything is saved. Keys IT policy sets are shown
disabled and say so; troubleshooting settings (the log level) are not shown at all.
`saved` tells the controller which values in force changed, so it can act on them at once.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, Qt, QTimer, Signal
from PySide6.QtGui import QIcon
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from tray_app.core import messages
from tray_app.core.config import Config, save_user_setting, user_value
from tray_app.core.errors import CompanionError
from tray_app.core.settings import SETTINGS, Setting, SettingValue

FIELD_MIN_WIDTH = 320  # an https address fits without scrolling


def dialog_settings() -> tuple[Setting, ...]:
    """The rows of the dialog: what an employee may change, without the troubleshooting."""
    return tuple(s for s in SETTINGS if s.user_editable and not s.troubleshooting)


def _label_text(setting: Setting) -> str:
    return setting.label() if setting.label is not None else messages.setting_label(setting.key)


def _editor(setting: Setting, value: SettingValue) -> QWidget:
    if setting.type is bool:
        box = QCheckBox(_label_text(setting))
        box.setChecked(bool(value))
        return box
    if setting.type is int:
        spin = QSpinBox()
        spin.setRange(setting.minimum or 0, setting.maximum or 1_000_000)
        spin.setValue(int(value))
        return spin
    if setting.options or setting.choices:
        return _combo(setting, str(value))
    line = QLineEdit(str(value))
    line.setMinimumWidth(FIELD_MIN_WIDTH)
    if setting.key == "intranet_url":
        line.setPlaceholderText(messages.settings_address_placeholder())
    return line


def _combo(setting: Setting, current: str) -> QComboBox:
    """Each choice by its label from the table; the value itself is the item's data."""
    combo = QComboBox()
    values = [option for option, _label in setting.options] or list(setting.choices or ())
    if current not in values:  # e.g. a language tag set by hand: kept, shown as it is
        values.append(current)
    for value in values:
        combo.addItem(setting.option_label(value) or value, value)
    combo.setCurrentIndex(values.index(current))
    return combo


def _value_of(editor: QWidget) -> SettingValue:
    if isinstance(editor, QCheckBox):
        return editor.isChecked()
    if isinstance(editor, QSpinBox):
        return editor.value()
    if isinstance(editor, QComboBox):
        return str(editor.currentData())
    assert isinstance(editor, QLineEdit)
    return editor.text().strip()


def _plain_label(text: str = "") -> QLabel:
    label = QLabel(text)
    label.setTextFormat(Qt.TextFormat.PlainText)
    label.setWordWrap(True)
    return label


def _source_note(config: Config, key: str) -> str:
    """Why the value shown is not (only) the person's: policy, environment, command line."""
    source = config.source(key)
    if config.is_locked(key):
        return messages.settings_set_by_it()
    if source.startswith("env "):
        return messages.settings_set_by_environment(source.removeprefix("env "))
    if source == "command line":
        return messages.settings_set_by_command_line()
    return ""


class SettingsDialog(QDialog):
    saved = Signal(dict)  # key -> value now in force, for each value in force that changed

    def __init__(self, config: Config, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.config = config
        self.setWindowTitle(messages.settings_title())
        self.editors: dict[str, QWidget] = {}
        self.labels: dict[str, QLabel] = {}  # the field's label, its buddy; none for a box
        self.problems: dict[str, QLabel] = {}  # the reason a value is refused, under it
        self.notes: dict[str, QLabel] = {}  # who sets it, when not only the person
        self.form = QFormLayout()
        for setting in dialog_settings():
            self._add_row(setting)
        self.problem = _plain_label()  # a save that failed (disk full, read-only folder)
        self.problem.hide()
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Save
                                        | QDialogButtonBox.StandardButton.Cancel)
        self.buttons.accepted.connect(self.save)
        self.buttons.rejected.connect(self.reject)
        self._no_button_icons()
        layout = QVBoxLayout(self)
        layout.addLayout(self.form)
        layout.addWidget(_plain_label(messages.settings_takes_effect()))
        layout.addWidget(self.problem)
        layout.addWidget(self.buttons)
        self._show_problem_of_current_address()

    def _add_row(self, setting: Setting) -> None:
        key = setting.key
        editor = _editor(setting, self.config.get(key))
        description = messages.setting_description(key, setting.description)
        editor.setToolTip(description)
        editor.setAccessibleDescription(description)
        field = QWidget()
        column = QVBoxLayout(field)
        column.setContentsMargins(0, 0, 0, 0)
        column.addWidget(editor)
        self.problems[key] = problem = _plain_label()
        problem.hide()
        column.addWidget(problem)
        note = _source_note(self.config, key)
        if note:
            self.notes[key] = _plain_label(note)
            column.addWidget(self.notes[key])
        if self.config.is_locked(key):
            editor.setEnabled(False)
            editor.setToolTip(messages.settings_set_by_it_tooltip(description))
        if isinstance(editor, QCheckBox):  # its own text is its label
            self.form.addRow(field)
        else:
            label = _plain_label(_label_text(setting))
            label.setWordWrap(False)
            label.setBuddy(editor)
            label.setToolTip(editor.toolTip())
            self.labels[key] = label
            self.form.addRow(label, field)
        if isinstance(editor, QLineEdit):
            editor.editingFinished.connect(lambda key=key: self._check_field(key))
            editor.textEdited.connect(lambda _text, key=key: self._recheck_shown(key))
        self.editors[key] = editor

    def _no_button_icons(self) -> None:
        """Some styles (Fusion, KDE's) put stock icons on standard buttons: not here."""
        for button in self.buttons.buttons():
            button.setIcon(QIcon())

    def changeEvent(self, event: QEvent) -> None:
        super().changeEvent(event)
        if event.type() == QEvent.Type.StyleChange:
            self._no_button_icons()

    # --- checking ------------------------------------------------------------------------

    def refusal(self, key: str) -> str | None:
        """Why the value in `key`'s field cannot be saved, or None."""
        value = _value_of(self.editors[key])
        if key == "intranet_url" and not value:
            return messages.settings_address_needed()
        try:
            user_value(key, value)
        except CompanionError as problem:
            return problem.message
        return None

    def _check_field(self, key: str) -> bool:
        """Shows or clears the reason under the field; True when the value may be saved."""
        reason = self.refusal(key)
        label, editor = self.problems[key], self.editors[key]
        label.setText(reason or "")
        label.setVisible(reason is not None)
        editor.setAccessibleDescription(reason or editor.toolTip())
        QTimer.singleShot(0, self._grow_to_fit)
        return reason is None

    def _grow_to_fit(self) -> None:
        """Taller when a reason's wrapped lines need it at this width, never squeezed."""
        layout = self.layout()
        layout.activate()
        needed = layout.totalHeightForWidth(self.width()) if layout.hasHeightForWidth() else -1
        if needed > self.height():
            self.resize(self.width(), needed)

    def _recheck_shown(self, key: str) -> None:
        # While a reason is shown it follows the typing, so it goes as soon as it is fixed.
        if self.problems[key].isVisibleTo(self):
            self._check_field(key)

    def _show_problem_of_current_address(self) -> None:
        """An address already saved that checks refuse: said at once, it is why they fail."""
        editor = self.editors.get("intranet_url")
        if isinstance(editor, QLineEdit) and editor.isEnabled() and editor.text().strip():
            self._check_field("intranet_url")

    # --- saving --------------------------------------------------------------------------

    def changed(self) -> dict[str, SettingValue]:
        """The fields the person changed (locked ones never are)."""
        return {key: _value_of(editor) for key, editor in self.editors.items()
                if editor.isEnabled() and _value_of(editor) != self.config.get(key)}

    def save(self) -> None:
        """Refused, with the reason under the first field at fault and the focus on it,
        unless every changed field may be saved; then saved, and `saved` emitted."""
        changes = self.changed()
        refused = [key for key in changes if not self._check_field(key)]
        if refused:
            self._focus(refused[0])
            return
        before = {key: self.config.get(key) for key in changes}
        try:
            for key, value in changes.items():
                save_user_setting(self.config, key, value)
        except CompanionError as problem:
            self.problem.setText(problem.message)
            self.problem.show()
            QTimer.singleShot(0, self._grow_to_fit)
            return
        self.accept()
        self.saved.emit({key: self.config.get(key) for key in changes
                         if self.config.get(key) != before[key]})

    def _focus(self, key: str) -> None:
        editor = self.editors[key]
        editor.setFocus(Qt.FocusReason.OtherFocusReason)
        if isinstance(editor, QLineEdit):
            editor.selectAll()

    def bring_up(self) -> None:
        self.show()
        self.raise_()
        self.activateWindow()
