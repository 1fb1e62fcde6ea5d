"""Native reconnect for `provider: google` with google-auth-oauthlib's Flow.

The client is the intranet's own public (PKCE) registration: a client id and no
secret. Flow builds the authorization URL with PKCE S256 (its own code verifier), our
random state, access_type=offline and prompt=consent (so Google hands out a refresh
token even to someone who approved before) and `login_hint`; the shared loopback
receiver on 127.0.0.1 takes only the answer with that state, and Flow redeems the code.
"openid email" are always asked for, so the ID token says who signed in.

Google's endpoints are the defaults; COMPANION_TEST_GOOGLE_AUTH_URI,
COMPANION_TEST_GOOGLE_TOKEN_URI and COMPANION_TEST_GOOGLE_USERINFO_URI (https only) point
them at another OpenID provider for tests (common.py). The account is the ID token's
`email`; its userinfo endpoint is asked only when the ID token names none.
"""

from __future__ import annotations

import logging
import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any
from urllib.parse import urlsplit

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
    id_token_claims,
    with_userinfo,
)
from tray_app.core.native.refusals import vendor_answer_not_ours, vendor_refused

log = logging.getLogger(__name__)
for _chatty in ("requests_oauthlib", "oauthlib"):  # they log token requests at DEBUG
    logging.getLogger(_chatty).setLevel(logging.INFO)

IDENTITY_SCOPES = ("openid", "email")


def sign_in(native: NativeConnect, name: str, open_page: OpenPage,
            settings: VendorSettings) -> VendorGrant:
    scopes = [*native.scopes, *(s for s in IDENTITY_SCOPES if s not in native.scopes)]
    with _reaching(urlsplit(settings.google_token_uri).netloc, name):
        flow = _flow(native.client_id, scopes, settings)
        token = _run_flow(flow, native, open_page, settings, name)
        claims = with_userinfo(id_token_claims(token.get("id_token"), native.client_id),
                               settings.google_userinfo_uri, token.get("access_token"),
                               settings)
    granted = token.get("scope")
    return grant_from(
        "google", name, account=account_in(claims), account_id=claims.get("sub"),
        access_token=token.get("access_token"), refresh_token=token.get("refresh_token"),
        expires_at=grant_expiry(token),
        scopes=tuple(granted) if isinstance(granted, list)
        else tuple(str(granted or " ".join(scopes)).split()))


def _flow(client_id: str, scopes: list[str], settings: VendorSettings) -> Any:
    from google_auth_oauthlib.flow import Flow

    client_config = {"installed": {
        "client_id": client_id,
        "client_secret": None,  # a public client: none is sent
        "auth_uri": settings.google_auth_uri,
        "token_uri": settings.google_token_uri,
        "redirect_uris": ["http://127.0.0.1"],
    }}
    flow = Flow.from_client_config(client_config, scopes=scopes)
    # The OS trust store and bounded waits, as for the intranet.
    for prefix, adapter in idp_session(settings.connect_timeout,
                                       settings.read_timeout).adapters.items():
        flow.oauth2session.mount(prefix, adapter)
    return flow


def _run_flow(flow: Any, native: NativeConnect, open_page: OpenPage,
              settings: VendorSettings, name: str) -> dict[str, Any]:
    state = secrets.token_urlsafe(24)
    with LoopbackReceiver(state) as receiver:
        flow.redirect_uri = receiver.redirect_uri()
        hint = {"login_hint": native.expected_account} if native.expected_account else {}
        url, _state = flow.authorization_url(state=state, access_type="offline",
                                             prompt="consent", **hint)
        open_page(url)
        answer = receiver.wait(settings.browser_timeout)
    if answer is None:
        raise CompanionError(ErrorKind.AUTH, not_completed_in_time(settings.browser_timeout))
    if answer.get("error") or not answer.get("code"):
        raise vendor_refused(name, answer.get("error") or "missing_code")
    return _fetch_token(flow, answer["code"], settings)


def _fetch_token(flow: Any, code: str, settings: VendorSettings) -> dict[str, Any]:
    timeout = (settings.connect_timeout, settings.read_timeout)
    try:
        return dict(flow.fetch_token(code=code, include_client_id=True, timeout=timeout))
    except Warning as scope_spelling:
        # oauthlib warns when the granted scopes are spelt otherwise ("email" comes back
        # as ".../auth/userinfo.email"): no failure, the token it carries is kept.
        token = getattr(scope_spelling, "token", None)
        if token is None:
            raise
        return dict(token)


@contextmanager
def _reaching(host: str, name: str) -> Iterator[None]:
    import requests
    from oauthlib.oauth2 import OAuth2Error

    try:
        yield
    except OAuth2Error as problem:
        raise vendor_refused(name, problem.error) from None
    except requests.RequestException as problem:
        where = problem.request.url if problem.request is not None else None
        raise unreachable_error(problem, urlsplit(str(where)).netloc if where else host) \
            from None
    except ValueError as problem:  # an answer that is not JSON
        log.warning("Unusable answer from %s: %s", host, type(problem).__name__)
        raise vendor_answer_not_ours(name) from None
