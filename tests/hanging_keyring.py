"""A keyring backend that never answers, like a locked collection waiting on a password
prompt nobody sees.

Select it with PYTHON_KEYRING_BACKEND=hanging_keyring.HangingKeyring, this directory on
PYTHONPATH and TEST_HANGING_KEYRING=1; without that variable it is not usable, so it never
takes part in ranking elsewhere. With `hang_in_priority`, even asking whether it is
usable never returns. In-process, tests set `release` to let the stuck calls end.
"""

from __future__ import annotations

import os
import threading
from typing import ClassVar

from keyring.backend import KeyringBackend
from keyring.compat import properties

ENABLE_ENV = "TEST_HANGING_KEYRING"
release = threading.Event()
calls: list[str] = []  # which operations started, in order


def _hang(operation: str) -> None:
    calls.append(operation)
    release.wait()


class HangingKeyring(KeyringBackend):
    hang_in_priority: ClassVar[bool] = False

    @properties.classproperty
    def priority(cls) -> float:
        if not os.environ.get(ENABLE_ENV):
            raise RuntimeError(f"{ENABLE_ENV} is not set")
        if cls.hang_in_priority:
            _hang("priority")
        return 1

    def get_password(self, service: str, username: str) -> str | None:
        _hang("get_password")
        return None

    def set_password(self, service: str, username: str, password: str) -> None:
        _hang("set_password")

    def delete_password(self, service: str, username: str) -> None:
        _hang("delete_password")
