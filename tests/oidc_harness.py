"""A certified OpenID provider for the sign-in tests, and a browser that approves.

`oidc_provider` (a fixture) starts tests/oidc/server.mjs (the npm package
oidc-provider) on 127.0.0.1 with TLS from a fresh trustme CA, points
REQUESTS_CA_BUNDLE at that CA (this machine sets the variable, and requests lets it
override Session.verify), and stops the server after the test. Without node or the
npm dependencies the test is skipped, unless CI is set: there .ci/setup-oidc.sh has
installed them and a skip would hide a failure.

`BrowserDriver` plays the person at the browser: it follows redirects, signs in on
oidc-provider's development login form, approves the consent form, confirms device
codes, and hands the answer to the app's loopback listener, whether it comes back as a
redirect (response_mode=query) or as an auto-submitting form (form_post).

`WindowsSizedBackend` is an in-memory backend for the real SecretStore that refuses
entries bigger than Windows Credential Manager takes, so the store must chunk.
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import subprocess
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import pytest
import requests
import trustme

OIDC_DIR = Path(__file__).resolve().parent / "oidc"
MICROSOFT_CLIENT_ID = "companion-msal"
GOOGLE_CLIENT_ID = "companion-google"
GOOGLE_CLIENT_SECRET = "not-so-secret-desktop-client-secret"
ACCESS_TOKEN_TTL_SECONDS = 3
STARTUP_TIMEOUT_SECONDS = 30
STARTUP_ATTEMPTS = 2
WINDOWS_ENTRY_BYTES = 2560  # Windows Credential Manager's limit per credential

CLIENTS = [
    {   # msal: a public native client, PKCE, loopback redirect on any port
        "client_id": MICROSOFT_CLIENT_ID,
        "application_type": "native",
        "token_endpoint_auth_method": "none",
        "redirect_uris": ["http://localhost"],
        "grant_types": ["authorization_code", "refresh_token",
                        "urn:ietf:params:oauth:grant-type:device_code"],
        "response_types": ["code"],
    },
    {   # google-auth-oauthlib: a desktop client with its (not secret) client secret
        "client_id": GOOGLE_CLIENT_ID,
        "client_secret": GOOGLE_CLIENT_SECRET,
        "application_type": "native",
        "token_endpoint_auth_method": "client_secret_post",
        "redirect_uris": ["http://127.0.0.1/"],
        "grant_types": ["authorization_code", "refresh_token"],
        "response_types": ["code"],
    },
]


@dataclass
class OidcProvider:
    issuer: str
    ca_path: Path
    admin_key: str
    log_path: Path

    @property
    def authorization_endpoint(self) -> str:
        return f"{self.issuer}/auth"

    @property
    def token_endpoint(self) -> str:
        return f"{self.issuer}/token"

    @property
    def revocation_endpoint(self) -> str:
        return f"{self.issuer}/token/revocation"

    def revoke_everything(self) -> None:
        """Forget every grant, token and session, as an administrator revoking access."""
        origin = self.issuer.rsplit("/", 1)[0]
        reply = requests.post(f"{origin}/admin/revoke", headers={"X-Admin-Key": self.admin_key},
                              verify=str(self.ca_path), timeout=10)
        assert reply.status_code == 204, reply.status_code

    def accepts(self, access_token: str) -> bool:
        """Whether the provider takes the token (its userinfo endpoint answers 200)."""
        reply = requests.get(f"{self.issuer}/me",
                             headers={"Authorization": f"Bearer {access_token}"},
                             verify=str(self.ca_path), timeout=10)
        return reply.status_code == 200


def _missing_harness() -> str | None:
    if shutil.which("node") is None:
        return "node is not installed"
    if not (OIDC_DIR / "node_modules" / "oidc-provider").is_dir():
        return "the npm dependencies of tests/oidc are not installed (run .ci/setup-oidc.sh)"
    return None


def _tls_files(directory: Path) -> tuple[Path, Path, Path]:
    authority = trustme.CA()
    server_cert = authority.issue_cert("127.0.0.1")
    ca_path, cert_path, key_path = (directory / name for name in ("ca.pem", "cert.pem", "key.pem"))
    authority.cert_pem.write_to_path(str(ca_path))
    server_cert.private_key_pem.write_to_path(str(key_path))
    for index, blob in enumerate(server_cert.cert_chain_pems):
        blob.write_to_path(str(cert_path), append=index > 0)
    return ca_path, cert_path, key_path


def _read_issuer(process: subprocess.Popen[str]) -> str | None:
    line: list[str] = []
    reader = threading.Thread(target=lambda: line.append(process.stdout.readline()), daemon=True)
    reader.start()
    reader.join(STARTUP_TIMEOUT_SECONDS)
    if not line or not line[0].strip():
        return None
    return json.loads(line[0])["issuer"]


def _stop(process: subprocess.Popen[str]) -> None:
    process.terminate()
    try:
        process.wait(timeout=5)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
    if process.stdout:
        process.stdout.close()


def _start(environment: dict[str, str], log_path: Path) -> tuple[subprocess.Popen[str], str]:
    """Start the provider; a start that stalls is retried (once, a CI run saw node sit
    silent for a minute after its import, where it normally answers in 0.4 s)."""
    for attempt in range(1, STARTUP_ATTEMPTS + 1):
        with log_path.open("a") as server_log:
            server_log.write(f"--- start {attempt}\n")
            server_log.flush()
            process = subprocess.Popen(
                ["node", "server.mjs"], cwd=OIDC_DIR, env=environment, text=True,
                stdout=subprocess.PIPE, stderr=server_log)
        issuer = _read_issuer(process)
        if issuer:
            return process, issuer
        _stop(process)
    raise RuntimeError(f"oidc-provider did not start in {STARTUP_ATTEMPTS} attempts of "
                       f"{STARTUP_TIMEOUT_SECONDS} s:\n" + log_path.read_text(errors="replace"))


@pytest.fixture(name="oidc_provider")
def oidc_provider_fixture(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[OidcProvider]:
    missing = _missing_harness()
    if missing:
        if os.environ.get("CI"):
            pytest.fail(f"The OpenID provider harness is required under CI: {missing}")
        pytest.skip(missing)
    directory = tmp_path / "oidc"
    directory.mkdir()
    ca_path, cert_path, key_path = _tls_files(directory)
    admin_key = secrets.token_urlsafe(16)
    log_path = directory / "server.log"
    environment = dict(
        os.environ, OIDC_PORT="0", OIDC_CERT=str(cert_path), OIDC_KEY=str(key_path),
        OIDC_CLIENTS=json.dumps(CLIENTS), OIDC_ADMIN_KEY=admin_key,
        OIDC_ACCESS_TOKEN_TTL=str(ACCESS_TOKEN_TTL_SECONDS))
    process, issuer = _start(environment, log_path)
    try:
        monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(ca_path))
        yield OidcProvider(issuer, ca_path, admin_key, log_path)
    finally:
        _stop(process)


# --- the person at the browser ------------------------------------------------------


@dataclass
class _Form:
    action: str
    method: str
    fields: dict[str, str] = field(default_factory=dict)


class _FormFinder(HTMLParser):
    """The first form of a page, with its inputs' names and values."""

    def __init__(self) -> None:
        super().__init__()
        self.form: _Form | None = None
        self._inside = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = {name: value or "" for name, value in attrs}
        if tag == "form" and self.form is None:
            self.form = _Form(attributes.get("action", ""), attributes.get("method", "get"))
            self._inside = True
        elif tag == "input" and self._inside and self.form is not None and "name" in attributes:
            self.form.fields[attributes["name"]] = attributes.get("value", "")

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self._inside = False


