"""The `oauth` sign-in method end to end against the demo intranet's OAuth server, over
real HTTP on 127.0.0.1, with the browser played by approve_browser.

After every test, no token or code seen during it may appear in any file under the
isolated home (settings, state, the log) or in any log record.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from approve_browser import Visit, play
from fakeserver import Reply

from tray_app.core import logs
from tray_app.core.auth import Account, method_for
from tray_app.core.auth.oauth import OAuthSignIn, pkce_challenge, secret_name, token_error
from tray_app.core.check import Checker
from tray_app.core.client import FormAnswer
from tray_app.core.config import Config, load_config
from tray_app.core.errors import CompanionError, ConfigError, ErrorKind, SignInNeeded
from tray_app.core.policy import RawPolicy
from tray_app.core.secrets import MemoryBackend, SecretStore
from tray_app.core.state import StateStore
from tray_app.demo.server import DemoIntranet

START = datetime(2026, 11, 28, 9, 0, tzinfo=UTC)
LIFETIME = 60


class FakeClock:
    def __init__(self) -> None:
        self.now = START

    def __call__(self) -> datetime:
        return self.now

    def epoch(self) -> float:
        return self.now.timestamp()

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


class RecordingStore(SecretStore):
    """A memory store that remembers every value it was given, to hunt for leaks."""

    def __init__(self) -> None:
        super().__init__(MemoryBackend(), "memory (test)")
        self.values_seen: list[str] = []

    def set(self, name: str, value: str) -> None:
        self.values_seen.append(value)
        super().set(name, value)


@dataclass
class World:
    demo: DemoIntranet
    clock: FakeClock
    config: Config
    store: RecordingStore
    visits: list[Visit] = field(default_factory=list)

    def method(self, **options: object) -> OAuthSignIn:
        return OAuthSignIn(self.config, self.store, clock=self.clock.epoch, **options)

    def browser(self, decision: str = "approve", **options: bool):
        def open_browser(url: str) -> bool:
            self.visits.append(play(url, decision, **options))
            return True
        return open_browser

    def sign_in(self, decision: str = "approve", **options: bool) -> None:
        self.method().sign_in(self.browser(decision, **options), lambda _sentence: None)

    def checker(self) -> Checker:
        return Checker(self.config, StateStore(), clock=self.clock,
                       provider_factory=lambda _url: self.method().provider())

    def record(self) -> dict:
        return json.loads(self.store.get(secret_name(self.demo.url)))

    def secrets_seen(self) -> set[str]:
        seen: set[str] = set()
        for value in self.store.values_seen:
            record = json.loads(value)
            seen |= {record["access_token"], record["refresh_token"]}
        for visit in self.visits:
            seen |= set(parse_qs(urlsplit(visit.redirect).query).get("code", []))
        return {value for value in seen if value}


@pytest.fixture
def logged(isolated_home: Path, caplog: pytest.LogCaptureFixture) -> Iterator[None]:
    """The app's real logging (a DEBUG log file under the isolated home) plus caplog."""
    root = logging.getLogger()
    kept = list(root.handlers)
    logs.setup_logging("DEBUG", stderr_level="CRITICAL")
    ours = [h for h in root.handlers if h not in kept]
    for handler in kept:
        root.addHandler(handler)
    caplog.set_level(logging.DEBUG)
    yield
    for handler in ours:
        root.removeHandler(handler)
        handler.close()


@pytest.fixture
def world(logged: None, isolated_home: Path, caplog: pytest.LogCaptureFixture) -> Iterator[World]:
    clock = FakeClock()
    with DemoIntranet(clock=clock, access_token_seconds=LIFETIME) as demo:
        config = load_config({"intranet_url": demo.url})
        result = World(demo, clock, config, RecordingStore())
        yield result
    leaked = result.secrets_seen()
    assert leaked or not result.store.values_seen  # the hunt has something to look for
    texts = [p.read_text(errors="replace") for p in isolated_home.rglob("*") if p.is_file()]
    for phase in ("setup", "call"):  # the raw records, before any redaction
        texts.extend(record.getMessage() for record in caplog.get_records(phase))
    for secret in leaked:
        assert not any(secret in text for text in texts), "a token or code was written"


def test_sign_in_exchanges_the_code_and_check_works(world: World) -> None:
    world.sign_in()

    [visit] = world.visits
    assert visit.redirect.startswith("http://127.0.0.1:")
    assert "You can close this tab" in visit.callback_page
    record = world.record()
    assert record["access_token"] and record["refresh_token"]
    assert world.demo.oauth.grants == {"authorization_code": 1, "refresh_token": 0}
    report = world.checker().run()
    assert report.error is None and report.outcome == "attention"
    assert report.user is not None and report.user.name == "Jane Doe"


