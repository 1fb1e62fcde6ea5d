"""Reconnect from the tray through the vendor's own sign-in: the tray's real controller,
its worker processes, the demo intranet's grant_url, the Dropbox stand-in over TLS and a
scripted browser that the tray starts through $BROWSER, as it would start Firefox."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest
from dropbox_standin import APP_KEY, DropboxStandIn, dropbox_fixture  # noqa: F401 (the fixture)
from native_harness import assert_tokens_nowhere
from PySide6.QtWidgets import QMessageBox
from qt_fixtures import check

from tray_app.core.config import load_config
from tray_app.core.raw_policy import RawPolicy
from tray_app.core.session import Session
from tray_app.core.state import StateStore
from tray_app.core.worker_client import WorkerJobs
from tray_app.demo.server import DemoIntranet
from tray_app.ui.controller import Controller

TESTS = Path(__file__).resolve().parent
EXPECTED = "alice@example.test"


def scenario(expected: str | None) -> dict:
    return {"integrations": [{
        "id": "dropbox", "name": "Dropbox", "provider": "dropbox", "status": "disconnected",
        "account": EXPECTED, "disconnected_days_ago": 1, "reason": "refresh_failed",
        "native_connect": {"provider": "dropbox", "client_id": APP_KEY,
                           "scopes": ["files.content.read"], "expected_account": expected}}]}


@pytest.fixture
def scripted_browser(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                     dropbox: DropboxStandIn) -> Path:
    """$BROWSER for the tray: signs in at the stand-in as NATIVE_BROWSER_LOGIN."""
    script = tmp_path / "browser.sh"
    script.write_text(f'#!/bin/sh\nexec "{sys.executable}" "{TESTS / "native_browser.py"}" '
                      '"$1"\n')
    script.chmod(0o755)
    log = tmp_path / "browser.log"
    monkeypatch.setenv("BROWSER", str(script))
    monkeypatch.setenv("NATIVE_BROWSER_LOG", str(log))
    monkeypatch.setenv("NATIVE_BROWSER_CA", str(dropbox.ca_path))
    return log


def make_controller(demo: DemoIntranet, dropbox: DropboxStandIn) -> Controller:
    config = load_config({"intranet_url": demo.url}, environ={},
                         policy=RawPolicy({}, origin="test"))
    env = {**{k: v for k, v in os.environ.items() if not k.startswith("DROPBOX_")},
           "COMPANION_TOKEN": demo.token, **dropbox.environment()}
    return Controller(Session(StateStore()), config, None, WorkerJobs(demo.url, 20, env=env))


def started(qtbot, demo: DemoIntranet, dropbox: DropboxStandIn) -> tuple[Controller, list[str]]:
    """A controller that has checked once and then pressed Dropbox's Reconnect; what the
    tray told the person."""
    controller = make_controller(demo, dropbox)
    told: list[str] = []
    controller.told.connect(told.append)
    reconnect(qtbot, controller)
    return controller, told


def reconnect(qtbot, controller: Controller) -> None:
    check(qtbot, controller)
    assert controller.session.offers_native_reconnect("dropbox")
    controller.reconnect("dropbox", controller.session.report.classification.integrations[0]
                         .reconnect_url, "Dropbox")


def question(qtbot, controller: Controller) -> QMessageBox:
    qtbot.waitUntil(lambda: (box := controller.native_reconnect.question) is not None
                    and box.isVisible(), timeout=60_000)
    return controller.native_reconnect.question


def click(box: QMessageBox, label: str) -> None:
    button = next(b for b in box.buttons() if b.text() == label)
    button.click()


def test_the_expected_account_is_handed_over_and_confirmed_connected(
        qtbot, isolated_home: Path, dropbox: DropboxStandIn, scripted_browser: Path) -> None:
    with DemoIntranet(scenario=scenario(EXPECTED)) as demo:
        controller, told = started(qtbot, demo, dropbox)
        assert controller.native_reconnect.window.isVisible()  # progress, with Cancel
        qtbot.waitUntil(lambda: "Dropbox is connected again." in told, timeout=90_000)
        grant = demo.grant("dropbox")
    assert grant is not None and grant["account"] == EXPECTED
    assert not controller.native_reconnect.window.isVisible()
    assert "127.0.0.1" in scripted_browser.read_text()  # the tray opened the vendor's page
    assert_tokens_nowhere(dropbox.issued, isolated_home)
    controller.shutdown()


def test_another_account_is_refused_and_offers_to_try_again(
        qtbot, isolated_home: Path, dropbox: DropboxStandIn, scripted_browser: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NATIVE_BROWSER_LOGIN", "bob")
    with DemoIntranet(scenario=scenario(EXPECTED)) as demo:
        controller, _told = started(qtbot, demo, dropbox)
        box = question(qtbot, controller)
        assert EXPECTED in box.text() and "bob" in box.text()
        assert box.textFormat().name == "PlainText"
        assert demo.grant("dropbox") is None  # nothing handed over
        monkeypatch.setenv("NATIVE_BROWSER_LOGIN", "alice")
        click(box, "Try again")
        qtbot.waitUntil(lambda: demo.grant("dropbox") is not None, timeout=90_000)
    controller.shutdown()


def test_with_no_expected_account_the_person_confirms_first(
        qtbot, isolated_home: Path, dropbox: DropboxStandIn, scripted_browser: Path) -> None:
    with DemoIntranet(scenario=scenario(None)) as demo:
        controller, told = started(qtbot, demo, dropbox)
        box = question(qtbot, controller)
        assert "alice" in box.text()
        assert demo.grant("dropbox") is None  # not before the person says so
        click(box, "Connect")
        qtbot.waitUntil(lambda: "Dropbox is connected again." in told, timeout=90_000)
        assert demo.grant("dropbox") is not None
    controller.shutdown()


def test_declining_the_account_hands_nothing_over(
        qtbot, isolated_home: Path, dropbox: DropboxStandIn, scripted_browser: Path) -> None:
    with DemoIntranet(scenario=scenario(None)) as demo:
        controller, told = started(qtbot, demo, dropbox)
        box = question(qtbot, controller)
        click(box, "Cancel")
        qtbot.waitUntil(lambda: not controller.native_reconnect.running, timeout=60_000)
        assert demo.grant("dropbox") is None
    assert told and "Nothing was handed over" in told[-1]
    assert_tokens_nowhere(dropbox.issued, isolated_home)
    controller.shutdown()


def test_a_refusal_at_the_vendor_offers_the_reconnect_page(
        qtbot, isolated_home: Path, dropbox: DropboxStandIn, scripted_browser: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NATIVE_BROWSER_LOGIN", "nobody")  # the stand-in's "Cancel"
    with DemoIntranet(scenario=scenario(EXPECTED)) as demo:
        controller = make_controller(demo, dropbox)
        opened: list[str] = []
        controller.open_url = lambda url: opened.append(url) or True  # type: ignore[method-assign]
        reconnect(qtbot, controller)
        box = question(qtbot, controller)
        assert "was not approved" in box.text()
        assert demo.grant("dropbox") is None
        click(box, "Open the reconnect page")
        assert opened == [f"{demo.url}/profile/settings/external-apps#dropbox"]
        assert controller.session.watching()  # waiting for the page's reconnection
    assert dropbox.issued == set()
    controller.shutdown()


def test_the_tray_side_loads_no_vendor_library_nor_tls() -> None:
    """The flows run in the worker: the tray's module for them imports none of it."""
    import subprocess

    program = ("import sys; import tray_app.ui.native_reconnect; print(sorted(m for m in "
               "sys.modules if m.split('.')[0] in ('ssl', '_ssl', 'msal', 'google', "
               "'google_auth_oauthlib', 'dropbox', 'requests', 'keyring')))")
    done = subprocess.run([sys.executable, "-c", program], capture_output=True, text=True,
                          timeout=60, check=True, cwd=TESTS.parent,
                          env={**os.environ, "QT_QPA_PLATFORM": "offscreen"})
    assert done.stdout.strip() == "[]", done.stdout
