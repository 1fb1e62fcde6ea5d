"""`main.py reconnect ID [--no-wait]` end to end: real processes, a test intranet
(native_harness.py) on 127.0.0.1, a scripted BROWSER (native_browser.py), and for native
reconnect the dropbox SDK against a Dropbox stand-in over TLS (dropbox_standin.py,
reached through the SDK's own DROPBOX_*_HOST settings) or google-auth-oauthlib against
the certified OpenID provider (oidc_harness.py).

After each flow every file under the test's HOME (XDG folders and the log, at DEBUG
with -v) and everything the command printed is searched for the vendor's tokens.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any, Protocol

import oidc_harness
import pytest
from dropbox_standin import APP_KEY, DropboxStandIn, account_id, dropbox_fixture  # noqa: F401 (the fixture)
from fakeserver import FakeServer, unused_port
from native_harness import (
    INTRANET_TOKEN,
    NATIVE_GOOGLE_CLIENT,
    NATIVE_GOOGLE_CLIENT_ID,
    GrantIntranet,
    assert_tokens_nowhere,
)
from oidc_harness import (
    OidcProvider,
    oidc_provider_fixture,  # noqa: F401 - provides the oidc_provider fixture
)

from tray_app.demo.server import DemoIntranet

REPO = Path(__file__).resolve().parents[1]
TESTS = REPO / "tests"
EXPECTED = "alice@example.test"


@pytest.fixture
def intranet_server() -> Iterator[FakeServer]:
    with FakeServer() as server:
        yield server


@pytest.fixture
def provider(monkeypatch: pytest.MonkeyPatch, request: pytest.FixtureRequest) -> OidcProvider:
    monkeypatch.setattr(oidc_harness, "CLIENTS", [*oidc_harness.CLIENTS, NATIVE_GOOGLE_CLIENT])
    return request.getfixturevalue("oidc_provider")


class Intranet(Protocol):
    url: str

    def environment(self) -> dict[str, str]: ...


class Cli:
    def __init__(self, home: Path, tmp_path: Path, intranet: Intranet, ca: Path | None,
                 **extra: str) -> None:
        self.browser_log = tmp_path / "browser.log"
        browser = tmp_path / "browser.sh"  # webbrowser runs BROWSER as one program
        browser.write_text(f'#!/bin/sh\nexec "{sys.executable}" '
                           f'"{TESTS / "native_browser.py"}" "$1"\n')
        browser.chmod(0o755)
        self.env = {name: value for name, value in os.environ.items()
                    if not name.startswith(("COMPANION_", "DROPBOX_")) and name != "BROWSER"}
        self.env.update({
            "HOME": str(home), "COMPANION_POLICY_FILE": str(tmp_path / "no-policy.json"),
            "COMPANION_LOG_LEVEL": "DEBUG", **intranet.environment(),
            "BROWSER": str(browser),
            "NATIVE_BROWSER_LOG": str(self.browser_log),
            "NATIVE_BROWSER_INTRANET": intranet.url, **extra})
        if ca is not None:
            self.env.update({"NATIVE_BROWSER_CA": str(ca), "REQUESTS_CA_BUNDLE": str(ca)})
        self.printed = ""

    def run(self, *args: str, **extra: str) -> subprocess.CompletedProcess[str]:
        done = subprocess.run([sys.executable, str(REPO / "main.py"), *args], input="",
                              capture_output=True, text=True, env={**self.env, **extra},
                              timeout=float(os.environ.get("CLI_TEST_TIMEOUT", "120")), check=False)
        self.printed += done.stdout + done.stderr
        assert "Traceback" not in done.stderr, done.stderr
        browser_error = self.browser_log.with_name(self.browser_log.name + ".error")
        assert not browser_error.exists(), browser_error.read_text()
        return done

    @property
    def opened(self) -> list[str]:
        return self.browser_log.read_text().split() if self.browser_log.exists() else []


def dropbox_intranet(server: FakeServer, expected: str | None = EXPECTED,
                     **options: Any) -> GrantIntranet:
    native = {"provider": "dropbox", "client_id": APP_KEY,
              "scopes": ["files.content.read", "account_info.read"],
              "expected_account": expected}
    return GrantIntranet(server, "dropbox", "dropbox", native, **options).install()


def dropbox_cli(isolated_home: Path, tmp_path: Path, intranet: Intranet,
                standin: DropboxStandIn, **extra: str) -> Cli:
    return Cli(isolated_home, tmp_path, intranet, standin.ca_path, **standin.environment(),
               **extra)


def assert_nothing_leaked(cli: Cli, tokens: set[str], home: Path) -> None:
    assert_tokens_nowhere(tokens, home)
    for token in tokens:
        assert token not in cli.printed
    log = home / "state" / "intranet-companion" / "companion.log"
    assert log.stat().st_size > 0


# --- Dropbox through its own SDK -----------------------------------------------------------


def test_dropbox_the_expected_account_reconnects(
        intranet_server: FakeServer, dropbox: DropboxStandIn, isolated_home: Path,
        tmp_path: Path) -> None:
    intranet = dropbox_intranet(intranet_server)
    cli = dropbox_cli(isolated_home, tmp_path, intranet, dropbox)

    done = cli.run("-v", "reconnect", "dropbox")

    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines() == [
        f"Sign in to Dropbox as {EXPECTED} in your browser.",
        "The intranet has the new Dropbox sign-in; checking it now.",
        "Dropbox is connected again."]
    [opened] = cli.opened
    assert opened.startswith(f"https://{dropbox.host}/oauth2/authorize?")
    [token_request] = dropbox.token_requests
    assert token_request["client_id"] == APP_KEY and "client_secret" not in token_request
    [grant] = intranet.grants
    assert grant.headers["Authorization"] == f"Bearer {INTRANET_TOKEN}"
    body = grant.json()
    assert body["provider"] == "dropbox" and body["account"] == EXPECTED
    assert body["account_id"] == account_id("alice")
    assert {body["access_token"], body["refresh_token"]} == dropbox.issued
    assert body["scopes"] == ["account_info.read", "files.content.read"]
    assert body["expires_at"] is None  # Dropbox's refresh tokens last until revoked
    assert_nothing_leaked(cli, dropbox.issued, isolated_home)


def test_dropbox_another_account_is_refused(
        intranet_server: FakeServer, dropbox: DropboxStandIn, isolated_home: Path,
        tmp_path: Path) -> None:
    intranet = dropbox_intranet(intranet_server)
    cli = dropbox_cli(isolated_home, tmp_path, intranet, dropbox, NATIVE_BROWSER_LOGIN="bob")

    done = cli.run("reconnect", "dropbox")

    assert done.returncode == 1
    assert done.stderr.splitlines()[-1] == (
        f"You signed in to Dropbox as bob@example.test, but the intranet expects {EXPECTED}. "
        f"Nothing was handed over. Try again and sign in as {EXPECTED}.")
    assert intranet.grants == [] and len(dropbox.issued) == 2
    assert len(cli.opened) == 1  # only Dropbox's page: trying again is the person's choice
    assert_nothing_leaked(cli, dropbox.issued, isolated_home)


def test_dropbox_declined_opens_the_reconnect_page_instead(
        intranet_server: FakeServer, dropbox: DropboxStandIn, isolated_home: Path,
        tmp_path: Path) -> None:
    intranet = dropbox_intranet(intranet_server)
    cli = dropbox_cli(isolated_home, tmp_path, intranet, dropbox, NATIVE_BROWSER_LOGIN="nobody")

    done = cli.run("reconnect", "dropbox", "--no-wait")

    assert done.returncode == 1  # --no-wait: the page is open, nothing checked yet
    assert "The sign-in to Dropbox was not approved." in done.stderr
    assert done.stdout.splitlines()[-2:] == [
        "Opening the integration's reconnect page instead.",
        "Reconnect Dropbox on the intranet's page in your browser."]
    assert cli.opened[1:] == [intranet.reconnect_url] and intranet.page_visits == 1
    assert intranet.grants == [] and dropbox.issued == set()


def test_dropbox_an_answer_with_another_state_is_refused(
        intranet_server: FakeServer, dropbox: DropboxStandIn, isolated_home: Path,
        tmp_path: Path) -> None:
    """The SDK picks the state: the receiver waits for exactly that one. Run in a process
    of its own, as the SDK reads its hosts when imported; a short browser wait."""
    program = """
