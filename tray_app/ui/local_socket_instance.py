"""The single-instance channel on QLocalServer / QLocalSocket (QtNetwork): named pipes on
Windows. Other systems use ui/single_instance.py's Unix socket, which keeps QtNetwork
(and gio under it, about 4 MiB) out of the tray."""

from __future__ import annotations

import logging

from PySide6.QtCore import QObject, Signal
from PySide6.QtNetwork import QAbstractSocket, QLocalServer, QLocalSocket

from tray_app.core.instance import SHOW_MESSAGE, TIMEOUT_MS, read_request, server_name

log = logging.getLogger(__name__)


class LocalSocketInstance(QObject):
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
        # Connections already dropped: released at the next connection or at close, never
        # inside their own signal (deleteLater there, then this object's deletion, crashes
        # PySide: "shared QObject was deleted directly").
        self._retired: list[QLocalSocket] = []

    def try_become_primary(self) -> bool:
        """False if another instance answered (and was asked to show itself)."""
        if self.notify_running_instance():
            return False
        return self.listen()

    def close(self) -> None:
        self._server.close()
        for connection in [*self._pending, *self._retired]:
            connection.abort()
        self._pending.clear()
        self._retired.clear()

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
        socket.abort()  # a server that hung up first left Qt's socket half-closed
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
        self._retired.clear()
        while self._server.hasPendingConnections():
            connection = self._server.nextPendingConnection()
            connection.setParent(None)  # owned here: see _retired
            self._pending[connection] = b""
            connection.readyRead.connect(lambda c=connection: self._read_request(c))
            connection.disconnected.connect(lambda c=connection: self._on_disconnected(c))
            self._read_request(connection)  # bytes may already be waiting

    def _read_request(self, connection: QLocalSocket) -> None:
        if connection not in self._pending:
            return
        received = self._pending[connection] + connection.readAll().data()
        show = read_request(received)
        if show is None:
            self._pending[connection] = received
            return
        self._drop(connection)
        if show:
            self.activation_requested.emit()

    def _on_disconnected(self, connection: QLocalSocket) -> None:
        self._read_request(connection)  # a quick client may be gone before we read
        self._drop(connection)

    def _drop(self, connection: QLocalSocket) -> None:
        if self._pending.pop(connection, None) is None:
            return
        connection.disconnectFromServer()
        self._retired.append(connection)
