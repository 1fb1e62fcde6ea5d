"""The demo intranet's data in SQLite: one connection, shared by all request threads."""

from __future__ import annotations

import json
import sqlite3
import threading
from typing import Any

COLUMNS = (
    "id", "name", "provider", "status", "account", "expires_at", "disconnected_at", "reason",
)

_SCHEMA = """
CREATE TABLE IF NOT EXISTS settings (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS integrations (
    position INTEGER NOT NULL,
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    provider TEXT NOT NULL,
    status TEXT NOT NULL,
    account TEXT,
    expires_at TEXT,
    disconnected_at TEXT,
    reason TEXT
);
"""


class UnknownIntegration(LookupError):
    def __init__(self, integration_id: str) -> None:
        super().__init__(f"There is no integration with the id '{integration_id}'.")
        self.integration_id = integration_id


class Store:
    """Times are kept as RFC 3339 strings in UTC, exactly as the API serves them."""

    def __init__(self, path: str = ":memory:") -> None:
        self._lock = threading.RLock()
        self._db = sqlite3.connect(path, check_same_thread=False)
        try:
            self._db.executescript(_SCHEMA)
        except sqlite3.Error:
            self._db.close()
            raise

    def close(self) -> None:
        with self._lock:
            self._db.close()

    def is_empty(self) -> bool:
        with self._lock:
            return self._setting("user") is None

    def seed(self, user: dict[str, Any], warning_window_days: int, rows: list[dict]) -> None:
        with self._lock, self._db:
            self._db.execute("DELETE FROM integrations")
            self._put_setting("user", user)
            self._put_setting("warning_window_days", warning_window_days)
            self._db.executemany(
                f"INSERT INTO integrations (position, {', '.join(COLUMNS)}) "
                f"VALUES (?, {', '.join('?' for _ in COLUMNS)})",
                [(position, *(row[c] for c in COLUMNS)) for position, row in enumerate(rows)],
            )

    def snapshot(self) -> tuple[dict[str, Any], int, list[dict[str, Any]]]:
        """User, warning window and integrations, read together so they agree."""
        with self._lock:
            return self._setting("user"), self._setting("warning_window_days"), self.rows()

    def rows(self) -> list[dict[str, Any]]:
        with self._lock:
            cursor = self._db.execute(
                f"SELECT {', '.join(COLUMNS)} FROM integrations ORDER BY position"
            )
            return [dict(zip(COLUMNS, values, strict=True)) for values in cursor]

    def row(self, integration_id: str) -> dict[str, Any]:
        with self._lock:
            values = self._db.execute(
                f"SELECT {', '.join(COLUMNS)} FROM integrations WHERE id = ?",
                (integration_id,),
            ).fetchone()
        if values is None:
            raise UnknownIntegration(integration_id)
        return dict(zip(COLUMNS, values, strict=True))

    def update(self, integration_id: str, changes: dict[str, Any]) -> None:
        unknown = set(changes) - set(COLUMNS[1:])
        if unknown:
            raise ValueError(f"not columns that may change: {sorted(unknown)}")
        assignments = ", ".join(f"{column} = ?" for column in changes)
        with self._lock, self._db:
            cursor = self._db.execute(
                f"UPDATE integrations SET {assignments} WHERE id = ?",
                (*changes.values(), integration_id),
            )
        if cursor.rowcount == 0:
            raise UnknownIntegration(integration_id)

    def _setting(self, key: str) -> Any:
        found = self._db.execute("SELECT value FROM settings WHERE key = ?", (key,)).fetchone()
        return None if found is None else json.loads(found[0])

    def _put_setting(self, key: str, value: Any) -> None:
        self._db.execute(
            "INSERT OR REPLACE INTO settings (key, value) VALUES (?, ?)", (key, json.dumps(value))
        )


class InvalidChange(ValueError):
    """An admin change the demo cannot make; the message is a sentence for a person."""
