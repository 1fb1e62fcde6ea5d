"""Event-driven hints that a check is worth doing now: resume from sleep, network back.

Both are signals from the system, not polling, so an idle companion never wakes up.
Where a platform offers neither, the scheduler's own timer still catches up after sleep.
"""

from __future__ import annotations

import logging

from PySide6.QtCore import SLOT, QObject, Signal, Slot
from PySide6.QtNetwork import QNetworkInformation

log = logging.getLogger(__name__)


class SystemEvents(QObject):
    resumed = Signal()
    network_online = Signal()

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._online: bool | None = None
        self._watch_network()
        self._watch_sleep()

    def _watch_network(self) -> None:
        feature = QNetworkInformation.Feature.Reachability
        if not QNetworkInformation.loadBackendByFeatures(feature):
            log.info("No network information backend; relying on scheduled checks")
            return
        info = QNetworkInformation.instance()
        self._online = info.reachability() == QNetworkInformation.Reachability.Online
        info.reachabilityChanged.connect(self._on_reachability)

    def _on_reachability(self, reachability: QNetworkInformation.Reachability) -> None:
        online = reachability == QNetworkInformation.Reachability.Online
        if online and self._online is False:
            self.network_online.emit()
        self._online = online

    def _watch_sleep(self) -> None:
        try:
            from PySide6.QtDBus import QDBusConnection
        except ImportError:
            return
        bus = QDBusConnection.systemBus()
        if not bus.isConnected():
            return
        bus.connect("org.freedesktop.login1", "/org/freedesktop/login1",
                    "org.freedesktop.login1.Manager", "PrepareForSleep",
                    self, SLOT("_on_prepare_for_sleep(bool)"))

    @Slot(bool)
    def _on_prepare_for_sleep(self, going_to_sleep: bool) -> None:
        if not going_to_sleep:
            self.resumed.emit()
