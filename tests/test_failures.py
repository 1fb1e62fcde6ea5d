"""The one table from failure to sentence covers every failure there is."""

from __future__ import annotations

from tray_app.core.failures import TABLE, Fault, Status
from tray_app.core.transport import Failure


def test_every_failure_status_and_fault_has_its_sentence() -> None:
    every = [*Failure, *Status, *Fault]
    assert [item for item in every if item not in TABLE] == []
    assert all(TABLE[item].sentence.strip() for item in every)