def _first_form(page: str) -> _Form | None:
    finder = _FormFinder()
    finder.feed(page)
    return finder.form


def _is_loopback(url: str) -> bool:
    parts = urlsplit(url)
    return parts.scheme == "http" and parts.hostname in {"127.0.0.1", "localhost", "::1"}


class BrowserDriver:
    """An OpenBrowser for tests: approves the sign-in in a background thread, as a
    real browser runs beside the app. `wait()` re-raises what went wrong in there."""

    def __init__(self, ca_path: Path, login: str = "alice", *, deny: bool = False) -> None:
        self.login = login
        self.deny = deny  # abort at the consent page instead of approving
        self.opened: list[str] = []
        self.final_pages: list[str] = []
        self._session = requests.Session()
        self._session.trust_env = False  # no proxies, no netrc: only the test's CA
        self._session.verify = str(ca_path)
        self._threads: list[threading.Thread] = []
        self._errors: list[BaseException] = []

    def __call__(self, url: str) -> bool:
        self.opened.append(url)
        self._in_background(self.approve, url)
        return True

    def approve_device_code(self, verification_uri: str, user_code: str) -> None:
        self._in_background(self.approve, verification_uri, user_code)

    def wait(self, timeout: float = 60) -> None:
        for thread in self._threads:
            thread.join(timeout)
            assert not thread.is_alive(), "the test browser did not finish"
        if self._errors:
            raise self._errors[0]

    def _in_background(self, target: Callable[..., None], *args: str) -> None:
        def run() -> None:
            try:
                target(*args)
            except BaseException as problem:
                self._errors.append(problem)
        thread = threading.Thread(target=run, daemon=True)
        self._threads.append(thread)
        thread.start()

    def approve(self, url: str, user_code: str = "") -> None:
        """Walk the pages from `url` until the app's listener has the answer, or a
        page without a form (the device flow's success page) ends the walk."""
        method, data = "GET", None
        for _ in range(20):
            if _is_loopback(url):
                self._deliver(method, url, data)
                return
            reply = self._session.request(method, url, data=data, allow_redirects=False,
                                          timeout=10)
            if reply.is_redirect:
                url, method, data = urljoin(url, reply.headers["Location"]), "GET", None
                continue
            form = _first_form(reply.text)
            if form is None:  # a page to read: the end of the walk
                assert reply.status_code == 200, (url, reply.status_code, reply.text[:500])
                self.final_pages.append(reply.text)
                return
            if self.deny and form.fields.get("prompt") == "consent":
                url, method, data = reply.url.rstrip("/") + "/abort", "GET", None
                continue
            url = urljoin(reply.url, form.action)
            method, data = form.method.upper(), self._filled(form.fields, user_code)
        raise AssertionError("the sign-in pages went round in circles")

    def _filled(self, fields: dict[str, str], user_code: str) -> dict[str, str]:
        filled = dict(fields)
        if "login" in filled:
            filled["login"] = self.login
        if "password" in filled:
            filled["password"] = "any password will do"
        if "user_code" in filled and not filled["user_code"]:
            filled["user_code"] = user_code
        return filled

    def _deliver(self, method: str, url: str, data: dict[str, str] | None) -> None:
        loopback = requests.Session()
        loopback.trust_env = False
        reply = loopback.request(method, url, data=data, timeout=10)
        self.final_pages.append(reply.text)
        assert reply.status_code == 200, (reply.status_code, reply.text[:300])


# --- the secret store, sized like Windows Credential Manager -----------------------------


class WindowsSizedBackend:
    """A SecretStore backend in memory that refuses what Windows Credential Manager
    would: an entry over 2560 bytes (keyring writes UTF-16 there). `values` is what
    the keyring would hold."""

    label = "memory, Windows-sized"

    def __init__(self) -> None:
        self.values: dict[str, str] = {}

    def read(self, key: str) -> str | None:
        return self.values.get(key)

    def write(self, key: str, value: str) -> None:
        assert len(value.encode("utf-16-le")) <= WINDOWS_ENTRY_BYTES, f"{key} is too big"
        self.values[key] = value

    def remove(self, key: str) -> None:
        self.values.pop(key, None)
