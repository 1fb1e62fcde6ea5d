"""Native reconnect in-process: msal and google-auth-oauthlib against the certified
OpenID provider (oidc_harness.py), the grant handed to a test intranet
(native_harness.py), and what `native_connect` entries the companion accepts.

Every flow ends by searching every file under the test's home (settings, state, cache,
the log at DEBUG) for the vendor's tokens. The Dropbox flow runs in a subprocess
(test_reconnect_cli.py), since the SDK reads its hosts when imported.
"""

from __future__ import annotations

import io
import json
import re
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import oidc_harness
import pytest
import requests
from approve_browser import with_state
from fakeserver import FakeServer
from native_harness import (
    INTRANET_TOKEN,
    NATIVE_GOOGLE_CLIENT,
    NATIVE_GOOGLE_CLIENT_ID,
    GrantIntranet,
    assert_tokens_nowhere,
)
from oidc_harness import (
    MICROSOFT_CLIENT_ID,
    BrowserDriver,
    OidcProvider,
    oidc_provider_fixture,  # noqa: F401 - provides the oidc_provider fixture
)

from tray_app.core.check import Checker
from tray_app.core.classify import IntegrationView, State
from tray_app.core.config import load_config
from tray_app.core.model import (
    NativeConnect,
    answer_to_json,
    parse_integration_list,
    parse_native_connect,
)
from tray_app.core.native import reconnect as reconnect_module
from tray_app.core.native.common import VendorGrant, VendorSettings, grant_expiry
from tray_app.core.native.reconnect import OutcomeKind, Prompts, reconnect
from tray_app.core.state import StateStore
from tray_app.core.tokens import StaticToken
from tray_app.core.worker import serve
from tray_app.core.worker_protocol import encode

BROWSER_TIMEOUT = 20.0
EXPECTED = "Alice@Example.test"  # the provider says alice@example.test: case differs
GRANT_FIELDS = {"provider", "account", "account_id", "refresh_token", "access_token",
                "expires_at", "scopes"}


# --- set-up ------------------------------------------------------------------------------


@pytest.fixture
def provider(monkeypatch: pytest.MonkeyPatch, request: pytest.FixtureRequest) -> OidcProvider:
    """The OpenID provider, knowing the intranet's public Google registration too."""
    monkeypatch.setattr(oidc_harness, "CLIENTS", [*oidc_harness.CLIENTS, NATIVE_GOOGLE_CLIENT])
    return request.getfixturevalue("oidc_provider")


@pytest.fixture
def intranet_server() -> Iterator[FakeServer]:
    with FakeServer() as server:
        yield server


@pytest.fixture
def seen_tokens(monkeypatch: pytest.MonkeyPatch) -> set[str]:
    """Every vendor token a flow produced, handed over or not (to search for)."""
    seen: set[str] = set()
    original = reconnect_module._hand_over_checked

    def spy(config: Any, view: Any, native: Any, grant: Any, *rest: Any) -> Any:
        seen.update(grant.tokens)
        return original(config, view, native, grant, *rest)

    monkeypatch.setattr(reconnect_module, "_hand_over_checked", spy)
    return seen


def native_for(vendor: str, provider: OidcProvider, expected: str | None) -> dict[str, Any]:
    if vendor == "microsoft":
        return {"provider": "microsoft", "client_id": MICROSOFT_CLIENT_ID,
                "scopes": ["intranet.read"], "authority": provider.issuer,
                "expected_account": expected}
    return {"provider": "google", "client_id": NATIVE_GOOGLE_CLIENT_ID,
            "scopes": ["intranet.read"], "authority": None, "expected_account": expected}


def an_intranet(server: FakeServer, vendor: str, provider: OidcProvider,
                expected: str | None = EXPECTED, **options: Any) -> GrantIntranet:
    return GrantIntranet(server, vendor, vendor, native_for(vendor, provider, expected),
                         **options).install()


