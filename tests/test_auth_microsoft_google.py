"""The microsoft and google sign-in methods against a certified OpenID provider.

oidc-provider (tests/oidc, see oidc_harness.py) plays Entra ID and Google on 127.0.0.1
with TLS; BrowserDriver plays the person approving in the browser. Every flow ends by
searching every file under the isolated home, the log included, for the tokens.
"""

from __future__ import annotations

import json
import re
import threading
import time
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
import trustme
from fakeserver import unused_port
from oidc_harness import (
    ACCESS_TOKEN_TTL_SECONDS,
    GOOGLE_CLIENT_ID,
    GOOGLE_CLIENT_SECRET,
    MICROSOFT_CLIENT_ID,
    WINDOWS_ENTRY_BYTES,
    BrowserDriver,
    OidcProvider,
    WindowsSizedBackend,
    oidc_provider_fixture,  # noqa: F401 - provides the oidc_provider fixture
)

from tray_app.core.auth import method_for
from tray_app.core.auth.google import SECRET_NAME as GOOGLE_SECRET
from tray_app.core.auth.google import GoogleSignIn
from tray_app.core.auth.microsoft import SECRET_NAME as MICROSOFT_SECRET
from tray_app.core.auth.microsoft import MicrosoftSignIn
from tray_app.core.config import Config, load_config
from tray_app.core.errors import CompanionError, ConfigError, ErrorKind, SignInNeeded
from tray_app.core.policy import RawPolicy
from tray_app.core.secrets import SecretStore

BROWSER_TIMEOUT = 20.0

# --- set-up ------------------------------------------------------------------------


def config_with(**values: Any) -> Config:
    """Settings as IT policy would give them, checked against the settings table."""
    config = load_config(environ={}, policy=RawPolicy(values, origin="test policy"))
    assert not config.warnings
    return config


def microsoft_config(issuer: str, **overrides: Any) -> Config:
    return config_with(**{
        "auth_method": "microsoft",
        "microsoft_authority": issuer, "microsoft_client_id": MICROSOFT_CLIENT_ID,
        "microsoft_scopes": "intranet.read", "microsoft_use_broker": False, **overrides})


def google_config(**overrides: Any) -> Config:
    return config_with(**{
        "google_client_id": GOOGLE_CLIENT_ID, "google_client_secret": GOOGLE_CLIENT_SECRET,
        "google_scopes": "openid email", **overrides})


def microsoft(provider: OidcProvider, store: SecretStore, **kwargs: Any) -> MicrosoftSignIn:
    return MicrosoftSignIn(microsoft_config(provider.issuer), store,
                           browser_timeout_seconds=BROWSER_TIMEOUT, **kwargs)


def google(provider: OidcProvider, store: SecretStore, **config: Any) -> GoogleSignIn:
    return GoogleSignIn(
        google_config(**config), store,
        google_auth_uri=provider.authorization_endpoint,
        google_token_uri=provider.token_endpoint,
        google_revoke_uri=provider.revocation_endpoint,
        browser_timeout_seconds=BROWSER_TIMEOUT)


@pytest.fixture
def backend() -> WindowsSizedBackend:
    return WindowsSizedBackend()


@pytest.fixture
def store(backend: WindowsSizedBackend) -> SecretStore:
    return SecretStore(backend, "test store")


def signed_in(method: MicrosoftSignIn | GoogleSignIn, provider: OidcProvider, *,
              deny: bool = False) -> BrowserDriver:
    browser = BrowserDriver(provider.ca_path, deny=deny)
    try:
        method.sign_in(browser, lambda sentence: None)
    finally:
        browser.wait()
    return browser


def tokens_in(store: SecretStore) -> set[str]:
    """Every token the store holds: msal cache secrets and the google record."""
    found: set[str] = set()
    cache = store.get(MICROSOFT_SECRET)
    if cache:
        for section in json.loads(cache).values():
            found.update(entry["secret"] for entry in section.values() if "secret" in entry)
    record = store.get(GOOGLE_SECRET)
    if record:
        saved = json.loads(record)
        found.update(str(saved[key]) for key in ("access_token", "refresh_token") if saved[key])
    return found


