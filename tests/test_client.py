"""IntranetClient against real HTTP(S) servers on 127.0.0.1 (tests/fakeserver.py)."""

from __future__ import annotations

import base64
import gzip
import json
import platform
import socket
import ssl
import threading
import time
import tracemalloc
import zlib
from collections.abc import Callable, Iterator
from contextlib import suppress
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from pathlib import Path

import certifi
import pytest
import trustme
from fakeserver import FakeServer, Reply, running_servers, unused_port

from tray_app import __version__
from tray_app.core.client import ACK_PATH, INTEGRATIONS_PATH, FetchResult, IntranetClient
from tray_app.core.errors import CompanionError, ConfigError, ErrorKind, SignInNeeded

TOKEN = "tok-3f9a7c21e5b84d06a1c2"
PAYLOAD = {
    "user": {"id": "u-123", "name": "Jane Doe", "email": "jane@acme.example"},
    "external_apps_url": "https://acme.intranet.example/profile/settings/external-apps",
    "integrations": [],
}
SERVER_DATE = datetime(2026, 11, 28, 9, 0, 0, tzinfo=UTC)
SERVER_DATE_HEADER = "Sat, 28 Nov 2026 09:00:00 GMT"


@pytest.fixture
def fake_server() -> Iterator[Callable[..., FakeServer]]:
    with running_servers() as start:
        yield start


@pytest.fixture
def server(fake_server) -> FakeServer:
    return fake_server()


