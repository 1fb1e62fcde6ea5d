"""The demo intranet's data in SQLite: one connection, shared by all request threads.

Besides the integrations: each one's `native_connect` offer (from the scenario), what
is known of a grant handed over through it (account, account id, expiry and scopes,
never a token), and the notice emails already sent, so a restart does not resend them.
"""

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
CREATE TABLE IF NOT EXISTS native_connect (id TEXT PRIMARY KEY, config TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS grants (
    id TEXT PRIMARY KEY,
    account TEXT NOT NULL,
    account_id TEXT,
    expires_at TEXT,
    scopes TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS sent_notices (
    integration_id TEXT NOT NULL,
    kind TEXT NOT NULL,
    key TEXT NOT NULL,
    sent_at TEXT NOT NULL,
    PRIMARY KEY (integration_id, kind, key)
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
            self._db.execute("DELETE FROM native_connect")
            self._put_setting("user", user)
            self._put_setting("warning_window_days", warning_window_days)
            self._db.executemany(
                f"INSERT INTO integrations (position, {', '.join(COLUMNS)}) "
                f"VALUES (?, {', '.join('?' for _ in COLUMNS)})",
                [(position, *(row[c] for c in COLUMNS)) for position, row in enumerate(rows)],
            )
            self._db.executemany(
                "INSERT INTO native_connect (id, config) VALUES (?, ?)",
                [(row["id"], json.dumps(row["native_connect"]))
                 for row in rows if row.get("native_connect")],
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

    def native_connects(self) -> dict[str, dict[str, Any]]:
        """Each integration's native reconnect offer, by id (none: not offered)."""
        with self._lock:
            found = self._db.execute("SELECT id, config FROM native_connect").fetchall()
        return {ident: json.loads(config) for ident, config in found}

    def store_grant(self, integration_id: str, grant: dict[str, Any]) -> None:
        """Connect `integration_id` with a handed-over grant: `account`, `account_id`,
        `expires_at` (RFC 3339 or None) and `scopes`; no token ever comes here."""
        with self._lock, self._db:
            cursor = self._db.execute(
                "UPDATE integrations SET status = 'connected', account = ?, expires_at = ?, "
                "disconnected_at = NULL, reason = NULL WHERE id = ?",
                (grant["account"], grant["expires_at"], integration_id),
            )
            if cursor.rowcount == 0:
                raise UnknownIntegration(integration_id)
            self._db.execute(
                "INSERT OR REPLACE INTO grants (id, account, account_id, expires_at, scopes) "
                "VALUES (?, ?, ?, ?, ?)",
                (integration_id, grant["account"], grant["account_id"], grant["expires_at"],
                 json.dumps(grant["scopes"])),
            )

    def grant(self, integration_id: str) -> dict[str, Any] | None:
        """What is kept of the last grant handed over for `integration_id`."""
        with self._lock:
            found = self._db.execute(
                "SELECT account, account_id, expires_at, scopes FROM grants WHERE id = ?",
                (integration_id,),
            ).fetchone()
        if found is None:
            return None
        account, account_id, expires_at, scopes = found
        return {"account": account, "account_id": account_id, "expires_at": expires_at,
                "scopes": json.loads(scopes)}

    def sent_notices(self) -> set[tuple[str, str, str]]:
        """The identities (integration id, kind, key) of the notice emails sent so far."""
        with self._lock:
            found = self._db.execute(
                "SELECT integration_id, kind, key FROM sent_notices").fetchall()
        return {tuple(identity) for identity in found}

    def mark_notice_sent(self, identity: tuple[str, str, str], sent_at: str) -> None:
        with self._lock, self._db:
            self._db.execute(
                "INSERT OR IGNORE INTO sent_notices (integration_id, kind, key, sent_at) "
                "VALUES (?, ?, ?, ?)", (*identity, sent_at),
            )

    def _setting(self, key: str) -> Any:
        found = self._db.execute("SELECT value FROM settings WHERE key = ?", (key,)).fetchone()
        return None if found is None else json.loads(found[0])

    def _put_setting(self, key: str, value: Any) -> None:
        self._db.execute(
            "INSERT OR REPLACE INTO settings (key, value) VALUES (?, ?)", (key, json.dumps(value))
        )


class InvalidChange(ValueError):
    """An admin change the demo cannot make; the message is a sentence for a person."""