def assert_written_nowhere(home: Path, log_path: Path, tokens: set[str]) -> None:
    assert tokens, "the flow should have produced tokens to look for"
    assert log_path.is_file() and log_path.stat().st_size > 0
    for path in [p for p in home.rglob("*") if p.is_file()]:
        content = path.read_bytes()
        for token in tokens:
            assert token.encode() not in content, f"a token was written to {path}"


def assert_no_token_in(error: CompanionError, tokens: set[str]) -> None:
    assert error.message.endswith(".")
    for token in tokens:
        assert token not in error.message


def in_thread(target: Any, *args: Any) -> None:
    threading.Thread(target=target, args=args, daemon=True).start()


def query_of(url: str) -> dict[str, str]:
    return {key: values[0] for key, values in parse_qs(urlsplit(url).query).items()}


def test_method_for_builds_both_methods(store: SecretStore) -> None:
    microsoft_method = method_for(
        microsoft_config("https://login.microsoftonline.com/contoso.com"), store, device=True)
    google_method = method_for(google_config(auth_method="google"), store)
    assert isinstance(microsoft_method, MicrosoftSignIn) and microsoft_method.name == "microsoft"
    assert isinstance(google_method, GoogleSignIn) and google_method.name == "google"


# --- microsoft ---------------------------------------------------------------------------


def test_microsoft_browser_sign_in_keeps_a_chunked_cache_and_signs_in_silently(
        oidc_provider: OidcProvider, store: SecretStore, backend: WindowsSizedBackend,
        isolated_home: Path, app_log: Path) -> None:
    browser = signed_in(microsoft(oidc_provider, store), oidc_provider)

    [opened] = browser.opened
    request = query_of(opened)
    assert opened.startswith(oidc_provider.authorization_endpoint + "?")
    assert request["code_challenge_method"] == "S256" and request["state"]
    assert re.fullmatch(r"http://localhost:\d+", request["redirect_uri"])
    assert "received your sign-in" in browser.final_pages[-1]
    cache = store.get(MICROSOFT_SECRET)
    assert cache and len(cache.encode("utf-16-le")) > WINDOWS_ENTRY_BYTES
    assert f"{MICROSOFT_SECRET}#1" in backend.values  # chunked, and it round-trips:
    assert json.loads(cache)["RefreshToken"]

    restored = microsoft(oidc_provider, store)  # a later desktop session
    token = restored.provider().access_token()
    assert oidc_provider.accepts(token)
    assert token in tokens_in(store)
    assert_written_nowhere(isolated_home, app_log, tokens_in(store))


def test_microsoft_refreshes_silently_once_the_access_token_expired(
        oidc_provider: OidcProvider, store: SecretStore, isolated_home: Path,
        app_log: Path) -> None:
    signed_in(microsoft(oidc_provider, store), oidc_provider)
    first = microsoft(oidc_provider, store).provider().access_token()
    seen = tokens_in(store)
    time.sleep(ACCESS_TOKEN_TTL_SECONDS + 1)
    assert not oidc_provider.accepts(first)

    tokens = microsoft(oidc_provider, store).provider()
    renewed = tokens.access_token()
    forced = tokens.refresh()  # what the client does after a 401

    assert len({first, renewed, forced}) == 3
    assert oidc_provider.accepts(renewed) and oidc_provider.accepts(forced)
    assert_written_nowhere(isolated_home, app_log, seen | tokens_in(store))


def test_microsoft_revoked_grant_means_sign_in_needed(
        oidc_provider: OidcProvider, store: SecretStore, isolated_home: Path,
        app_log: Path) -> None:
    signed_in(microsoft(oidc_provider, store), oidc_provider)
    tokens = tokens_in(store)
    oidc_provider.revoke_everything()

    provider = microsoft(oidc_provider, store).provider()
    with pytest.raises(SignInNeeded) as needed:
        provider.access_token()
    assert "invalid_grant" in needed.value.message
    with pytest.raises(SignInNeeded):
        provider.refresh()
    assert needed.value.kind is ErrorKind.AUTH
    assert_no_token_in(needed.value, tokens)
    assert_written_nowhere(isolated_home, app_log, tokens)


