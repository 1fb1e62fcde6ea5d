"""Notices while running as the desktop's own notifications (ui/notifications.py), shown by
a real dunst (tests/notification_server.py: its own Xvfb and private D-Bus session bus),
for the app's Controller against the demo intranet.

What the app sent is read from a D-Bus monitor (Notify's arguments, its actions and the
id dunst answered with); what the person does is done in dunst itself: an action chosen
in its context menu (`dunstctl context`), a click (`dunstctl action 0`). Without a
notification server on the bus, or without a bus, the tray's balloon says it. CI installs
dunst (.ci/run); elsewhere these tests are skipped when a tool is missing, never under CI.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from notification_server import Monitor, dunst_desktop, private_bus, tools_missing
from qt_fixtures import UrlCatcher, check

from tray_app.core.config import load_config
from tray_app.core.policy import RawPolicy
from tray_app.core.session import Session
from tray_app.core.state import StateStore
from tray_app.core.worker_client import WorkerJobs
from tray_app.demo.server import DemoIntranet
from tray_app.ui import notifications
from tray_app.ui.controller import Controller
from tray_app.ui.notifications import DesktopNotifications, TrayMessages, escape_markup
from tray_app.ui.tray import TrayPresenter

MARKUP = "<b>x</b>"
SCENARIO = {"integrations": [
    {"id": "x", "name": MARKUP, "provider": "zoom", "status": "connected",
     "expires_in_days": 60},
    {"id": "zoom", "name": "Zoom", "provider": "zoom", "status": "connected",
     "expires_in_days": 60},
]}


def _needs_tools() -> None:
    reason = tools_missing()
    if reason and not os.environ.get("CI"):
        pytest.skip(reason)
    assert reason is None, reason


@pytest.fixture
def desktop(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """dunst on a private display and bus, which this process's session bus now is."""
    _needs_tools()
    with dunst_desktop(tmp_path / "desktop") as running:
        monkeypatch.setenv("DBUS_SESSION_BUS_ADDRESS", running.address)
        yield running


@pytest.fixture
def demo() -> Iterator[DemoIntranet]:
    with DemoIntranet(scenario=SCENARIO) as server:
        yield server


def make_controller(demo: DemoIntranet) -> Controller:
    config = load_config({"intranet_url": demo.url}, environ={},
                         policy=RawPolicy({}, origin="test"))
    workers = WorkerJobs(demo.url, 20, env={**os.environ, "COMPANION_TOKEN": demo.token})
    return Controller(Session(StateStore()), config, None, workers)


@pytest.fixture
def started(qtbot, demo: DemoIntranet) -> Iterator[Controller]:
    """Running, after a first check that found nothing to say (no popup)."""
    controller = make_controller(demo)
    with qtbot.waitSignal(controller.update_shown, timeout=10_000):
        controller.start()
    assert not controller.popup.isVisible()
    yield controller
    controller.shutdown()
    controller.popup.close()
    controller.status_window.close()


def shown_after(qtbot, controller: Controller, action, count: int = 1) -> list[int]:
    """Run `action`; the ids of the `count` bubbles the desktop then showed natively."""
    ids: list[int] = []
    controller.notifications.shown.connect(ids.append)
    action()
    qtbot.waitUntil(lambda: len(ids) >= count, timeout=10_000)
    controller.notifications.shown.disconnect(ids.append)
    return ids


def test_a_break_while_running_is_one_bubble_per_notice(
        qtbot, desktop, started: Controller, demo: DemoIntranet) -> None:
    assert "body-markup" in desktop.capabilities()  # so the body must arrive escaped
    demo.disconnect("x")
    demo.disconnect("zoom")
    ids = shown_after(qtbot, started, lambda: check(qtbot, started), count=2)
    calls = desktop.notify_calls()
    assert [call.summary for call in calls] == [MARKUP, "Zoom"]
    first, second = calls
    assert first.app_name == "Intranet Companion"
    assert first.replaces_id == 0 and second.replaces_id == 0
    assert first.body == escape_markup(
        f"{MARKUP} has unexpectedly been disconnected. Please reconnect your {MARKUP} "
        "account.")
    assert first.body.startswith("&lt;b&gt;x&lt;/b&gt; has unexpectedly")
    assert first.actions == ["default", "Show details", "reconnect", "Reconnect"]
    assert second.action_keys == ["default", "reconnect"]
    assert first.hints["desktop-entry"] == ("s", "intranet-companion")
    assert first.app_icon.endswith("app-128.png") or first.app_icon == "intranet-companion"
    assert [call.id for call in calls] == ids
    assert desktop.displayed() == 2  # dunst shows them both
    assert not started.popup.isVisible()  # the bubbles told it; no window jumped up


