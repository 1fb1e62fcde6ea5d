"""Every endpoint of the demo intranet, and the table that maps requests to them.

The JSON API needs a bearer token (the demo's static one, or an access token from its
OAuth server); the pages need none, and their forms are guarded against cross-site
requests (see guards.py). The OAuth endpoints live in oauth.py.
"""

from __future__ import annotations

import hashlib
import logging
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING, Any

import tray_app.demo.oauth as oauth
import tray_app.demo.pages as pages
from tray_app.demo.grant import GRANT_PATH
from tray_app.demo.guards import form_fields, json_body, require_bearer, require_own_origin
from tray_app.demo.pages import ADMIN_PATH, EXTERNAL_APPS_PATH
from tray_app.demo.store import InvalidChange, UnknownIntegration
from tray_app.demo.web import (
    JSON_TYPE,
    HttpError,
    Request,
    Response,
    Router,
    encode_json,
    error_response,
    html_response,
    json_response,
    route,
    see_other,
)

if TYPE_CHECKING:
    from tray_app.demo.server import DemoIntranet

log = logging.getLogger("tray_app.demo")

_ID = re.compile(r"^[A-Za-z0-9_.-]{1,64}$")
_ACK_KEYS = {"integration_id", "kind", "key"}
_ACK_KINDS = ("disconnected", "expiring")
_MAX_DAYS = 36_500


def dispatch(demo: DemoIntranet, request: Request) -> Response:
    try:
        return ROUTER.dispatch(demo, request)
    except UnknownIntegration as missing:
        return error_response(404, "not_found", str(missing))
    except InvalidChange as refused:
        return error_response(400, "invalid_request", str(refused))


# --- body checks -----------------------------------------------------------------------

def _checked_ack(body: Any) -> dict[str, str]:
    if not isinstance(body, dict) or set(body) != _ACK_KEYS:
        raise HttpError(400, "The body must be an object with exactly integration_id, kind, key.")
    if not isinstance(body["integration_id"], str) or not _ID.match(body["integration_id"]):
        raise HttpError(400, "'integration_id' must be 1 to 64 letters, digits, '_', '.', '-'.")
    if body["kind"] not in _ACK_KINDS:
        raise HttpError(400, "'kind' must be 'disconnected' or 'expiring'.")
    if not isinstance(body["key"], str) or len(body["key"]) > 64:
        raise HttpError(400, "'key' must be a string of at most 64 characters.")
    return dict(body)


def _etag_of(body: bytes) -> str:
    return '"' + hashlib.sha256(body).hexdigest()[:32] + '"'


def _etag_matches(if_none_match: str | None, etag: str) -> bool:
    # If-None-Match uses the weak comparison (RFC 9110 13.1.2), so W/ is ignored.
    if if_none_match is None:
        return False
    if if_none_match.strip() == "*":
        return True
    candidates = (tag.strip().removeprefix("W/") for tag in if_none_match.split(","))
    return etag in candidates


# --- admin changes, shared by the admin forms and the admin JSON endpoint -------------

@dataclass(frozen=True)
class AdminInput:
    reason: object = None
    days: object = None


def _whole_days(value: object) -> int:
    if isinstance(value, str) and re.fullmatch(r"\s*-?\d{1,6}\s*", value):
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int) or abs(value) > _MAX_DAYS:
        raise HttpError(400, f"'days' must be a whole number from -{_MAX_DAYS} to {_MAX_DAYS}.")
    return value


def _disconnect(demo: DemoIntranet, ident: str, given: AdminInput) -> None:
    reason = "revoked" if given.reason is None else given.reason
    if not isinstance(reason, str):
        raise HttpError(400, "'reason' must be a word such as refresh_failed or revoked.")
    demo.disconnect(ident, reason)


def _expire(demo: DemoIntranet, ident: str, given: AdminInput) -> None:
    demo.expire(ident)


def _expire_in_days(demo: DemoIntranet, ident: str, given: AdminInput) -> None:
    demo.set_expiry(ident, demo.now() + timedelta(days=_whole_days(given.days)))


def _reconnect(demo: DemoIntranet, ident: str, given: AdminInput) -> None:
    demo.reconnect(ident)