def test_microsoft_device_code_sign_in(
        oidc_provider: OidcProvider, store: SecretStore, isolated_home: Path,
        app_log: Path) -> None:
    browser = BrowserDriver(oidc_provider.ca_path)
    sentences: list[str] = []

    def say(sentence: str) -> None:
        sentences.append(sentence)
        where = re.search(r"open (https://\S+) in a browser .* code (\S+)\.$", sentence)
        assert where, sentence
        browser.approve_device_code(where.group(1), where.group(2))

    method = microsoft(oidc_provider, store, device=True)
    try:
        method.sign_in(lambda url: pytest.fail("the device flow opened a browser"), say)
    finally:
        browser.wait()

    assert len(sentences) == 1
    token = microsoft(oidc_provider, store).provider().access_token()
    assert oidc_provider.accepts(token)
    assert_written_nowhere(isolated_home, app_log, tokens_in(store))


# What a stray page or program might send to the loopback receiver before the browser.
FORGERIES: list[tuple[str, str, dict[str, Any]]] = [
    ("POST", "/", {"data": {"code": "forged", "state": "not-ours"}}),
    ("POST", "/", {"data": {"code": "forged"}}),
    ("POST", "/", {"data": "code=forged", "headers": {"Content-Type": "text/plain"}}),
    ("GET", "/?code=forged&state=not-ours", {}),
    ("GET", "/?error=access_denied", {}),
    ("GET", "/favicon.ico", {}),
]


def test_microsoft_loopback_turns_away_answers_with_another_state(
        oidc_provider: OidcProvider, store: SecretStore) -> None:
    browser = BrowserDriver(oidc_provider.ca_path)
    forged_replies: list[int] = []

    def forger_then_browser(url: str) -> None:
        redirect_uri = query_of(url)["redirect_uri"]
        direct = requests.Session()
        direct.trust_env = False
        forged_replies.extend(direct.request(method, redirect_uri + path, timeout=5,
                                             **options).status_code
                              for method, path, options in FORGERIES)
        browser(url)

    method = microsoft(oidc_provider, store)
    try:
        # The forged answer arrives before the listener waits: it must not count.
        method.sign_in(lambda url: in_thread(forger_then_browser, url), lambda s: None)
    finally:
        browser.wait()
    assert forged_replies == [400, 400, 400, 400, 400, 404]
    assert oidc_provider.accepts(microsoft(oidc_provider, store).provider().access_token())


def test_microsoft_sign_in_not_finished_in_time(
        oidc_provider: OidcProvider, store: SecretStore) -> None:
    method = MicrosoftSignIn(microsoft_config(oidc_provider.issuer), store,
                             browser_timeout_seconds=1)
    with pytest.raises(SignInNeeded, match="not completed in the browser"):
        method.sign_in(lambda url: None, lambda sentence: None)
    assert store.get(MICROSOFT_SECRET) is None


def test_microsoft_without_a_browser_says_where_to_go(
        oidc_provider: OidcProvider, store: SecretStore) -> None:
    browser = BrowserDriver(oidc_provider.ca_path)
    sentences: list[str] = []

    def no_browser_but_the_person_copies_the_address(url: str) -> bool:
        browser(url)
        return False  # what webbrowser.open answers when it finds no browser

    try:
        microsoft(oidc_provider, store).sign_in(
            no_browser_but_the_person_copies_the_address, sentences.append)
    finally:
        browser.wait()
    assert sentences == [
        "Sign in with Microsoft in your browser.",
        f"No browser could be opened. Open this address yourself: {browser.opened[0]}"]
    assert store.get(MICROSOFT_SECRET)


@pytest.mark.parametrize("method_name", ["microsoft", "google"])
def test_declining_in_the_browser_stores_nothing(
        oidc_provider: OidcProvider, store: SecretStore, method_name: str) -> None:
    method = (microsoft if method_name == "microsoft" else google)(oidc_provider, store)
    with pytest.raises(SignInNeeded, match="the sign-in was not approved"):
        signed_in(method, oidc_provider, deny=True)
    assert store.get(MICROSOFT_SECRET) is None and store.get(GOOGLE_SECRET) is None


