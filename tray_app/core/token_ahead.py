"""A check's first access token, read from the secret store while the check loads the
rest of what it needs.

For a signed-in user, the token's read costs a worker at desktop login about 30 ms of
CPU: SecretStorage with its D-Bus and cryptography libraries, D-Bus connections and a
Diffie-Hellman exchange with the keyring daemon. Loading the HTTP stack costs about as
much, and the one needs the other only when the request is sent. On Linux, `read_ahead`
therefore forks: the child asks the configured provider for the token (refreshing it
when it has expired, as the provider always does) and hands it over on a pipe, while the
parent loads the HTTP stack on the other core.

The child is forked only while this process has no other thread, so no lock can be held
across the fork. It gives up its standard input and output (the tray's pipes), is ended
by an alarm should it hang, and leaves through os._exit, so it never runs the parent's
code. A child that dies without an answer costs nothing: the parent then reads the token
itself. Elsewhere (Windows has no fork; on macOS the Keychain may not be used in a forked
child), with COMPANION_TOKEN, or when the fork fails, the token is read in this process
when it is first asked for, exactly as without this module.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import signal
import sys
import threading
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from tray_app.core.credentials import token_provider
from tray_app.core.errors import CompanionError
from tray_app.core.logs import register_secret
from tray_app.core.tokens import TOKEN_ENV, TokenProvider

if TYPE_CHECKING:
    from tray_app.core.config import Config

log = logging.getLogger(__name__)

MAX_ANSWER_BYTES = 1024 * 1024
# The child's hard limit: the store's own bounded calls (5 s each) and a token refresh.
_CHILD_MARGIN_SECONDS = 20


def read_ahead(config: Config, environ: Mapping[str, str] | None = None) -> TokenProvider:
    """The configured provider, its first token already on the way where that helps."""
    environ = os.environ if environ is None else environ
    provider = LazyProvider(config, environ)
    if environ.get(TOKEN_ENV, "").strip() or not _may_fork():
        return provider
    try:
        reader, writer = os.pipe()
    except OSError:
        return provider
    try:
        pid = os.fork()
    except OSError as problem:
        os.close(reader)
        os.close(writer)
        log.debug("Reading the token in this process: no fork (%s)", problem.strerror)
        return provider
    if pid == 0:
        os.close(reader)
        _answer_and_exit(config, environ, writer, _child_seconds(config))
    os.close(writer)
    return TokenAhead(provider, pid, reader)


def _may_fork() -> bool:
    return sys.platform.startswith("linux") and hasattr(os, "fork") \
        and threading.active_count() == 1


def _child_seconds(config: Config) -> int:
    return int(config.get("connect_timeout_seconds") + 2 * config.get("read_timeout_seconds")
               + _CHILD_MARGIN_SECONDS)


class LazyProvider:
    """The configured provider (credentials.token_provider), opened when first used."""

    def __init__(self, config: Config, environ: Mapping[str, str]) -> None:
        self._config = config
        self._environ = environ
        self._provider: TokenProvider | None = None

    def _opened(self) -> TokenProvider:
        if self._provider is None:
            self._provider = token_provider(self._config, self._environ)
        return self._provider

    def access_token(self) -> str:
        return self._opened().access_token()

    def refresh(self) -> str:
        return self._opened().refresh()


class TokenAhead:
    """The first access token from the forked child; afterwards, and whenever the child
    had no answer, the provider of this process."""

    def __init__(self, provider: LazyProvider, pid: int, reader: int) -> None:
        self._provider = provider
        self._pid = pid
        self._reader = reader
        self._collected = False

    def access_token(self) -> str:
        if self._collected:
            return self._provider.access_token()
        self._collected = True
        answer = _collect(self._pid, self._reader)
        problem = _error_in(answer)
        if problem is not None:
            raise problem
        token = answer.get("token")
        if isinstance(token, str) and token:
            register_secret(token)
            log.debug("The stored sign-in was read ahead by process %d", self._pid)
            return token
        log.debug("The token read ahead did not come; reading it here")
        return self._provider.access_token()

    def refresh(self) -> str:
        self._collected = True
        return self._provider.refresh()


def _error_in(answer: dict[str, Any]) -> CompanionError | None:
    if "error" not in answer:
        return None
    try:
        return CompanionError.from_message(answer["error"])
    except ValueError:
        return None  # not an error we can show: the token is read again here


def _collect(pid: int, reader: int) -> dict[str, Any]:
    """The child's answer ({"token"} or {"error"}), or {} when it gave none. Waits for the
    child's end, which its alarm bounds."""
    chunks: list[bytes] = []
    size = 0
    try:
        while chunk := os.read(reader, 64 * 1024):
            size += len(chunk)
            if size > MAX_ANSWER_BYTES:
                chunks = []
                break
            chunks.append(chunk)
    except OSError:
        chunks = []
    finally:
        os.close(reader)
        _reap(pid)
    try:
        answer = json.loads(b"".join(chunks)) if chunks else {}
    except (ValueError, RecursionError):
        return {}
    return answer if isinstance(answer, dict) else {}


def _reap(pid: int) -> None:
    with contextlib.suppress(OSError):  # it has answered or given up: nothing to wait for
        os.kill(pid, signal.SIGKILL)
    with contextlib.suppress(ChildProcessError):
        os.waitpid(pid, 0)


def _answer_and_exit(config: Config, environ: Mapping[str, str], writer: int,
                     seconds: int) -> None:
    """In the child: never returns."""
    status = 1
    try:
        signal.alarm(seconds)
        _give_up_standard_streams()
        try:
            answer: dict[str, Any] = {"token": token_provider(config, environ).access_token()}
        except CompanionError as problem:
            answer = {"error": problem.to_message()}
        _write_all(writer, json.dumps(answer).encode("utf-8"))
        status = 0
    finally:
        os._exit(status)


def _give_up_standard_streams() -> None:
    """The tray reads the parent's standard output until it closes: the child's copies go."""
    null = os.open(os.devnull, os.O_RDWR)
    for number in (0, 1):
        os.dup2(null, number)
    os.close(null)


def _write_all(writer: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(writer, view):]
    os.close(writer)
