"""The `token` sign-in method: a token that IT or the person supplies
(`sign-in --token -` reads it from standard input), kept in the SecretStore."""

from __future__ import annotations

import sys
from collections.abc import Callable

from tray_app.core import messages
from tray_app.core.auth.base import OpenBrowser, Say
from tray_app.core.config import Config
from tray_app.core.errors import ConfigError, SignInNeeded
from tray_app.core.logs import register_secret
from tray_app.core.secrets import SecretStore


def _read_standard_input() -> str:
    return sys.stdin.readline()


class TokenSignIn:
    name = "token"

    def __init__(
        self, config: Config, secrets: SecretStore, *,
        read_token: Callable[[], str] = _read_standard_input,
    ) -> None:
        self._config = config
        self._secrets = secrets
        self._read_token = read_token

    def sign_in(self, open_browser: OpenBrowser, say: Say) -> None:
        name = secret_name(self._config.intranet_url())
        token = self._read_token().strip()
        if not token:
            raise ConfigError(messages.token_none_given())
        register_secret(token)
        if not all("!" <= char <= "~" for char in token):
            raise ConfigError(messages.token_not_a_token())
        self._secrets.set(name, token)

    def provider(self) -> StoredToken:
        return StoredToken(self._config.intranet_url(), self._secrets)

    def sign_out(self) -> None:
        self._secrets.delete(secret_name(self._config.intranet_url()))


class StoredToken:
    """The TokenProvider of the `token` method: nothing to refresh."""

    def __init__(self, intranet_url: str, secrets: SecretStore) -> None:
        self._intranet_url = intranet_url
        self._secrets = secrets

    def access_token(self) -> str:
        token = self._secrets.get(secret_name(self._intranet_url))
        if not token:
            raise SignInNeeded(messages.not_signed_in_to(self._intranet_url))
        register_secret(token)
        return token

    def refresh(self) -> str:
        raise SignInNeeded(messages.token_refused(self._intranet_url))


def secret_name(intranet_url: str) -> str:
    return f"token:{intranet_url}"