@pytest.fixture(autouse=True)
def no_proxies(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("HTTP", "HTTPS", "ALL", "NO"):
        monkeypatch.delenv(f"{name}_PROXY", raising=False)
        monkeypatch.delenv(f"{name.lower()}_proxy", raising=False)


def client_for(server: FakeServer, **options: float) -> IntranetClient:
    options.setdefault("connect_timeout", 2)
    options.setdefault("read_timeout", 3)
    return IntranetClient(server.url, **options)


def fetch_error(server: FakeServer, *replies: Reply, **options: float) -> CompanionError:
    server.respond("GET", INTEGRATIONS_PATH, *replies)
    with client_for(server, **options) as client, pytest.raises(CompanionError) as caught:
        client.fetch_integrations(TOKEN)
    assert TOKEN not in caught.value.message
    assert TOKEN not in str(caught.value)
    return caught.value


def host_of(server: FakeServer) -> str:
    return f"127.0.0.1:{server.port}"


# --- success -----------------------------------------------------------------------


def test_fetch_sends_the_contract_headers_and_reads_etag_and_date(server: FakeServer) -> None:
    server.respond(
        "GET",
        INTEGRATIONS_PATH,
        Reply.json(PAYLOAD, headers={"ETag": '"v2"', "Date": SERVER_DATE_HEADER}),
    )
    with client_for(server) as client:
        result = client.fetch_integrations(TOKEN, etag='"v1"')

    assert result == FetchResult(
        not_modified=False, body=PAYLOAD, etag='"v2"', server_time=SERVER_DATE
    )
    [request] = server.requests
    assert (request.method, request.path) == ("GET", INTEGRATIONS_PATH)
    assert request.headers["Authorization"] == f"Bearer {TOKEN}"
    assert request.headers["Accept"] == "application/json"
    assert request.headers["User-Agent"] == f"IntranetCompanion/{__version__} ({platform.system()})"
    assert request.headers["If-None-Match"] == '"v1"'


def test_fetch_without_etag_sends_no_if_none_match(server: FakeServer) -> None:
    server.respond("GET", INTEGRATIONS_PATH, Reply.json(PAYLOAD, send_date=False))
    with client_for(server, read_timeout=3) as client:
        result = client.fetch_integrations(TOKEN)
    assert result.body == PAYLOAD
    assert result.server_time is None
    assert result.etag is None
    assert server.requests[0].headers["If-None-Match"] is None


def test_custom_user_agent_replaces_the_default(server: FakeServer) -> None:
    server.respond("GET", INTEGRATIONS_PATH, Reply.json(PAYLOAD))
    with IntranetClient(server.url, user_agent="Probe/1") as client:
        client.fetch_integrations(TOKEN)
    assert server.requests[0].headers["User-Agent"] == "Probe/1"


@pytest.mark.parametrize(
    ("sent_etag", "expected_etag"), [(None, '"v1"'), ('"v3"', '"v3"')], ids=["kept", "new"]
)
def test_not_modified(server: FakeServer, sent_etag: str | None, expected_etag: str) -> None:
    headers = {"Date": SERVER_DATE_HEADER} | ({"ETag": sent_etag} if sent_etag else {})
    server.respond("GET", INTEGRATIONS_PATH, Reply(304, headers))
    with client_for(server) as client:
        result = client.fetch_integrations(TOKEN, etag='"v1"')
    assert result == FetchResult(
        not_modified=True, body=None, etag=expected_etag, server_time=SERVER_DATE
    )


def test_gzip_answer_is_decoded(server: FakeServer) -> None:
    body = gzip.compress(json.dumps(PAYLOAD).encode())
    headers = {"Content-Type": "application/json", "Content-Encoding": "gzip"}
    server.respond("GET", INTEGRATIONS_PATH, Reply(200, headers, body))
    with client_for(server) as client:
        assert client.fetch_integrations(TOKEN).body == PAYLOAD


# --- status errors -----------------------------------------------------------------


def test_401_asks_to_sign_in_again_without_echoing_the_token(server: FakeServer) -> None:
    echo = {"error": "invalid_token", "message": f"Token {TOKEN} has expired"}
    error = fetch_error(server, Reply.json(echo, status=401))
    assert isinstance(error, SignInNeeded)
    assert error.kind is ErrorKind.AUTH
    assert "intranet-companion sign-in" in error.message
    assert "Sign in…" in error.message
    assert host_of(server) in error.message
    assert "The intranet said" not in error.message  # the echo carried the token


def test_403_says_to_contact_it_and_appends_a_plain_server_message(server: FakeServer) -> None:
    body = {"error": "forbidden", "message": "Companion access is limited to staff."}
    error = fetch_error(server, Reply.json(body, status=403))
    assert error.kind is ErrorKind.AUTH
    assert not isinstance(error, SignInNeeded)
    assert "Contact IT" in error.message
    assert error.message.endswith('The intranet said: "Companion access is limited to staff."')


def test_server_message_is_truncated_and_markup_is_dropped(server: FakeServer) -> None:
    long_error = fetch_error(server, Reply.json({"message": "x" * 500}, status=403))
    assert ("x" * 199 + "…") in long_error.message
    assert "x" * 200 not in long_error.message
    markup_error = fetch_error(server, Reply.json({"message": "<b>no</b>"}, status=403))
    assert "<b>" not in markup_error.message


def test_404_is_a_configuration_error_naming_the_host(server: FakeServer) -> None:
    error = fetch_error(server, Reply.json({"error": "not_found"}, status=404))
    assert isinstance(error, ConfigError)
    assert error.kind is ErrorKind.CONFIG
    assert host_of(server) in error.message
    assert "no Intranet Companion API" in error.message


def test_429_with_retry_after_seconds(server: FakeServer) -> None:
    error = fetch_error(server, Reply(429, {"Retry-After": "120"}))
    assert error.kind is ErrorKind.RATE_LIMITED
    assert error.retry_after == 120.0
    assert "Try again in about 2 minutes." in error.message


def test_429_with_retry_after_date_uses_the_server_clock(server: FakeServer) -> None:
    later = format_datetime(SERVER_DATE + timedelta(seconds=90), usegmt=True)
    headers = {"Date": SERVER_DATE_HEADER, "Retry-After": later}
    error = fetch_error(server, Reply(429, headers))
    assert error.kind is ErrorKind.RATE_LIMITED
    assert error.retry_after == 90.0
    assert "Try again in 90 seconds." in error.message


def test_retry_after_date_in_the_past_is_zero(server: FakeServer) -> None:
    earlier = format_datetime(SERVER_DATE - timedelta(hours=1), usegmt=True)
    error = fetch_error(server, Reply(503, {"Date": SERVER_DATE_HEADER, "Retry-After": earlier}))
    assert error.retry_after == 0.0


def test_500_is_a_server_error(server: FakeServer) -> None:
    error = fetch_error(server, Reply.text("Internal Server Error", status=500))
    assert error.kind is ErrorKind.SERVER
    assert error.retry_after is None
    assert "HTTP 500" in error.message
    assert "Try again later." in error.message


def test_503_with_retry_after(server: FakeServer) -> None:
    error = fetch_error(server, Reply(503, {"Retry-After": "30"}))
    assert error.kind is ErrorKind.SERVER
    assert error.retry_after == 30.0
    assert "HTTP 503" in error.message
    assert "Try again in 30 seconds." in error.message


@pytest.mark.parametrize("status", [400, 418, 302, 204])
def test_unexpected_status_is_a_protocol_error(server: FakeServer, status: int) -> None:
    error = fetch_error(server, Reply(status))  # a 302 here has no Location
    assert error.kind is ErrorKind.PROTOCOL
    assert f"HTTP status {status}" in error.message


# --- malformed answers -------------------------------------------------------------


@pytest.mark.parametrize(
    ("reply", "reason"),
    [
        (Reply.text('{"user": ', content_type="application/json"), "not valid JSON"),
        (Reply.json([PAYLOAD]), "not a JSON object"),
        (Reply.json("just a string"), "not a JSON object"),
        (Reply.text("<html>Log in</html>", content_type="text/html"), "text/html, not JSON"),
        (Reply(200, {}, b"\xff\xfe\x00garbage"), "not valid JSON"),
    ],
    ids=["truncated", "array", "string", "html", "binary"],
)
def test_malformed_answer_is_a_protocol_error(
    server: FakeServer, reply: Reply, reason: str
) -> None:
    error = fetch_error(server, reply)
    assert error.kind is ErrorKind.PROTOCOL
    assert reason in error.message


@pytest.mark.parametrize("declare_length", [True, False], ids=["declared", "streamed"])
def test_oversized_answer_is_refused(server: FakeServer, declare_length: bool) -> None:
    body = json.dumps({"padding": "x" * 5000}).encode()
    reply = Reply(200, {"Content-Type": "application/json"}, body, content_length=declare_length)
    error = fetch_error(server, reply, max_response_bytes=1024)
    assert error.kind is ErrorKind.PROTOCOL
    assert "larger than 1 KB" in error.message


def test_declared_oversize_is_refused_without_reading_the_body(server: FakeServer) -> None:
    body = json.dumps({"padding": "x" * 5000}).encode()
    # Read at this pace, the first 1 KB alone would take past the deadline.
    reply = Reply(200, {"Content-Type": "application/json"}, body, drip_interval=0.01)
    started = time.monotonic()
    error = fetch_error(server, reply, max_response_bytes=1024, total_timeout=3)
    assert error.kind is ErrorKind.PROTOCOL
    assert time.monotonic() - started < 1


def test_size_limit_applies_after_decompression(server: FakeServer) -> None:
    bomb = gzip.compress(b'{"padding": "' + b"0" * 1_000_000 + b'"}')
    headers = {"Content-Type": "application/json", "Content-Encoding": "gzip"}
    assert len(bomb) < 64 * 1024
    error = fetch_error(server, Reply(200, headers, bomb), max_response_bytes=64 * 1024)
    assert error.kind is ErrorKind.PROTOCOL
    assert "larger than" in error.message


def test_a_compression_bomb_is_never_decoded_whole(server: FakeServer) -> None:
    compressor = zlib.compressobj(6, zlib.DEFLATED, 16 + zlib.MAX_WBITS)
    zeros = bytes(1024 * 1024)
    bomb = b"".join(compressor.compress(zeros) for _ in range(128)) + compressor.flush()
    headers = {"Content-Type": "application/json", "Content-Encoding": "gzip"}
    # The client hangs up with most of the bomb unread; socketserver would print that.
    server._httpd.handle_error = lambda *_args: None  # type: ignore[method-assign]
    tracemalloc.start()
    try:
        error = fetch_error(server, Reply(200, headers, bomb), max_response_bytes=64 * 1024)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert "larger than 64 KB" in error.message
    assert peak < 8 * 1024 * 1024  # of the 128 MiB it stands for


@pytest.mark.parametrize("wbits", [zlib.MAX_WBITS, -zlib.MAX_WBITS], ids=["zlib", "raw"])
def test_deflate_answer_is_decoded_in_either_format(server: FakeServer, wbits: int) -> None:
    compressor = zlib.compressobj(6, zlib.DEFLATED, wbits)
    body = compressor.compress(json.dumps(PAYLOAD).encode()) + compressor.flush()
    headers = {"Content-Type": "application/json", "Content-Encoding": "deflate"}
    server.respond("GET", INTEGRATIONS_PATH, Reply(200, headers, body, drip_interval=0.001))
    with client_for(server) as client:
        assert client.fetch_integrations(TOKEN).body == PAYLOAD
    assert server.requests[0].headers["Accept-Encoding"] == "gzip, deflate"


def test_damaged_compression_is_a_protocol_error(server: FakeServer) -> None:
    headers = {"Content-Type": "application/json", "Content-Encoding": "gzip"}
    error = fetch_error(server, Reply(200, headers, b'{"user": {}} but not gzip'))
    assert error.kind is ErrorKind.PROTOCOL
    assert "compressed answer is damaged" in error.message


def test_connection_cut_mid_body_is_a_network_error(server: FakeServer) -> None:
    headers = {"Content-Type": "application/json", "Content-Length": "500", "Connection": "close"}
    error = fetch_error(server, Reply(200, headers, b'{"user": {"id"'))
    assert error.kind is ErrorKind.NETWORK
    assert host_of(server) in error.message


# --- timeouts and network failures -------------------------------------------------


def test_read_timeout(server: FakeServer) -> None:
    started = time.monotonic()
    error = fetch_error(server, Reply.json(PAYLOAD, delay=3), read_timeout=0.5)
    assert time.monotonic() - started < 2
    assert error.kind is ErrorKind.TIMEOUT
    assert "0.5 seconds" in error.message


def test_dripping_server_hits_the_overall_deadline(server: FakeServer) -> None:
    body = json.dumps({"padding": "x" * 100}).encode()  # about 6 s of dripping
    reply = Reply(200, {"Content-Type": "application/json"}, body, drip_interval=0.05)
    started = time.monotonic()
    error = fetch_error(server, reply, read_timeout=0.5, total_timeout=1.0)
    elapsed = time.monotonic() - started
    assert error.kind is ErrorKind.TIMEOUT
    assert 0.9 < elapsed < 2.0  # each byte came well within the read timeout
    assert "longer than 1 second " in error.message


def test_dripping_headers_hit_the_overall_deadline() -> None:
    def drip_headers(connection: socket.socket) -> None:
        read_head(connection)
        connection.sendall(b"HTTP/1.1 200 OK\r\nX-Slow: ")
        for _ in range(200):
            connection.sendall(b"a")
            time.sleep(0.05)

    started = time.monotonic()
    with (
        RawServer(drip_headers) as raw,
        IntranetClient(raw.url, read_timeout=0.5, total_timeout=1) as client,
        pytest.raises(CompanionError) as caught,
    ):
        client.fetch_integrations(TOKEN)
    assert caught.value.kind is ErrorKind.TIMEOUT
    assert "longer than 1 second " in caught.value.message
    assert time.monotonic() - started < 2


def test_connection_refused() -> None:
    port = unused_port()
    with (
        IntranetClient(f"http://127.0.0.1:{port}") as client,
        pytest.raises(CompanionError) as caught,
    ):
        client.fetch_integrations(TOKEN)
    assert caught.value.kind is ErrorKind.NETWORK
    assert f"127.0.0.1:{port} refused the connection" in caught.value.message
    assert "HTTPConnectionPool" not in caught.value.message


def test_unknown_host_is_a_network_error(monkeypatch: pytest.MonkeyPatch) -> None:
    def fail_lookup(*_args: object, **_kwargs: object) -> None:
        raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")

    monkeypatch.setattr(socket, "getaddrinfo", fail_lookup)
    with (
        IntranetClient("https://intranet.invalid") as client,
        pytest.raises(CompanionError) as caught,
    ):
        client.fetch_integrations(TOKEN)
    assert caught.value.kind is ErrorKind.NETWORK
    assert "intranet.invalid could not be found" in caught.value.message


def test_loopback_intranet_bypasses_an_environment_proxy(
    server: FakeServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    dead_proxy = f"http://127.0.0.1:{unused_port()}"
    monkeypatch.setenv("HTTP_PROXY", dead_proxy)
    monkeypatch.setenv("http_proxy", dead_proxy)
    server.respond("GET", INTEGRATIONS_PATH, Reply.json(PAYLOAD))
    with client_for(server) as client:
        assert client.fetch_integrations(TOKEN).body == PAYLOAD


def test_netrc_does_not_replace_the_bearer_token(
    server: FakeServer, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    netrc = tmp_path / "netrc"
    netrc.write_text("machine 127.0.0.1 login someone password hunter2\n")
    netrc.chmod(0o600)
    monkeypatch.setenv("NETRC", str(netrc))
    server.respond("GET", INTEGRATIONS_PATH, Reply.json(PAYLOAD))
    with client_for(server) as client:
        client.fetch_integrations(TOKEN)
    assert server.requests[0].headers["Authorization"] == f"Bearer {TOKEN}"


# --- redirects ---------------------------------------------------------------------


def test_same_origin_redirect_is_followed_with_authorization(server: FakeServer) -> None:
    server.respond("GET", INTEGRATIONS_PATH, Reply.redirect("/v1-moved?x=1", status=301))
    server.respond("GET", "/v1-moved", Reply.redirect(f"{server.url}/final", status=307))
    server.respond("GET", "/final", Reply.json(PAYLOAD))
    with client_for(server) as client:
        assert client.fetch_integrations(TOKEN).body == PAYLOAD
    paths = [request.path for request in server.requests]
    assert paths == [INTEGRATIONS_PATH, "/v1-moved", "/final"]
    assert server.requests[1].query == "x=1"
    for request in server.requests:
        assert request.headers["Authorization"] == f"Bearer {TOKEN}"


def test_redirect_loop_stops_after_five_hops(server: FakeServer) -> None:
    error = fetch_error(server, Reply.redirect(INTEGRATIONS_PATH))
    assert error.kind is ErrorKind.PROTOCOL
    assert "more than 5 times" in error.message
    assert len(server.requests) == 6


def test_cross_origin_redirect_is_not_followed(fake_server) -> None:
    intranet, elsewhere = fake_server(), fake_server()
    elsewhere.respond("GET", INTEGRATIONS_PATH, Reply.json(PAYLOAD))
    target = f"{elsewhere.url}{INTEGRATIONS_PATH}"
    error = fetch_error(intranet, Reply.redirect(target))
    assert error.kind is ErrorKind.PROTOCOL
    assert f"127.0.0.1:{elsewhere.port}" in error.message
    assert elsewhere.requests == []
    assert len(intranet.requests) == 1


def test_a_refused_redirect_leaves_the_client_usable(fake_server) -> None:
    intranet, elsewhere = fake_server(), fake_server()
    away = Reply.redirect(f"{elsewhere.url}{INTEGRATIONS_PATH}")
    intranet.respond("GET", INTEGRATIONS_PATH, away, Reply.json(PAYLOAD))
    with client_for(intranet) as client:
        with pytest.raises(CompanionError):
            client.fetch_integrations(TOKEN)
        assert client.fetch_integrations(TOKEN).body == PAYLOAD


def test_redirect_from_https_to_http_on_the_same_host_is_not_followed(
    fake_server, tls_server_context: ssl.SSLContext, trusted_ca: Path, monkeypatch
) -> None:
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(trusted_ca))
    intranet, plain = fake_server(tls=tls_server_context), fake_server()
    error = fetch_error(intranet, Reply.redirect(f"{plain.url}{INTEGRATIONS_PATH}"))
    assert error.kind is ErrorKind.PROTOCOL
    assert plain.requests == []


# --- configuration and credentials -------------------------------------------------


@pytest.fixture
def no_network(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*_args: object, **_kwargs: object) -> None:
        raise AssertionError("the client touched the network")

    monkeypatch.setattr(socket, "getaddrinfo", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)


@pytest.mark.usefixtures("no_network")
@pytest.mark.parametrize("url", ["http://intranet.example", "http://10.0.0.8:8080", "ftp://x"])
def test_plain_http_to_another_host_is_refused_before_any_request(url: str) -> None:
    with pytest.raises(ConfigError) as caught:
        IntranetClient(url)
    assert caught.value.kind is ErrorKind.CONFIG


@pytest.mark.usefixtures("no_network")
@pytest.mark.parametrize("token", ["", "abc\r\nX-Evil: 1", "tok en", "tökén"])
def test_unusable_token_needs_sign_in_without_a_request(token: str) -> None:
    with (
        IntranetClient("https://intranet.example") as client,
        pytest.raises(SignInNeeded) as caught,
    ):
        client.fetch_integrations(token)
    if token:
        assert token not in caught.value.message


# --- TLS ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def certificate_authority() -> trustme.CA:
    return trustme.CA()


@pytest.fixture
def tls_server_context(certificate_authority: trustme.CA) -> ssl.SSLContext:
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    certificate_authority.issue_cert("127.0.0.1").configure_cert(context)
    return context


@pytest.fixture
def trusted_ca(certificate_authority: trustme.CA, tmp_path: Path) -> Path:
    path = tmp_path / "ca.pem"
    certificate_authority.cert_pem.write_to_path(str(path))
    return path


def test_untrusted_certificate_is_a_tls_error(
    fake_server, tls_server_context: ssl.SSLContext, monkeypatch: pytest.MonkeyPatch
) -> None:
    # An environment bundle that lacks the CA must not make the client lenient.
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", certifi.where())
    server = fake_server(tls=tls_server_context)
    error = fetch_error(server, Reply.json(PAYLOAD))
    assert error.kind is ErrorKind.TLS
    assert host_of(server) in error.message
    assert "does not trust its certificate" in error.message
    assert server.requests == []


def test_without_an_environment_bundle_the_os_store_decides(
    fake_server, tls_server_context: ssl.SSLContext, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("REQUESTS_CA_BUNDLE", raising=False)
    monkeypatch.delenv("CURL_CA_BUNDLE", raising=False)
    error = fetch_error(fake_server(tls=tls_server_context), Reply.json(PAYLOAD))
    assert error.kind is ErrorKind.TLS


def test_ca_bundle_from_the_environment_adds_trust(
    fake_server, tls_server_context: ssl.SSLContext, trusted_ca: Path, monkeypatch
) -> None:
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(trusted_ca))
    server = fake_server(tls=tls_server_context)
    server.respond("GET", INTEGRATIONS_PATH, Reply.json(PAYLOAD))
    with client_for(server) as client:
        assert client.fetch_integrations(TOKEN).body == PAYLOAD
    assert server.requests[0].headers["Authorization"] == f"Bearer {TOKEN}"


def test_certificate_for_another_name_is_a_tls_error(
    fake_server, certificate_authority: trustme.CA, trusted_ca: Path, monkeypatch
) -> None:
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(trusted_ca))
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    certificate_authority.issue_cert("other.example").configure_cert(context)
    error = fetch_error(fake_server(tls=context), Reply.json(PAYLOAD))
    assert error.kind is ErrorKind.TLS


def test_missing_environment_ca_bundle_is_reported(
    fake_server, tls_server_context: ssl.SSLContext, tmp_path: Path, monkeypatch
) -> None:
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(tmp_path / "missing.pem"))
    error = fetch_error(fake_server(tls=tls_server_context), Reply.json(PAYLOAD))
    assert error.kind is ErrorKind.TLS
    assert "REQUESTS_CA_BUNDLE" in error.message


