"""A real notification server for the tests: dunst on its own Xvfb display and its own
private D-Bus session bus, with a D-Bus monitor recording every message about it.

- The bus is a plain dbus-daemon with a configuration of its own whose only service
  directory is empty: nothing is activatable on it, so "no notification server" is
  exactly that (a dbus-run-session would offer /usr/share/dbus-1/services, where the
  dunst package installs an activation file for org.freedesktop.Notifications).
- What the app sent is read from `dbus-monitor --pcap`: every message, typed, parsed
  with jeepney (Notify's arguments, its actions and hints, and the id it got back).
- An action is invoked the way a person does it in dunst: its context menu
  (`dunstctl context`), whose "dmenu" is a script here that picks the line of that
  notification's action; "default" is what `dunstctl action 0` (a click) invokes.

Every process is started in a session of its own and ended by its process group.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import struct
import subprocess
import textwrap
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from jeepney import Message

TOOLS = ("Xvfb", "dbus-daemon", "dbus-monitor", "dbus-send", "dunst", "dunstctl")
_PCAP_HEADER = 24
_PACKET_HEADER = struct.Struct("<IIII")

_BUS_CONFIG = """\
<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>session</type>
  <listen>unix:tmpdir=/tmp</listen>
  <auth>EXTERNAL</auth>
  <servicedir>{services}</servicedir>
  <policy context="default">
    <allow send_destination="*" eavesdrop="true"/>
    <allow eavesdrop="true"/>
    <allow own="*"/>
  </policy>
