"""The classification table of intranet-api.md, with its boundaries."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from tray_app.core.classify import NoticeKind, State, classify, disconnected_message
from tray_app.core.model import parse_integration_list

INTRANET = "https://acme.intranet.example"
APPS = INTRANET + "/profile/settings/external-apps"
NOW = datetime(2026, 11, 28, 9, 0, 0, tzinfo=UTC)


def entry(ident: str = "gd", status: str = "connected", **fields: object) -> dict:
    return {"id": ident, "name": fields.pop("name", ident.upper()), "provider": "google",
            "status": status, **fields}


def answer(*entries: dict, window: int | None = None) -> dict:
    body = {"user": {"id": "u", "name": "Jane", "email": None}, "external_apps_url": APPS,
            "integrations": list(entries)}
    if window is not None:
        body["warning_window_days"] = window
    return body


def run(*entries: dict, now: datetime = NOW, window: int | None = None):
    return classify(parse_integration_list(answer(*entries, window=window)), now, INTRANET)


def z(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


@pytest.mark.parametrize(
    ("offset", "state", "days"),
    [
        (timedelta(days=10), State.EXPIRING, 10),
        (timedelta(days=10, seconds=1), State.CONNECTED, 10),
        (timedelta(days=3, hours=6), State.EXPIRING, 3),
        (timedelta(hours=23, minutes=59), State.EXPIRING, 0),
        (timedelta(seconds=1), State.EXPIRING, 0),
        (timedelta(0), State.DISCONNECTED, None),
        (timedelta(minutes=-5), State.DISCONNECTED, None),
        (timedelta(days=60), State.CONNECTED, 60),
    ],
)
def test_expiry_boundaries(offset: timedelta, state: State, days: int | None) -> None:
    result = run(entry(expires_at=z(NOW + offset)))
    view = result.integrations[0]
    assert (view.state, view.days_left) == (state, days)


def test_expired_grant_is_a_disconnected_notice_with_reason_expired() -> None:
    expired = NOW - timedelta(hours=2)
    result = run(entry(name="Google Drive", expires_at=z(expired)))
    assert result.integrations[0].reason == "expired"
    notice = result.notices[0]
    assert notice.kind is NoticeKind.DISCONNECTED
    assert notice.key == z(expired)
    assert notice.message == (
        "Google Drive has unexpectedly been disconnected. "
        "Please reconnect your Google Drive account.")


def test_disconnected_message_is_exact_and_keyed_by_disconnected_at() -> None:
    result = run(entry("dropbox", "disconnected", name="Dropbox", reason="refresh_failed",
                       disconnected_at="2026-11-27T08:12:00Z"))
    notice = result.notices[0]
    assert notice.identity == ("dropbox", "disconnected", "2026-11-27T08:12:00Z")
    assert notice.message == disconnected_message("Dropbox") == (
        "Dropbox has unexpectedly been disconnected. Please reconnect your Dropbox account.")
    assert result.integrations[0].reason == "refresh_failed"


def test_expiring_message_names_integration_date_and_days() -> None:
    result = run(entry(name="Google Drive", expires_at="2026-12-01T15:00:00Z"))
    notice = result.notices[0]
    assert notice.kind is NoticeKind.EXPIRING
    assert notice.days_left == 3
    assert "Google Drive" in notice.message
    assert "2026-12-01" in notice.message
    assert "3 days" in notice.message


def test_offsets_other_than_z_are_compared_as_instants() -> None:
    # 2026-12-08T10:00+01:00 is 09:00Z: exactly 10 days after NOW.
    result = run(entry(expires_at="2026-12-08T10:00:00+01:00"))
    view = result.integrations[0]
    assert (view.state, view.days_left) == (State.EXPIRING, 10)
    assert result.notices[0].key == "2026-12-08T09:00:00Z"


def test_server_clock_decides_not_the_desktop() -> None:
    expires = datetime(2027, 1, 1, tzinfo=UTC)
    skewed_server_now = expires - timedelta(days=2)
    assert run(entry(expires_at=z(expires))).integrations[0].state is State.CONNECTED
    late = run(entry(expires_at=z(expires)), now=skewed_server_now)
    assert late.integrations[0].state is State.EXPIRING


def test_tenant_window_is_used() -> None:
    soon = z(NOW + timedelta(days=20))
    assert run(entry(expires_at=soon)).integrations[0].state is State.CONNECTED
    assert run(entry(expires_at=soon), window=30).integrations[0].state is State.EXPIRING


def test_not_connected_and_unknown_give_no_notice() -> None:
    result = run(entry("s", "not_connected", expires_at=z(NOW - timedelta(days=1))),
                 entry("p", "paused"))
    assert [v.state for v in result.integrations] == [State.NOT_CONNECTED, State.UNKNOWN]
    assert result.notices == ()
    assert any("unknown status 'paused'" in w for w in result.warnings)


def test_connected_without_expiry_is_fine() -> None:
    result = run(entry(expires_at=None))
    assert result.integrations[0].state is State.CONNECTED
    assert result.integrations[0].days_left is None


def test_notice_order_disconnected_first_then_by_expiry() -> None:
    result = run(
        entry("late", expires_at=z(NOW + timedelta(days=8))),
        entry("soon", expires_at=z(NOW + timedelta(days=1))),
        entry("gone", "disconnected", disconnected_at=z(NOW - timedelta(days=1))),
        entry("expired", expires_at=z(NOW - timedelta(days=1))),
    )
    assert [n.integration_id for n in result.notices] == ["expired", "gone", "soon", "late"]


def test_foreign_reconnect_url_falls_back_to_external_apps() -> None:
    result = run(entry("d", "disconnected", reconnect_url="https://evil.example/#d"),
                 entry("j", "disconnected", reconnect_url="javascript:alert(1)"),
                 entry("ok", "disconnected", reconnect_url=APPS + "#ok"))
    urls = [v.reconnect_url for v in result.integrations]
    assert urls == [APPS, APPS, APPS + "#ok"]
    assert sum("not on the intranet's origin" in w for w in result.warnings) == 2


def test_foreign_external_apps_url_falls_back_to_front_page() -> None:
    body = answer(entry("d", "disconnected"))
    body["external_apps_url"] = "https://evil.example/apps"
    result = classify(parse_integration_list(body), NOW, INTRANET)
    assert result.integrations[0].reconnect_url == INTRANET + "/"


def test_markup_and_non_latin_names_pass_through_verbatim() -> None:
    result = run(entry("x", "disconnected", name="<b>Bold</b> & Co"),
                 entry("y", "disconnected", name="グーグル ドライブ"))
    messages = [n.message for n in result.notices]
    assert messages[0].startswith("<b>Bold</b> & Co has unexpectedly")
    assert "reconnect your グーグル ドライブ account." in messages[1]