# --- acknowledgements --------------------------------------------------------------


def test_ack_posts_the_notice_and_returns_true_on_204(server: FakeServer) -> None:
    server.respond("POST", ACK_PATH, Reply(204))
    with client_for(server) as client:
        assert client.ack_notice(TOKEN, "dropbox", "disconnected", "2026-11-27T08:12:00Z")
    [request] = server.requests
    assert request.method == "POST"
    assert request.headers["Authorization"] == f"Bearer {TOKEN}"
    assert request.json() == {
        "integration_id": "dropbox",
        "kind": "disconnected",
        "key": "2026-11-27T08:12:00Z",
    }


def test_ack_returns_false_when_unsupported(server: FakeServer) -> None:
    with client_for(server) as client:  # no route: the server answers 404
        assert client.ack_notice(TOKEN, "dropbox", "disconnected", "k") is False
    assert server.requests[0].path == ACK_PATH


@pytest.mark.parametrize(
    ("status", "kind"), [(401, ErrorKind.AUTH), (500, ErrorKind.SERVER), (400, ErrorKind.PROTOCOL)]
)
def test_ack_failures_raise_like_fetch(server: FakeServer, status: int, kind: ErrorKind) -> None:
    server.respond("POST", ACK_PATH, Reply(status))
    with client_for(server) as client, pytest.raises(CompanionError) as caught:
        client.ack_notice(TOKEN, "dropbox", "disconnected", "k")
    assert caught.value.kind is kind


