"""The settings dialog with real widgets (offscreen), the real controller and scheduler,
and the demo intranet over HTTP: fields checked by the app's own rules and refused inline
before anything is saved, choices by their labels, changes acting at once, policy locks."""

from __future__ import annotations

import json
import os
import random
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import pytest
from fakeserver import Reply
from PySide6.QtCore import Qt
from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import (
    QApplication,
    QCheckBox,
    QComboBox,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QProxyStyle,
    QSpinBox,
    QStyle,
)
from qt_fixtures import check

from tray_app.core import i18n, messages, paths
from tray_app.core.config import Config, load_config
from tray_app.core.policy import RawPolicy
from tray_app.core.session import Session
from tray_app.core.state import StateStore
from tray_app.core.worker_client import WorkerJobs
from tray_app.demo.server import DemoIntranet
from tray_app.ui.controller import Controller
from tray_app.ui.language import apply_language
from tray_app.ui.scheduler import CheckScheduler
from tray_app.ui.settings_dialog import SettingsDialog, dialog_settings


def config_with(tmp_path: Path, saved: dict | None = None, policy: dict | None = None,
                environ: dict | None = None) -> Config:
    settings = tmp_path / "settings.json"
    if saved is not None:
        settings.write_text(json.dumps(saved))
    return load_config(environ=environ or {}, settings_path=settings,
                       policy=RawPolicy(policy or {}, origin="test"))


@pytest.fixture
def open_dialog(qtbot):
    def make(config: Config) -> SettingsDialog:
        dialog = SettingsDialog(config)
        qtbot.addWidget(dialog)
        dialog.show()
        qtbot.waitExposed(dialog)
        return dialog
    return make


def click_save(qtbot, dialog: SettingsDialog) -> None:
    save = dialog.buttons.button(QDialogButtonBox.StandardButton.Save)
    qtbot.mouseClick(save, Qt.MouseButton.LeftButton)


def type_address(qtbot, dialog: SettingsDialog, text: str) -> QLineEdit:
    field = dialog.editors["intranet_url"]
    assert isinstance(field, QLineEdit)
    field.clear()
    qtbot.keyClicks(field, text)
    return field


# --- every field checked by the app's own rule, refused inline ---------------------------

@pytest.mark.parametrize(("typed", "reason"), [
    ("intranet.acme", messages.address_invalid("intranet.acme")),
    ("http://intranet.acme", messages.address_plain_http("http://intranet.acme")),
    ("https://intranet.acme/start", messages.address_not_an_origin(
        "https://intranet.acme/start")),
    ("https://me@intranet.acme", messages.address_invalid("https://me@intranet.acme")),
    ("", messages.settings_address_needed()),
])
def test_an_address_checks_refuse_is_refused_inline_and_nothing_is_saved(
        qtbot, tmp_path: Path, open_dialog, typed: str, reason: str) -> None:
    config = config_with(tmp_path, {"intranet_url": "https://old.example",
                                    "check_interval_minutes": 45})
    before = (tmp_path / "settings.json").read_bytes()
    dialog = open_dialog(config)
    field = type_address(qtbot, dialog, typed)
    dialog.editors["check_interval_minutes"].setValue(90)  # saved with it, or not at all
    with qtbot.assertNotEmitted(dialog.saved):
        click_save(qtbot, dialog)
    problem = dialog.problems["intranet_url"]
    assert problem.isVisible() and problem.text() == reason
    assert field.accessibleDescription() == reason
    # the window grows to the reason's wrapped lines instead of squeezing them
    qtbot.waitUntil(lambda: problem.height() >= problem.heightForWidth(problem.width()))
    assert dialog.isVisible() and dialog.focusWidget() is field
    assert (tmp_path / "settings.json").read_bytes() == before
    assert config.get("intranet_url") == "https://old.example"


def test_the_reason_goes_as_soon_as_the_address_is_fixed(qtbot, tmp_path: Path,
                                                          open_dialog) -> None:
    dialog = open_dialog(config_with(tmp_path))
    field = type_address(qtbot, dialog, "intranet.acme")
    field.editingFinished.emit()  # leaving the field says it at once
    assert dialog.problems["intranet_url"].isVisible()
    field.clear()
    qtbot.keyClicks(field, "https://intranet.acme")
    assert not dialog.problems["intranet_url"].isVisible()


def test_a_saved_address_that_checks_refuse_is_pointed_out_at_once(
        qtbot, tmp_path: Path, open_dialog) -> None:
    dialog = open_dialog(config_with(tmp_path, {"intranet_url": "intranet.acme"}))
    problem = dialog.problems["intranet_url"]
    assert problem.isVisible() and problem.text() == messages.address_invalid("intranet.acme")