</busconfig>
"""


def tools_missing() -> str | None:
    missing = [tool for tool in TOOLS if shutil.which(tool) is None]
    return f"needs {', '.join(missing)} (installed by .ci/run)" if missing else None


def _start(command: list[str], **options: Any) -> subprocess.Popen:
    return subprocess.Popen(command, start_new_session=True, **options)


def _end(process: subprocess.Popen) -> None:
    if process.poll() is not None:
        return
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(10)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait(5)


@contextlib.contextmanager
def x_display() -> Iterator[str]:
    """A private Xvfb display (its name), for dunst to draw on."""
    reader, writer = os.pipe()
    xvfb = _start(["Xvfb", "-displayfd", str(writer), "-screen", "0", "1024x768x24",
                   "-nolisten", "tcp"], pass_fds=(writer,), stderr=subprocess.DEVNULL)
    os.close(writer)
    try:
        with os.fdopen(reader) as lines:
            number = lines.readline().strip()
        assert number, "Xvfb did not start"
        yield f":{number}"
    finally:
        _end(xvfb)


@contextlib.contextmanager
def private_bus(folder: Path) -> Iterator[str]:
    """A session bus of its own on which nothing is activatable: its address."""
    services = folder / "no-services"
    services.mkdir(parents=True, exist_ok=True)
    config = folder / "session.conf"
    config.write_text(_BUS_CONFIG.format(services=services), encoding="utf-8")
    daemon = _start(["dbus-daemon", "--nofork", "--print-address=1",
                     f"--config-file={config}"], stdout=subprocess.PIPE,
                    stderr=subprocess.DEVNULL, text=True)
    try:
        assert daemon.stdout is not None
        address = daemon.stdout.readline().strip()
        assert address, "no private D-Bus session bus could be started"
        yield address
    finally:
        _end(daemon)


@dataclass(frozen=True)
class NotifyCall:
    """One Notify the server received, and the id it answered with (None: no answer yet,
    or an error)."""

    app_name: str
    replaces_id: int
    app_icon: str
    summary: str
    body: str
    actions: list[str]
    hints: dict[str, tuple[str, Any]]
    expire_timeout: int
    sender: str
    id: int | None

    @property
    def action_keys(self) -> list[str]:
        return self.actions[0::2]


class Monitor:
    """`dbus-monitor --pcap` of everything about org.freedesktop.Notifications (and every
    reply), written to a file and read back as jeepney Messages."""

    def __init__(self, env: dict[str, str], path: Path) -> None:
        self.path = path
        self._file = path.open("wb")
        self._process = _start(
            ["dbus-monitor", "--session", "--pcap",
             "interface='org.freedesktop.Notifications'", "type='method_return'",
             "type='error'"], env=env, stdout=self._file, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 10
        while path.stat().st_size < _PCAP_HEADER:  # it writes the header once it monitors
            assert self._process.poll() is None, "dbus-monitor ended"
            assert time.monotonic() < deadline, "dbus-monitor did not start"
            time.sleep(0.05)

    def close(self) -> None:
        _end(self._process)
        self._file.close()

    def messages(self) -> list[Message]:
        from jeepney import Message

        data = self.path.read_bytes()
        found, at = [], _PCAP_HEADER
        while at + _PACKET_HEADER.size <= len(data):
            _seconds, _micro, length, _original = _PACKET_HEADER.unpack_from(data, at)
            at += _PACKET_HEADER.size
            if at + length > len(data):
                break  # still being written
            found.append(Message.from_buffer(data[at:at + length]))
            at += length
        return found

    def notify_calls(self) -> list[NotifyCall]:
        from jeepney import HeaderFields, MessageType

        messages = self.messages()
        answers = {(m.header.fields.get(HeaderFields.destination),
                    m.header.fields.get(HeaderFields.reply_serial)): m for m in messages
                   if m.header.message_type == MessageType.method_return}
        calls = []
        for message in messages:
            fields = message.header.fields
            if message.header.message_type != MessageType.method_call or \
                    fields.get(HeaderFields.member) != "Notify":
                continue
            sender = fields.get(HeaderFields.sender)
            answer = answers.get((sender, message.header.serial))
            calls.append(NotifyCall(*message.body, sender=sender,
                                    id=answer.body[0] if answer is not None else None))
        return calls


class Desktop:
    """dunst on a private display and bus. `env`: what reaches it (DISPLAY and
    DBUS_SESSION_BUS_ADDRESS); `address`: the bus."""

    def __init__(self, env: dict[str, str], folder: Path, monitor: Monitor) -> None:
        self.env = env
        self.address = env["DBUS_SESSION_BUS_ADDRESS"]
        self.monitor = monitor
        self._pick = folder / "pick"
        self.menus = folder / "menus.log"

    def notify_calls(self) -> list[NotifyCall]:
        return self.monitor.notify_calls()

    def dunstctl(self, *args: str) -> str:
        done = subprocess.run(["dunstctl", *args], env=self.env, capture_output=True,
                              text=True, timeout=10, check=False)
        assert done.returncode == 0, f"dunstctl {' '.join(args)}: {done.stderr.strip()}"
        return done.stdout.strip()

    def displayed(self) -> int:
        return int(self.dunstctl("count", "displayed"))

    def capabilities(self) -> list[str]:
        done = subprocess.run(
            ["dbus-send", "--session", "--print-reply=literal",
             "--dest=org.freedesktop.Notifications", "/org/freedesktop/Notifications",
             "org.freedesktop.Notifications.GetCapabilities"],
            env=self.env, capture_output=True, text=True, timeout=10, check=True)
        return done.stdout.split()

    def choose(self, ident: int, action: str) -> None:
        """What a person does in dunst's context menu: choose `action` of bubble `ident`
        (dunst lists each action as `#<label> (<summary>) [<id>,<action>]`)."""
        self._pick.write_text(f"[{ident},{action}]", encoding="utf-8")
        self.dunstctl("context")

    def click(self) -> None:
        """A click on the newest bubble: dunst invokes its "default" action."""
        self.dunstctl("action", "0")

    def send_signal(self, destination: str, member: str, *arguments: str) -> None:
        """A signal on the Notifications interface from another connection (not dunst)."""
        subprocess.run(["dbus-send", "--session", "--type=signal", f"--dest={destination}",
                        "/org/freedesktop/Notifications",
                        f"org.freedesktop.Notifications.{member}", *arguments],
                       env=self.env, capture_output=True, timeout=10, check=True)


def _dunst_config(folder: Path, *, markup: bool) -> Path:
    picker = folder / "dmenu"
    picker.write_text(textwrap.dedent(f"""\
        #!/bin/sh
        # dunst's menu lines on standard input; the one for the wanted action out.
        tee -a '{folder / "menus.log"}' | grep -m1 -F -- "$(cat '{folder / "pick"}')"
        """), encoding="utf-8")
    picker.chmod(0o755)
    config = folder / "dunstrc"
    config.write_text(textwrap.dedent(f"""\
        [global]
        font = Monospace 8
        markup = {"full" if markup else "no"}
        dmenu = {picker}

        [urgency_normal]
        timeout = 0
        """), encoding="utf-8")
    return config


@contextlib.contextmanager
def dunst_desktop(folder: Path, *, markup: bool = True) -> Iterator[Desktop]:
    """dunst running on a private Xvfb and bus (bubbles stay until closed)."""
    folder.mkdir(parents=True, exist_ok=True)
    with x_display() as display, private_bus(folder) as address:
        env = {k: v for k, v in os.environ.items()
               if not k.startswith("DBUS_") and k != "WAYLAND_DISPLAY"}
        env.update(DISPLAY=display, DBUS_SESSION_BUS_ADDRESS=address,
                   XDG_CONFIG_HOME=str(folder / "config"))
        monitor = Monitor(env, folder / "bus.pcap")
        log = (folder / "dunst.log").open("w")
        daemon = _start(["dunst", "-config", str(_dunst_config(folder, markup=markup))],
                        env=env, stdout=log, stderr=subprocess.STDOUT)
        desktop = Desktop(env, folder, monitor)
        try:
            deadline = time.monotonic() + 15
            while subprocess.run(["dunstctl", "is-paused"], env=env, capture_output=True,
                                 text=True, check=False).stdout.strip() != "false":
                assert daemon.poll() is None, (folder / "dunst.log").read_text()[-500:]
                assert time.monotonic() < deadline, "dunst did not come up"
                time.sleep(0.05)
            yield desktop
        finally:
            _end(daemon)
            log.close()
            monitor.close()
