"""Native reconnect for `provider: dropbox` with the dropbox SDK.

`DropboxOAuth2Flow` with use_pkce=True (S256) and token_access_type="offline", its
redirect on the loopback receiver (`http://localhost:<port>/callback`, which Dropbox
allows for apps). The SDK picks the state (its CSRF token) itself, once it knows the
redirect URI, so the receiver takes nothing until it is told that state, and the SDK's
`finish` checks it again. The signed-in account comes from `users_get_current_account`.

Trust: the SDK pins its own CA bundle (certifi) in its sessions; both the flow's and the
client's are replaced by the app's HTTPS session over the OS trust store (a corporate
TLS proxy works). The SDK reads DROPBOX_API_HOST and DROPBOX_WEB_HOST when imported,
which is how tests reach a stand-in.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from tray_app.core.auth.idp import idp_session, not_completed_in_time, unreachable_error
from tray_app.core.errors import CompanionError, ErrorKind
from tray_app.core.model import NativeConnect
from tray_app.core.native.common import (
    LateStateReceiver,
    OpenPage,
    VendorGrant,
    VendorSettings,
    grant_from,
)
from tray_app.core.native.refusals import vendor_answer_not_ours, vendor_refused

log = logging.getLogger(__name__)

REDIRECT_HOST = "localhost"
ACCOUNT_SCOPE = "account_info.read"  # users/get_current_account needs it
_CSRF_KEY = "dropbox-auth-csrf-token"


def sign_in(native: NativeConnect, name: str, open_page: OpenPage,
            settings: VendorSettings) -> VendorGrant:
    import dropbox.session

    scopes = [*native.scopes, ACCOUNT_SCOPE] if native.scopes \
        and ACCOUNT_SCOPE not in native.scopes else list(native.scopes)
    with _reaching(dropbox.session.API_HOST, name):
        result = _run_flow(native.client_id, scopes, open_page, settings, name)
        account = _current_account(result.access_token, settings)
    granted = result.scope
    return grant_from(
        "dropbox", name, account=account.email, account_id=account.account_id,
        access_token=result.access_token, refresh_token=result.refresh_token,
        expires_at=None,  # Dropbox's offline refresh tokens last until revoked
        scopes=tuple(granted.split()) if isinstance(granted, str) else tuple(scopes))


def _run_flow(app_key: str, scopes: list[str], open_page: OpenPage,
              settings: VendorSettings, name: str) -> Any:
    from dropbox.oauth import DropboxOAuth2Flow

    csrf: dict[str, str] = {}
    with LateStateReceiver() as receiver:
        flow = DropboxOAuth2Flow(
            app_key, receiver.redirect_uri(REDIRECT_HOST), csrf, _CSRF_KEY,
            token_access_type="offline", scope=scopes or None, use_pkce=True,
            timeout=settings.read_timeout)
        flow.requests_session = idp_session(settings.connect_timeout, settings.read_timeout)
        url = flow.start()
        receiver.expect(csrf[_CSRF_KEY])
        open_page(url)
        answer = receiver.wait(settings.browser_timeout)
    if answer is None:
        raise CompanionError(ErrorKind.AUTH, not_completed_in_time(settings.browser_timeout))
    return flow.finish(answer)


def _current_account(access_token: str, settings: VendorSettings) -> Any:
    import dropbox

    with dropbox.Dropbox(
            oauth2_access_token=access_token, max_retries_on_error=0,
            max_retries_on_rate_limit=0, timeout=settings.read_timeout,
            session=idp_session(settings.connect_timeout, settings.read_timeout)) as client:
        return client.users_get_current_account()


@contextmanager
def _reaching(host: str, name: str) -> Iterator[None]:
    import requests
    from dropbox import exceptions, oauth

    try:
        yield
    except oauth.NotApprovedException:
        raise vendor_refused(name, "access_denied") from None
    except oauth.ProviderException as problem:
        # Its text is "error: description"; only the error code may be shown.
        raise vendor_refused(name, str(problem).split(":", 1)[0]) from None
    except (oauth.CsrfException, oauth.BadStateException, oauth.BadRequestException):
        raise vendor_answer_not_ours(name) from None
    except requests.HTTPError as problem:  # the token endpoint refused the code
        raise vendor_refused(name, _oauth_error(problem.response)) from None
    except requests.RequestException as problem:
        raise unreachable_error(problem, host) from None
    except exceptions.AuthError:
        raise vendor_refused(name, "invalid_token") from None
    except (exceptions.DropboxException, ValueError, KeyError) as problem:
        log.warning("Unusable answer from %s: %s", host, type(problem).__name__)
        raise vendor_answer_not_ours(name) from None


def _oauth_error(response: Any) -> object:
    try:
        body = response.json()
    except ValueError:
        return None
    return body.get("error") if isinstance(body, dict) else None