def settings_for(provider: OidcProvider, timeout: float = BROWSER_TIMEOUT) -> VendorSettings:
    return VendorSettings(browser_timeout=timeout,
                          google_auth_uri=provider.authorization_endpoint,
                          google_token_uri=provider.token_endpoint,
                          google_userinfo_uri=f"{provider.issuer}/me")


def checked_view(intranet: GrantIntranet) -> tuple[Any, IntegrationView]:
    config = load_config(environ=intranet.environment())
    report = Checker(config, StateStore(), environ=intranet.environment()).run()
    assert report.error is None and report.classification is not None
    [view] = report.classification.integrations
    return config, view


@pytest.fixture
def sentences() -> list[str]:
    return []


def run_reconnect(intranet: GrantIntranet, browser: Any, sentences: list[str],
                  settings: VendorSettings, confirm: Any = None) -> Any:
    config, view = checked_view(intranet)
    prompts = Prompts(browser, sentences.append, confirm)
    try:
        return reconnect(config, view, prompts, tokens=StaticToken(INTRANET_TOKEN),
                         settings=settings)
    finally:
        if isinstance(browser, BrowserDriver):
            browser.wait()


def query_of(url: str) -> dict[str, str]:
    return {key: values[0] for key, values in parse_qs(urlsplit(url).query).items()}


class TamperingBrowser(BrowserDriver):
    """Approves, then hands the loopback receiver the answer with another state."""

    delivered: list[int]

    def _deliver(self, method: str, url: str, data: dict[str, str] | None) -> None:
        if data and "state" in data:
            data = {**data, "state": "not-the-state-the-companion-sent"}
        elif "state=" in url:
            url = with_state(url, "not-the-state-the-companion-sent")
        direct = requests.Session()
        direct.trust_env = False
        self.delivered = [direct.request(method, url, data=data, timeout=10).status_code]


# --- the flows ------------------------------------------------------------------------------


@pytest.mark.parametrize("vendor", ["microsoft", "google"])
def test_the_expected_account_is_handed_over_and_shows_connected(
        provider: OidcProvider, intranet_server: FakeServer, isolated_home: Path,
        app_log: Path, sentences: list[str], vendor: str) -> None:
    intranet = an_intranet(intranet_server, vendor, provider)
    browser = BrowserDriver(provider.ca_path)

    outcome = run_reconnect(intranet, browser, sentences, settings_for(provider))

    assert outcome.kind is OutcomeKind.HANDED_OVER, outcome
    [opened] = browser.opened
    request = query_of(opened)
    assert opened.startswith(provider.authorization_endpoint + "?")
    assert request["code_challenge_method"] == "S256" and request["state"]
    assert request["login_hint"] == EXPECTED
    assert re.fullmatch(r"http://(localhost|127\.0\.0\.1):\d+(/callback)?", request["redirect_uri"])
    [grant] = intranet.grants
    assert grant.headers["Authorization"] == f"Bearer {INTRANET_TOKEN}"
    body = grant.json()
    assert set(body) == GRANT_FIELDS
    assert body["provider"] == vendor and body["account"] == "alice@example.test"
    assert body["account_id"] == "alice"
    assert body["access_token"] and body["refresh_token"] and "intranet.read" in body["scopes"]
    assert body["expires_at"] is None  # the provider states no end for its refresh token
    assert provider.accepts(body["access_token"])
    assert sentences[0] == f"Sign in to {vendor.capitalize()} as {EXPECTED} in your browser."
    assert outcome.sentence == (f"The intranet has the new {vendor.capitalize()} sign-in; "
                                "checking it now.")
    _config, view = checked_view(intranet)
    assert view.state is State.CONNECTED
    assert_tokens_nowhere({body["access_token"], body["refresh_token"]}, isolated_home)
    assert app_log.stat().st_size > 0


