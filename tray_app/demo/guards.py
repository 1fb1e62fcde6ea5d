"""Guards and body parsing shared by the demo intranet's endpoints.

The JSON API needs the bearer token. The pages need none: the browser is taken to be
signed in to the demo intranet. Because of that, the pages' form POSTs are guarded
against cross-site requests: one whose `Origin` or `Referer` header is present and is not
the demo's own origin (http://127.0.0.1:<port>, or http://localhost:<port>) gets 403.
A request with neither header (curl, scripts) is let through.
"""

from __future__ import annotations

import json
import logging
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs

from tray_app.demo.web import HttpError, Request

if TYPE_CHECKING:
    from tray_app.demo.server import DemoIntranet

log = logging.getLogger("tray_app.demo")


def require_bearer(demo: DemoIntranet, request: Request) -> None:
    scheme, _, token = (request.header("Authorization") or "").partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise HttpError(
            401,
            "Sign in first: send the header 'Authorization: Bearer <token>'.",
            code="invalid_token",
            headers={"WWW-Authenticate": 'Bearer realm="demo-intranet"'},
        )
    if not demo.accepts_token(token.strip()):
        raise HttpError(
            401,
            "The access token is not valid here; sign in again.",
            code="invalid_token",
            headers={"WWW-Authenticate": 'Bearer realm="demo-intranet", error="invalid_token"'},
        )


def require_own_origin(demo: DemoIntranet, request: Request) -> None:
    for header in ("Origin", "Referer"):
        value = request.header(header)
        if value is not None and not demo.is_own_origin(value):
            log.warning("Refused a form sent from elsewhere (%s: %.100r)", header, value)
            raise HttpError(403, "This form may only be sent from the demo intranet's pages.")


def json_body(request: Request) -> Any:
    try:
        return json.loads(request.body.decode("utf-8"))
    except ValueError:
        raise HttpError(400, "The body is not valid JSON.") from None


def form_fields(request: Request) -> dict[str, str]:
    try:
        text = request.body.decode("utf-8")
    except UnicodeDecodeError:
        raise HttpError(400, "The form is not UTF-8 text.") from None
    try:
        fields = parse_qs(text, keep_blank_values=True, max_num_fields=20)
    except ValueError:
        raise HttpError(400, "The form has too many fields.") from None
    return {name: values[0] for name, values in fields.items()}
