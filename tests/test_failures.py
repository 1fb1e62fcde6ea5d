"""The one table from failure to sentence covers every failure there is."""

from __future__ import annotations

from tray_app.core.failures import TABLE, Fault, Status
from tray_app.core.transport import Failure

# What the builders (transport_error, status_error, fault_error) give a row's sentence.
FIELDS = {"host": "intranet.example", "seconds": 5.0, "reason": "", "other_site": "x.example",
          "status": "500", "when": "Try again later.", "size": "2 MB", "media_type": "text/html"}


def test_every_failure_status_and_fault_has_its_sentence() -> None:
    every = [*Failure, *Status, *Fault]
    assert [item for item in every if item not in TABLE] == []
    assert all(TABLE[item].sentence(FIELDS).strip() for item in every)
