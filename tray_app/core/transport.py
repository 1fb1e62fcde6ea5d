"""The transport rules for talking to one intranet origin, on the standard library.

Owns the one kept-alive connection (TLS against the operating system's trust store, the
environment's proxy except for an intranet on this computer, no credentials from
~/.netrc), one exchange with its same-origin redirects, the overall deadline, the size
caps and the reading and decoding of the body. What goes wrong leaves as a
TransportFailure naming the fact (refused, timed out, redirected away...); turning facts
into sentences is `failures`'s job. No Qt here, and no requests: this is imported on the
start-up path of short-lived processes.
"""

from __future__ import annotations

import base64
import http.client
import io
import json
import logging
import os
import socket
import ssl
import time
import urllib.request
import zlib
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from enum import Enum, auto
from typing import Any
from urllib.parse import quote, unquote, urlencode, urljoin, urlsplit

import truststore

from tray_app.core import messages
from tray_app.core.errors import CompanionError, ErrorKind
from tray_app.core.urls import is_loopback_host, origin_of, same_origin

log = logging.getLogger(__name__)

MAX_REDIRECTS = 5
# Error bodies only ever give us a short message; no need to read much of them.
ERROR_BODY_LIMIT = 64 * 1024

_REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})
_READ_CHUNK_BYTES = 64 * 1024
_GZIP_WBITS = 16 + zlib.MAX_WBITS
# What requests left unescaped in a request target.
_TARGET_SAFE = "!#$%&'()*+,/:;=?@[]~"


class Failure(Enum):
    """What stopped an exchange."""

    REFUSED = auto()  # nothing listens at the address
    NAME_NOT_FOUND = auto()  # DNS does not know the host
    PROXY = auto()  # the environment's proxy could not connect us
    UNREACHABLE = auto()  # any other failure to connect, or to get an answer started
    CONNECT_TIMEOUT = auto()
    READ_TIMEOUT = auto()
    DEADLINE = auto()  # the whole exchange took longer than its total timeout
    TLS_UNTRUSTED = auto()  # the certificate did not verify
    TLS_FAILED = auto()  # any other TLS failure
    BROKE_MID_BODY = auto()  # the answer had begun, then broke off or made no sense
    DAMAGED_COMPRESSION = auto()
    REDIRECTED_AWAY = auto()  # a redirect to another origin, not followed
    BAD_REDIRECT = auto()  # a Location that is no address
    TOO_MANY_REDIRECTS = auto()


class TransportFailure(Exception):
    """A Failure and the facts that come with it. `seconds` is the timeout that ran out,
    `verify_message` what TLS said about the certificate, `location` where a redirect
    pointed. Never shown to a person as it is."""

    def __init__(
        self,
        failure: Failure,
        *,
        seconds: float | None = None,
        verify_message: str | None = None,
        location: str | None = None,
    ) -> None:
        super().__init__(failure.name)
        self.failure = failure
        self.seconds = seconds
        self.verify_message = verify_message
        self.location = location


class Headers(Mapping[str, str]):
    """An answer's headers. Names are looked up whatever their case; a header sent
    several times reads as its values joined by ", " (as urllib3 gave them)."""

    def __init__(self, fields: Iterable[tuple[str, str]]) -> None:
        self._fields: dict[str, tuple[str, str]] = {}
        for name, value in fields:
            earlier = self._fields.get(name.lower())
            joined = f"{earlier[1]}, {value}" if earlier else value
            self._fields[name.lower()] = (earlier[0] if earlier else name, joined)

    def __getitem__(self, name: str) -> str:
        return self._fields[name.lower()][1]

    def __iter__(self) -> Iterator[str]:
        return (name for name, _value in self._fields.values())

    def __len__(self) -> int:
        return len(self._fields)

    def __repr__(self) -> str:
        return f"Headers({dict(self._fields.values())!r})"


@dataclass(frozen=True)
class Reply:
    status: int
    headers: Mapping[str, str]
    body: bytes
    complete: bool  # False when the body was over the size limit and cut short


class Auth:
    """The credentials an exchange sends; this one sends none. Nothing is ever taken
    from ~/.netrc."""

    def authorization(self) -> str | None:
        return None

    def __repr__(self) -> str:
        return "<no credentials>"


class NoAuth(Auth):
    pass


class BearerAuth(Auth):
    def __init__(self, token: str) -> None:
        self._token = token

    def authorization(self) -> str:
        return f"Bearer {self._token}"

    def __repr__(self) -> str:
        return "<bearer token>"


