"""The demo session's password store: a keyring backend kept in one JSON file in the
demo's temporary sandbox, so the demo's own tokens never reach the person's keyring and
vanish with the sandbox. PLAINTEXT: selected only by `--demo` (demo_process.py), through
PYTHON_KEYRING_BACKEND, with the file in DEMO_KEYRING_FILE; unusable elsewhere.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from keyring.backend import KeyringBackend
from keyring.compat import properties
from keyring.errors import PasswordDeleteError

FILE_ENV = "DEMO_KEYRING_FILE"


class PlaintextSandboxKeyring(KeyringBackend):
    @properties.classproperty
    def priority(cls) -> float:
        if not os.environ.get(FILE_ENV):
            raise RuntimeError(f"{FILE_ENV} is not set")
        return 1

    @staticmethod
    def _path() -> Path:
        return Path(os.environ[FILE_ENV])

    def _load(self) -> dict[str, str]:
        try:
            data = json.loads(self._path().read_text(encoding="utf-8"))
        except (FileNotFoundError, ValueError):
            return {}
        return data if isinstance(data, dict) else {}

    def _save(self, data: dict[str, str]) -> None:
        path = self._path()
        path.touch(mode=0o600)
        path.write_text(json.dumps(data), encoding="utf-8")

    def get_password(self, service: str, username: str) -> str | None:
        return self._load().get(f"{service}\n{username}")

    def set_password(self, service: str, username: str, password: str) -> None:
        self._save({**self._load(), f"{service}\n{username}": password})

    def delete_password(self, service: str, username: str) -> None:
        data = self._load()
        if data.pop(f"{service}\n{username}", None) is None:
            raise PasswordDeleteError("not found")
        self._save(data)