@pytest.mark.parametrize("device", [False, True])
def test_microsoft_cancel_stops_the_wait(
        oidc_provider: OidcProvider, store: SecretStore, device: bool) -> None:
    method = microsoft(oidc_provider, store, device=device)
    started = time.monotonic()
    with pytest.raises(SignInNeeded, match=r"^Sign-in was cancelled\.$"):
        method.sign_in(lambda url: in_thread(method.cancel),
                       lambda sentence: in_thread(method.cancel))
    assert time.monotonic() - started < 5
    assert store.get(MICROSOFT_SECRET) is None


def test_microsoft_sign_out_forgets_the_cache(
        oidc_provider: OidcProvider, store: SecretStore, backend: WindowsSizedBackend) -> None:
    method = microsoft(oidc_provider, store)
    signed_in(method, oidc_provider)
    method.sign_out()
    assert store.get(MICROSOFT_SECRET) is None
    assert not [key for key in backend.values if key.startswith(MICROSOFT_SECRET)]
    with pytest.raises(SignInNeeded, match="not signed in"):
        microsoft(oidc_provider, store).provider().access_token()


def test_microsoft_untrusted_certificate_is_a_tls_error(
        oidc_provider: OidcProvider, store: SecretStore,
        monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    signed_in(microsoft(oidc_provider, store), oidc_provider)
    other_ca = tmp_path / "other-ca.pem"
    trustme.CA().cert_pem.write_to_path(str(other_ca))
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(other_ca))
    with pytest.raises(CompanionError) as failure:
        microsoft(oidc_provider, store).provider().access_token()
    assert failure.value.kind is ErrorKind.TLS


def test_microsoft_unreachable_authority_is_a_network_error(store: SecretStore) -> None:
    method = MicrosoftSignIn(microsoft_config(f"https://127.0.0.1:{unused_port()}/tenant"), store)
    with pytest.raises(CompanionError) as failure:
        method.sign_in(lambda url: pytest.fail("no browser without the IdP"), lambda s: None)
    assert failure.value.kind is ErrorKind.NETWORK
    assert "Cannot reach the sign-in service 127.0.0.1" in failure.value.message


def test_microsoft_not_signed_in_is_known_without_the_network(store: SecretStore) -> None:
    method = MicrosoftSignIn(microsoft_config(f"https://127.0.0.1:{unused_port()}/tenant"), store)
    with pytest.raises(SignInNeeded, match="not signed in with Microsoft"):
        method.provider().access_token()


@pytest.mark.parametrize(("setting", "value", "named"), [
    ("microsoft_client_id", "", "microsoft_client_id"),
    ("microsoft_scopes", "openid profile offline_access", "microsoft_scopes"),
    ("microsoft_authority", "http://login.example/tenant", "microsoft_authority"),
    ("microsoft_authority", "https://login.microsoftonline.com", "microsoft_authority"),
])
def test_microsoft_settings_problems_are_config_errors(
        store: SecretStore, setting: str, value: str, named: str) -> None:
    config = microsoft_config("https://login.microsoftonline.com/contoso.com", **{setting: value})
    with pytest.raises(ConfigError, match=named):
        MicrosoftSignIn(config, store).sign_in(lambda url: None, lambda sentence: None)


# --- google -------------------------------------------------------------------------------


def test_google_browser_sign_in_keeps_the_refresh_token_and_signs_in_silently(
        oidc_provider: OidcProvider, store: SecretStore, isolated_home: Path,
        app_log: Path) -> None:
    browser = signed_in(google(oidc_provider, store), oidc_provider)

    [opened] = browser.opened
    request = query_of(opened)
    assert opened.startswith(oidc_provider.authorization_endpoint + "?")
    assert request["code_challenge_method"] == "S256" and request["state"]
    assert request["access_type"] == "offline" and request["prompt"] == "consent"
    assert re.fullmatch(r"http://127\.0\.0\.1:\d+/", request["redirect_uri"])
    assert "You are signed in" in browser.final_pages[-1]
    saved = json.loads(store.get(GOOGLE_SECRET) or "{}")
    assert saved["refresh_token"] and saved["access_token"]

    token = google(oidc_provider, store).provider().access_token()  # a later session
    assert oidc_provider.accepts(token)
    assert_written_nowhere(isolated_home, app_log, tokens_in(store) | {saved["access_token"]})