def missing_ca_bundle_error(path: str) -> CompanionError:
    # A sentence, unlike every other failure here: it is this computer's setting that is
    # wrong, and the identity providers' sessions (auth/idp.py) raise the same one.
    return CompanionError(ErrorKind.TLS, messages.missing_ca_bundle(path))


def _tls_context() -> ssl.SSLContext:
    """The operating system's trust store, plus the CAs of REQUESTS_CA_BUNDLE or
    CURL_CA_BUNDLE when one is set: they are added, never replacing the store or
    weakening a check (certificate and host name are always verified)."""
    context = truststore.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    bundle = os.environ.get("REQUESTS_CA_BUNDLE") or os.environ.get("CURL_CA_BUNDLE")
    if not bundle:
        return context
    if not os.path.exists(bundle):
        raise missing_ca_bundle_error(bundle)
    try:
        if os.path.isdir(bundle):
            context.load_verify_locations(capath=bundle)
        else:
            context.load_verify_locations(cafile=bundle)
    except OSError as exc:  # ssl.SSLError included: a file that holds no certificate
        raise TransportFailure(Failure.TLS_FAILED) from exc
    return context


class _Timer:
    """Bounds every socket wait of an exchange by the timeout for its kind of wait
    (`limit`: connect or read) and by what is left until the exchange's deadline."""

    def __init__(self, total: float, limit: float) -> None:
        self.total = total
        self.limit = limit
        self.deadline = 0.0

    def start(self) -> None:
        self.deadline = time.monotonic() + self.total

    def wait(self) -> float:
        remaining = self.deadline - time.monotonic()
        if remaining <= 0:
            raise TransportFailure(Failure.DEADLINE, seconds=self.total)
        return min(self.limit, remaining)

    def ran_out(self, failure: Failure) -> TransportFailure:
        """For a wait that timed out: the deadline's failure once it has passed."""
        if time.monotonic() >= self.deadline:
            return TransportFailure(Failure.DEADLINE, seconds=self.total)
        return TransportFailure(failure, seconds=self.limit)


class _Connection(http.client.HTTPConnection):
    """One connection, over TLS when given a context, whose every wait `timer` bounds."""

    def __init__(
        self, host: str, port: int, timer: _Timer, tls: ssl.SSLContext | None, server_name: str
    ) -> None:
        super().__init__(host, port)
        # For the Host header, which leaves out the scheme's usual port.
        self.default_port = 443 if tls else 80
        self.timer = timer
        self.received = 0  # bytes read since the last request was sent
        self._tls = tls
        self._server_name = server_name

    def connect(self) -> None:
        self.timeout = self.timer.wait()
        super().connect()  # TCP, and the proxy's CONNECT tunnel when one is set
        if self._tls is not None and self.sock is not None:
            self.sock.settimeout(self.timer.wait())
            self.sock = self._tls.wrap_socket(self.sock, server_hostname=self._server_name)

    # http.client's hook for making a response; a method, so ours gets the connection.
    def response_class(self, sock: socket.socket, *args: Any, **kwargs: Any) -> _Response:
        return _Response(sock, self, *args, **kwargs)


class _Response(http.client.HTTPResponse):
    def __init__(
        self, sock: socket.socket, connection: _Connection, *args: Any, **kwargs: Any
    ) -> None:
        super().__init__(sock, *args, **kwargs)
        self.fp.close()  # the plain reader super() made, replaced by a bounded one
        self.fp = io.BufferedReader(_BoundedReader(sock, connection))


class _BoundedReader(io.RawIOBase):
    """A socket's reads, each one waiting no longer than the connection's timer allows,
    so neither a dripping body nor dripping headers can outlast the deadline."""

    def __init__(self, sock: socket.socket, connection: _Connection) -> None:
        self._sock = sock
        self._raw = sock.makefile("rb", buffering=0)
        self._connection = connection

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int | None:
        self._sock.settimeout(self._connection.timer.wait())
        count = self._raw.readinto(buffer)
        self._connection.received += count or 0
        return count

    def close(self) -> None:
        self._raw.close()
        super().close()


# Neither repr shows what may hold a secret: credentials, a token, a form's fields.
@dataclass(frozen=True)
class _Proxy:
    host: str
    port: int
    headers: dict[str, str] = field(default_factory=dict, repr=False)  # its credentials


