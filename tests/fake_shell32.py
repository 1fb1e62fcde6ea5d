"""Just enough of Windows' shell32 for SHQueryUserNotificationState, as ctypes calls it.

Set `state` to the QUNS_* value Windows would report, or `result` to an HRESULT other
than S_OK (0) to make the call fail; `calls` counts the calls.
"""

from __future__ import annotations

import ctypes
from typing import Any


class FakeShell32:
    def __init__(self, state: int = 5, result: int = 0) -> None:
        self.state = state
        self.result = result
        self.calls = 0

    def SHQueryUserNotificationState(self, pquns: Any) -> int:
        """Writes the state through the QUERY_USER_NOTIFICATION_STATE* it is given, as
        shell32 does (only on success)."""
        self.calls += 1
        assert isinstance(pquns, ctypes._Pointer), "pass a pointer to a c_int"
        if self.result == 0:
            pquns.contents.value = self.state
        return self.result