def test_google_refreshes_silently_once_the_access_token_expired(
        oidc_provider: OidcProvider, store: SecretStore, isolated_home: Path,
        app_log: Path) -> None:
    signed_in(google(oidc_provider, store), oidc_provider)
    first = json.loads(store.get(GOOGLE_SECRET) or "{}")["access_token"]
    seen = tokens_in(store)
    time.sleep(ACCESS_TOKEN_TTL_SECONDS + 1)
    assert not oidc_provider.accepts(first)

    tokens = google(oidc_provider, store).provider()
    renewed = tokens.access_token()
    forced = tokens.refresh()

    assert len({first, renewed, forced}) == 3
    assert oidc_provider.accepts(renewed) and oidc_provider.accepts(forced)
    assert json.loads(store.get(GOOGLE_SECRET) or "{}")["access_token"] == forced
    assert_written_nowhere(isolated_home, app_log, seen | tokens_in(store))


def test_google_revoked_grant_means_sign_in_needed(
        oidc_provider: OidcProvider, store: SecretStore, isolated_home: Path,
        app_log: Path) -> None:
    signed_in(google(oidc_provider, store), oidc_provider)
    tokens = tokens_in(store)
    oidc_provider.revoke_everything()

    with pytest.raises(SignInNeeded) as needed:
        google(oidc_provider, store).provider().access_token()
    assert "invalid_grant" in needed.value.message
    assert_no_token_in(needed.value, tokens)
    assert_written_nowhere(isolated_home, app_log, tokens)


def test_google_sign_out_revokes_and_forgets(
        oidc_provider: OidcProvider, store: SecretStore) -> None:
    method = google(oidc_provider, store)
    signed_in(method, oidc_provider)
    refresh_token = json.loads(store.get(GOOGLE_SECRET) or "{}")["refresh_token"]

    method.sign_out()

    assert store.get(GOOGLE_SECRET) is None
    reply = requests.post(oidc_provider.token_endpoint, verify=str(oidc_provider.ca_path),
                          timeout=10, data={
                              "grant_type": "refresh_token", "refresh_token": refresh_token,
                              "client_id": GOOGLE_CLIENT_ID,
                              "client_secret": GOOGLE_CLIENT_SECRET})
    assert reply.json()["error"] == "invalid_grant"
    with pytest.raises(SignInNeeded, match="not signed in"):
        google(oidc_provider, store).provider().access_token()


def test_google_sign_in_not_finished_in_time(
        oidc_provider: OidcProvider, store: SecretStore) -> None:
    method = GoogleSignIn(google_config(), store,
                          google_auth_uri=oidc_provider.authorization_endpoint,
                          google_token_uri=oidc_provider.token_endpoint,
                          browser_timeout_seconds=1)
    with pytest.raises(SignInNeeded, match="not completed in the browser"):
        method.sign_in(lambda url: None, lambda sentence: None)
    assert store.get(GOOGLE_SECRET) is None


def test_google_cancel_stops_the_wait(
        oidc_provider: OidcProvider, store: SecretStore) -> None:
    method = google(oidc_provider, store)
    sentences: list[str] = []
    started = time.monotonic()
    with pytest.raises(SignInNeeded, match=r"^Sign-in was cancelled\.$"):
        method.sign_in(lambda url: in_thread(method.cancel), sentences.append)
    assert time.monotonic() - started < 5
    assert sentences == ["Sign in with Google in your browser."]
    assert store.get(GOOGLE_SECRET) is None


def test_google_unreachable_token_endpoint_is_a_network_error(store: SecretStore) -> None:
    store.set(GOOGLE_SECRET, json.dumps({"refresh_token": "kept-refresh-token",
                                         "access_token": None, "expiry": None}))
    method = GoogleSignIn(google_config(), store,
                          google_token_uri=f"https://127.0.0.1:{unused_port()}/token")
    with pytest.raises(CompanionError) as failure:
        method.provider().access_token()
    assert failure.value.kind is ErrorKind.NETWORK
    assert "kept-refresh-token" not in failure.value.message


def test_google_without_client_id_is_a_config_error(store: SecretStore) -> None:
    with pytest.raises(ConfigError, match="google_client_id"):
        GoogleSignIn(google_config(google_client_id=""), store).sign_in(
            lambda url: None, lambda sentence: None)
