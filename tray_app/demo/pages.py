"""The demo intranet's HTML pages: plain forms, inline CSS, no JavaScript.

Every value from the data is escaped: integration names are plain text and must show
literally even when they look like markup.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from html import escape
from typing import Any

from tray_app.core.timeutil import parse_rfc3339

EXTERNAL_APPS_PATH = "/profile/settings/external-apps"
ADMIN_PATH = "/admin"
DISCONNECT_REASONS = (
    "refresh_failed", "revoked", "expired", "consent_removed", "password_changed", "unknown",
)

_STYLE = """
body { font-family: system-ui, -apple-system, "Segoe UI", sans-serif; margin: 0;
       background: #f4f5f7; color: #1d2129; }
header { background: #24344d; color: #fff; padding: 14px 32px; }
header a { color: #fff; margin-right: 18px; text-decoration: none; }
main { max-width: 860px; margin: 24px auto; padding: 0 16px; }
h1 { font-size: 1.6rem; margin: 0 0 4px; }
p.lead { color: #5a6270; margin: 0 0 20px; }
ul.apps { list-style: none; padding: 0; margin: 0; }
.app { background: #fff; border: 1px solid #dfe1e6; border-radius: 8px; padding: 16px 20px;
       margin-bottom: 12px; display: flex; align-items: center; gap: 16px; flex-wrap: wrap; }
.app:target { outline: 3px solid #4c9aff; }
.app .info { flex: 1; min-width: 240px; }
.app .name { font-weight: 600; font-size: 1.05rem; }
.app .detail { color: #5a6270; font-size: 0.9rem; margin-top: 2px; }
.status { display: inline-block; border-radius: 10px; padding: 1px 9px; font-size: 0.85rem;
          margin-top: 6px; }
.ok { background: #e3fcef; color: #006644; }
.warn { background: #fff7d6; color: #7a5200; }
.bad { background: #ffebe6; color: #ae2a19; }
.none { background: #ebecf0; color: #42526e; }
button { background: #0052cc; color: #fff; border: 0; border-radius: 4px; padding: 7px 14px;
         font-size: 0.9rem; cursor: pointer; }
button.quiet { background: #ebecf0; color: #1d2129; }
form { display: inline-flex; gap: 6px; align-items: center; margin: 4px 8px 4px 0; }
input[type=number] { width: 64px; }
"""


def _layout(title: str, body: str) -> str:
    return f"""<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{escape(title)}</title>
<style>{_STYLE}</style>
</head>
<body>
<header><a href="/">Demo intranet</a><a href="{EXTERNAL_APPS_PATH}">External apps</a>\
<a href="{ADMIN_PATH}">Admin</a></header>
<main>
{body}
</main>
</body>
</html>
"""


def home_page(user: dict[str, Any]) -> str:
    body = f"""<h1>Welcome, {escape(user["name"])}</h1>
<p class="lead">This is the demo intranet of Intranet Companion.</p>
<p><a href="{EXTERNAL_APPS_PATH}">My settings &gt; External apps</a></p>
<p><a href="{ADMIN_PATH}">Admin: break and fix integrations</a></p>"""
    return _layout("Demo intranet", body)


def external_apps_page(
    user: dict[str, Any], integrations: list[dict[str, Any]], now: datetime, window_days: int
) -> str:
    rows = "\n".join(_external_app_row(entry, now, window_days) for entry in integrations)
    body = f"""<h1>External apps</h1>
<p class="lead">Accounts connected for {escape(user["name"])}. \
Reconnect any that stopped working.</p>
<ul class="apps">
{rows}
</ul>"""
    return _layout("External apps", body)


def _external_app_row(entry: dict[str, Any], now: datetime, window_days: int) -> str:
    ident = escape(entry["id"])
    tone, words = describe_status(entry, now, window_days)
    label = "Reconnect account" if entry["status"] == "connected" else "Connect account"
    return f"""<li class="app" id="{ident}">
<div class="info"><div class="name">{escape(entry["name"])}</div>
<div class="detail">Account: {escape(entry["account"] or "none")}</div>
<span class="status {tone}">{escape(words)}</span></div>
<form method="post" action="{EXTERNAL_APPS_PATH}/{ident}/connect">\
<button type="submit">{label}</button></form>
</li>"""


def admin_page(integrations: list[dict[str, Any]], now: datetime, window_days: int,
               active_sessions: int = 0) -> str:
    rows = "\n".join(_admin_row(entry, now, window_days) for entry in integrations)
    signed_in = "1 active sign-in" if active_sessions == 1 else f"{active_sessions} active sign-ins"
    body = f"""<h1>Admin</h1>
<p class="lead">Break and fix the integrations the companion watches. \
Every change shows up in the API at once.</p>
<ul class="apps">
{rows}
</ul>
<h2>Sign-ins</h2>
<div class="app"><div class="info"><div class="name">Companion sign-ins (OAuth)</div>
<div class="detail">{signed_in}. Revoking them makes the companion ask to sign in again.</div>
</div>
<form method="post" action="{ADMIN_PATH}/sessions/revoke">\
<button type="submit">Revoke all sign-ins</button></form></div>"""
    return _layout("Admin", body)


def authorize_page(user: dict[str, Any], action: str, hidden: dict[str, str]) -> str:
    """The OAuth consent page. Approve and Deny are separate forms (each carrying the
    decision as a field), so whatever plays the browser needs no button semantics."""
    fields = "".join(f'<input type="hidden" name="{escape(name)}" value="{escape(value)}">'
                     for name, value in hidden.items())
    body = f"""<h1>Sign in to the demo intranet as {escape(user["name"])}</h1>
<p class="lead">Intranet Companion asks to read your integrations, so it can tell you \
when one of them breaks.</p>
<div class="app"><div class="info"><div class="name">Intranet Companion</div>
<div class="detail">Permission: read your integrations (scope read)</div></div>
<form method="post" action="{escape(action)}">{fields}\
<input type="hidden" name="decision" value="approve"><button type="submit">Approve</button>\
</form>
<form method="post" action="{escape(action)}">{fields}\
<input type="hidden" name="decision" value="deny">\
<button type="submit" class="quiet">Deny</button></form></div>"""
    return _layout("Sign in", body)


def sign_in_error_page(message: str) -> str:
    body = f"""<h1>Sign-in cannot go on</h1>
<p class="lead">{escape(message)}</p>"""
    return _layout("Sign-in problem", body)


def _admin_row(entry: dict[str, Any], now: datetime, window_days: int) -> str:
    ident = escape(entry["id"])
    action = f"{ADMIN_PATH}/integrations/{ident}"
    tone, words = describe_status(entry, now, window_days)
    options = "".join(f'<option value="{r}">{r.replace("_", " ")}</option>'
                      for r in DISCONNECT_REASONS)
    return f"""<li class="app" id="{ident}">
<div class="info"><div class="name">{escape(entry["name"])}</div>
<div class="detail">{ident} &middot; {escape(entry["provider"])}</div>
<span class="status {tone}">{escape(words)}</span>
<div>
<form method="post" action="{action}/disconnect"><select name="reason">{options}</select>\
<button type="submit">Disconnect</button></form>
<form method="post" action="{action}/expire"><button type="submit">Expire now</button></form>
<form method="post" action="{action}/expire_in_days">\
<input type="number" name="days" value="3" min="-3650" max="3650" aria-label="days">\
<button type="submit">Expire in days</button></form>
<form method="post" action="{action}/reconnect">\
<button type="submit" class="quiet">Reconnect</button></form>
</div></div>
</li>"""


def describe_status(entry: dict[str, Any], now: datetime, window_days: int) -> tuple[str, str]:
    """(CSS tone, status in words) as a person would read it."""
    status = entry["status"]
    if status == "connected":
        return _describe_connected(parse_rfc3339(entry["expires_at"]), now, window_days)
    if status == "disconnected":
        return "bad", _describe_disconnected(entry)
    if status == "not_connected":
        return "none", "Not connected"
    return "none", f"Unknown status: {status}"


def _describe_connected(
    expires_at: datetime | None, now: datetime, window_days: int
) -> tuple[str, str]:
    if expires_at is None:
        return "ok", "Connected, does not expire"
    when = _readable(expires_at)
    if expires_at <= now:
        return "bad", f"Expired on {when}"
    if expires_at - now <= timedelta(days=window_days):
        days_left = (expires_at - now) // timedelta(days=1)
        return "warn", f"Connected, expires on {when} ({_in_days(days_left)})"
    return "ok", f"Connected, expires on {when}"


def _describe_disconnected(entry: dict[str, Any]) -> str:
    since = parse_rfc3339(entry["disconnected_at"])
    words = "Disconnected" if since is None else f"Disconnected on {_readable(since)}"
    if entry["reason"]:
        words += f" (reason: {entry['reason'].replace('_', ' ')})"
    return words


def _in_days(days_left: int) -> str:
    if days_left == 0:
        return "within a day"
    return "in 1 day" if days_left == 1 else f"in {days_left} days"


def _readable(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%d %H:%M UTC")