import sys
sys.path.insert(0, sys.argv[1])
import requests
from approve_browser import with_state
from oidc_harness import BrowserDriver
from tray_app.core.model import NativeConnect
from tray_app.core.native import dropbox
from tray_app.core.native.common import VendorSettings
from tray_app.core.errors import CompanionError

class Tampering(BrowserDriver):
    def _deliver(self, method, url, data):
        direct = requests.Session()
        direct.trust_env = False
        print(direct.get(with_state(url, "forged"), timeout=10).status_code)

browser = Tampering(sys.argv[2])
native = NativeConnect("dropbox", sys.argv[3], "https://i/g", ("account_info.read",))
try:
    dropbox.sign_in(native, "Dropbox", browser, VendorSettings(browser_timeout=3))
except CompanionError as problem:
    print(problem.message)
browser.wait()
"""
    env = {**os.environ, **dropbox.environment()}
    done = subprocess.run([sys.executable, "-c", program, str(TESTS), str(dropbox.ca_path),
                           APP_KEY], capture_output=True, text=True, env=env, timeout=60,
                          check=False)
    assert done.stdout.splitlines() == [
        "400", "The sign-in was not completed in the browser within 1 minute. Try again."], \
        done.stderr
    assert dropbox.token_requests == []


class DemoAsIntranet:
    def __init__(self, demo: DemoIntranet) -> None:
        self.url, self._token = demo.url, demo.token

    def environment(self) -> dict[str, str]:
        return {"COMPANION_INTRANET_URL": self.url, "COMPANION_TOKEN": self._token}


def test_dropbox_through_the_demo_intranets_grant_url(
        dropbox: DropboxStandIn, isolated_home: Path, tmp_path: Path) -> None:
    scenario = {"integrations": [{
        "id": "dropbox", "name": "Dropbox", "provider": "dropbox", "status": "disconnected",
        "account": EXPECTED, "disconnected_days_ago": 1, "reason": "refresh_failed",
        "native_connect": {"provider": "dropbox", "client_id": APP_KEY,
                           "scopes": ["files.content.read"], "expected_account": EXPECTED}}]}
    with DemoIntranet(scenario=scenario) as demo:
        cli = dropbox_cli(isolated_home, tmp_path, DemoAsIntranet(demo), dropbox)
        done = cli.run("reconnect", "dropbox")
        kept = demo.grant("dropbox")
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines()[-1] == "Dropbox is connected again."
    assert kept is not None and kept["account"] == EXPECTED
    assert kept["account_id"] == account_id("alice")
    assert_nothing_leaked(cli, dropbox.issued, isolated_home)


# --- Google through google-auth-oauthlib, pointed at the test provider -------------------------


def test_google_reconnects_through_the_documented_endpoint_overrides(
        intranet_server: FakeServer, provider: OidcProvider, isolated_home: Path,
        tmp_path: Path) -> None:
    native = {"provider": "google", "client_id": NATIVE_GOOGLE_CLIENT_ID,
              "scopes": ["intranet.read"], "expected_account": EXPECTED.upper()}
    intranet = GrantIntranet(intranet_server, "drive", "google", native).install()
    cli = Cli(isolated_home, tmp_path, intranet, provider.ca_path,
              COMPANION_TEST_GOOGLE_AUTH_URI=provider.authorization_endpoint,
              COMPANION_TEST_GOOGLE_TOKEN_URI=provider.token_endpoint,
              COMPANION_TEST_GOOGLE_USERINFO_URI=f"{provider.issuer}/me")

    done = cli.run("-v", "reconnect", "drive")

    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines()[-1] == "Drive is connected again."
    [grant] = intranet.grants
    body = grant.json()
    assert body["provider"] == "google" and body["account"] == EXPECTED
    assert provider.accepts(body["access_token"])
    assert_nothing_leaked(cli, {body["access_token"], body["refresh_token"]}, isolated_home)


# --- without native reconnect, and the exit codes ----------------------------------------------


def test_without_native_reconnect_the_page_opens_and_it_waits_until_connected(
        intranet_server: FakeServer, isolated_home: Path, tmp_path: Path) -> None:
    intranet = GrantIntranet(intranet_server, "slack", "slack", None).install()
    cli = Cli(isolated_home, tmp_path, intranet, None,
              COMPANION_RECONNECT_WATCH_INTERVAL_SECONDS="10")

    done = cli.run("reconnect", "slack")

    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines() == [
        "Reconnect Slack on the intranet's page in your browser.",
        "Waiting until Slack is connected again (checking every 10 s for up to 15 "
        "minutes)…",
        "Slack is connected again."]
    assert cli.opened == [intranet.reconnect_url]


def test_a_grant_url_on_another_origin_opens_the_page(
        intranet_server: FakeServer, isolated_home: Path, tmp_path: Path) -> None:
    intranet = dropbox_intranet(intranet_server, grant_origin="https://evil.example")
    cli = Cli(isolated_home, tmp_path, intranet, None)
    done = cli.run("reconnect", "dropbox", "--no-wait")
    assert done.returncode == 1
    assert cli.opened == [intranet.reconnect_url] and intranet.grants == []


def test_no_expected_account_and_no_terminal_opens_the_page(
        intranet_server: FakeServer, isolated_home: Path, tmp_path: Path) -> None:
    intranet = dropbox_intranet(intranet_server, expected=None)
    cli = Cli(isolated_home, tmp_path, intranet, None)
    done = cli.run("reconnect", "dropbox", "--no-wait")
    assert done.returncode == 1
    assert "it cannot be confirmed here" in done.stderr
    assert cli.opened == [intranet.reconnect_url] and intranet.grants == []


def test_an_unknown_integration_is_exit_2(
        intranet_server: FakeServer, isolated_home: Path, tmp_path: Path) -> None:
    intranet = GrantIntranet(intranet_server, "slack", "slack", None).install()
    done = Cli(isolated_home, tmp_path, intranet, None).run("reconnect", "nope")
    assert done.returncode == 2
    assert done.stderr.strip() == ("There is no integration 'nope'. Run `check` to see your "
                                   "integrations.")


def test_an_unreachable_intranet_is_exit_3(
        intranet_server: FakeServer, isolated_home: Path, tmp_path: Path) -> None:
    intranet = GrantIntranet(intranet_server, "slack", "slack", None).install()
    cli = Cli(isolated_home, tmp_path, intranet, None,
              COMPANION_INTRANET_URL=f"http://127.0.0.1:{unused_port()}")
    done = cli.run("reconnect", "slack")
    assert done.returncode == 3 and done.stderr.startswith("Could not check: ")
    assert cli.opened == []
