"""The tray app against the real demo intranet over HTTP, with real Qt widgets (offscreen)."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import requests
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel
from qt_fixtures import UrlCatcher, check

from tray_app.core.config import load_config
from tray_app.core.policy import RawPolicy
from tray_app.core.session import Session
from tray_app.core.state import StateStore
from tray_app.core.summary import Overall
from tray_app.core.worker_client import WorkerJobs
from tray_app.demo.server import DemoIntranet
from tray_app.ui.controller import Controller
from tray_app.ui.popup import NoticePopup
from tray_app.ui.tray import TrayPresenter

REPO = Path(__file__).resolve().parents[1]

DROPBOX = "Dropbox has unexpectedly been disconnected. Please reconnect your Dropbox account."


def make_controller(url: str, token: str, policy: dict | None = None) -> Controller:
    config = load_config({"intranet_url": url}, environ={},
                         policy=RawPolicy(policy or {}, origin="test"))
    workers = WorkerJobs(url, 20, env={**os.environ, "COMPANION_TOKEN": token})
    return Controller(Session(StateStore()), config, None, workers)


@pytest.fixture
def started(qtbot, demo: DemoIntranet) -> Iterator[Controller]:
    controller = make_controller(demo.url, demo.token)
    with qtbot.waitSignal(controller.update_shown, timeout=10_000):
        controller.start()
    yield controller
    controller.shutdown()
    controller.popup.close()
    controller.status_window.close()


def messages(popup: NoticePopup) -> list[str]:
    return [row.message.text() for row in popup.rows]


def test_login_popup_lists_notices_in_contract_order(started: Controller) -> None:
    popup = started.popup
    assert popup.isVisible()
    assert "Intranet Companion" in popup.windowTitle()
    assert messages(popup)[0] == DROPBOX
    assert messages(popup)[1].startswith("Google Drive will be disconnected on ")
    assert "(in 3 days)" in messages(popup)[1]
    assert len(popup.rows) == 2


def test_reconnect_opens_the_exact_url(qtbot, started: Controller, demo: DemoIntranet,
                                       browser: UrlCatcher) -> None:
    qtbot.mouseClick(started.popup.rows[0].reconnect, Qt.MouseButton.LeftButton)
    assert browser.urls == [f"{demo.url}/profile/settings/external-apps#dropbox"]


def test_watch_until_fixed_through_the_external_apps_page(
        qtbot, started: Controller, demo: DemoIntranet, browser: UrlCatcher) -> None:
    qtbot.mouseClick(started.popup.rows[0].reconnect, Qt.MouseButton.LeftButton)
    job = started.scheduler.scheduler.get_job("watch")
    assert job is not None and job.trigger.interval == timedelta(seconds=30)
    still_broken = check(qtbot, started)
    assert still_broken.fixed == ()
    # The user presses "Connect account" on the intranet's page, as in the browser.
    page = browser.urls[0].split("#")[0]
    response = requests.post(f"{page}/dropbox/connect", allow_redirects=False, timeout=5)
    assert response.status_code == 303
    update = check(qtbot, started)
    assert update.fixed == (("dropbox", "Dropbox is connected again."),)
    assert started.popup.rows[0].message.text() == "Dropbox is connected again."
    assert started.popup.rows[0].reconnect.isHidden()
    assert started.scheduler.scheduler.get_job("watch") is None
    assert started.status_window.status.text() == "Dropbox is connected again."


def test_offline_shows_last_known_state_and_no_popup(qtbot, started: Controller,
                                                     demo: DemoIntranet) -> None:
    started.popup.close()
    demo.stop()
    update = check(qtbot, started)
    assert update.overall is Overall.OFFLINE
    assert update.popup == () and update.message == ()
    assert not started.popup.isVisible()
    assert update.tooltip.startswith("Can't reach the intranet · Dropbox disconnected")
    assert "last confirmed" in update.tooltip
    window = started.status_window
    assert "Showing the state last confirmed" in window.status.text()
    assert started.scheduler.failures == 1
    planned = started.scheduler.next_check()
    assert planned is not None and planned[0] == "retry"
    # Full jitter: the retry is spread over the first window, not run at once.
    assert planned[1] <= datetime.now().astimezone() + timedelta(minutes=30, seconds=5)


def test_popup_waits_for_the_first_good_check(qtbot, demo: DemoIntranet) -> None:
    port = int(demo.url.rsplit(":", 1)[1])
    demo.stop()
    controller = make_controller(f"http://127.0.0.1:{port}", "tok-123456789")
    with qtbot.waitSignal(controller.update_shown, timeout=10_000) as blocker:
        controller.start()
    assert blocker.args[0].overall is Overall.OFFLINE
    assert not controller.popup.isVisible()
    with DemoIntranet(port=port, token="tok-123456789"):
        update = check(qtbot, controller)
    assert [n.integration_id for n in update.popup] == ["dropbox", "google-drive"]
    assert controller.popup.isVisible()
    controller.shutdown()
    controller.popup.close()


def test_no_tray_host_shows_the_status_window(started: Controller) -> None:
    # The offscreen platform has no tray host, like plain GNOME or sway.
    assert started.tray is None
    window = started.status_window
    assert window.isVisible()
    texts = [w.text() for w in window.findChildren(QLabel)]
    assert "Dropbox: disconnected (refresh failed)" in texts
    assert window.header.text() == "Signed in as Jane Doe (jane@acme.example)"


def test_dont_remind_me_again_survives_a_restart(qtbot, started: Controller,
                                                 demo: DemoIntranet) -> None:
    qtbot.mouseClick(started.popup.rows[0].dismiss, Qt.MouseButton.LeftButton)
    assert not started.popup.rows[0].dismiss.isEnabled()
    started.shutdown()
    again = make_controller(demo.url, demo.token)
    with qtbot.waitSignal(again.update_shown, timeout=10_000) as blocker:
        again.start()
    # Dropbox was dismissed for good; Google Drive's first stage was already shown.
    assert blocker.args[0].popup == ()
    again.shutdown()
    again.popup.close()


def test_disconnected_comes_back_at_the_next_start(qtbot, started: Controller,
                                                   demo: DemoIntranet) -> None:
    qtbot.keyClick(started.popup, Qt.Key.Key_Escape)  # Esc means "Remind me later"
    assert not started.popup.isVisible()
    started.shutdown()
    again = make_controller(demo.url, demo.token)
    with qtbot.waitSignal(again.update_shown, timeout=10_000) as blocker:
        again.start()
    # Both were snoozed until the next start: Dropbox, still broken, and Google Drive
    # (whose window stage was shown, but the person asked to be reminded later).
    assert [n.integration_id for n in blocker.args[0].popup] == ["dropbox", "google-drive"]
    again.shutdown()
    again.popup.close()


def test_a_break_while_running_is_announced_once(qtbot, started: Controller,
                                                 demo: DemoIntranet) -> None:
    demo.disconnect("microsoft365", reason="revoked")
    update = check(qtbot, started)
    assert [n.integration_id for n in update.message] == ["microsoft365"]
    assert update.popup == ()
    assert check(qtbot, started).message == ()


def test_acknowledges_seen_notices(qtbot, started: Controller, demo: DemoIntranet) -> None:
    qtbot.waitUntil(lambda: len(demo.acks) == 2, timeout=5000)
    assert {a["integration_id"] for a in demo.acks} == {"dropbox", "google-drive"}


def test_markup_in_names_is_shown_literally(qtbot) -> None:
    scenario = {"integrations": [{"id": "x", "name": "<b>x</b>", "provider": "zoom",
                                  "status": "disconnected", "disconnected_days_ago": 1}]}
    with DemoIntranet(scenario=scenario) as demo:
        controller = make_controller(demo.url, demo.token)
        with qtbot.waitSignal(controller.update_shown, timeout=10_000):
            controller.start()
        label = controller.popup.rows[0].message
        assert label.textFormat() == Qt.TextFormat.PlainText
        assert label.text() == ("<b>x</b> has unexpectedly been disconnected. "
                                "Please reconnect your <b>x</b> account.")
        controller.shutdown()
        controller.popup.close()


def test_popup_is_keyboard_operable_with_accessible_names(qtbot, started: Controller,
                                                           browser: UrlCatcher) -> None:
    popup = started.popup
    first = popup.rows[0]
    assert first.reconnect.accessibleName() == "Reconnect Dropbox"
    assert first.dismiss.accessibleName() == "Don't remind me again about Dropbox"
    assert popup.remind_later.text() == "Remind me later"
    popup.activateWindow()
    first.reconnect.setFocus()
    qtbot.keyClick(first.reconnect, Qt.Key.Key_Space)
    assert browser.urls[-1].endswith("#dropbox")
    assert first.reconnect.nextInFocusChain() is first.dismiss


def test_remind_me_later_snoozes(qtbot, started: Controller, demo: DemoIntranet) -> None:
    started.popup.remind_later.click()
    assert not started.popup.isVisible()
    state = started.session.store.load()
    snoozed = [r.snoozed_until for r in state.notices.values() if r.snoozed_until]
    assert len(snoozed) == 2
    now = datetime.now(UTC)
    assert all(timedelta(hours=23) < s - now <= timedelta(hours=24, minutes=1) for s in snoozed)


def test_menu_rows_and_locked_start_at_login(qtbot, started: Controller) -> None:
    tray = TrayPresenter(lambda: (True, "Managed by your organisation"))
    tray.show_glance(started.session.current_glance())
    tray.rebuild_menu()
    texts = [a.text() for a in tray.menu.actions() if not a.isSeparator()]
    assert texts[0] == "Signed in as Jane Doe (jane@acme.example)"
    assert "Dropbox: disconnected (refresh failed)" in texts
    assert "Reconnect Dropbox…" in texts
    assert any(t.startswith("Google Drive: expires in 3 days (") for t in texts)
    assert "Reconnect Google Drive…" in texts
    assert "Reconnect Slack…" not in texts
    for item in ("Check now", "Open External apps", "Quit"):
        assert item in texts
    start = next(a for a in tray.menu.actions() if a.text().startswith("Start at login"))
    assert start.isCheckable() and start.isChecked() and not start.isEnabled()
    assert "Managed by your organisation" in start.text()
    assert tray.icon.toolTip().endswith(
        "Dropbox disconnected · Google Drive expires in 3 days")


def test_open_external_apps_refuses_foreign_origins(qtbot, started: Controller,
                                                    browser: UrlCatcher) -> None:
    assert not started.open_url("https://evil.example/profile")
    assert not started.open_url("javascript:alert(1)")
    started.open_external_apps()
    assert browser.urls == [started.session.report.intranet_url
                            + "/profile/settings/external-apps"]


def test_unreadable_policy_is_shown_not_crashed(qtbot, tmp_path: Path,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    from tray_app.core.config import load_or_problem

    bad = tmp_path / "policy.json"
    bad.write_text("{oops")
    monkeypatch.setenv("COMPANION_POLICY_FILE", str(bad))
    config = load_or_problem({"intranet_url": "https://i.example"})
    controller = Controller(Session(StateStore()), config, None,
                            WorkerJobs("https://i.example", 20))
    with qtbot.waitSignal(controller.update_shown, timeout=10_000) as blocker:
        controller.start()
    assert blocker.args[0].report.error.kind.value == "config"
    assert "IT policy file" in controller.status_window.status.text()
    controller.shutdown()


def test_sign_out_then_sign_in_through_the_demo_oauth_server(qtbot, demo: DemoIntranet,
                                                             browser: UrlCatcher,
                                                             tmp_path: Path) -> None:
    import threading

    from approve_browser import play

    config = load_config({"intranet_url": demo.url}, environ={}, policy=RawPolicy())
    env = {**os.environ, "COMPANION_TOKEN": demo.token,  # as --demo starts (demo_process.py)
           "PYTHON_KEYRING_BACKEND": "tray_app.demo.sandbox_keyring.PlaintextSandboxKeyring",
           "DEMO_KEYRING_FILE": str(tmp_path / "demo-keyring.json")}
    controller = Controller(Session(StateStore()), config, None, WorkerJobs(demo.url, 20, env))
    with qtbot.waitSignal(controller.update_shown, timeout=10_000):
        controller.start()
    controller.popup.close()
    with qtbot.waitSignal(controller.update_shown, timeout=10_000) as signed_out:
        controller.sign_out()
    update = signed_out.args[0]
    assert update.overall is Overall.SIGNED_OUT and update.sign_in_needed
    assert controller.status_window.sign_in.isVisibleTo(controller.status_window)
    again = check(qtbot, controller)
    assert not again.sign_in_needed  # said once, not at every check
    with qtbot.waitSignal(controller.update_shown, timeout=20_000) as signed_in:
        controller.sign_in()
        qtbot.waitUntil(lambda: bool(browser.urls), timeout=10_000)
        authorize = browser.urls[-1]
        assert authorize.startswith(f"{demo.url}/oauth/authorize?")
        threading.Thread(target=play, args=(authorize,), daemon=True).start()
    assert signed_in.args[0].report.error is None
    assert signed_in.args[0].overall is Overall.DISCONNECTED
    controller.shutdown()


def test_menu_says_what_is_wrong_in_one_short_line(qtbot, started: Controller,
                                                   demo: DemoIntranet) -> None:
    demo.stop()
    update = check(qtbot, started)
    tray = TrayPresenter(lambda: (False, ""))
    tray.show_glance(update.glance)
    tray.rebuild_menu()
    texts = [a.text() for a in tray.menu.actions() if not a.isSeparator()]
    assert texts[1].startswith("Can't reach the intranet · last confirmed ")
    assert "Dropbox: disconnected (refresh failed)" in texts  # the last known state
    assert all(len(text) < 80 for text in texts)


SIGTERM_WHILE_QT_LOADS = """
import os, signal, sys
from tray_app.startup import QuitSignals
signals = QuitSignals.catch()
os.kill(os.getpid(), signal.SIGTERM)  # as at a logout that comes while Qt still loads
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication
from tray_app.ui.app import _quit_on_signals
app = QApplication([])
_quit_on_signals(app, signals)
QTimer.singleShot(10_000, lambda: app.exit(3))
sys.exit(app.exec())
"""


def test_sigterm_before_the_event_loop_still_quits_cleanly() -> None:
    """In its own process, where the signal handlers are ours to set."""
    done = subprocess.run([sys.executable, "-c", SIGTERM_WHILE_QT_LOADS], cwd=REPO,
                          capture_output=True, text=True, timeout=60, check=False)
    assert done.returncode == 0, (done.returncode, done.stderr)


def test_the_scheduler_waits_for_the_popup_to_paint(qtbot, demo: DemoIntranet) -> None:
    controller = make_controller(demo.url, demo.token)
    at_first_paint: list[bool] = []
    controller.popup.painted.connect(  # connected before the controller's own wait
        lambda: at_first_paint.append(controller._scheduler is None))
    with qtbot.waitSignal(controller.update_shown, timeout=20_000):
        controller.start()
    qtbot.waitUntil(lambda: controller._scheduler is not None, timeout=5_000)
    assert at_first_paint[0] is True  # APScheduler came after the popup's first paint
    assert controller._scheduler.next_check() is not None
    controller.shutdown()
    controller.popup.close()
