"""The password store by the name people know it by ("GNOME Keyring", "Windows
Credential Manager", "macOS Keychain", "KWallet"), never keyring's class path, and how
it was chosen. For diagnose, sign-in and the log.

The Secret Service is a D-Bus standard that several programs provide: which one runs
here is asked of the session bus (the process that owns `org.freedesktop.secrets`), so
the name is GNOME Keyring, KWallet or KeePassXC rather than the standard's.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from tray_app.core import messages, secret_service
from tray_app.core.fileio import UnreadableFile, read_json_file
from tray_app.core.keyring_calls import bounded_call
from tray_app.core.secrets import (
    BACKEND_ENV,
    INSECURE_FILE_ID,
    SecretStore,
    backend_id,
    backend_memory_file,
    friendly_name,
    insecure_file,
)

log = logging.getLogger(__name__)

SECRET_SERVICE_IDS = (secret_service.NAME, "keyring.backends.libsecret.Keyring")
_SECRETS_BUS_NAME = "org.freedesktop.secrets"
_BUS_TIMEOUT_SECONDS = 2.0
# The process names (/proc/<pid>/comm, at most 15 characters) of Secret Service providers.
_PROVIDERS: dict[str, Callable[[], str]] = {
    "gnome-keyring-d": messages.store_gnome_keyring,
    "kwalletd5": messages.store_kwallet,
    "kwalletd6": messages.store_kwallet,
    "ksecretd": messages.store_kwallet,
    "keepassxc": messages.store_keepassxc,
}


@dataclass(frozen=True)
class StoreName:
    id: str  # keyring's dotted name, "insecure-file" or "memory"
    name: str  # what people call it: "GNOME Keyring"
    chosen_by: str  # "environment", "remembered", "best", "policy" or "memory"
    secure: bool

    @property
    def shown(self) -> str:
        """The name for a line of text: a Secret Service provider says it is one."""
        if self.id in SECRET_SERVICE_IDS and self.name != messages.store_secret_service():
            return messages.store_via_secret_service(self.name)
        return self.name


def name_store(store: SecretStore) -> StoreName:
    ident = backend_id(store)
    return StoreName(ident, human_name(ident), _chosen_by(ident), _is_secure(ident))


def human_name(ident: str) -> str:
    """"GNOME Keyring" for keyring.backends.SecretService.Keyring where GNOME Keyring
    provides the Secret Service, "Windows Credential Manager" for WinVaultKeyring..."""
    if ident in SECRET_SERVICE_IDS:
        return secret_service_provider() or messages.store_secret_service()
    if ident == INSECURE_FILE_ID:
        return messages.store_insecure_file()
    if ident == "memory":
        return messages.store_memory()
    return friendly_name(ident)


def describe(store_name: StoreName) -> str:
    """How the store was chosen, in words, for diagnose and sign-in."""
    shown = store_name.shown
    if store_name.chosen_by == "environment":
        if store_name.secure:
            return messages.diagnose_keyring_chosen_by(shown, BACKEND_ENV)
        return messages.diagnose_keyring_chosen_by_insecure(shown, BACKEND_ENV)
    if store_name.chosen_by == "policy":
        return messages.store_description_insecure_file(str(insecure_file()))
    if store_name.chosen_by == "memory":
        return messages.store_description_memory()
    if store_name.chosen_by == "remembered":
        return messages.diagnose_keyring_remembered(shown)
    return messages.diagnose_keyring_best(shown)


def _chosen_by(ident: str) -> str:
    if ident == "memory":
        return "memory"
    if os.environ.get(BACKEND_ENV, "").strip():
        return "environment"
    if ident == INSECURE_FILE_ID:
        return "policy"
    return "remembered" if _remembered() == ident else "best"


def _remembered() -> str | None:
    try:
        data = read_json_file(backend_memory_file(), 64 * 1024)
    except UnreadableFile:
        return None
    backend = data.get("backend") if isinstance(data, dict) else None
    return backend if isinstance(backend, str) else None


def _is_secure(ident: str) -> bool:
    return ident != INSECURE_FILE_ID and "plaintext" not in ident.lower() \
        and not ident.startswith("keyrings.alt")


def secret_service_provider() -> str | None:
    """Who provides the Secret Service on this session bus, by name; None when that
    cannot be told (no bus, nobody owns the name yet, another operating system)."""
    try:
        process = bounded_call("naming", _provider_process)
    except Exception as problem:  # no session bus, D-Bus errors, no answer in time
        log.debug("Cannot tell who provides the Secret Service: %s", type(problem).__name__)
        return None
    name = _PROVIDERS.get(process or "")
    return name() if name else None


def _provider_process() -> str | None:
    from jeepney.bus_messages import message_bus
    from jeepney.io.blocking import open_dbus_connection

    with open_dbus_connection(bus="SESSION") as connection:
        reply = connection.send_and_get_reply(
            message_bus.GetConnectionUnixProcessID(_SECRETS_BUS_NAME),
            timeout=_BUS_TIMEOUT_SECONDS)
    if reply.header.message_type.name != "method_return":
        return None
    (pid,) = reply.body
    return Path(f"/proc/{int(pid)}/comm").read_text(encoding="utf-8").strip()
