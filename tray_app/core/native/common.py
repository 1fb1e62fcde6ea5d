"""What the three vendor flows share: their settings, the grant they produce, the
loopback receiver for SDKs that choose the state themselves, and the account check."""

from __future__ import annotations

import base64
import binascii
import json
import logging
import os
import secrets
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from tray_app.core import messages
from tray_app.core.auth.idp import BROWSER_TIMEOUT_SECONDS, idp_session
from tray_app.core.auth.loopback import LoopbackReceiver
from tray_app.core.errors import CompanionError, ErrorKind
from tray_app.core.logs import register_secret
from tray_app.core.timeutil import format_utc

if TYPE_CHECKING:
    from tray_app.core.config import Config

log = logging.getLogger(__name__)

GOOGLE_AUTH_URI = "https://accounts.google.com/o/oauth2/v2/auth"
GOOGLE_TOKEN_URI = "https://oauth2.googleapis.com/token"
GOOGLE_USERINFO_URI = "https://openidconnect.googleapis.com/v1/userinfo"
# Google's endpoints come from no integration entry, so tests point them elsewhere with
# these (https only). Dropbox has its SDK's own DROPBOX_API_HOST / DROPBOX_WEB_HOST;
# Microsoft takes its authority from the entry.
GOOGLE_AUTH_URI_ENV = "COMPANION_TEST_GOOGLE_AUTH_URI"
GOOGLE_TOKEN_URI_ENV = "COMPANION_TEST_GOOGLE_TOKEN_URI"
GOOGLE_USERINFO_URI_ENV = "COMPANION_TEST_GOOGLE_USERINFO_URI"

OpenPage = Callable[[str], None]  # opens the vendor's page (and says so)


@dataclass(frozen=True)
class VendorSettings:
    browser_timeout: float = BROWSER_TIMEOUT_SECONDS
    connect_timeout: float = 5.0
    read_timeout: float = 20.0
    google_auth_uri: str = GOOGLE_AUTH_URI
    google_token_uri: str = GOOGLE_TOKEN_URI
    google_userinfo_uri: str = GOOGLE_USERINFO_URI

    @classmethod
    def from_config(cls, config: Config, environ: Mapping[str, str] | None = None,
                    **overrides: Any) -> VendorSettings:
        environ = os.environ if environ is None else environ
        values: dict[str, Any] = {
            "connect_timeout": float(config.get("connect_timeout_seconds")),
            "read_timeout": float(config.get("read_timeout_seconds")),
            "google_auth_uri": _https_override(environ, GOOGLE_AUTH_URI_ENV, GOOGLE_AUTH_URI),
            "google_token_uri": _https_override(environ, GOOGLE_TOKEN_URI_ENV,
                                                GOOGLE_TOKEN_URI),
            "google_userinfo_uri": _https_override(environ, GOOGLE_USERINFO_URI_ENV,
                                                   GOOGLE_USERINFO_URI),
        }
        return cls(**{**values, **overrides})


def _https_override(environ: Mapping[str, str], name: str, default: str) -> str:
    value = environ.get(name, "").strip()
    if not value:
        return default
    if not value.lower().startswith("https://"):
        log.warning("Ignoring %s: not an https address", name)
        return default
    return value


@dataclass(frozen=True)
class VendorGrant:
    """What a vendor's sign-in produced. The tokens never show in a repr.

    `expires_at` is when the grant stops working, as integrations[].expires_at means it:
    the refresh token's end where the vendor states one (`refresh_token_expires_in`),
    else None (the intranet then keeps its own default), never the access token's end,
    which a refresh renews."""

    provider: str
    account: str
    account_id: str | None
    access_token: str = field(repr=False)
    refresh_token: str = field(repr=False)
    expires_at: datetime | None
    scopes: tuple[str, ...]

    def __post_init__(self) -> None:
        for token in (self.access_token, self.refresh_token):
            register_secret(token)  # in case any library logs it anyway

    @property
    def tokens(self) -> tuple[str, str]:
        return (self.access_token, self.refresh_token)

    def body(self) -> dict[str, Any]:
        """The body of POST grant_url (intranet-api.md)."""
        return {"provider": self.provider, "account": self.account,
                "account_id": self.account_id, "refresh_token": self.refresh_token,
                "access_token": self.access_token,
                "expires_at": format_utc(self.expires_at) if self.expires_at else None,
                "scopes": list(self.scopes)}