@dataclass(frozen=True)
class _Request:
    method: str
    target: str
    body: bytes | None = field(repr=False)
    headers: dict[str, str] = field(repr=False)


class Transport:
    """Exchanges with one origin (`base_url`, already checked) over one kept-alive
    connection. Not thread-safe."""

    def __init__(
        self,
        base_url: str,
        *,
        user_agent: str,
        connect_timeout: float,
        read_timeout: float,
        max_response_bytes: int,
        total_timeout: float | None = None,
    ) -> None:
        """`total_timeout` bounds a whole exchange, redirects and body included; by
        default one read timeout for the server to think and another to send."""
        origin = origin_of(base_url)
        if origin is None:
            raise ValueError(f"not an http(s) origin: {base_url!r}")
        self._scheme, self._host, self._port = origin
        self._base_url = base_url
        self._connect_timeout = connect_timeout
        self._read_timeout = read_timeout
        total = total_timeout if total_timeout is not None else connect_timeout + 2 * read_timeout
        self._timer = _Timer(total, read_timeout)
        self._max_response_bytes = max_response_bytes
        self._headers = {
            "User-Agent": user_agent,
            "Accept": "application/json",
            "Accept-Encoding": "gzip, deflate",
        }
        self._tls: ssl.SSLContext | None = None
        self._connection: _Connection | None = None

    def close(self) -> None:
        if self._connection is not None:
            self._connection.close()
            self._connection = None

    def exchange(
        self,
        method: str,
        path: str,
        auth: Auth,
        *,
        headers: dict[str, str] | None = None,
        body: dict[str, Any] | None = None,
    ) -> Reply:
        """`body` is {"json": ...} (sent as JSON) or {"data": {...}} (sent form-encoded).
        A success body is cut at `max_response_bytes`, any other at ERROR_BODY_LIMIT."""
        self._timer.start()
        url = self._base_url + path
        for _hop in range(MAX_REDIRECTS + 1):
            log.debug("%s %s", method, url)
            response = self._send(self._request(method, url, auth, headers, body))
            try:
                target = self._redirect_target(response, url)
            except TransportFailure:
                self._finish(response, keep=False)
                raise
            if target is None:
                return self._reply(response)
            self._finish(response, keep=response.length == 0)
            method, body = _method_after_redirect(response.status, method, body)
            url = target
        raise TransportFailure(Failure.TOO_MANY_REDIRECTS)

    def _request(
        self,
        method: str,
        url: str,
        auth: Auth,
        headers: Mapping[str, str] | None,
        body: dict[str, Any] | None,
    ) -> _Request:
        payload, content_type = _encoded(body)
        authorization = auth.authorization()
        merged = _merged(
            self._headers,
            {"Content-Type": content_type} if content_type else {},
            headers or {},
            {"Authorization": authorization} if authorization else {},
        )
        return _Request(method, _request_target(url), payload, merged)

    def _send(self, request: _Request, *, may_retry: bool = True) -> http.client.HTTPResponse:
        connection, fresh = self._open()
        try:
            connection.received = 0
            if connection.sock is not None:
                connection.sock.settimeout(self._timer.wait())
            connection.request(request.method, request.target, request.body, request.headers)
            return connection.getresponse()
        except (OSError, http.client.HTTPException) as exc:
            self.close()
            answered = connection.received > 0
            # A kept-alive connection the server closed meanwhile fails before any byte
            # of an answer; then, and only then, the request cannot have been handled.
            if may_retry and not fresh and not answered and isinstance(exc, ConnectionError):
                log.debug("The kept-alive connection was closed; opening a new one")
                return self._send(request, may_retry=False)
            raise self._reading_failure(exc, answered=answered) from exc
        except BaseException:  # the deadline, or an interruption mid-request
            self.close()
            raise

    def _open(self) -> tuple[_Connection, bool]:
        """The kept-alive connection and False, or a new one and True."""
        if self._connection is not None and self._connection.sock is not None:
            return self._connection, False
        self.close()
        proxy = None if is_loopback_host(self._host) else self._environment_proxy()
        if self._scheme == "https" and self._tls is None:
            self._tls = _tls_context()
        if proxy is None:
            connection = _Connection(self._host, self._port, self._timer, self._tls, self._host)
        else:
            connection = _Connection(proxy.host, proxy.port, self._timer, self._tls, self._host)
            connection.set_tunnel(self._host, self._port, headers=proxy.headers)
        self._timer.limit = self._connect_timeout
        try:
            connection.connect()
        except (OSError, http.client.HTTPException, UnicodeError) as exc:
            connection.close()
            raise self._connect_failure(exc, proxied=proxy is not None) from exc
        except BaseException:
            connection.close()
            raise
        finally:
            self._timer.limit = self._read_timeout
        self._connection = connection
        return connection, True

    def _environment_proxy(self) -> _Proxy | None:
        """The proxy the environment (or the system's settings, as urllib reads them)
        names for this origin, unless NO_PROXY exempts it."""
        proxies = urllib.request.getproxies()
        url = proxies.get(self._scheme) or proxies.get("all")
        host = f"[{self._host}]" if ":" in self._host else self._host
        if not url or urllib.request.proxy_bypass(f"{host}:{self._port}"):
            return None
        try:
            parts = urlsplit(url if "://" in url else f"http://{url}")
            port = parts.port or 80
        except ValueError:
            raise TransportFailure(Failure.PROXY) from None
        if parts.scheme.lower() != "http" or not parts.hostname:
            # TLS to the proxy itself, or SOCKS, is more than http.client does.
            log.debug("Cannot use a %s proxy", parts.scheme)
            raise TransportFailure(Failure.PROXY)
        if parts.username is None:
            return _Proxy(parts.hostname, port)
        credentials = f"{unquote(parts.username)}:{unquote(parts.password or '')}"
        basic = base64.b64encode(credentials.encode()).decode("ascii")
        return _Proxy(parts.hostname, port, {"Proxy-Authorization": f"Basic {basic}"})

    def _redirect_target(self, response: http.client.HTTPResponse, url: str) -> str | None:
        location = response.getheader("Location")
        if response.status not in _REDIRECT_STATUSES or not location:
            return None
        try:
            # http.client reads headers as Latin-1; a Location sent in UTF-8 is read so.
            target = urljoin(url, location.strip().encode("latin-1").decode("utf-8"))
        except ValueError:
            raise TransportFailure(Failure.BAD_REDIRECT) from None
        if not same_origin(target, self._base_url):
            # Following would send the bearer token to whoever runs the other site.
            raise TransportFailure(Failure.REDIRECTED_AWAY, location=target)
        log.debug("Following a %s redirect to %s", response.status, target)
        return target

    def _reply(self, response: http.client.HTTPResponse) -> Reply:
        is_success = 200 <= response.status < 300
        limit = self._max_response_bytes if is_success else ERROR_BODY_LIMIT
        try:
            body, complete = self._read_body(response, limit)
        except BaseException:
            self._finish(response, keep=False)
            raise
        self._finish(response, keep=complete)
        log.debug("HTTP %s, %d bytes", response.status, len(body))
        return Reply(response.status, Headers(response.getheaders()), body, complete)

    def _read_body(self, response: http.client.HTTPResponse, limit: int) -> tuple[bytes, bool]:
        """Up to `limit` bytes of the decoded body, and whether that was all of it."""
        if (response.length or 0) > limit:
            return b"", False
        inflater = _inflater(response.getheader("Content-Encoding"))
        chunks: list[bytes] = []
        size = 0
        try:
            while size <= limit:
                # read1 hands over whatever has arrived instead of waiting for more.
                data = response.read1(_READ_CHUNK_BYTES)
                if not data and response.length:  # closed before Content-Length was met
                    raise http.client.IncompleteRead(b"", response.length)
                if not data:
                    return b"".join(chunks), True
                chunk = inflater.decode(data, limit + 1 - size) if inflater else data
                chunks.append(chunk)
                size += len(chunk)
        except (OSError, http.client.HTTPException, zlib.error) as exc:
            raise self._reading_failure(exc, answered=True) from exc
        return b"".join(chunks)[:limit], False

    def _finish(self, response: http.client.HTTPResponse, *, keep: bool) -> None:
        """Done with `response`; `keep` when it was read to its end, so the connection
        can carry the next request."""
        response.close()
        if not keep:
            self.close()

    def _connect_failure(self, exc: BaseException, *, proxied: bool) -> TransportFailure:
        if isinstance(exc, ssl.SSLError):
            return _tls_failure(exc)
        if isinstance(exc, TimeoutError):
            return self._timer.ran_out(Failure.CONNECT_TIMEOUT)
        if proxied:
            return TransportFailure(Failure.PROXY)
        if isinstance(exc, socket.gaierror | UnicodeError):
            return TransportFailure(Failure.NAME_NOT_FOUND)
        if isinstance(exc, ConnectionRefusedError):
            return TransportFailure(Failure.REFUSED)
        return TransportFailure(Failure.UNREACHABLE)

    def _reading_failure(self, exc: BaseException, *, answered: bool) -> TransportFailure:
        """For a failure once connected; `answered` when some of the answer had come."""
        if isinstance(exc, TimeoutError):
            return self._timer.ran_out(Failure.READ_TIMEOUT)
        if isinstance(exc, ssl.SSLError):
            return _tls_failure(exc)
        if isinstance(exc, zlib.error):
            return TransportFailure(Failure.DAMAGED_COMPRESSION)
        if not answered:
            return TransportFailure(Failure.UNREACHABLE)
        return TransportFailure(Failure.BROKE_MID_BODY)


