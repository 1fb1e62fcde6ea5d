"""Where the access token comes from: COMPANION_TOKEN, else the configured sign-in method.

A TokenProvider (tray_app.core.tokens) hands out an access token (refreshing it silently
when it has expired) and may refresh it once more after the intranet answers 401. This is
the one module that chooses a provider. The methods and their tokens live in
tray_app.core.auth and tray_app.core.secrets, imported only when needed: `check` with
COMPANION_TOKEN never loads keyring.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import TYPE_CHECKING

from tray_app.core.tokens import TOKEN_ENV, StaticToken, TokenProvider

if TYPE_CHECKING:
    from tray_app.core.config import Config



def token_provider(config: Config, environ: Mapping[str, str] | None = None) -> TokenProvider:
    """COMPANION_TOKEN when set; else the configured method's provider over the secret
    store (KeyringUnavailable when there is no store, SignInNeeded later when there is
    no sign-in)."""
    environ = os.environ if environ is None else environ
    token = environ.get(TOKEN_ENV, "").strip()
    if token:
        return StaticToken(token)
    from tray_app.core.auth import method_for
    from tray_app.core.secrets import open_secret_store

    return method_for(config, open_secret_store(config)).provider()