@pytest.mark.parametrize("vendor", ["microsoft", "google"])
def test_another_account_is_refused_and_nothing_is_handed_over(
        provider: OidcProvider, intranet_server: FakeServer, isolated_home: Path,
        app_log: Path, sentences: list[str], seen_tokens: set[str], vendor: str) -> None:
    intranet = an_intranet(intranet_server, vendor, provider)

    outcome = run_reconnect(intranet, BrowserDriver(provider.ca_path, login="bob"), sentences,
                            settings_for(provider))

    assert outcome.kind is OutcomeKind.WRONG_ACCOUNT
    assert outcome.sentence == (
        f"You signed in to {vendor.capitalize()} as bob@example.test, but the intranet "
        f"expects {EXPECTED}. Nothing was handed over. Try again and sign in as {EXPECTED}.")
    assert intranet.grants == []
    assert_tokens_nowhere(seen_tokens, isolated_home)


@pytest.mark.parametrize("vendor", ["microsoft", "google"])
def test_an_answer_with_another_state_is_refused(
        provider: OidcProvider, intranet_server: FakeServer, sentences: list[str],
        vendor: str) -> None:
    intranet = an_intranet(intranet_server, vendor, provider)
    browser = TamperingBrowser(provider.ca_path)

    outcome = run_reconnect(intranet, browser, sentences, settings_for(provider, timeout=3))

    assert browser.delivered == [400]  # the receiver turned it away and kept waiting
    assert outcome.kind is OutcomeKind.FAILED and outcome.offers_page
    assert "not completed in the browser" in (outcome.sentence or "")
    assert outcome.reconnect_url == intranet.reconnect_url
    assert intranet.grants == []


def test_declining_at_the_vendor_offers_the_page(
        provider: OidcProvider, intranet_server: FakeServer, sentences: list[str]) -> None:
    intranet = an_intranet(intranet_server, "microsoft", provider)
    outcome = run_reconnect(intranet, BrowserDriver(provider.ca_path, deny=True), sentences,
                            settings_for(provider))
    assert outcome.kind is OutcomeKind.FAILED and outcome.offers_page
    assert outcome.sentence == "The sign-in to Microsoft was not approved."
    assert intranet.grants == []


@pytest.mark.parametrize(("status", "answer", "kind", "sentence"), [
    (409, {"error": "account_mismatch", "message": "Use your \x1b[31mwork\x1b[0m account."},
     OutcomeKind.WRONG_ACCOUNT,
     "The intranet did not take this Google account. It says: Use your \ufffd[31mwork"
     "\ufffd[0m account. Try again and sign in as Alice@Example.test."),
    (400, {"error": "invalid_grant", "message": "The grant has no refresh token."},
     OutcomeKind.FAILED,
     "The intranet could not use the new Google sign-in. It says: The grant has no refresh "
     "token."),
    (404, {"error": "not_found", "message": "No such path."}, OutcomeKind.FAILED,
     "The intranet no longer offers signing in to Google from here."),
])
def test_the_intranets_answers(
        provider: OidcProvider, intranet_server: FakeServer, isolated_home: Path,
        app_log: Path, sentences: list[str], status: int, answer: dict[str, str],
        kind: OutcomeKind, sentence: str) -> None:
    intranet = an_intranet(intranet_server, "google", provider, grant_status=status,
                           grant_answer=answer)

    outcome = run_reconnect(intranet, BrowserDriver(provider.ca_path), sentences,
                            settings_for(provider))

    assert (outcome.kind, outcome.sentence) == (kind, sentence)
    assert outcome.offers_page is (kind is OutcomeKind.FAILED)
    [grant] = intranet.grants
    assert_tokens_nowhere({grant.json()["access_token"], grant.json()["refresh_token"]},
                          isolated_home)


def test_without_an_expected_account_the_person_confirms_it(
        provider: OidcProvider, intranet_server: FakeServer, sentences: list[str]) -> None:
    intranet = an_intranet(intranet_server, "microsoft", provider, expected=None)
    asked: list[str] = []

    def confirm(account: str) -> bool:
        asked.append(account)
        return True

    outcome = run_reconnect(intranet, BrowserDriver(provider.ca_path), sentences,
                            settings_for(provider), confirm)

    assert asked == ["alice@example.test"]
    assert outcome.kind is OutcomeKind.HANDED_OVER
    assert sentences[0] == "Sign in to Microsoft in your browser."
    assert len(intranet.grants) == 1


