"""One tray app per user: a second launch asks the running one to show itself, then exits.

On Unix the channel is a Unix socket of the standard library watched by a
QSocketNotifier, at the path QLocalServer would use (QDir.tempPath() + name), so a
QLocalSocket reaches it as well; QtNetwork (and gio under it, about 4 MiB) stays out of
the tray. Windows uses QLocalServer's named pipes (ui/local_socket_instance.py).
"""

from __future__ import annotations

import contextlib
import logging
import os
import socket
import sys
import tempfile

from PySide6.QtCore import QDir, QObject, QSocketNotifier, Signal

from tray_app.core.instance import (
    MAX_REQUEST_BYTES,
    SHOW_MESSAGE,
    TIMEOUT_MS,
    read_request,
    server_name,
)

log = logging.getLogger(__name__)


class UnixSocketInstance(QObject):
    """Claims the per-user name; the owner hears later launches via `activation_requested`."""

    activation_requested = Signal()

    def __init__(self, name: str | None = None) -> None:
        super().__init__()
        self.name = name or server_name()
        self.path = os.path.join(QDir.tempPath(), self.name)
        self._server: socket.socket | None = None
        self._server_inode: int | None = None
        self._watchers: list[QSocketNotifier] = []
        self._pending: dict[socket.socket, tuple[bytes, QSocketNotifier]] = {}
        # Watchers of connections already dropped: released at the next connection or
        # at close, never inside their own signal (deleting one there crashes PySide).
        self._retired: list[QSocketNotifier] = []

    def try_become_primary(self) -> bool:
        """False if another instance answered (and was asked to show itself)."""
        if self.notify_running_instance():
            return False
        return self.listen()

    def notify_running_instance(self) -> bool:
        """Ask the instance holding the name to show itself; False if none answered."""
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as client:
            client.settimeout(TIMEOUT_MS / 1000)
            try:
                client.connect(self.path)
                client.sendall(SHOW_MESSAGE)
            except OSError:  # no file, nobody listening (a crash's leftover), no answer
                return False
        return True

    def listen(self) -> bool:
        """Hear later launches (`activation_requested`). True even when the name could
        not be claimed: the app then runs on without it."""
        try:
            server = self._bind()
        except OSError as problem:
            log.warning("Could not claim the single-instance name %s: %s", self.path,
                        problem.strerror or problem)
            return True
        self._server = server
        watcher = QSocketNotifier(server.fileno(), QSocketNotifier.Type.Read, self)
        watcher.activated.connect(self._accept_connections)
        self._watchers.append(watcher)
        return True

    def _bind(self) -> socket.socket:
        """Bound in a private folder, made this user's only, then moved into place: no
        moment when another user could connect, and a crash's leftover is replaced (the
        OS lock of core/instance.py already made this process the only tray)."""
        folder = tempfile.mkdtemp(prefix=f"{self.name}.", dir=QDir.tempPath())
        staged = os.path.join(folder, "socket")
        server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            server.bind(staged)
            os.chmod(staged, 0o700)
            os.replace(staged, self.path)
            server.listen(8)
            server.setblocking(False)
        except OSError:
            server.close()
            raise
        finally:
            with contextlib.suppress(OSError):
                os.unlink(staged)
            with contextlib.suppress(OSError):
                os.rmdir(folder)
        self._server_inode = os.stat(self.path).st_ino
        return server

    def close(self) -> None:
        for watcher in self._watchers:
            watcher.setEnabled(False)
        self._watchers.clear()
        for connection in list(self._pending):
            self._drop(connection)
        self._retired.clear()
        if self._server is not None:
            self._server.close()
            self._server = None
            with contextlib.suppress(OSError):
                if os.stat(self.path).st_ino == self._server_inode:  # still ours
                    os.unlink(self.path)

    def _accept_connections(self) -> None:
        self._retired.clear()
        while self._server is not None:
            try:
                connection, _address = self._server.accept()
            except OSError:  # BlockingIOError: none left
                return
            connection.setblocking(False)
            watcher = QSocketNotifier(connection.fileno(), QSocketNotifier.Type.Read)
            watcher.activated.connect(lambda *_, c=connection: self._read_request(c))
            self._pending[connection] = (b"", watcher)
            self._read_request(connection)  # bytes may already be waiting

    def _read_request(self, connection: socket.socket) -> None:
        if connection not in self._pending:
            return
        received, watcher = self._pending[connection]
        try:
            chunk = connection.recv(MAX_REQUEST_BYTES + 1)
        except BlockingIOError:
            return
        except OSError:
            chunk = b""
        # A client gone before a whole line asked for nothing.
        show = read_request(received + chunk) if chunk else False
        if show is None:
            self._pending[connection] = (received + chunk, watcher)
            return
        self._drop(connection)
        if show:
            self.activation_requested.emit()

    def _drop(self, connection: socket.socket) -> None:
        entry = self._pending.pop(connection, None)
        if entry is not None:
            entry[1].setEnabled(False)
            self._retired.append(entry[1])
        connection.close()


if sys.platform == "win32":
    from tray_app.ui.local_socket_instance import LocalSocketInstance as SingleInstance
else:
    SingleInstance = UnixSocketInstance