class _Inflater:
    """Undoes a gzip or deflate coding, never making more than it is asked for at once:
    a small compressed body can stand for gigabytes."""

    def __init__(self, gzip: bool) -> None:
        self._gzip = gzip
        self._zlib: Any = None  # made when the first bytes tell deflate's two formats apart
        self._held = b""
        self._ended = False

    def decode(self, data: bytes, max_length: int) -> bytes:
        data, self._held = self._held + data, b""
        if self._zlib is None:
            if not self._gzip and len(data) < 2:
                self._held = data
                return b""
            self._zlib = zlib.decompressobj(_GZIP_WBITS if self._gzip else _deflate_wbits(data))
        out = b""
        while data and not self._ended and len(out) < max_length:
            if self._zlib.eof:
                # gzip may hold several members; anything else after the end is ignored.
                self._ended = not (self._gzip and data.startswith(b"\x1f\x8b"))
                if self._ended:
                    break
                self._zlib = zlib.decompressobj(_GZIP_WBITS)
            out += self._zlib.decompress(data, max_length - len(out))
            data = self._zlib.unconsumed_tail or self._zlib.unused_data
        return out


def _inflater(content_encoding: str | None) -> _Inflater | None:
    """The decoder for the coding we asked for (see Accept-Encoding). A body in any
    other coding, or in several stacked, is passed on as it came."""
    codings = [c.strip().lower() for c in (content_encoding or "").split(",")]
    codings = [coding for coding in codings if coding not in ("", "identity")]
    if len(codings) != 1 or codings[0] not in ("gzip", "x-gzip", "deflate"):
        return None
    return _Inflater(gzip=codings[0] != "deflate")