def test_a_refused_confirmation_hands_nothing_over(
        provider: OidcProvider, intranet_server: FakeServer, sentences: list[str]) -> None:
    intranet = an_intranet(intranet_server, "google", provider, expected=None)
    outcome = run_reconnect(intranet, BrowserDriver(provider.ca_path), sentences,
                            settings_for(provider), lambda account: False)
    assert outcome.kind is OutcomeKind.NOT_CONFIRMED
    assert outcome.sentence == "Nothing was handed over to the intranet."
    assert intranet.grants == []


def test_with_nobody_to_confirm_no_sign_in_starts(intranet_server: FakeServer) -> None:
    native = {"provider": "dropbox", "client_id": "app-key", "expected_account": None}
    intranet = GrantIntranet(intranet_server, "dropbox", "dropbox", native).install()
    opened: list[str] = []
    outcome = run_reconnect(intranet, opened.append, [], VendorSettings())
    assert outcome.kind is OutcomeKind.FAILED and outcome.offers_page
    assert outcome.sentence == ("The intranet did not say which Dropbox account to use, and "
                                "it cannot be confirmed here.")
    assert opened == [] and intranet.grants == []


def test_an_unreachable_vendor_is_one_sentence(
        intranet_server: FakeServer, sentences: list[str]) -> None:
    native = {"provider": "microsoft", "client_id": "x",
              "authority": "https://127.0.0.1:9/tenant", "expected_account": EXPECTED}
    intranet = GrantIntranet(intranet_server, "m365", "microsoft", native).install()
    outcome = run_reconnect(intranet, lambda url: pytest.fail("no page without the vendor"),
                            sentences, VendorSettings(connect_timeout=2))
    assert outcome.kind is OutcomeKind.FAILED
    assert outcome.sentence == ("Cannot reach the sign-in service 127.0.0.1:9. Check the "
                                "network connection.")


def test_the_grant_expires_when_the_vendor_says_its_refresh_token_does() -> None:
    assert grant_expiry({"expires_in": 3600}) is None  # the access token's end: no
    moment = grant_expiry({"expires_in": 3600, "refresh_token_expires_in": 86400})
    assert moment is not None
    assert abs((moment - datetime.now(UTC)).total_seconds() - 86400) < 60
    grant = VendorGrant("google", "a@b.c", "1", "access-secret", "refresh-secret", moment,
                        ("email",))
    assert grant.body()["expires_at"].endswith("Z")
    assert "secret" not in repr(grant)


# --- which entries offer native reconnect ----------------------------------------------------


def test_a_grant_url_on_another_origin_opens_the_page_instead(
        intranet_server: FakeServer) -> None:
    native = {"provider": "dropbox", "client_id": "app-key", "expected_account": EXPECTED}
    intranet = GrantIntranet(intranet_server, "dropbox", "dropbox", native,
                             grant_origin="https://intranet.evil.example").install()
    config = load_config(environ=intranet.environment())
    report = Checker(config, StateStore(), environ=intranet.environment()).run()
    assert report.classification is not None
    [view] = report.classification.integrations
    assert view.native_connect is None
    assert report.classification.warnings == (
        "native_connect of 'dropbox' ignored: its grant_url is not on the intranet's origin; "
        "Reconnect opens the reconnect page instead",)
    opened: list[str] = []
    said: list[str] = []

    def browser(url: str) -> bool:
        opened.append(url)
        return True

    outcome = reconnect(config, view, Prompts(browser, said.append))
    assert outcome.kind is OutcomeKind.PAGE_OPENED
    assert opened == [intranet.reconnect_url]
    assert said == ["Reconnect Dropbox on the intranet's page in your browser."]
    assert intranet.grants == []


def _answer_with(native: object) -> dict[str, Any]:
    return {"user": {"id": "u", "name": "U", "email": None}, "external_apps_url": "https://i/x",
            "integrations": [{"id": "m", "name": "M", "provider": "microsoft",
                              "status": "disconnected", "native_connect": native}]}


