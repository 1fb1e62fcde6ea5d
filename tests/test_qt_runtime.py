"""The Qt binding itself: the tray runs for weeks, so a leak per call is a crash later."""

from __future__ import annotations

import sys

from PySide6.QtCore import QObject, Signal


class _Emitter(QObject):
    done = Signal(str, bool)


def test_emitting_a_signal_leaks_no_reference(qapp) -> None:
    # PySide6 6.12.0 lost one reference to True per emit(); after a few thousand the
    # interpreter aborts ("bool_dealloc"). pyproject.toml excludes that release.
    emitter = _Emitter()
    received: list[bool] = []
    emitter.done.connect(lambda _text, flag: received.append(flag))
    before = sys.getrefcount(True)
    for _ in range(100):
        emitter.done.emit("sentence", True)
    assert len(received) == 100
    del received[:]
    assert sys.getrefcount(True) >= before
