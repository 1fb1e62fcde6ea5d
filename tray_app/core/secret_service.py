"""The Secret Service (GNOME Keyring, KWallet's Secret Service, KeePassXC) through
SecretStorage directly, as Vorta does, without the keyring package: importing keyring
brings urllib, tarfile and more (about 25 ms), which a check at desktop login should not
pay for.

The entries are the ones keyring's own SecretService backend writes, in the default
collection with the attributes `service`, `username` and `application`, so a sign-in
kept by either reads in the other, and the remembered backend keeps keyring's name.
"""

from __future__ import annotations

from contextlib import closing
from typing import Any

from tray_app import APP_ID
from tray_app.core import messages
from tray_app.core.keyring_calls import backend_failure, bounded_call

NAME = "keyring.backends.SecretService.Keyring"
_APPLICATION = "Python keyring library"  # what keyring's backend sets; kept for sharing


class SecretServiceBackend:
    """A store Backend (secrets.Backend) on the Secret Service's default collection."""

    qualified_name = NAME

    @property
    def label(self) -> str:
        return messages.store_secret_service()

    @property
    def priority(self) -> float:
        """5 (keyring's figure) when the service runs or can be started, else 0."""
        import secretstorage

        try:
            with closing(secretstorage.dbus_init()) as connection:
                return 5.0 if secretstorage.check_service_availability(connection) else 0.0
        except secretstorage.exceptions.SecretStorageException:
            return 0.0

    def read(self, key: str) -> str | None:
        return self._call(_read, key)

    def write(self, key: str, value: str) -> None:
        self._call(_write, key, value)

    def remove(self, key: str) -> None:
        self._call(_remove, key)

    def _call(self, operation: Any, *args: str) -> Any:
        try:
            return bounded_call(NAME, operation, *args)
        except Exception as problem:  # locked, dismissed prompt, D-Bus errors, no answer
            raise backend_failure(self.label, problem) from None


def _attributes(key: str) -> dict[str, str]:
    return {"username": key, "service": APP_ID}  # secrets.SERVICE


def _unlocked_collection(connection: Any) -> Any:
    import secretstorage

    collection = secretstorage.get_default_collection(connection)
    if collection.is_locked():
        collection.unlock()  # the desktop's prompt; bounded by the caller's timeout
        if collection.is_locked():
            raise secretstorage.exceptions.LockedException("the prompt was dismissed")
    return collection


def _read(key: str) -> str | None:
    import secretstorage

    with closing(secretstorage.dbus_init()) as connection:
        for item in _unlocked_collection(connection).search_items(_attributes(key)):
            if item.is_locked():
                item.unlock()
            return item.get_secret().decode("utf-8")
    return None


def _write(key: str, value: str) -> None:
    import secretstorage

    with closing(secretstorage.dbus_init()) as connection:
        attributes = {**_attributes(key), "application": _APPLICATION}
        # keyring's own label for the entry, so both write the same (not translated).
        label = f"Password for '{key}' on '{attributes['service']}'"
        _unlocked_collection(connection).create_item(label, attributes, value.encode("utf-8"),
                                                     replace=True)


def _remove(key: str) -> None:
    import secretstorage

    with closing(secretstorage.dbus_init()) as connection:
        for item in _unlocked_collection(connection).search_items(_attributes(key)):
            item.delete()