@pytest.mark.parametrize(("native", "warning"), [
    ("yes", "native_connect of 'm' ignored: it is not an object"),
    ({"provider": "dropbox", "grant_url": "https://i/g"},
     "native_connect of 'm' ignored: 'client_id' is missing or not a string"),
    ({"provider": "google", "client_id": "c"},
     "native_connect of 'm' ignored: 'grant_url' is missing or not a string"),
    ({"provider": "google", "client_id": "c", "grant_url": "https://i/g", "scopes": "email"},
     "native_connect of 'm' ignored: 'scopes' is not a list of at most 50 non-empty strings"),
    ({"provider": "microsoft", "client_id": "c", "grant_url": "https://i/g",
      "authority": "https://login.microsoftonline.com"},
     "native_connect of 'm' ignored: 'authority' is not an https address with the tenant in "
     "its path"),
    ({"provider": "dropbox", "client_id": "c", "grant_url": "https://i/g",
      "expected_account": 7}, "native_connect of 'm' ignored: 'expected_account' is not a "
     "string"),
])
def test_a_malformed_native_connect_is_ignored_with_a_warning(native: object,
                                                              warning: str) -> None:
    answer = parse_integration_list(_answer_with(native))
    [integration] = answer.integrations
    assert integration.native_connect is None and integration.id == "m"
    assert list(answer.warnings) == [warning]


def test_another_vendor_is_ignored_without_a_warning() -> None:
    answer = parse_integration_list(_answer_with(
        {"provider": "box", "client_id": "c", "grant_url": "https://i/g"}))
    assert answer.integrations[0].native_connect is None and answer.warnings == ()


def test_a_native_connect_survives_the_state_files_round_trip() -> None:
    native = {"provider": "microsoft", "client_id": "c", "scopes": ["Files.Read"],
              "authority": "https://login.microsoftonline.com/contoso/",
              "expected_account": "jane@acme.example", "grant_url": "https://i/g"}
    answer = parse_integration_list(_answer_with(native))
    assert answer.integrations[0].native_connect == NativeConnect(
        "microsoft", "c", "https://i/g", ("Files.Read",),
        "https://login.microsoftonline.com/contoso", "jane@acme.example")
    assert parse_integration_list(answer_to_json(answer)) == answer
    assert parse_native_connect(None) is None


# --- the worker's "reconnect" op --------------------------------------------------------------


def test_the_worker_opens_the_page_of_an_integration_without_native_reconnect(
        intranet_server: FakeServer, monkeypatch: pytest.MonkeyPatch) -> None:
    intranet = GrantIntranet(intranet_server, "slack", "slack", None).install()
    for name, value in intranet.environment().items():
        monkeypatch.setenv(name, value)
    stdout = io.BytesIO()
    request = encode({"op": "reconnect", "intranet_url": None, "integration_id": "slack"})

    assert serve(io.BytesIO(request), stdout) == 0

    lines = [json.loads(line) for line in stdout.getvalue().splitlines()]
    assert [line["type"] for line in lines] == ["progress", "open", "result"]
    assert lines[1]["url"] == intranet.reconnect_url
    assert lines[2]["outcome"] == "page_opened" and lines[2]["error"] is None


def test_the_worker_says_when_there_is_no_such_integration(
        intranet_server: FakeServer, monkeypatch: pytest.MonkeyPatch) -> None:
    intranet = GrantIntranet(intranet_server, "slack", "slack", None).install()
    for name, value in intranet.environment().items():
        monkeypatch.setenv(name, value)
    stdout = io.BytesIO()
    serve(io.BytesIO(encode({"op": "reconnect", "intranet_url": None,
                             "integration_id": "nope"})), stdout)
    [result] = [json.loads(line) for line in stdout.getvalue().splitlines()]
    assert result["error"]["message"] == ("There is no integration 'nope'. Run `check` to "
                                          "see your integrations.")
