"""An error decides its own presentation: title, tray state, whether Sign in is offered."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tray_app.core import summary
from tray_app.core.errors import CompanionError, ConfigError, ErrorKind, SignInNeeded
from tray_app.core.report import CheckReport
from tray_app.core.summary import Overall
from tray_app.core.tokens import KeyringUnavailable

NOW = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
FORBIDDEN = CompanionError(ErrorKind.AUTH, "Your intranet account may not use it. Contact IT.",
                           title="Not allowed to use Intranet Companion")


def report(error: CompanionError) -> CheckReport:
    return CheckReport("https://i.example", NOW, error=error)


@pytest.mark.parametrize(("error", "icon", "sign_in", "title"), [
    (SignInNeeded("Sign in again."), Overall.SIGNED_OUT, True, "Sign-in needed"),
    (KeyringUnavailable(), Overall.OFFLINE, False, "No password store"),
    (FORBIDDEN, Overall.OFFLINE, False, "Not allowed to use Intranet Companion"),
    (ConfigError("No intranet address is set."), Overall.OFFLINE, False,
     "Intranet Companion is not set up"),
])
def test_only_a_real_need_to_sign_in_shows_the_key_and_offers_sign_in(
        error: CompanionError, icon: Overall, sign_in: bool, title: str) -> None:
    shown = report(error)
    assert summary.overall(shown) is icon
    assert summary.offers_sign_in(shown) is sign_in
    assert error.title == title
    assert (summary.header(shown) == "Not signed in to the intranet") is sign_in
    assert error.exit_code == (5 if error.kind is ErrorKind.CONFIG else 4)


def test_a_403_from_the_client_says_contact_it(fake_server) -> None:
    from fakeserver import Reply

    from tray_app.core.client import IntranetClient

    server = fake_server()
    server.respond("GET", "/api/v1/me/integrations",
                   Reply.json({"error": "forbidden"}, status=403))
    with IntranetClient(server.url) as client, pytest.raises(CompanionError) as caught:
        client.fetch_integrations("a-token-0123456789")
    assert not caught.value.offers_sign_in and "Contact IT" in caught.value.message


@given(kind=st.sampled_from(list(ErrorKind)), message=st.text(), title=st.text(),
       retry_after=st.none() | st.floats(allow_nan=False) | st.integers(),
       offers=st.booleans())
def test_an_error_crosses_the_worker_protocol_unchanged(
        kind: ErrorKind, message: str, title: str, retry_after: float | None,
        offers: bool) -> None:
    error = CompanionError(kind, message, retry_after=retry_after, title=title or None,
                           offers_sign_in=offers)
    again = CompanionError.from_message(error.to_message())
    assert again.to_message() == error.to_message()


@pytest.mark.parametrize("data", [None, [], {}, {"kind": "nope", "message": "", "title": "",
                                                 "offers_sign_in": False},
                                  {"kind": "auth", "message": 1, "title": "", "offers_sign_in": 1},
                                  {"kind": "auth", "message": "", "title": "",
                                   "offers_sign_in": True, "retry_after": "5"}])
def test_a_garbled_error_message_is_refused(data: object) -> None:
    with pytest.raises(ValueError):
        CompanionError.from_message(data)