# --- the kept-alive connection -----------------------------------------------------


class RawServer:
    """A TCP server on 127.0.0.1 that hands each connection it accepts to `serve`, in a
    thread of its own, and counts them."""

    def __init__(self, serve: Callable[[socket.socket], None]) -> None:
        self._serve = serve
        self._listener = socket.create_server(("127.0.0.1", 0))
        self._listener.settimeout(0.05)
        self._stopping = threading.Event()
        self.port: int = self._listener.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}"
        self.connections = 0
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while not self._stopping.is_set():
            try:
                connection, _address = self._listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return  # closed by __exit__
            self.connections += 1
            threading.Thread(target=self._run, args=(connection,), daemon=True).start()

    def _run(self, connection: socket.socket) -> None:
        with connection, suppress(OSError):
            self._serve(connection)

    def __enter__(self) -> RawServer:
        return self

    def __exit__(self, *_exc: object) -> None:
        self._stopping.set()
        self._listener.close()


def read_head(connection: socket.socket) -> bytes:
    """A request's line and headers (the requests here have no body)."""
    head = b""
    while b"\r\n\r\n" not in head:
        data = connection.recv(65536)
        if not data:
            raise ConnectionError("the client went away")
        head += data
    return head


def json_answer(payload: object) -> bytes:
    body = json.dumps(payload).encode()
    head = f"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {len(body)}"
    return head.encode() + b"\r\n\r\n" + body


