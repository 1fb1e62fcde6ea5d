"""Event-driven hints that a check is worth doing now: resume from sleep, network back.

Both are signals from the system, not polling, so an idle companion never wakes up.
Where a platform offers neither, the scheduler's own timer still catches up after sleep.

On Linux both come over the system D-Bus: logind's PrepareForSleep and NetworkManager's
StateChanged (what Qt's own NetworkManager backend reads), so QtNetwork and gio stay out
of the tray. Elsewhere the network comes from QNetworkInformation.
"""

from __future__ import annotations

import logging
import sys

from PySide6.QtCore import SLOT, QObject, Signal, Slot

log = logging.getLogger(__name__)

_NM = ("org.freedesktop.NetworkManager", "/org/freedesktop/NetworkManager",
       "org.freedesktop.NetworkManager")
_LOGIN1 = ("org.freedesktop.login1", "/org/freedesktop/login1",
           "org.freedesktop.login1.Manager")
# NetworkManager's NM_STATE_CONNECTED_SITE: the intranet is a site network, so a desktop
# with site connectivity (no route to the internet) counts as online, as does GLOBAL (70).
NM_CONNECTED_SITE = 60
_QUERY_TIMEOUT_MS = 500


class SystemEvents(QObject):
    resumed = Signal()
    network_online = Signal()

    def __init__(self, parent: QObject | None = None, system_bus: object | None = None) -> None:
        """`system_bus` is a QDBusConnection to use instead of the system bus (tests)."""
        super().__init__(parent)
        self._online: bool | None = None
        bus = system_bus if system_bus is not None else self._system_bus()
        if sys.platform.startswith("linux") or system_bus is not None:
            self._watch_network_manager(bus)
        else:
            self._watch_network_information()
        self._watch_sleep(bus)

    def network_state_known(self) -> bool:
        return self._online is not None

    @staticmethod
    def _system_bus() -> object | None:
        try:
            from PySide6.QtDBus import QDBusConnection
        except ImportError:
            return None
        bus = QDBusConnection.systemBus()
        return bus if bus.isConnected() else None

    def _watch_network_manager(self, bus: object | None) -> None:
        if bus is None:
            log.info("No system bus; relying on scheduled checks for the network")
            return
        bus.connect(*_NM, "StateChanged", self, SLOT("_on_network_state(QDBusMessage)"))
        self._online = self._network_manager_online(bus)

    def _network_manager_online(self, bus: object) -> bool | None:
        """NetworkManager's state now; None when it does not answer (not running)."""
        from PySide6.QtDBus import QDBus, QDBusMessage

        query = QDBusMessage.createMethodCall(_NM[0], _NM[1], "org.freedesktop.DBus.Properties",
                                              "Get")
        query.setArguments([_NM[2], "State"])
        answer = bus.call(query, QDBus.CallMode.Block, _QUERY_TIMEOUT_MS)
        if answer.type() != QDBusMessage.MessageType.ReplyMessage or not answer.arguments():
            log.info("NetworkManager does not answer; relying on scheduled checks")
            return None
        state = _as_int(answer.arguments()[0])
        return None if state is None else state >= NM_CONNECTED_SITE

    @Slot("QDBusMessage")
    def _on_network_state(self, message: object) -> None:
        arguments = message.arguments()  # type: ignore[attr-defined]
        state = _as_int(arguments[0]) if arguments else None
        if state is not None:
            self._network_is(state >= NM_CONNECTED_SITE)

    def _watch_network_information(self) -> None:
        from PySide6.QtNetwork import QNetworkInformation

        feature = QNetworkInformation.Feature.Reachability
        if not QNetworkInformation.loadBackendByFeatures(feature):
            log.info("No network information backend; relying on scheduled checks")
            return
        info = QNetworkInformation.instance()
        online = QNetworkInformation.Reachability.Online
        self._online = info.reachability() == online
        info.reachabilityChanged.connect(lambda reach: self._network_is(reach == online))

    def _network_is(self, online: bool) -> None:
        if online and self._online is False:
            self.network_online.emit()
        self._online = online

    def _watch_sleep(self, bus: object | None) -> None:
        if bus is not None:
            bus.connect(*_LOGIN1, "PrepareForSleep", self, SLOT("_on_prepare_for_sleep(bool)"))

    @Slot(bool)
    def _on_prepare_for_sleep(self, going_to_sleep: bool) -> None:
        if not going_to_sleep:
            self.resumed.emit()


def _as_int(value: object) -> int | None:
    """A D-Bus uint32 as PySide hands it over (an int, or a QDBusVariant around one)."""
    inner = getattr(value, "variant", None)
    value = inner() if callable(inner) else value
    return value if isinstance(value, int) and not isinstance(value, bool) else None