def test_a_valid_address_is_saved_normalised(qtbot, tmp_path: Path, open_dialog) -> None:
    config = config_with(tmp_path, {"language": "de"})
    dialog = open_dialog(config)
    type_address(qtbot, dialog, "  HTTPS://Intranet.ACME.example:443/ ")
    with qtbot.waitSignal(dialog.saved) as saved:
        click_save(qtbot, dialog)
    assert saved.args == [{"intranet_url": "https://intranet.acme.example"}]
    assert json.loads((tmp_path / "settings.json").read_text()) == {
        "intranet_url": "https://intranet.acme.example", "language": "de"}
    assert config.intranet_url() == "https://intranet.acme.example"
    assert not dialog.isVisible()


def test_a_save_that_fails_says_so_in_the_dialog(qtbot, tmp_path: Path, open_dialog) -> None:
    (tmp_path / "folder").write_text("a file where the folder should be")
    config = load_config(environ={}, settings_path=tmp_path / "folder" / "settings.json",
                         policy=RawPolicy({}, origin="test"))
    dialog = open_dialog(config)
    dialog.editors["check_interval_minutes"].setValue(90)
    click_save(qtbot, dialog)
    assert dialog.isVisible() and dialog.problem.isVisible()
    assert dialog.problem.text().startswith("Your settings could not be saved to ")


# --- choices by their labels; troubleshooting out of the form ---------------------------

def items(combo: QComboBox) -> list[tuple[str, str]]:
    return [(combo.itemText(i), combo.itemData(i)) for i in range(combo.count())]


def test_choices_show_human_labels_and_save_their_value(qtbot, tmp_path: Path,
                                                        open_dialog) -> None:
    config = config_with(tmp_path)
    dialog = open_dialog(config)
    method = dialog.editors["auth_method"]
    assert isinstance(method, QComboBox)
    assert items(method) == [("Company sign-in (browser)", "oauth"),
                             ("Microsoft account", "microsoft"),
                             ("Google account", "google"), ("Access token", "token")]
    assert method.currentText() == "Company sign-in (browser)"
    language = dialog.editors["language"]
    assert isinstance(language, QComboBox)
    assert items(language) == [
        ("Same as the desktop", ""), ("English", "en"), ("Deutsch", "de"),
        ("Français", "fr"), ("Español", "es"), ("Português (Brasil)", "pt-BR"),
        ("日本語", "ja"), ("العربية", "ar")]
    method.setCurrentText("Microsoft account")
    language.setCurrentText("Português (Brasil)")
    type_address(qtbot, dialog, "https://intranet.example")
    click_save(qtbot, dialog)
    assert json.loads((tmp_path / "settings.json").read_text()) == {
        "auth_method": "microsoft", "language": "pt-BR",
        "intranet_url": "https://intranet.example"}


def test_the_labels_follow_the_language(qtbot, tmp_path: Path, open_dialog) -> None:
    i18n.use_language(i18n.PSEUDO)
    try:
        dialog = open_dialog(config_with(tmp_path))
        method = dialog.editors["auth_method"]
        assert isinstance(method, QComboBox)
        assert all(method.itemText(i).startswith("[") for i in range(method.count()))
        assert dialog.editors["language"].itemText(2) == "Deutsch"  # its own name, always
    finally:
        i18n.use_english()


def test_a_language_set_by_hand_is_kept_as_it_is(qtbot, tmp_path: Path, open_dialog) -> None:
    config = config_with(tmp_path, {"language": "en-XA"})
    dialog = open_dialog(config)
    assert dialog.editors["language"].currentText() == "en-XA"
    with qtbot.waitSignal(dialog.saved) as saved:
        click_save(qtbot, dialog)
    assert saved.args == [{}]
    assert config.get("language") == "en-XA"


def test_the_log_level_is_not_in_the_employees_form(qtbot, tmp_path: Path,
                                                    open_dialog) -> None:
    dialog = open_dialog(config_with(tmp_path))
    assert set(dialog.editors) == {"intranet_url", "auth_method", "check_interval_minutes",
                                   "start_at_login", "language"}
    assert [s.key for s in dialog_settings()] == list(dialog.editors)
    shown = [w.text() for w in dialog.findChildren(QLabel)]
    assert not any("Log" in text for text in shown)
    raw = {"DEBUG", "INFO", "WARNING", "ERROR", "oauth", "microsoft", "google", "token"}
    for combo in dialog.findChildren(QComboBox):
        assert not raw & {combo.itemText(i) for i in range(combo.count())}


# --- buttons, labels, keyboard -----------------------------------------------------------

class IconButtons(QProxyStyle):
    """A style that puts stock icons on dialog buttons, as Fusion and KDE's do."""

    def styleHint(self, hint, option=None, widget=None, data=None):
        if hint == QStyle.StyleHint.SH_DialogButtonBox_ButtonsHaveIcons:
            return 1
        return super().styleHint(hint, option, widget, data)