ADMIN_ACTIONS: dict[str, Callable[[DemoIntranet, str, AdminInput], None]] = {
    "disconnect": _disconnect,
    "expire": _expire,
    "expire_in_days": _expire_in_days,
    "reconnect": _reconnect,
}


def _apply_admin_action(demo: DemoIntranet, ident: str, action: object, given: AdminInput) -> None:
    change = ADMIN_ACTIONS.get(action) if isinstance(action, str) else None
    if change is None:
        raise HttpError(400, f"'action' must be one of: {', '.join(ADMIN_ACTIONS)}.")
    change(demo, ident, given)


# --- endpoints ------------------------------------------------------------------------

def list_integrations(demo: DemoIntranet, request: Request) -> Response:
    require_bearer(demo, request)
    body = encode_json(demo.integration_list())
    headers = {"ETag": _etag_of(body), "Cache-Control": "private, no-cache"}
    if _etag_matches(request.header("If-None-Match"), headers["ETag"]):
        return Response(304, headers=headers)
    return Response(200, body, {"Content-Type": JSON_TYPE, **headers})


def ack_notice(demo: DemoIntranet, request: Request) -> Response:
    require_bearer(demo, request)
    demo.record_ack(_checked_ack(json_body(request)))
    return Response(204)


def hand_over_grant(demo: DemoIntranet, request: Request) -> Response:
    """Native reconnect: 204 stored, 400 invalid_grant, 409 account_mismatch, 404."""
    require_bearer(demo, request)
    demo.accept_grant(request.params["id"], request.body)
    return Response(204)


def home(demo: DemoIntranet, request: Request) -> Response:
    return html_response(pages.home_page(demo.integration_list()["user"]))


def external_apps(demo: DemoIntranet, request: Request) -> Response:
    listing = demo.integration_list()
    return html_response(pages.external_apps_page(
        listing["user"], listing["integrations"], demo.now(), listing["warning_window_days"]
    ))


def connect(demo: DemoIntranet, request: Request) -> Response:
    require_own_origin(demo, request)
    ident = request.params["id"]
    demo.reconnect(ident)
    return see_other(f"{EXTERNAL_APPS_PATH}#{ident}")


def admin(demo: DemoIntranet, request: Request) -> Response:
    listing = demo.integration_list()
    return html_response(pages.admin_page(
        listing["integrations"], demo.now(), listing["warning_window_days"],
        demo.oauth.active_sessions(),
    ))


def admin_form(demo: DemoIntranet, request: Request) -> Response:
    require_own_origin(demo, request)
    fields = form_fields(request)
    given = AdminInput(fields.get("reason"), fields.get("days"))
    _apply_admin_action(demo, request.params["id"], request.params["action"], given)
    return see_other(ADMIN_PATH)


def admin_api(demo: DemoIntranet, request: Request) -> Response:
    require_bearer(demo, request)
    body = json_body(request)
    if not isinstance(body, dict):
        raise HttpError(400, "The body must be a JSON object with an 'action'.")
    ident = request.params["id"]
    given = AdminInput(body.get("reason"), body.get("days"))
    _apply_admin_action(demo, ident, body.get("action"), given)
    return json_response(200, demo.integration(ident))


ROUTER = Router([
    route("GET", "/", home),
    route("GET", "/api/v1/me/integrations", list_integrations),
    route("POST", "/api/v1/me/notices/ack", ack_notice),
    route("POST", GRANT_PATH, hand_over_grant),
    route("GET", EXTERNAL_APPS_PATH, external_apps),
    route("POST", EXTERNAL_APPS_PATH + "/{id}/connect", connect),
    route("GET", ADMIN_PATH, admin),
    route("POST", ADMIN_PATH + "/integrations/{id}/{action}", admin_form),
    route("POST", ADMIN_PATH + "/api/integrations/{id}", admin_api),
    route("POST", ADMIN_PATH + "/sessions/revoke", oauth.admin_revoke_form),
    route("POST", ADMIN_PATH + "/api/sessions", oauth.admin_revoke_api),
    route("GET", oauth.DISCOVERY_PATH, oauth.discovery),
    route("GET", oauth.AUTHORIZE_PATH, oauth.authorize_page),
    route("POST", oauth.AUTHORIZE_PATH, oauth.authorize_decision),
    route("POST", oauth.TOKEN_PATH, oauth.token),
    route("POST", oauth.REVOKE_PATH, oauth.revoke),
])
