"""The demo intranet's OAuth 2.0 server, over real HTTP on 127.0.0.1."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest
import requests
from approve_browser import find_form, play

from tray_app.core.auth.oauth import pkce_challenge
from tray_app.demo import run
from tray_app.demo.server import DemoIntranet

START = datetime(2026, 11, 28, 9, 0, tzinfo=UTC)
VERIFIER = "correct-horse-battery-staple-" * 2
REDIRECT = "http://127.0.0.1:4321/callback"
LIST_PATH = "/api/v1/me/integrations"


class FakeClock:
    def __init__(self) -> None:
        self.now = START

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def demo(clock: FakeClock) -> Iterator[DemoIntranet]:
    with DemoIntranet(clock=clock, access_token_seconds=30) as server:
        yield server


def authorize_query(**changes: str | None) -> dict[str, str]:
    query = {"response_type": "code", "client_id": "intranet-companion", "scope": "read",
             "redirect_uri": REDIRECT, "state": "st4te", "code_challenge_method": "S256",
             "code_challenge": pkce_challenge(VERIFIER), "access_type": "offline"}
    query.update(changes)
    return {k: v for k, v in query.items() if v is not None}


def authorize_url(demo: DemoIntranet, **changes: str | None) -> str:
    return f"{demo.url}/oauth/authorize?{urlencode(authorize_query(**changes))}"


def redirect_params(location: str) -> dict[str, str]:
    assert location.startswith(REDIRECT + "?")
    return {k: v[0] for k, v in parse_qs(urlsplit(location).query).items()}


def approved_code(demo: DemoIntranet) -> str:
    return redirect_params(play(authorize_url(demo), deliver=False).redirect)["code"]


def token_request(demo: DemoIntranet, **fields: str) -> requests.Response:
    return requests.post(demo.url + "/oauth/token", data=fields, timeout=5)


def sign_in(demo: DemoIntranet) -> dict:
    answer = token_request(demo, grant_type="authorization_code", code=approved_code(demo),
                           redirect_uri=REDIRECT, client_id="intranet-companion",
                           code_verifier=VERIFIER)
    assert answer.status_code == 200, answer.text
    return answer.json()


def api(demo: DemoIntranet, token: str) -> int:
    return requests.get(demo.url + LIST_PATH, headers={"Authorization": f"Bearer {token}"},
                        timeout=5).status_code


def test_discovery_document(demo: DemoIntranet) -> None:
    document = requests.get(demo.url + "/.well-known/oauth-authorization-server",
                            timeout=5).json()
    assert document["issuer"] == demo.url
    assert document["authorization_endpoint"] == demo.url + "/oauth/authorize"
    assert document["token_endpoint"] == demo.url + "/oauth/token"
    assert document["revocation_endpoint"] == demo.url + "/oauth/revoke"
    assert document["code_challenge_methods_supported"] == ["S256"]


def test_the_authorize_page_names_the_user_and_offers_approve_and_deny(
        demo: DemoIntranet) -> None:
    page = requests.get(authorize_url(demo), timeout=5)
    assert page.status_code == 200
    assert "Sign in to the demo intranet as Jane Doe" in page.text
    approve = find_form(page.text, "Approve")
    assert approve.fields["decision"] == "approve"
    assert approve.fields["state"] == "st4te"
    assert find_form(page.text, "Deny").fields["decision"] == "deny"
    # Approve ends in a redirect to the loopback URI, which form-action must allow.
    assert "form-action 'self' http://127.0.0.1:4321" in page.headers["Content-Security-Policy"]


def test_approve_redirects_with_a_code_and_the_state(demo: DemoIntranet) -> None:
    params = redirect_params(play(authorize_url(demo), deliver=False).redirect)
    assert params["state"] == "st4te" and len(params["code"]) >= 32


def test_deny_redirects_with_access_denied(demo: DemoIntranet) -> None:
    params = redirect_params(play(authorize_url(demo), "deny", deliver=False).redirect)
    assert params["error"] == "access_denied" and params["state"] == "st4te"


@pytest.mark.parametrize("changes", [
    {"client_id": "someone-else"},
    {"client_id": None},
    {"redirect_uri": "http://evil.example:4321/callback"},
    {"redirect_uri": "http://localhost:4321/callback"},
    {"redirect_uri": "https://127.0.0.1:4321/callback"},
    {"redirect_uri": "http://127.0.0.1:4321/elsewhere"},
    {"redirect_uri": "http://127.0.0.1:99999/callback"},
])
def test_a_bad_client_or_redirect_uri_is_shown_never_redirected(
        demo: DemoIntranet, changes: dict) -> None:
    page = requests.get(authorize_url(demo, **changes), allow_redirects=False, timeout=5)
    assert page.status_code == 400
    assert "Location" not in page.headers
    assert "Sign-in cannot go on" in page.text


@pytest.mark.parametrize(("changes", "error"), [
    ({"response_type": "token"}, "unsupported_response_type"),
    ({"code_challenge_method": "plain"}, "invalid_request"),
    ({"code_challenge_method": None}, "invalid_request"),
    ({"code_challenge": None}, "invalid_request"),
    ({"code_challenge": "short"}, "invalid_request"),
    ({"scope": "read write"}, "invalid_scope"),
])
def test_other_authorize_problems_go_back_to_the_client(
        demo: DemoIntranet, changes: dict, error: str) -> None:
    answer = requests.get(authorize_url(demo, **changes), allow_redirects=False, timeout=5)
    assert answer.status_code == 303
    assert redirect_params(answer.headers["Location"])["error"] == error


def test_approve_from_another_site_is_refused(demo: DemoIntranet) -> None:
    fields = {**authorize_query(), "decision": "approve"}
    answer = requests.post(demo.url + "/oauth/authorize", data=fields, allow_redirects=False,
                           headers={"Origin": "https://evil.example"}, timeout=5)
    assert answer.status_code == 403


def test_issued_access_tokens_work_until_they_expire(demo: DemoIntranet, clock: FakeClock) -> None:
    tokens = sign_in(demo)
    assert tokens["token_type"] == "Bearer" and tokens["expires_in"] == 30
    assert tokens["scope"] == "read" and tokens["refresh_token"]
    assert api(demo, tokens["access_token"]) == 200
    clock.now += timedelta(seconds=31)
    assert api(demo, tokens["access_token"]) == 401
    assert api(demo, demo.token) == 200  # the static demo token is untouched


def test_refresh_rotates(demo: DemoIntranet) -> None:
    first = sign_in(demo)
    second = token_request(demo, grant_type="refresh_token", client_id="intranet-companion",
                           refresh_token=first["refresh_token"]).json()
    reused = token_request(demo, grant_type="refresh_token", client_id="intranet-companion",
                           refresh_token=first["refresh_token"])

    assert second["refresh_token"] != first["refresh_token"]
    assert api(demo, second["access_token"]) == 200
    assert reused.status_code == 400 and reused.json()["error"] == "invalid_grant"
    assert demo.oauth.grants == {"authorization_code": 1, "refresh_token": 1}


def test_an_expired_code_is_refused(demo: DemoIntranet, clock: FakeClock) -> None:
    code = approved_code(demo)
    clock.now += timedelta(seconds=61)
    answer = token_request(demo, grant_type="authorization_code", code=code,
                           redirect_uri=REDIRECT, client_id="intranet-companion",
                           code_verifier=VERIFIER)
    assert answer.json()["error"] == "invalid_grant"


def test_a_code_for_another_redirect_uri_is_refused(demo: DemoIntranet) -> None:
    answer = token_request(demo, grant_type="authorization_code", code=approved_code(demo),
                           redirect_uri="http://127.0.0.1:1/callback",
                           client_id="intranet-companion", code_verifier=VERIFIER)
    assert answer.json()["error"] == "invalid_grant"


@pytest.mark.parametrize(("fields", "status", "error"), [
    ({"grant_type": "password", "client_id": "intranet-companion"}, 400,
     "unsupported_grant_type"),
    ({"grant_type": "refresh_token", "client_id": "other", "refresh_token": "x"}, 401,
     "invalid_client"),
    ({"grant_type": "refresh_token", "client_id": "intranet-companion",
      "refresh_token": "made-up"}, 400, "invalid_grant"),
])
def test_token_endpoint_errors_follow_rfc_6749(
        demo: DemoIntranet, fields: dict, status: int, error: str) -> None:
    answer = token_request(demo, **fields)
    assert answer.status_code == status
    assert answer.json()["error"] == error and answer.json()["error_description"]
    assert answer.headers["Cache-Control"] == "no-store"


def test_the_token_endpoint_wants_a_form(demo: DemoIntranet) -> None:
    answer = requests.post(demo.url + "/oauth/token", json={"grant_type": "refresh_token"},
                           timeout=5)
    assert answer.status_code == 400 and answer.json()["error"] == "invalid_request"


def test_revocation_endpoint_ends_the_sign_in(demo: DemoIntranet) -> None:
    tokens = sign_in(demo)
    answer = requests.post(demo.url + "/oauth/revoke", timeout=5, data={
        "token": tokens["refresh_token"], "client_id": "intranet-companion"})
    unknown = requests.post(demo.url + "/oauth/revoke", timeout=5, data={
        "token": "never-issued", "client_id": "intranet-companion"})
    assert (answer.status_code, unknown.status_code) == (200, 200)
    assert api(demo, tokens["access_token"]) == 401


def test_admin_revokes_every_sign_in_by_page_and_by_api(demo: DemoIntranet) -> None:
    first, second = sign_in(demo), sign_in(demo)
    page = requests.get(demo.url + "/admin", timeout=5).text
    assert "2 active sign-ins" in page and "Revoke all sign-ins" in page

    by_page = requests.post(demo.url + "/admin/sessions/revoke", allow_redirects=False,
                            headers={"Origin": demo.url}, timeout=5)

    assert by_page.status_code == 303
    assert api(demo, first["access_token"]) == api(demo, second["access_token"]) == 401
    refreshed = token_request(demo, grant_type="refresh_token", client_id="intranet-companion",
                              refresh_token=first["refresh_token"])
    assert refreshed.json()["error"] == "invalid_grant"
    third = sign_in(demo)
    by_api = requests.post(demo.url + "/admin/api/sessions", json={"action": "revoke"},
                           headers={"Authorization": f"Bearer {demo.token}"}, timeout=5)
    assert by_api.json() == {"revoked": 1}
    assert api(demo, third["access_token"]) == 401
    refused = requests.post(demo.url + "/admin/api/sessions", json={"action": "revoke"},
                            timeout=5)
    assert refused.status_code == 401


def test_no_token_or_code_reaches_the_log(demo: DemoIntranet,
                                          caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    code = approved_code(demo)
    tokens = token_request(demo, grant_type="authorization_code", code=code,
                           redirect_uri=REDIRECT, client_id="intranet-companion",
                           code_verifier=VERIFIER).json()
    refreshed = token_request(demo, grant_type="refresh_token", client_id="intranet-companion",
                              refresh_token=tokens["refresh_token"]).json()
    api(demo, refreshed["access_token"])
    logged = "\n".join(record.getMessage() for record in caplog.records)
    for secret in (code, VERIFIER, *tokens.values(), *refreshed.values()):
        if isinstance(secret, str) and len(secret) > 8:
            assert secret not in logged


def test_demo_server_takes_the_access_token_lifetime(capsys: pytest.CaptureFixture) -> None:
    with pytest.raises(SystemExit) as exited:
        run(["--access-token-seconds", "0"])
    assert exited.value.code == 2
    assert "seconds from 1 to 86400" in capsys.readouterr().err