def test_no_button_has_an_icon_even_under_a_style_that_adds_them(
        qtbot, qapp, tmp_path: Path) -> None:
    style = IconButtons("fusion")
    previous = qapp.style().name()
    qapp.setStyle(style)
    try:
        plain = QDialogButtonBox(QDialogButtonBox.StandardButton.Save
                                 | QDialogButtonBox.StandardButton.Cancel)
        qtbot.addWidget(plain)
        assert all(not b.icon().isNull() for b in plain.buttons())  # the style does add them
        dialog = SettingsDialog(config_with(tmp_path))
        qtbot.addWidget(dialog)
        assert len(dialog.buttons.buttons()) == 2
        assert all(b.icon().isNull() for b in dialog.buttons.buttons())
        qapp.setStyle(IconButtons("fusion"))  # a style change does not bring them back
        assert all(b.icon().isNull() for b in dialog.buttons.buttons())
    finally:
        qapp.setStyle(previous)


def test_every_label_is_its_fields_buddy_with_its_own_access_key(
        qtbot, tmp_path: Path, open_dialog) -> None:
    dialog = open_dialog(config_with(tmp_path))
    keys: list[str] = []
    for key, editor in dialog.editors.items():
        if isinstance(editor, QCheckBox):
            text = editor.text()
        else:
            label = dialog.labels[key]
            assert label.buddy() is editor, key
            text = label.text()
        mnemonic = QKeySequence.mnemonic(text).toString()
        assert mnemonic.startswith("Alt+"), (key, text)
        keys.append(mnemonic)
    assert len(set(keys)) == len(keys), keys
    form_labels = [dialog.form.itemAt(row, QFormLayout.ItemRole.LabelRole)
                   for row in range(dialog.form.rowCount())]
    assert sum(item is not None for item in form_labels) == len(dialog.labels)


def test_an_access_key_moves_to_its_field(qtbot, tmp_path: Path, open_dialog) -> None:
    dialog = open_dialog(config_with(tmp_path))
    dialog.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is dialog)
    qtbot.keyClick(dialog, Qt.Key.Key_E, Qt.KeyboardModifier.AltModifier)  # Check &every
    assert dialog.focusWidget() is dialog.editors["check_interval_minutes"]


# --- who sets what ----------------------------------------------------------------------

def test_a_policy_locked_row_is_disabled_and_says_why(qtbot, tmp_path: Path,
                                                      open_dialog) -> None:
    settings = tmp_path / "settings.json"
    config = config_with(tmp_path, {"language": "fr"},
                         policy={"check_interval_minutes": 30, "auth_method": "microsoft"})
    dialog = open_dialog(config)
    locked = dialog.editors["check_interval_minutes"]
    assert isinstance(locked, QSpinBox) and locked.value() == 30 and not locked.isEnabled()
    assert dialog.notes["check_interval_minutes"].text() == "Set by your IT department"
    assert dialog.notes["check_interval_minutes"].isVisible()
    assert locked.toolTip().startswith("Set by your IT department, so it cannot be changed")
    method = dialog.editors["auth_method"]
    assert not method.isEnabled() and method.currentText() == "Microsoft account"
    assert dialog.editors["intranet_url"].isEnabled() and "intranet_url" not in dialog.notes
    type_address(qtbot, dialog, "https://intranet.example")
    click_save(qtbot, dialog)
    assert json.loads(settings.read_text()) == {"language": "fr",
                                                "intranet_url": "https://intranet.example"}


def test_a_row_the_environment_sets_says_so(qtbot, tmp_path: Path, open_dialog) -> None:
    config = config_with(tmp_path, environ={"COMPANION_CHECK_INTERVAL_MINUTES": "20"})
    dialog = open_dialog(config)
    assert dialog.editors["check_interval_minutes"].isEnabled()
    assert "COMPANION_CHECK_INTERVAL_MINUTES" in dialog.notes["check_interval_minutes"].text()
    dialog.editors["check_interval_minutes"].setValue(90)
    with qtbot.waitSignal(dialog.saved) as saved:
        click_save(qtbot, dialog)
    assert saved.args == [{}]  # saved for later; the one in force did not change
    assert config.get("check_interval_minutes") == 20


# --- changes take effect at once ---------------------------------------------------------

def test_a_new_interval_replans_a_planned_periodic_check(qapp) -> None:
    planned = CheckScheduler(60, lambda: None, rng=random.Random(3))
    planned.start()
    try:
        planned.set_interval(10)
        kind, when = planned.next_check()
        seconds = (when - datetime.now().astimezone()).total_seconds()
        assert kind == "periodic" and 540 - 5 <= seconds <= 660
        (job,) = planned.scheduler.get_jobs()
        assert job.next_run_time == when and planned.interval_minutes == 10
    finally:
        planned.shutdown()