def test_the_authorization_request_follows_the_contract(world: World) -> None:
    urls: list[str] = []

    def open_browser(url: str) -> bool:
        urls.append(url)
        world.visits.append(play(url))
        return True

    world.method().sign_in(open_browser, lambda _s: None)

    [url] = urls
    assert url.startswith(world.demo.url + "/oauth/authorize?")
    query = {k: v[0] for k, v in parse_qs(urlsplit(url).query).items()}
    assert query["response_type"] == "code"
    assert query["client_id"] == "intranet-companion"
    assert query["scope"] == "read" and query["access_type"] == "offline"
    assert query["code_challenge_method"] == "S256" and len(query["code_challenge"]) == 43
    assert len(query["state"]) >= 16
    redirect = urlsplit(query["redirect_uri"])
    assert (redirect.scheme, redirect.hostname, redirect.path) == ("http", "127.0.0.1",
                                                                   "/callback")


def test_an_expired_access_token_is_refreshed_before_use(world: World) -> None:
    world.sign_in()
    first = world.record()
    world.clock.advance(LIFETIME + 1)

    token = world.method().provider().access_token()

    second = world.record()
    assert token == second["access_token"] != first["access_token"]
    assert world.demo.oauth.grants["refresh_token"] == 1
    assert world.checker().run().error is None
    assert world.demo.oauth.grants["refresh_token"] == 1


def test_the_access_token_is_refreshed_shortly_before_it_expires(world: World) -> None:
    world.sign_in()
    world.clock.advance(LIFETIME - 3)  # still valid for the server, but only just
    world.method().provider().access_token()
    assert world.demo.oauth.grants["refresh_token"] == 1


def test_a_401_leads_to_one_silent_refresh(world: World) -> None:
    world.sign_in()
    # The server's clock runs ahead: it has expired the token the companion thinks fresh.
    world.demo._clock = lambda: START + timedelta(seconds=LIFETIME + 1)

    report = world.checker().run()

    assert report.error is None
    assert world.demo.oauth.grants["refresh_token"] == 1


def test_refresh_rotates_and_the_old_refresh_token_is_refused(world: World) -> None:
    world.sign_in()
    old = world.record()["refresh_token"]

    world.method().provider().refresh()

    new = world.record()["refresh_token"]
    assert new != old
    reused = requests.post(world.demo.url + "/oauth/token", timeout=5, data={
        "grant_type": "refresh_token", "refresh_token": old, "client_id": "intranet-companion"})
    assert reused.status_code == 400 and reused.json()["error"] == "invalid_grant"
    assert world.checker().run().error is None  # the newest one still works


def test_a_refresh_rotated_by_another_process_is_picked_up(world: World) -> None:
    world.sign_in()
    method = world.method()
    stale = method.load_record()
    assert stale is not None
    method.provider().refresh()  # "another process" rotates first

    fresh = method.refreshed_record(stale)  # the old refresh token is refused by now

    assert fresh == method.load_record()
    assert fresh.refresh_token != stale.refresh_token


def test_revoked_sessions_mean_sign_in_needed(world: World) -> None:
    world.sign_in()
    assert world.demo.revoke_sessions() == 1

    report = world.checker().run()

    assert isinstance(report.error, SignInNeeded) and report.error.offers_sign_in
    assert report.exit_code == 4
    assert "sign in again" in report.error.message.lower()
    assert world.store.get(secret_name(world.demo.url)) is None
    again = world.checker().run()
    assert again.exit_code == 4 and "not signed in" in again.error.message


def test_revoked_sessions_after_expiry_mean_sign_in_needed(world: World) -> None:
    world.sign_in()
    world.demo.revoke_sessions()
    world.clock.advance(LIFETIME + 1)
    with pytest.raises(SignInNeeded, match="expired or was revoked"):
        world.method().provider().access_token()


def test_a_wrong_state_is_turned_away_and_the_sign_in_keeps_waiting(world: World) -> None:
    method = world.method(timeout_seconds=1.5)
    with pytest.raises(CompanionError) as refused:
        method.sign_in(world.browser(tamper_state=True), lambda _s: None)

    assert refused.value.kind == ErrorKind.AUTH
    assert "did not finish within 1 minute" in refused.value.message
    assert "refused" in world.visits[0].callback_page
    assert "You can close this tab" not in world.visits[0].callback_page
    assert world.demo.oauth.grants["authorization_code"] == 0
    assert world.store.get(secret_name(world.demo.url)) is None


