"""Resume and network-back events on Linux: logind's PrepareForSleep and NetworkManager's
StateChanged and State, from stand-ins that own the real names on a private D-Bus in the
place of the system bus (tests/system_bus_standin.py)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from notification_server import private_bus
from PySide6.QtDBus import QDBusConnection

from tray_app.ui.system_events import SystemEvents

TESTS = Path(__file__).resolve().parent
Start = Callable[[int], Callable[[str], None]]


@pytest.fixture
def bus(tmp_path: Path, qapp) -> Iterator[tuple[str, QDBusConnection]]:
    if shutil.which("dbus-daemon") is None and not os.environ.get("CI"):
        pytest.skip("dbus-daemon is not installed (apt: dbus)")
    with private_bus(tmp_path) as address:
        connection = QDBusConnection.connectToBus(address, f"system-events-{tmp_path.name}")
        assert connection.isConnected()
        yield address, connection
        QDBusConnection.disconnectFromBus(connection.name())


@pytest.fixture
def standin(bus) -> Iterator[Start]:
    """Starts the stand-ins with NetworkManager in a given state; returns `send`."""
    running: list[subprocess.Popen[str]] = []

    def start(state: int) -> Callable[[str], None]:
        process = subprocess.Popen(
            [sys.executable, str(TESTS / "system_bus_standin.py"), bus[0], str(state)],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        running.append(process)
        assert process.stdout is not None and process.stdout.readline().strip() == "ready"

        def send(command: str) -> None:
            assert process.stdin is not None and process.stdout is not None
            process.stdin.write(command + "\n")
            process.stdin.flush()
            assert process.stdout.readline().strip() == f"sent {command}"

        return send

    yield start
    for process in running:
        process.kill()
        process.wait(timeout=10)


def test_network_back_after_an_outage_is_heard_once(qtbot, bus, standin) -> None:
    send = standin(20)  # disconnected when the tray starts
    events = SystemEvents(system_bus=bus[1])
    heard: list[bool] = []
    events.network_online.connect(lambda: heard.append(True))
    send("state 40")  # connecting
    qtbot.wait(200)
    assert heard == []
    send("state 60")  # site connectivity: the intranet is reachable
    qtbot.waitUntil(lambda: heard == [True], timeout=5_000)
    send("state 70")  # still online: not a second "back"
    qtbot.wait(300)
    assert heard == [True]


def test_online_at_start_needs_an_outage_before_it_counts(qtbot, bus, standin) -> None:
    send = standin(70)
    events = SystemEvents(system_bus=bus[1])
    heard: list[bool] = []
    events.network_online.connect(lambda: heard.append(True))
    send("state 70")
    qtbot.wait(300)
    assert heard == []
    send("state 20")
    send("state 70")
    qtbot.waitUntil(lambda: heard == [True], timeout=5_000)


def test_signals_from_anyone_else_on_the_bus_are_not_believed(qtbot, bus, standin) -> None:
    standin(20)
    events = SystemEvents(system_bus=bus[1])
    heard: list[bool] = []
    events.network_online.connect(lambda: heard.append(True))
    subprocess.run(["dbus-send", f"--bus={bus[0]}", "--type=signal",
                    "/org/freedesktop/NetworkManager",
                    "org.freedesktop.NetworkManager.StateChanged", "uint32:70"],
                   check=True, timeout=10)
    qtbot.wait(300)
    assert heard == []


def test_without_network_manager_the_tray_still_starts(qtbot, bus) -> None:
    events = SystemEvents(system_bus=bus[1])  # nobody answers State: unknown, no event
    assert events.network_state_known() is False


def test_waking_from_sleep_is_heard_and_going_to_sleep_is_not(qtbot, bus, standin) -> None:
    send = standin(70)
    events = SystemEvents(system_bus=bus[1])
    woke: list[bool] = []
    events.resumed.connect(lambda: woke.append(True))
    send("sleep true")
    qtbot.wait(300)
    assert woke == []
    send("sleep false")
    qtbot.waitUntil(lambda: woke == [True], timeout=5_000)