def grant_from(provider: str, name: str, *, account: object, account_id: object,
               access_token: object, refresh_token: object, expires_at: datetime | None,
               scopes: tuple[str, ...]) -> VendorGrant:
    """A VendorGrant, or the sentence for what the vendor left out."""
    if not isinstance(access_token, str) or not access_token:
        raise CompanionError(ErrorKind.PROTOCOL, messages.native_no_access(name))
    if not isinstance(refresh_token, str) or not refresh_token:
        raise CompanionError(ErrorKind.PROTOCOL, messages.native_no_refresh_token(name))
    if not isinstance(account, str) or not account.strip():
        raise CompanionError(ErrorKind.PROTOCOL, messages.native_no_account(name))
    return VendorGrant(provider, account.strip(), account_id if isinstance(account_id, str)
                       else None, access_token, refresh_token, expires_at, scopes)


def grant_expiry(token_response: Mapping[str, Any]) -> datetime | None:
    """When the grant stops working, where the vendor says (see VendorGrant)."""
    seconds = token_response.get("refresh_token_expires_in")
    if isinstance(seconds, int | float) and not isinstance(seconds, bool) and seconds > 0:
        return datetime.now(UTC) + timedelta(seconds=seconds)
    return None


def same_account(signed_in: str, expected: str) -> bool:
    return signed_in.strip().casefold() == expected.strip().casefold()


def id_token_claims(id_token: object, client_id: str) -> dict[str, Any]:
    """The claims of an ID token that came straight from the vendor's token endpoint over
    verified TLS, which OpenID Connect Core 3.1.3.7 lets a client trust without checking
    the signature; its audience and expiry are still checked. {} when unusable."""
    if not isinstance(id_token, str) or id_token.count(".") != 2:
        return {}
    payload = id_token.split(".")[1]
    try:
        claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    except (binascii.Error, ValueError, RecursionError):
        return {}
    if not isinstance(claims, dict):
        return {}
    audience = claims.get("aud")
    audiences = audience if isinstance(audience, list) else [audience]
    expiry = claims.get("exp")
    if client_id not in audiences or not isinstance(expiry, int | float) \
            or expiry < time.time() - 300:
        log.warning("The vendor's ID token is not for this client or has expired")
        return {}
    return claims


def account_in(claims: Mapping[str, Any]) -> str | None:
    """The signed-in account as the contract names it: preferred_username, else email."""
    for claim in ("preferred_username", "email"):
        value = claims.get(claim)
        if isinstance(value, str) and value.strip():
            return value
    return None


def with_userinfo(claims: dict[str, Any], userinfo_uri: str | None, access_token: object,
                  settings: VendorSettings) -> dict[str, Any]:
    """`claims`, completed from the provider's userinfo endpoint when the ID token names
    no account (OpenID providers may keep End-User claims for userinfo when they issue an
    access token). The answer counts only for the same `sub` (OpenID Connect Core 5.3.2).
    requests' exceptions and ValueError (not JSON) are the caller's to turn into sentences."""
    if account_in(claims) or not userinfo_uri or not isinstance(access_token, str) \
            or not userinfo_uri.lower().startswith("https://"):
        return claims
    session = idp_session(settings.connect_timeout, settings.read_timeout)
    reply = session.get(userinfo_uri, headers={"Authorization": f"Bearer {access_token}",
                                               "Accept": "application/json"})
    data = reply.json() if reply.status_code == 200 else None
    if not isinstance(data, dict) or data.get("sub") != claims.get("sub"):
        log.warning("The vendor's userinfo endpoint did not name the account (HTTP %d)",
                    reply.status_code)
        return claims
    return {**data, **claims}


class LateStateReceiver(LoopbackReceiver):
    """A LoopbackReceiver for an SDK that picks the `state` itself once it knows the
    redirect URI (Dropbox's flow): nothing is taken until `expect(state)`."""

    def __init__(self, **options: Any) -> None:
        self._late_state: bytes | None = None  # before the server thread starts
        super().__init__(secrets.token_urlsafe(32), **options)  # never sent anywhere

    def expect(self, state: str) -> None:
        self._late_state = state.encode("utf-8")

    def belongs(self, fields: dict[str, list[str]]) -> bool:
        states = fields.get("state", [])
        if self._late_state is None or len(states) != 1:
            return False
        return secrets.compare_digest(states[0].encode("utf-8"), self._late_state)