def forge_callbacks(redirect_uri: str) -> list[int]:
    """What a stray page or program on this computer might send to the receiver first."""
    direct = requests.Session()
    direct.trust_env = False
    origin = redirect_uri.removesuffix("/callback")
    attempts = [
        f"{redirect_uri}?code=forged-code&state=forged-state",
        f"{redirect_uri}?code=forged-code",
        f"{redirect_uri}?error=access_denied",
        f"{origin}/favicon.ico",
    ]
    statuses = [direct.get(url, timeout=5).status_code for url in attempts]
    statuses.append(direct.post(redirect_uri, data={"code": "forged-code"},
                                timeout=5).status_code)
    return statuses


def test_forged_callbacks_first_do_not_spoil_the_sign_in(world: World) -> None:
    forged: list[int] = []

    def forger_then_person(url: str) -> bool:
        redirect_uri = parse_qs(urlsplit(url).query)["redirect_uri"][0]
        forged.extend(forge_callbacks(redirect_uri))
        world.visits.append(play(url))
        return True

    world.method().sign_in(forger_then_person, lambda _s: None)

    assert forged == [400, 400, 400, 404, 404]
    assert "You can close this tab" in world.visits[0].callback_page
    assert world.demo.oauth.grants == {"authorization_code": 1, "refresh_token": 0}
    assert world.checker().run().error is None


def test_cancel_ends_the_wait_with_a_sentence_and_stores_nothing(world: World) -> None:
    account = Account(world.config, world.store, "oauth")
    opened: list[str] = []

    def nobody_answers(url: str) -> bool:
        opened.append(url)
        threading.Timer(0.3, account.cancel_sign_in).start()
        return True

    started = time.monotonic()
    with pytest.raises(SignInNeeded, match=r"^Sign-in was cancelled\.$"):
        account.sign_in(nobody_answers, lambda _s: None)
    assert time.monotonic() - started < 5
    assert opened and world.store.get(secret_name(world.demo.url)) is None


def test_a_cancel_before_the_sign_in_starts_still_counts(world: World) -> None:
    cancelled = threading.Event()
    cancelled.set()
    opened: list[str] = []
    with pytest.raises(SignInNeeded, match=r"^Sign-in was cancelled\.$"):
        Account(world.config, world.store, "oauth").sign_in(
            opened.append, lambda _s: None, cancelled=cancelled)
    assert not opened and world.store.get(secret_name(world.demo.url)) is None


def test_deny_is_a_clear_error(world: World) -> None:
    with pytest.raises(CompanionError) as refused:
        world.sign_in("deny")
    assert refused.value.kind == ErrorKind.AUTH
    assert "access was denied" in refused.value.message
    assert world.store.get(secret_name(world.demo.url)) is None


def test_a_sign_in_nobody_finishes_times_out(world: World) -> None:
    method = world.method(timeout_seconds=0.3)
    with pytest.raises(CompanionError, match="did not finish within 1 minute"):
        method.sign_in(lambda _url: True, lambda _s: None)


def test_a_missing_or_wrong_pkce_verifier_is_refused_by_the_server(world: World) -> None:
    verifier = "v" * 64
    redirect_uri = "http://127.0.0.1:9/callback"

    def approved_code() -> str:
        query = {"response_type": "code", "client_id": "intranet-companion", "scope": "read",
                 "redirect_uri": redirect_uri, "state": "s", "code_challenge_method": "S256",
                 "code_challenge": pkce_challenge(verifier)}
        url = world.demo.url + "/oauth/authorize?" + requests.compat.urlencode(query)
        visit = play(url, deliver=False)
        world.visits.append(visit)
        return parse_qs(urlsplit(visit.redirect).query)["code"][0]

    def exchange(code: str, **extra: str) -> requests.Response:
        return requests.post(world.demo.url + "/oauth/token", timeout=5, data={
            "grant_type": "authorization_code", "code": code, "redirect_uri": redirect_uri,
            "client_id": "intranet-companion", **extra})

    missing = exchange(approved_code())
    wrong = exchange(approved_code(), code_verifier="w" * 64)
    code = approved_code()
    right = exchange(code, code_verifier=verifier)
    again = exchange(code, code_verifier=verifier)

    for refused in (missing, wrong, again):
        assert refused.status_code == 400
        assert refused.json()["error"] == "invalid_grant"
        assert refused.json()["error_description"]
    assert right.status_code == 200 and right.headers["Cache-Control"] == "no-store"
    # A code used twice also ends the sign-in it gave.
    assert not world.demo.accepts_token(right.json()["access_token"])