def _deflate_wbits(head: bytes) -> int:
    # "deflate" is meant to be zlib-wrapped (RFC 1950); some servers send it raw.
    wrapped = head[0] & 0x0F == 8 and int.from_bytes(head[:2], "big") % 31 == 0
    return zlib.MAX_WBITS if wrapped else -zlib.MAX_WBITS


def _encoded(body: Mapping[str, Any] | None) -> tuple[bytes | None, str | None]:
    """The bytes and Content-Type of {"json": ...} or {"data": {...}}."""
    if not body:
        return None, None
    if "json" in body:
        return json.dumps(body["json"]).encode(), "application/json"
    if "data" in body:
        return urlencode(body["data"]).encode("ascii"), "application/x-www-form-urlencoded"
    raise ValueError(f"a body is given as json or data, not {sorted(body)}")


def _merged(*layers: Mapping[str, str]) -> dict[str, str]:
    """Request headers; a later layer's replace an earlier one's of any case."""
    merged: dict[str, tuple[str, str]] = {}
    for layer in layers:
        merged.update((name.lower(), (name, value)) for name, value in layer.items())
    return dict(merged.values())


def _request_target(url: str) -> str:
    parts = urlsplit(url)
    target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    # Spaces and other text http.client refuses raw go percent-encoded, as requests did.
    return quote(target, safe=_TARGET_SAFE)


def _tls_failure(exc: ssl.SSLError) -> TransportFailure:
    if not isinstance(exc, ssl.SSLCertVerificationError):
        return TransportFailure(Failure.TLS_FAILED)
    message = getattr(exc, "verify_message", None)
    return TransportFailure(
        Failure.TLS_UNTRUSTED, verify_message=message if isinstance(message, str) else None
    )


def _method_after_redirect(
    status: int, method: str, body: dict[str, Any] | None
) -> tuple[str, dict[str, Any] | None]:
    # As browsers do: 303 (and 301/302 after a POST) continue as a GET without body.
    if status == 303 or (status in (301, 302) and method == "POST"):
        return "GET", None
    return method, body
