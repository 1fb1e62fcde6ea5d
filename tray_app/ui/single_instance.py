"""One tray app per user: a second launch asks the running one to show itself, then exits."""

from __future__ import annotations

import getpass
import logging
import zlib
from pathlib import Path

from PySide6.QtCore import QObject, Signal
from PySide6.QtNetwork import QAbstractSocket, QLocalServer, QLocalSocket

from tray_app import APP_ID

log = logging.getLogger(__name__)

SHOW_MESSAGE = b"show\n"
# Short, so a primary that hangs cannot hold up a new launch for long.
TIMEOUT_MS = 500
# A request is one short line; anything longer is not ours.
MAX_REQUEST_BYTES = 64


def server_name() -> str:
    """A stable per-user name; hashed because user names may hold any character. Not a
    cryptographic hash: the name only has to differ between users (and hashlib would
    load libcrypto, 3 MiB, into the tray)."""
    try:
        user = getpass.getuser()
    except (KeyError, OSError):  # no login name in the environment or passwd
        user = ""
    key = f"{user}\0{Path.home()}".encode()
    return f"{APP_ID}-{zlib.crc32(key):08x}{zlib.adler32(key):08x}"


class SingleInstance(QObject):
    """Claims the per-user name; the owner hears later launches via `activation_requested`."""

    activation_requested = Signal()

    def __init__(self, name: str | None = None) -> None:
        super().__init__()
        self.name = name or server_name()
        self._server = QLocalServer(self)
        # Only this user may connect (on Unix, the socket file becomes 0700).
        self._server.setSocketOptions(QLocalServer.SocketOption.UserAccessOption)
        self._server.newConnection.connect(self._accept_connections)
        self._pending: dict[QLocalSocket, bytes] = {}

    def try_become_primary(self) -> bool:
        """False if another instance answered (and was asked to show itself)."""
        if self.notify_running_instance():
            return False
        return self.listen()

    def close(self) -> None:
        self._server.close()
        for connection in list(self._pending):
            connection.abort()
            connection.deleteLater()
        self._pending.clear()

    def notify_running_instance(self) -> bool:
        """Ask the instance holding the name to show itself; False if none answered."""
        socket = QLocalSocket()
        socket.connectToServer(self.name)
        if not socket.waitForConnected(TIMEOUT_MS):
            return False
        socket.write(SHOW_MESSAGE)
        socket.waitForBytesWritten(TIMEOUT_MS)
        socket.disconnectFromServer()
        if socket.state() != QLocalSocket.LocalSocketState.UnconnectedState:
            socket.waitForDisconnected(TIMEOUT_MS)
        return True

    def listen(self) -> bool:
        """Hear later launches (`activation_requested`). True unless the name could not
        be claimed at all, in which case the app runs on without it."""
        if self._server.listen(self.name):
            return True
        if self._server.serverError() == QAbstractSocket.SocketError.AddressInUseError:
            # Nobody answered above, so the name is a leftover from a crashed instance.
            QLocalServer.removeServer(self.name)
            if self._server.listen(self.name):
                return True
        # Still run, just without single-instance protection.
        log.warning("Could not claim the single-instance name: %s", self._server.errorString())
        return True

    def _accept_connections(self) -> None:
        while self._server.hasPendingConnections():
            connection = self._server.nextPendingConnection()
            self._pending[connection] = b""
            connection.readyRead.connect(lambda c=connection: self._read_request(c))
            connection.disconnected.connect(lambda c=connection: self._on_disconnected(c))
            self._read_request(connection)  # bytes may already be waiting

    def _read_request(self, connection: QLocalSocket) -> None:
        if connection not in self._pending:
            return
        received = self._pending[connection] + connection.readAll().data()
        if b"\n" in received:
            request = received.split(b"\n", 1)[0]
            self._drop(connection)
            if request == SHOW_MESSAGE.strip():
                self.activation_requested.emit()
        elif len(received) > MAX_REQUEST_BYTES:
            self._drop(connection)
        else:
            self._pending[connection] = received

    def _on_disconnected(self, connection: QLocalSocket) -> None:
        self._read_request(connection)  # a quick client may be gone before we read
        self._drop(connection)

    def _drop(self, connection: QLocalSocket) -> None:
        if self._pending.pop(connection, None) is None:
            return
        connection.disconnectFromServer()
        connection.deleteLater()