def test_calls_share_one_kept_alive_connection() -> None:
    def answer_each(connection: socket.socket) -> None:
        while True:
            read_head(connection)
            connection.sendall(json_answer(PAYLOAD))

    with RawServer(answer_each) as raw, IntranetClient(raw.url) as client:
        for _ in range(3):
            assert client.fetch_integrations(TOKEN).body == PAYLOAD
        assert raw.connections == 1


def test_a_connection_the_server_closed_meanwhile_is_reopened() -> None:
    answered: list[bytes] = []

    def answer_once_then_hang_up(connection: socket.socket) -> None:
        answered.append(read_head(connection))
        connection.sendall(json_answer(PAYLOAD))  # as if to keep the connection

    with RawServer(answer_once_then_hang_up) as raw, IntranetClient(raw.url) as client:
        for _ in range(3):
            assert client.fetch_integrations(TOKEN).body == PAYLOAD
        assert raw.connections == 3
    assert len(answered) == 3


def test_a_request_that_timed_out_is_not_sent_again(server: FakeServer) -> None:
    server.respond("POST", ACK_PATH, Reply(204), Reply(204, delay=2))
    with client_for(server, read_timeout=0.5) as client:
        assert client.ack_notice(TOKEN, "dropbox", "disconnected", "k")
        with pytest.raises(CompanionError) as caught:
            client.ack_notice(TOKEN, "dropbox", "disconnected", "k")
    assert caught.value.kind is ErrorKind.TIMEOUT
    assert len(server.requests_to(ACK_PATH)) == 2