def test_reconnect_in_a_bubble_opens_its_reconnect_url_and_connected_again_replaces_it(
        qtbot, desktop, started: Controller, demo: DemoIntranet,
        browser: UrlCatcher) -> None:
    demo.disconnect("x")
    demo.disconnect("zoom")
    x_bubble, _zoom_bubble = shown_after(qtbot, started, lambda: check(qtbot, started), 2)
    desktop.choose(x_bubble, "reconnect")  # the person, in dunst's menu
    qtbot.waitUntil(lambda: browser.urls != [], timeout=10_000)
    assert browser.urls == [f"{demo.url}/profile/settings/external-apps#x"]
    watch = started.scheduler.scheduler.get_job("watch")
    assert watch is not None and watch.trigger.interval == timedelta(seconds=30)
    # Connected on the intranet's page; the next check says so, in x's own bubble.
    demo.reconnect("x")
    (again,) = shown_after(qtbot, started, lambda: check(qtbot, started))
    told = desktop.notify_calls()[-1]
    assert (told.summary, told.body) == (MARKUP, escape_markup(f"{MARKUP} is connected again."))
    assert told.replaces_id == x_bubble and again == x_bubble
    assert told.actions == []


def test_a_second_change_for_an_integration_replaces_its_bubble(
        qtbot, desktop, started: Controller, demo: DemoIntranet) -> None:
    demo.set_expiry("x", demo.now() + timedelta(days=3))
    (expiring,) = shown_after(qtbot, started, lambda: check(qtbot, started))
    assert "will be disconnected on" in desktop.notify_calls()[0].body
    demo.disconnect("x")
    (disconnected,) = shown_after(qtbot, started, lambda: check(qtbot, started))
    first, second = desktop.notify_calls()
    assert first.replaces_id == 0
    assert second.replaces_id == expiring == first.id
    assert "unexpectedly been disconnected" in second.body
    assert disconnected == expiring
    assert desktop.displayed() == 1  # replaced, not stacked


def test_a_click_on_a_bubble_opens_the_popup(qtbot, desktop, started: Controller,
                                            demo: DemoIntranet) -> None:
    demo.disconnect("zoom")
    shown_after(qtbot, started, lambda: check(qtbot, started))
    desktop.click()
    qtbot.waitUntil(started.popup.isVisible, timeout=10_000)
    assert [row.notice.integration_id for row in started.popup.rows] == ["zoom"]


def test_only_the_notification_server_speaks_for_its_bubbles(
        qtbot, desktop, started: Controller, demo: DemoIntranet,
        browser: UrlCatcher) -> None:
    """An ActionInvoked sent by anyone else on the bus (here dbus-send, even addressed to
    the app's own connection) is ignored: only dunst's own are acted on."""
    demo.disconnect("x")
    (bubble,) = shown_after(qtbot, started, lambda: check(qtbot, started))
    told = started.notifications
    assert isinstance(told, DesktopNotifications) and told.bus_name
    desktop.send_signal(told.bus_name, "ActionInvoked", f"uint32:{bubble}", "string:reconnect")
    qtbot.wait(500)
    assert browser.urls == []
    desktop.choose(bubble, "reconnect")
    qtbot.waitUntil(lambda: browser.urls != [], timeout=10_000)