def test_sign_out_revokes_at_the_server_and_forgets(world: World) -> None:
    world.sign_in()
    token = world.record()["access_token"]
    account = Account(world.config, world.store, "oauth")

    sentence = account.sign_out()

    assert "Signed out" in sentence
    assert not world.demo.accepts_token(token)
    assert world.demo.oauth.active_sessions() == 0
    assert world.store.get(secret_name(world.demo.url)) is None


def test_the_demo_account_signs_in_through_the_demo(world: World) -> None:
    account = Account.for_demo(world.config)
    sentence = account.sign_in(world.browser(), lambda _s: None)
    assert sentence.startswith("Signed in to 127.0.0.1:")
    checker = Checker(world.config, StateStore(), provider_factory=account.provider_factory())
    assert checker.run().error is None


def test_endpoints_come_from_discovery(world: World) -> None:
    endpoints = world.method().endpoints(world.demo.url)
    assert endpoints.authorization == world.demo.url + "/oauth/authorize"
    assert endpoints.token == world.demo.url + "/oauth/token"
    assert endpoints.revocation == world.demo.url + "/oauth/revoke"


def test_without_discovery_the_default_paths_are_used_and_policy_overrides(fake_server) -> None:
    server = fake_server()
    config = load_config({"intranet_url": server.url})
    endpoints = OAuthSignIn(config, SecretStore(MemoryBackend(), "m")).endpoints(server.url)
    assert (endpoints.authorization, endpoints.token, endpoints.revocation) == (
        server.url + "/oauth/authorize", server.url + "/oauth/token", None)

    policy = RawPolicy(values={"oauth_token_endpoint": "https://sso.example/token",
                               "oauth_authorization_endpoint": "https://sso.example/auth"})
    overridden = load_config({"intranet_url": server.url}, policy=policy)
    served = len(server.requests)
    endpoints = OAuthSignIn(overridden, SecretStore(MemoryBackend(), "m")).endpoints(server.url)
    assert (endpoints.authorization, endpoints.token) == ("https://sso.example/auth",
                                                          "https://sso.example/token")
    assert len(server.requests) == served  # no discovery needed


def test_a_plain_http_endpoint_elsewhere_is_refused(fake_server) -> None:
    server = fake_server()
    server.respond("GET", "/.well-known/oauth-authorization-server",
                   Reply.json({"authorization_endpoint": "http://sso.example/auth",
                               "token_endpoint": server.url + "/oauth/token"}))
    config = load_config({"intranet_url": server.url})
    with pytest.raises(ConfigError, match="must be an https address"):
        OAuthSignIn(config, SecretStore(MemoryBackend(), "m")).endpoints(server.url)


@pytest.mark.parametrize(("status", "body", "refreshing", "kind", "fragment"), [
    (400, {"error": "invalid_grant"}, True, ErrorKind.AUTH, "expired or was revoked"),
    (400, {"error": "invalid_grant"}, False, ErrorKind.AUTH, "did not accept the sign-in"),
    (401, {"error": "invalid_client"}, True, ErrorKind.CONFIG, "OAuth client 'c'"),
    (404, None, False, ErrorKind.CONFIG, "no OAuth token endpoint"),
    (400, {"error": "invalid_request", "error_description": "bad <b>"}, False,
     ErrorKind.PROTOCOL, "(invalid_request)"),
    (400, {"error": "invalid_scope", "error_description": "leaked sekrit-refresh"}, True,
     ErrorKind.PROTOCOL, "(invalid_scope)"),
    (418, None, False, ErrorKind.PROTOCOL, "HTTP 418"),
])
def test_token_endpoint_refusals_are_sentences(status, body, refreshing, kind, fragment) -> None:
    error = token_error(FormAnswer(status, body), "https://i.example/oauth/token", "c",
                        ["sekrit-refresh"], refreshing=refreshing)
    assert error.kind == kind and fragment in error.message
    assert "sekrit-refresh" not in error.message and "<b>" not in error.message


def test_method_for_knows_the_methods() -> None:
    config = load_config({"intranet_url": "https://i.example"})
    store = SecretStore(MemoryBackend(), "m")
    assert method_for(config, store).name == "oauth"
    assert method_for(config, store, "token").name == "token"
    with pytest.raises(ConfigError, match="not a sign-in method"):
        method_for(config, store, "kerberos")
