"""One instance per user: the Unix-socket channel (Linux, macOS) and the QLocalServer one
(Windows; it runs here too), real sockets in this process and across processes, and each
reached by the other's client."""

from __future__ import annotations

import getpass
import os
import socket
import stat
import subprocess
import sys
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QDir
from PySide6.QtNetwork import QLocalSocket

from tray_app.core.instance import server_name
from tray_app.ui.local_socket_instance import LocalSocketInstance
from tray_app.ui.single_instance import SingleInstance, UnixSocketInstance

REPO = Path(__file__).resolve().parents[1]
SECOND_LAUNCH = """
import sys
from PySide6.QtCore import QCoreApplication
from tray_app.ui.single_instance import SingleInstance

app = QCoreApplication(sys.argv[:1])
print("primary" if SingleInstance(sys.argv[1]).try_become_primary() else "not primary")
"""

unix_only = pytest.mark.skipif(sys.platform == "win32", reason="socket files are a Unix thing")


def unique_name() -> str:
    return f"ic-test-{uuid.uuid4().hex[:12]}"


def socket_path(name: str) -> Path:
    return Path(QDir.tempPath()) / name


CHANNELS = [LocalSocketInstance] if sys.platform == "win32" \
    else [UnixSocketInstance, LocalSocketInstance]


def test_the_platform_gets_its_channel() -> None:
    expected = LocalSocketInstance if sys.platform == "win32" else UnixSocketInstance
    assert SingleInstance is expected


@pytest.fixture(params=CHANNELS, ids=lambda channel: channel.__name__)
def make_instance(request, qapp) -> Iterator[Callable[[str], SingleInstance]]:
    created: list[SingleInstance] = []

    def make(name: str) -> SingleInstance:
        instance = request.param(name)
        created.append(instance)
        return instance

    yield make
    for instance in created:
        instance.close()


def test_server_name_is_stable_per_user_and_hides_the_user_name() -> None:
    name = server_name()
    assert name == server_name()
    prefix, digest = name.rsplit("-", 1)
    assert prefix == "intranet-companion"
    assert len(digest) == 16
    int(digest, 16)
    assert getpass.getuser() not in name


def test_first_instance_becomes_primary(make_instance) -> None:
    name = unique_name()
    assert make_instance(name).try_become_primary()


@unix_only
def test_only_this_user_can_reach_the_socket(make_instance) -> None:
    name = unique_name()
    assert make_instance(name).try_become_primary()
    mode = os.stat(socket_path(name)).st_mode
    assert stat.S_ISSOCK(mode)
    assert mode & 0o077 == 0


def test_second_instance_asks_the_primary_to_show(qtbot, make_instance) -> None:
    name = unique_name()
    primary = make_instance(name)
    assert primary.try_become_primary()
    with qtbot.waitSignal(primary.activation_requested, timeout=5_000):
        assert not make_instance(name).try_become_primary()


def test_different_names_are_independent(qtbot, make_instance) -> None:
    first, second = make_instance(unique_name()), make_instance(unique_name())
    with qtbot.assertNotEmitted(first.activation_requested, wait=300), \
            qtbot.assertNotEmitted(second.activation_requested, wait=300):
        assert first.try_become_primary()
        assert second.try_become_primary()


def test_other_messages_do_not_activate(qtbot, make_instance) -> None:
    name = unique_name()
    primary = make_instance(name)
    assert primary.try_become_primary()
    client = QLocalSocket()
    client.connectToServer(name)
    assert client.waitForConnected(1_000)
    with qtbot.assertNotEmitted(primary.activation_requested, wait=300):
        client.write(b"quit\n")
        client.waitForBytesWritten(1_000)
    client.abort()


@unix_only
def test_stale_socket_from_a_crash_is_recovered(qtbot, make_instance) -> None:
    name = unique_name()
    leftover = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    leftover.bind(str(socket_path(name)))
    leftover.close()  # the file stays behind, nobody listens: like after a crash
    assert socket_path(name).exists()

    primary = make_instance(name)
    assert primary.try_become_primary()
    with qtbot.waitSignal(primary.activation_requested, timeout=5_000):
        assert not make_instance(name).try_become_primary()