# --- proxies -----------------------------------------------------------------------

INTRANET_NAME = "intranet.test"
CONNECTED = b"HTTP/1.1 200 Connection established\r\n\r\n"


class TunnelProxy(RawServer):
    """A CONNECT proxy that tunnels every request to 127.0.0.1:`backend_port`, or turns
    it away with `refusal`; `asked` holds the heads of the CONNECT requests."""

    def __init__(self, backend_port: int, refusal: bytes | None = None) -> None:
        self.asked: list[bytes] = []
        self._backend_port = backend_port
        self._refusal = refusal
        super().__init__(self._tunnel)

    def _tunnel(self, client: socket.socket) -> None:
        self.asked.append(read_head(client))
        if self._refusal:
            client.sendall(self._refusal)
            return
        with socket.create_connection(("127.0.0.1", self._backend_port)) as backend:
            client.sendall(CONNECTED)
            threading.Thread(target=pipe, args=(backend, client), daemon=True).start()
            pipe(client, backend)


def pipe(source: socket.socket, sink: socket.socket) -> None:
    with suppress(OSError):
        while data := source.recv(65536):
            sink.sendall(data)
    with suppress(OSError):
        sink.shutdown(socket.SHUT_WR)


@pytest.fixture
def named_intranet(
    fake_server, certificate_authority: trustme.CA, trusted_ca: Path, monkeypatch
) -> FakeServer:
    """An HTTPS intranet with a certificate for INTRANET_NAME, which DNS does not know."""
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(trusted_ca))
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    certificate_authority.issue_cert(INTRANET_NAME).configure_cert(context)
    server = fake_server(tls=context)
    server.respond("GET", INTEGRATIONS_PATH, Reply.json(PAYLOAD))
    return server


