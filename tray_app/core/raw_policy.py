"""What a platform's policy reader returns, kept apart from policy.py (which chooses the
reader) so the readers need not import the module that imports them."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

MAX_POLICY_BYTES = 1024 * 1024


@dataclass(frozen=True)
class RawPolicy:
    """What one policy source holds, before validation."""

    values: dict[str, Any] = field(default_factory=dict)
    origin: str = ""  # where it came from, shown by diagnose
    warnings: tuple[str, ...] = ()