def test_closed_primary_frees_the_name(make_instance) -> None:
    name = unique_name()
    first = make_instance(name)
    assert first.try_become_primary()
    first.close()
    assert make_instance(name).try_become_primary()


def test_second_process_defers_to_the_primary(qtbot, make_instance) -> None:
    name = unique_name()
    primary = make_instance(name)
    assert primary.try_become_primary()
    with qtbot.waitSignal(primary.activation_requested, timeout=30_000):
        second = subprocess.Popen(
            [sys.executable, "-c", SECOND_LAUNCH, name],
            cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        )
    output, errors = second.communicate(timeout=30)
    assert second.returncode == 0, errors
    assert output.strip() == "not primary"


def test_the_instance_lock_is_claimed_once() -> None:
    from tray_app.core.instance import claim_instance
    from tray_app.core.locking import release

    first = claim_instance()
    assert first.first and first.fd is not None
    assert not claim_instance().first
    release(first.fd)
    again = claim_instance()
    assert again.first and again.fd is not None
    release(again.fd)


def test_a_second_launch_checks_nothing_and_writes_nothing(fake_server, isolated_home) -> None:
    from fakeserver import Reply

    from tray_app.core import paths
    from tray_app.core.instance import claim_instance

    server = fake_server()
    server.respond("GET", "/api/v1/me/integrations", Reply.json({}))
    first = claim_instance()  # this test process plays the running tray
    assert first.first
    state_dir = paths.state_dir()
    before = sorted(p.name for p in state_dir.iterdir())
    env = {**os.environ, "COMPANION_TOKEN": "second-launch-token-123456",
           "QT_QPA_PLATFORM": "offscreen"}
    done = subprocess.run([sys.executable, str(REPO / "main.py"), "--intranet-url", server.url],
                          cwd=REPO, env=env, capture_output=True, text=True, timeout=60,
                          check=False)
    assert done.returncode == 0, done.stderr
    assert "already running" in done.stdout
    assert "Traceback" not in done.stderr
    assert server.requests == []
    assert sorted(p.name for p in state_dir.iterdir()) == before  # no state, no log


@unix_only
@pytest.mark.parametrize(("server_kind", "client_kind"), [
    (UnixSocketInstance, LocalSocketInstance), (LocalSocketInstance, UnixSocketInstance)])
def test_each_channel_reaches_the_other(qtbot, server_kind, client_kind) -> None:
    """A tray of one build and a launch of the other still find each other."""
    name = unique_name()
    primary = server_kind(name)
    try:
        assert primary.try_become_primary()
        with qtbot.waitSignal(primary.activation_requested, timeout=5_000):
            assert client_kind(name).notify_running_instance()
    finally:
        primary.close()


@unix_only
def test_the_tray_process_keeps_qtnetwork_out(qapp) -> None:
    """What the channel costs: the standard library's socket, not QtNetwork and gio."""
    done = subprocess.run(
        [sys.executable, "-c", "import sys; import tray_app.ui.single_instance; "
         "print('PySide6.QtNetwork' in sys.modules)"],
        cwd=REPO, capture_output=True, text=True, timeout=60, check=True)
    assert done.stdout.strip() == "False"


@unix_only
def test_a_long_line_or_a_silent_client_is_dropped(qtbot, make_instance) -> None:
    name = unique_name()
    primary = make_instance(name)
    assert primary.try_become_primary()
    with qtbot.assertNotEmitted(primary.activation_requested, wait=300):
        for payload in (b"x" * 200, b"show"):  # no end of line: not a request
            with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as client:
                client.connect(str(socket_path(name)))
                client.sendall(payload)
    with qtbot.waitSignal(primary.activation_requested, timeout=5_000):
        assert make_instance(name).notify_running_instance()