def named_url(server: FakeServer) -> str:
    return f"https://{INTRANET_NAME}:{server.port}"


def test_https_goes_through_the_environment_proxy_tunnel(
    named_intranet: FakeServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    with TunnelProxy(named_intranet.port) as proxy:
        monkeypatch.setenv("HTTPS_PROXY", f"http://someone:s%40cret@127.0.0.1:{proxy.port}")
        with IntranetClient(named_url(named_intranet)) as client:
            for _ in range(2):
                assert client.fetch_integrations(TOKEN).body == PAYLOAD
    [connect] = proxy.asked  # one tunnel, kept alive for both calls
    assert connect.startswith(f"CONNECT {INTRANET_NAME}:{named_intranet.port} HTTP/".encode())
    credentials = base64.b64encode(b"someone:s@cret")
    assert b"\r\nProxy-Authorization: Basic " + credentials + b"\r\n" in connect
    assert TOKEN.encode() not in connect
    request = named_intranet.requests[0]
    assert request.headers["Host"] == f"{INTRANET_NAME}:{named_intranet.port}"
    assert request.headers["Authorization"] == f"Bearer {TOKEN}"
    assert request.headers["Proxy-Authorization"] is None


@pytest.mark.parametrize("refusal", [b"HTTP/1.1 403 Forbidden\r\n\r\n", b"garbage\r\n\r\n"])
def test_a_proxy_that_refuses_the_tunnel_is_a_proxy_error(
    named_intranet: FakeServer, monkeypatch: pytest.MonkeyPatch, refusal: bytes
) -> None:
    with TunnelProxy(named_intranet.port, refusal) as proxy:
        monkeypatch.setenv("https_proxy", f"127.0.0.1:{proxy.port}")
        with (
            IntranetClient(named_url(named_intranet)) as client,
            pytest.raises(CompanionError) as caught,
        ):
            client.fetch_integrations(TOKEN)
    assert caught.value.kind is ErrorKind.NETWORK
    assert "The proxy server could not connect" in caught.value.message
    assert named_intranet.requests == []


@pytest.mark.parametrize("proxy", ["http://127.0.0.1:{port}", "socks5://127.0.0.1:{port}"])
def test_a_proxy_that_cannot_be_used_is_a_proxy_error(
    named_intranet: FakeServer, monkeypatch: pytest.MonkeyPatch, proxy: str
) -> None:
    monkeypatch.setenv("ALL_PROXY", proxy.format(port=unused_port()))
    with (
        IntranetClient(named_url(named_intranet)) as client,
        pytest.raises(CompanionError) as caught,
    ):
        client.fetch_integrations(TOKEN)
    assert "The proxy server could not connect" in caught.value.message


def test_no_proxy_exempts_the_intranet(
    named_intranet: FakeServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    real_lookup = socket.getaddrinfo

    def resolve(host: str, *args: object, **kwargs: object) -> object:
        return real_lookup("127.0.0.1" if host == INTRANET_NAME else host, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", resolve)
    monkeypatch.setenv("HTTPS_PROXY", f"http://127.0.0.1:{unused_port()}")
    monkeypatch.setenv("NO_PROXY", "example.org, .test")
    with IntranetClient(named_url(named_intranet)) as client:
        assert client.fetch_integrations(TOKEN).body == PAYLOAD