def test_a_retry_keeps_its_time_when_the_interval_changes(qapp) -> None:
    planned = CheckScheduler(60, lambda: None, rng=random.Random(3))
    planned.start()
    try:
        planned.after_check(True, 600)
        before = planned.next_check()
        planned.set_interval(10)
        assert planned.next_check() == before and planned.interval_minutes == 10
    finally:
        planned.shutdown()


def settings_dialog_of(controller: Controller) -> SettingsDialog:
    controller.show_settings()
    dialog = controller._settings_dialog
    assert dialog is not None and dialog.isVisible()
    return dialog


@pytest.fixture
def controller_of(qtbot, demo: DemoIntranet) -> Iterator:
    """A tray controller whose workers find the address in the settings file, as a real
    employee's do (not given on the command line)."""
    made: list[Controller] = []

    def make(saved: dict | None = None) -> Controller:
        if saved is not None:
            paths.settings_file().parent.mkdir(parents=True, exist_ok=True)
            paths.settings_file().write_text(json.dumps(saved))
        config = load_config(policy=RawPolicy({}, origin="test"))
        workers = WorkerJobs(None, 20, env={**os.environ, "COMPANION_TOKEN": demo.token})
        controller = Controller(Session(StateStore()), config, None, workers)
        made.append(controller)
        return controller

    yield make
    for controller in made:
        controller.shutdown()
        if controller._settings_dialog is not None:
            controller._settings_dialog.close()
        if controller._popup is not None:
            controller._popup.close()


def test_a_new_interval_reschedules_the_running_tray(qtbot, demo: DemoIntranet,
                                                     controller_of) -> None:
    controller = controller_of({"intranet_url": demo.url})
    check(qtbot, controller)
    qtbot.waitUntil(lambda: controller._scheduler is not None)  # once the popup painted
    scheduler = controller._scheduler
    assert scheduler is not None and scheduler.next_check()[0] == "periodic"
    dialog = settings_dialog_of(controller)
    dialog.editors["check_interval_minutes"].setValue(15)
    with qtbot.waitSignal(dialog.saved):
        click_save(qtbot, dialog)
    kind, when = scheduler.next_check()
    seconds = (when - datetime.now().astimezone()).total_seconds()
    assert kind == "periodic" and 810 - 5 <= seconds <= 990
    assert [job.next_run_time for job in scheduler.scheduler.get_jobs()] == [when]


def test_a_new_address_is_checked_at_once(qtbot, demo: DemoIntranet, controller_of) -> None:
    controller = controller_of({"intranet_url": "https://nowhere.invalid"})
    dialog = settings_dialog_of(controller)
    type_address(qtbot, dialog, demo.url)
    with qtbot.waitSignal(controller.update_shown, timeout=15_000) as shown:
        click_save(qtbot, dialog)
    update = shown.args[0]
    assert update.report.error is None
    assert update.report.classification is not None
    assert update.report.classification.integrations  # the demo intranet's answer


def test_a_new_address_while_a_check_runs_is_checked_after_it(
        qtbot, demo: DemoIntranet, controller_of, fake_server) -> None:
    old = fake_server()  # answers slowly: the check under way has read the old address
    old.respond("GET", "/api/v1/me/integrations", Reply(503, delay=1.0))
    controller = controller_of({"intranet_url": old.url})
    updates: list = []
    controller.update_shown.connect(updates.append)
    controller.request_check()
    qtbot.waitUntil(lambda: len(old.requests) == 1, timeout=10_000)
    dialog = settings_dialog_of(controller)
    type_address(qtbot, dialog, demo.url)
    click_save(qtbot, dialog)
    qtbot.waitUntil(lambda: len(updates) == 2, timeout=20_000)
    assert [u.report.intranet_url for u in updates] == [old.url, demo.url]
    assert updates[1].report.error is None


def test_a_new_language_is_spoken_at_once(qtbot, demo: DemoIntranet, controller_of,
                                          qapp) -> None:
    controller = controller_of({"intranet_url": demo.url})
    _ = controller.status_window  # built, hidden: built again in the new language
    dialog = settings_dialog_of(controller)
    dialog.editors["language"].setCurrentText("العربية")
    try:
        with qtbot.waitSignal(controller.update_shown, timeout=15_000) as shown:
            click_save(qtbot, dialog)
        assert i18n.active_language() == "ar"
        assert qapp.layoutDirection() == Qt.LayoutDirection.RightToLeft
        assert controller._status_window is None
        assert shown.args[0].report.error is None
        assert controller.status_window.windowTitle() == messages.status_title()
    finally:
        i18n.use_english()
        apply_language(qapp)
