"""A test intranet that offers native reconnect for one integration, and the search for
tokens left behind, shared by test_native_reconnect.py and test_reconnect_cli.py.

`GrantIntranet` answers GET /api/v1/me/integrations with one disconnected integration
carrying `native_connect` (grant_url on the same origin unless told otherwise), takes
POST .../grant with the status the test chose (204 reconnects it), and serves the
integration's reconnect page, whose visit reconnects it too (what a person does there).
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from fakeserver import FakeServer, RecordedRequest, Reply

INTRANET_TOKEN = "intranet-bearer-token-for-native-tests"
NATIVE_GOOGLE_CLIENT_ID = "companion-native-google"
NATIVE_GOOGLE_CLIENT = {  # the intranet's public (PKCE) Google registration: no secret
    "client_id": NATIVE_GOOGLE_CLIENT_ID, "application_type": "native",
    "token_endpoint_auth_method": "none", "redirect_uris": ["http://127.0.0.1/callback"],
    "grant_types": ["authorization_code", "refresh_token"], "response_types": ["code"]}
PAGE_PATH = "/profile/settings/external-apps"


@dataclass
class GrantIntranet:
    server: FakeServer
    integration_id: str
    provider: str
    native: dict[str, Any] | None  # native_connect without grant_url (added here)
    grant_status: int = 204
    grant_answer: dict[str, Any] | None = None
    grant_origin: str | None = None  # another origin for grant_url
    grants: list[RecordedRequest] = field(default_factory=list)
    page_visits: int = 0
    connected: bool = False
    _lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def url(self) -> str:
        return self.server.url

    @property
    def grant_path(self) -> str:
        return f"/api/v1/me/integrations/{self.integration_id}/grant"

    @property
    def reconnect_url(self) -> str:
        return f"{self.url}{PAGE_PATH}#{self.integration_id}"

    def install(self) -> GrantIntranet:
        self.server.respond("GET", "/api/v1/me/integrations", self._list)
        self.server.respond("POST", self.grant_path, self._grant)
        self.server.respond("GET", PAGE_PATH, self._page)
        return self

    def environment(self) -> dict[str, str]:
        return {"COMPANION_INTRANET_URL": self.url, "COMPANION_TOKEN": INTRANET_TOKEN}

    def _entry(self) -> dict[str, Any]:
        entry: dict[str, Any] = {
            "id": self.integration_id, "name": self.integration_id.capitalize(),
            "provider": self.provider,
            "status": "connected" if self.connected else "disconnected",
            "account": None, "expires_at": None,
            "disconnected_at": None if self.connected else "2026-11-27T08:12:00Z",
            "reason": None if self.connected else "refresh_failed",
            "reconnect_url": self.reconnect_url}
        if self.native is not None:
            entry["native_connect"] = {
                **self.native, "grant_url": (self.grant_origin or self.url) + self.grant_path}
        return entry

    def _list(self, request: RecordedRequest) -> Reply:
        assert request.headers["Authorization"] == f"Bearer {INTRANET_TOKEN}"
        with self._lock:
            entry = self._entry()
        return Reply.json({"user": {"id": "u-1", "name": "Alice", "email": "alice@example.test"},
                           "external_apps_url": self.url + PAGE_PATH,
                           "integrations": [entry]})

    def _grant(self, request: RecordedRequest) -> Reply:
        with self._lock:
            self.grants.append(request)
            if self.grant_status == 204:
                self.connected = True
        if self.grant_status == 204:
            return Reply(204)
        return Reply.json(self.grant_answer or {}, status=self.grant_status)

    def _page(self, _request: RecordedRequest) -> Reply:
        with self._lock:
            self.page_visits += 1
            self.connected = True
        return Reply.text("<!doctype html><title>External apps</title>",
                          content_type="text/html")


def files_under(*folders: Path) -> list[Path]:
    return [path for folder in folders if folder.exists()
            for path in folder.rglob("*") if path.is_file()]


def assert_tokens_nowhere(tokens: set[str], *folders: Path) -> None:
    """No token in any file under `folders` (the test's HOME and XDG folders, with the
    log in them)."""
    assert tokens and all(len(token) >= 16 for token in tokens), tokens
    for path in files_under(*folders):
        content = path.read_bytes()
        for token in tokens:
            assert token.encode() not in content, f"a vendor token was written to {path}"
