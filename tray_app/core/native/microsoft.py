"""Native reconnect for `provider: microsoft` with msal (PublicClientApplication).

Authorization code + PKCE through msal's `initiate_auth_code_flow` and
`acquire_token_by_auth_code_flow` (which checks the state and the flow again), the
shared loopback receiver on `http://localhost:<port>` (Entra's desktop redirect URI,
any port) with response_mode=form_post, and our own random state, so the receiver takes
only the answer that carries it. `login_hint` pre-fills the expected account. msal's
token cache here is its in-memory default, dropped with the application object.
"""

from __future__ import annotations

import json
import logging
import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any
from urllib.parse import urlsplit

from tray_app.core import messages
from tray_app.core.auth.idp import idp_session, not_completed_in_time, unreachable_error
from tray_app.core.auth.loopback import LoopbackReceiver
from tray_app.core.errors import CompanionError, ErrorKind
from tray_app.core.model import NativeConnect
from tray_app.core.native.common import (
    OpenPage,
    VendorGrant,
    VendorSettings,
    account_in,
    grant_expiry,
    grant_from,
    with_userinfo,
)
from tray_app.core.native.refusals import vendor_answer_not_ours, vendor_refused

log = logging.getLogger(__name__)
logging.getLogger("msal.token_cache").setLevel(logging.INFO)  # logs whole responses

DEFAULT_AUTHORITY = "https://login.microsoftonline.com/common"
REDIRECT_HOST = "localhost"
_RESERVED_SCOPES = frozenset({"openid", "profile", "offline_access"})  # msal adds them


def sign_in(native: NativeConnect, name: str, open_page: OpenPage,
            settings: VendorSettings) -> VendorGrant:
    authority = native.authority or DEFAULT_AUTHORITY
    scopes = [scope for scope in native.scopes if scope not in _RESERVED_SCOPES]
    with _reaching(urlsplit(authority).netloc, name):
        app = _application(native.client_id, authority, settings, name)
        result = _run_flow(app, native, scopes, open_page, settings, name)
        claims = dict(result.get("id_token_claims") or {})
        if account_in(claims) is None:
            claims = with_userinfo(claims, _userinfo_endpoint(authority, settings),
                                   result.get("access_token"), settings)
    return _grant(result, claims, name, scopes)


def _application(client_id: str, authority: str, settings: VendorSettings,
                 name: str) -> Any:
    import msal  # slow to import; only this flow needs it

    try:
        return msal.PublicClientApplication(
            client_id, http_client=idp_session(settings.connect_timeout, settings.read_timeout),
            **_authority_arguments(authority))
    except ValueError as problem:  # msal's checks of the authority and its discovery
        log.warning("msal refused the authority: %s", type(problem).__name__)
        raise CompanionError(ErrorKind.CONFIG, messages.native_authority_refused(name)) from None


@contextmanager
def _reaching(host: str, name: str) -> Iterator[None]:
    """Failures to reach Microsoft, or to understand it, as sentences."""
    import requests
    from msal.oauth2cli.oidc import IdTokenError

    try:
        yield
    except requests.RequestException as problem:
        raise unreachable_error(problem, host) from None
    except (IdTokenError, json.JSONDecodeError) as problem:
        log.warning("Unusable answer from %s: %s", host, type(problem).__name__)
        raise vendor_answer_not_ours(name) from None


def _run_flow(app: Any, native: NativeConnect, scopes: list[str], open_page: OpenPage,
              settings: VendorSettings, name: str) -> dict[str, Any]:
    state = secrets.token_urlsafe(24)
    with LoopbackReceiver(state, path="/", form_post=True) as receiver:
        flow = app.initiate_auth_code_flow(
            scopes, redirect_uri=receiver.redirect_uri(REDIRECT_HOST), state=state,
            response_mode="form_post", login_hint=native.expected_account)
        open_page(flow["auth_uri"])
        answer = receiver.wait(settings.browser_timeout)
    if answer is None:
        raise CompanionError(ErrorKind.AUTH, not_completed_in_time(settings.browser_timeout))
    try:
        result = app.acquire_token_by_auth_code_flow(flow, answer, scopes=scopes)
    except ValueError:  # msal's own check of the state and the flow
        raise vendor_answer_not_ours(name) from None
    if not result or result.get("error"):
        raise vendor_refused(name, (result or {}).get("error"))
    return dict(result)


def _userinfo_endpoint(authority: str, settings: VendorSettings) -> str | None:
    """Only asked when the ID token names no account, which Entra's always do (it is
    `preferred_username`); other OpenID providers name their userinfo endpoint in their
    discovery document, where msal found them too."""
    session = idp_session(settings.connect_timeout, settings.read_timeout)
    reply = session.get(f"{authority}/.well-known/openid-configuration")
    document = reply.json() if reply.status_code == 200 else None
    endpoint = document.get("userinfo_endpoint") if isinstance(document, dict) else None
    return endpoint if isinstance(endpoint, str) else None


def _grant(result: dict[str, Any], claims: dict[str, Any], name: str,
           scopes: list[str]) -> VendorGrant:
    granted = result.get("scope")
    granted_scopes = tuple(granted.split()) if isinstance(granted, str) else tuple(scopes)
    return grant_from(
        "microsoft", name, account=account_in(claims),
        account_id=claims.get("oid") or claims.get("sub"),
        access_token=result.get("access_token"), refresh_token=result.get("refresh_token"),
        expires_at=grant_expiry(result), scopes=granted_scopes)


def _authority_arguments(authority: str) -> dict[str, str]:
    """Entra authorities go to msal as `authority`; any other issuer (an OpenID
    provider standing in for Entra) as `oidc_authority`, as core/auth/microsoft.py does."""
    from msal.authority import WELL_KNOWN_AUTHORITY_HOSTS, WELL_KNOWN_B2C_HOSTS

    host = (urlsplit(authority).hostname or "").lower()
    if host in WELL_KNOWN_AUTHORITY_HOSTS or any(
            host.endswith("." + suffix) for suffix in WELL_KNOWN_B2C_HOSTS):
        return {"authority": authority}
    return {"oidc_authority": authority}