def test_a_server_without_markup_gets_the_body_as_it_is(
        qtbot, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, demo: DemoIntranet) -> None:
    _needs_tools()
    with dunst_desktop(tmp_path / "plain", markup=False) as plain:
        monkeypatch.setenv("DBUS_SESSION_BUS_ADDRESS", plain.address)
        assert "body-markup" not in plain.capabilities()
        controller = make_controller(demo)
        try:
            with qtbot.waitSignal(controller.update_shown, timeout=10_000):
                controller.start()
            demo.disconnect("x")
            shown_after(qtbot, controller, lambda: check(qtbot, controller))
            assert plain.notify_calls()[0].body.startswith(f"{MARKUP} has unexpectedly")
        finally:
            controller.shutdown()
            controller.status_window.close()


# --- no notification server -----------------------------------------------------------------


class Balloons:
    def __init__(self) -> None:
        self.said: list[tuple[str, bool]] = []

    def __call__(self, text: str, *, warning: bool = False) -> None:
        self.said.append((text, warning))


def with_tray(controller: Controller, monkeypatch: pytest.MonkeyPatch) -> Balloons:
    controller.tray = TrayPresenter(lambda: (False, ""), controller)
    balloons = Balloons()
    monkeypatch.setattr(controller.tray, "show_message", balloons)
    return balloons


def test_without_a_notification_server_the_tray_balloon_tells_it(
        qtbot, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, started: Controller,
        demo: DemoIntranet) -> None:
    _needs_tools()
    with private_bus(tmp_path / "bus") as address:
        monkeypatch.setenv("DBUS_SESSION_BUS_ADDRESS", address)
        monitor = Monitor({**os.environ, "DBUS_SESSION_BUS_ADDRESS": address},
                          tmp_path / "bus.pcap")
        try:
            balloons = with_tray(started, monkeypatch)
            demo.disconnect("x")
            demo.disconnect("zoom")
            check(qtbot, started)
            qtbot.waitUntil(lambda: balloons.said != [], timeout=10_000)
            assert balloons.said == [("2 of your connected accounts need attention.", True)]
            told = started.notifications
            assert isinstance(told, DesktopNotifications) and told.native is False
            assert monitor.notify_calls() == []
            assert not started.popup.isVisible()
        finally:
            monitor.close()


def test_without_a_session_bus_the_tray_balloon_tells_it(
        qtbot, monkeypatch: pytest.MonkeyPatch, started: Controller,
        demo: DemoIntranet) -> None:
    monkeypatch.delenv("DBUS_SESSION_BUS_ADDRESS", raising=False)
    monkeypatch.delenv("XDG_RUNTIME_DIR", raising=False)
    balloons = with_tray(started, monkeypatch)
    demo.disconnect("zoom")
    check(qtbot, started)
    qtbot.waitUntil(lambda: balloons.said != [], timeout=10_000)
    assert balloons.said == [("Zoom has unexpectedly been disconnected. Please reconnect "
                              "your Zoom account.", True)]
    assert isinstance(started.notifications, TrayMessages)


def test_with_neither_server_nor_tray_the_popup_shows_the_notice(
        qtbot, monkeypatch: pytest.MonkeyPatch, started: Controller,
        demo: DemoIntranet) -> None:
    monkeypatch.delenv("DBUS_SESSION_BUS_ADDRESS", raising=False)
    monkeypatch.delenv("XDG_RUNTIME_DIR", raising=False)
    assert started.tray is None  # the offscreen platform has no tray host
    demo.disconnect("zoom")
    check(qtbot, started)
    qtbot.waitUntil(started.popup.isVisible, timeout=10_000)
    assert [row.notice.integration_id for row in started.popup.rows] == ["zoom"]


def test_windows_and_macos_use_the_tray_balloon(monkeypatch: pytest.MonkeyPatch,
                                                qapp) -> None:
    fallback = TrayMessages(lambda: None, lambda notices: None)
    for platform in ("win32", "darwin"):
        monkeypatch.setattr(notifications.sys, "platform", platform)
        assert notifications.for_platform(fallback, environ={
            "DBUS_SESSION_BUS_ADDRESS": "unix:path=/nowhere"}) is fallback


def test_markup_is_escaped_for_servers_that_read_it() -> None:
    assert escape_markup("""<b>A & B's "x"</b>""") == (
        "&lt;b&gt;A &amp; B&apos;s &quot;x&quot;&lt;/b&gt;")
    assert escape_markup("&amp;") == "&amp;amp;"
