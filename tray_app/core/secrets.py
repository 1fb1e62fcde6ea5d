"""The one place that owns secrets: sign-in tokens live in the OS keyring and nowhere else.

Choosing the keyring (Maestral's and Vorta's approach): the secure keyring backends
known for this platform are ranked by priority and the best one is used. The first time
a secret is stored, its name is remembered in a small JSON file in the state dir (a
name, not a secret), so the store never changes silently: when the remembered backend
is gone later, the companion says so instead of quietly using another one, where the
sign-in is not. Sign-out forgets the choice. keyring's own PYTHON_KEYRING_BACKEND still
wins (tests and IT scripts use it), and is the way to any other backend.

With no secure backend nothing is stored, unless policy `allow_insecure_keyring` allows a
plain JSON file (mode 0600) in the state dir, which `describe()` calls insecure.

Values longer than one Windows Credential Manager entry holds are split into chunks
`name#0`, `name#1`, ... behind a short header kept under `name`. An index entry lists
every name stored, so sign-out can remove them all.

keyring is imported lazily: it is slow to import and `check` with COMPANION_TOKEN must not
pay for it.
"""

from __future__ import annotations

import contextlib
import hashlib
import importlib.util
import json
import logging
import os
import re
import sys
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any, Protocol

from tray_app import APP_ID
from tray_app.core import messages, paths, secret_service
from tray_app.core.config import Config
from tray_app.core.fileio import UnreadableFile, atomic_write_text, read_json_file
from tray_app.core.keyring_calls import (
    KeyringNoAnswer,
    backend_failure,
    bounded_call,
)
from tray_app.core.timeutil import format_utc, utc_now
from tray_app.core.tokens import KeyringUnavailable

log = logging.getLogger(__name__)

SERVICE = APP_ID
BACKEND_ENV = "PYTHON_KEYRING_BACKEND"
INSECURE_FILE_ID = "insecure-file"
INDEX_NAME = "__index__"
# Windows Credential Manager keeps at most 2560 bytes per entry, and keyring writes
# UTF-16 there: 1280 code units. Chunks stay well below that, header included.
CHUNK_UTF16_UNITS = 1200
_CHUNK_MARK = "intranet-companion:chunked:v1:"
MAX_SECRETS_FILE_BYTES = 1024 * 1024
# A dotted Python name (module.Class), or our own marker for the insecure file.
_BACKEND_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*){0,20}|insecure-file")
_DISCOVERY_WORKER = "discovery"
_NOT_CONSIDERED_MODULES = ("keyring.backends.fail", "keyring.backends.null",
                           "keyring.backends.chainer")
_KNOWN_BACKENDS = {
    "linux": ("keyring.backends.SecretService.Keyring", "keyring.backends.kwallet.DBusKeyring",
              "keyring.backends.libsecret.Keyring",
              "keyring.backends.kwallet.DBusKeyringKWallet4"),
    "win32": ("keyring.backends.Windows.WinVaultKeyring",),
    "darwin": ("keyring.backends.macOS.Keyring",),
}
# What a backend cannot work without (keyring's own modules import it, or fail, inside).
_NEEDS_MODULE = {
    "keyring.backends.SecretService.Keyring": "secretstorage",
    "keyring.backends.kwallet.DBusKeyring": "dbus",
    "keyring.backends.kwallet.DBusKeyringKWallet4": "dbus",
    "keyring.backends.libsecret.Keyring": "gi",
}
_FRIENDLY_NAMES: dict[str, Callable[[], str]] = {
    "keyring.backends.SecretService.Keyring": messages.store_secret_service,
    "keyring.backends.libsecret.Keyring": messages.store_libsecret,
    "keyring.backends.kwallet.DBusKeyring": messages.store_kwallet,
    "keyring.backends.Windows.WinVaultKeyring": messages.store_windows,
    "keyring.backends.macOS.Keyring": messages.store_macos,
}


class Backend(Protocol):
    """The three operations a store needs; keyring backends are adapted to it."""

    label: str

    def read(self, key: str) -> str | None: ...

    def write(self, key: str, value: str) -> None: ...

    def remove(self, key: str) -> None:
        """No error when `key` is absent."""
        ...


class SecretStore:
    """Named secrets of this OS user, under the service `intranet-companion`."""

    def __init__(
        self,
        backend: Backend,
        description: str,
        *,
        remember: Callable[[], None] | None = None,
        forget: Callable[[], None] | None = None,
    ) -> None:
        self._backend = backend
        self._description = description
        self._remember = remember or (lambda: None)
        self._forget = forget or (lambda: None)
        self._lock = threading.RLock()

    def __repr__(self) -> str:
        return f"SecretStore({self._backend.label!r})"

    def get(self, name: str) -> str | None:
        _check_name(name)
        with self._lock:
            value = self._read_value(name)
            if value is _DAMAGED:  # perhaps read halfway through another process's write
                value = self._read_value(name)
        if value is _DAMAGED:
            log.warning("The stored secret %r is damaged; it is treated as absent", name)
            return None
        return value

    def set(self, name: str, value: str) -> None:
        _check_name(name)
        with self._lock:
            self._remember()
            self._write_value(name, value)
            names = self._index()
            if name not in names:
                self._write_value(INDEX_NAME, json.dumps([*names, name]))

    def delete(self, name: str) -> None:
        _check_name(name)
        with self._lock:
            self._remove_value(name)
            names = self._index()
            if name in names:
                self._write_value(INDEX_NAME, json.dumps([n for n in names if n != name]))

    def delete_all(self) -> int:
        """Remove every secret the companion stored for this user and forget which
        backend held them. Returns how many named secrets there were."""
        with self._lock:
            names = self._index()
            for name in names:
                self._remove_value(name)
            self._remove_value(INDEX_NAME)
            self._forget()
        return len(names)

    def describe(self) -> str:
        return self._description

    # --- values, chunked where needed ------------------------------------------------

    def _read_value(self, name: str) -> str | object | None:
        raw = self._backend.read(name)
        if raw is None or not raw.startswith(_CHUNK_MARK):
            return raw
        header = _parse_header(raw)
        if header is None:
            return _DAMAGED
        count, digest = header
        pieces = [self._backend.read(f"{name}#{index}") for index in range(count)]
        if any(piece is None for piece in pieces):
            return _DAMAGED
        value = "".join(pieces)  # type: ignore[arg-type]
        return value if _digest(value) == digest else _DAMAGED

    def _write_value(self, name: str, value: str) -> None:
        old_count = self._chunk_count(name)
        pieces = split_for_backend(value)
        if len(pieces) == 1 and not value.startswith(_CHUNK_MARK):
            self._backend.write(name, value)
            new_count = 0
        else:
            for index, piece in enumerate(pieces):
                self._backend.write(f"{name}#{index}", piece)
            # The header goes last, so it never points at chunks not yet written.
            self._backend.write(name, f"{_CHUNK_MARK}{len(pieces)}:{_digest(value)}")
            new_count = len(pieces)
        for index in range(new_count, old_count):
            self._backend.remove(f"{name}#{index}")

    def _remove_value(self, name: str) -> None:
        count = self._chunk_count(name)
        self._backend.remove(name)
        for index in range(count):
            self._backend.remove(f"{name}#{index}")

    def _chunk_count(self, name: str) -> int:
        raw = self._backend.read(name)
        header = _parse_header(raw) if raw and raw.startswith(_CHUNK_MARK) else None
        return header[0] if header else 0

    def _index(self) -> list[str]:
        value = self._read_value(INDEX_NAME)
        try:
            names = json.loads(value) if isinstance(value, str) else []
        except (ValueError, RecursionError):
            names = []
        return [n for n in names if isinstance(n, str)] if isinstance(names, list) else []


_DAMAGED = object()


def _check_name(name: str) -> None:
    if not name or "#" in name or name == INDEX_NAME or len(name) > 200:
        raise ValueError(f"not a valid secret name: {name!r}")


def _digest(value: str) -> str:
    return hashlib.sha256(value.encode("utf-8")).hexdigest()[:16]


def _parse_header(raw: str) -> tuple[int, str] | None:
    count, _, digest = raw.removeprefix(_CHUNK_MARK).partition(":")
    if not count.isdigit() or not 0 < int(count) <= 1000 or len(digest) != 16:
        return None
    return int(count), digest


def split_for_backend(value: str, budget: int = CHUNK_UTF16_UNITS) -> list[str]:
    """`value` in pieces of at most `budget` UTF-16 code units (at least one piece)."""
    pieces: list[str] = []
    start, used = 0, 0
    for index, char in enumerate(value):
        units = 2 if ord(char) > 0xFFFF else 1
        if used + units > budget:
            pieces.append(value[start:index])
            start, used = index, 0
        used += units
    pieces.append(value[start:])
    return pieces


# --- backends ---------------------------------------------------------------------------


class KeyringBackend:
    """A keyring backend, with every failure turned into KeyringUnavailable and every
    call bounded by KEYRING_TIMEOUT_SECONDS (a locked store may wait forever on a
    password prompt nobody sees)."""

    def __init__(self, keyring_backend: Any) -> None:
        self._keyring = keyring_backend
        self.qualified_name = qualified_name(keyring_backend)
        self.label = friendly_name(self.qualified_name)

    def read(self, key: str) -> str | None:
        return self._call(self._keyring.get_password, SERVICE, key)

    def write(self, key: str, value: str) -> None:
        self._call(self._keyring.set_password, SERVICE, key, value)

    def remove(self, key: str) -> None:
        from keyring.errors import PasswordDeleteError

        def delete() -> None:
            try:
                self._keyring.delete_password(SERVICE, key)
            except PasswordDeleteError:  # what keyring raises for an absent entry
                return

        self._call(delete)

    def _call(self, operation: Callable[..., Any], *args: str) -> Any:
        try:
            return bounded_call(self.qualified_name, operation, *args)
        except Exception as problem:  # locked store, D-Bus errors, OS errors, no answer...
            raise backend_failure(self.label, problem) from None


class InsecureFileBackend:
    """A 0600 JSON file: only where policy `allow_insecure_keyring` allows it."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.label = messages.store_plain_file(str(path))

    def read(self, key: str) -> str | None:
        value = self._load().get(key)
        return value if isinstance(value, str) else None

    def write(self, key: str, value: str) -> None:
        self._save({**self._load(), key: value})

    def remove(self, key: str) -> None:
        data = self._load()
        if data.pop(key, None) is None:
            return
        if data:
            self._save(data)
        else:
            self.discard()

    def discard(self) -> None:
        with contextlib.suppress(FileNotFoundError):
            self.path.unlink()

    def _load(self) -> dict[str, Any]:
        try:
            data = read_json_file(self.path, MAX_SECRETS_FILE_BYTES)
        except UnreadableFile as problem:
            raise KeyringUnavailable(message=messages.insecure_file_unreadable(
                str(self.path), problem.reason)) from None
        return data if isinstance(data, dict) else {}

    def _save(self, data: dict[str, Any]) -> None:
        try:
            atomic_write_text(self.path, json.dumps(data) + "\n")
        except OSError as problem:
            raise KeyringUnavailable(message=messages.insecure_file_unwritable(
                str(self.path), str(problem.strerror))) from None


class MemoryBackend:
    """Secrets for this process only (the built-in demo, tests)."""

    def __init__(self) -> None:
        self._values: dict[str, str] = {}
        self.label = messages.store_memory()

    def read(self, key: str) -> str | None:
        return self._values.get(key)

    def write(self, key: str, value: str) -> None:
        self._values[key] = value

    def remove(self, key: str) -> None:
        self._values.pop(key, None)


def memory_secret_store() -> SecretStore:
    """A store that forgets everything when the process ends (the tray's --demo)."""
    return SecretStore(MemoryBackend(), messages.store_description_memory())


# --- choosing the backend ------------------------------------------------------------------


def backend_memory_file() -> Path:
    return paths.state_dir() / "keyring-backend.json"


def insecure_file() -> Path:
    return paths.state_dir() / "secrets-INSECURE.json"


def qualified_name(backend: Any) -> str:
    """The dotted name keyring knows the backend by (ours say which name they stand for)."""
    named = getattr(backend, "qualified_name", None)
    kind = type(backend)
    return named if isinstance(named, str) else f"{kind.__module__}.{kind.__name__}"


def backend_id(store: SecretStore) -> str:
    """Which backend holds `store`'s secrets: keyring's dotted name for it, or
    INSECURE_FILE_ID, or "memory" (for diagnose and the log; never shown as a name)."""
    backend = store._backend
    if isinstance(backend, InsecureFileBackend):
        return INSECURE_FILE_ID
    if isinstance(backend, MemoryBackend):
        return "memory"
    return qualified_name(backend)


def friendly_name(name: str) -> str:
    """"Windows Credential Manager" for a well-known backend, else "module Class"."""
    if name in _FRIENDLY_NAMES:
        return _FRIENDLY_NAMES[name]()
    module, _, class_name = name.rpartition(".")
    return f"{module.rpartition('.')[2]} {class_name}" if module else name


def is_secure(backend: Any) -> bool:
    """Not the fail/null/chainer stand-ins, and not a store that keeps plain text."""
    name = qualified_name(backend)
    module = type(backend).__module__
    if module in _NOT_CONSIDERED_MODULES or module.startswith("keyrings.alt"):
        return False
    return "plaintext" not in name.lower()


def _priority(backend: Any) -> float:
    try:
        return float(backend.priority)
    except Exception:  # a backend's priority may raise when it is not usable here
        return -1.0


def known_backend_names() -> tuple[str, ...]:
    """The keyring backends considered on this platform, as dotted names. Asking keyring
    for all of its backends would import every one of them, the macOS one's library
    lookup included, and scan every installed package's entry points: about 60 ms on
    the login popup's critical path. Other backends stay usable through BACKEND_ENV."""
    return _KNOWN_BACKENDS.get(sys.platform, _KNOWN_BACKENDS["linux"])


def ranked_backends() -> list[Any]:
    """Secure keyring backends usable here, best first. Asking a backend whether it is
    usable may talk to a service (D-Bus) that never answers: KeyringUnavailable then."""

    def rank() -> list[Any]:
        viable = (_viable(name) for name in known_backend_names())
        candidates = [b for b in viable if b is not None and is_secure(b)]
        usable = [(priority, b) for b in candidates if (priority := _priority(b)) > 0]
        return [b for _, b in sorted(usable, key=lambda pair: pair[0], reverse=True)]

    try:
        return bounded_call(_DISCOVERY_WORKER, rank)
    except KeyringNoAnswer as problem:
        raise backend_failure(messages.store_keyring(), problem) from None


def _viable(name: str) -> Any | None:
    """The backend `name` when it can be used here (its module imports and its priority
    does not refuse), else None."""
    needed = _NEEDS_MODULE.get(name)
    if needed is not None and importlib.util.find_spec(needed) is None:
        return None  # known at once, without importing keyring (about 25 ms)
    try:
        if name == secret_service.NAME:
            return secret_service.SecretServiceBackend()
        return _load(name)
    except Exception as problem:  # not installed, no such service here, a broken install
        log.debug("The password store %s is not usable here: %s", name,
                  type(problem).__name__)
        return None


def _load(name: str) -> Any:
    """Imports only the backend's own module, and asks its priority (which raises where
    the backend cannot work)."""
    import keyring.core

    return keyring.core.load_keyring(name)


def _load_named(name: str) -> Any:
    try:
        return _load(name)
    except Exception as problem:  # unknown module/class, not viable here, ...
        raise KeyringUnavailable(message=messages.store_named_unusable(
            name, BACKEND_ENV, type(problem).__name__)) from None


class _BackendMemory:
    """Which backend holds the secrets: a small JSON file, not a secret."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def read(self) -> str | None:
        try:
            data = read_json_file(self.path, MAX_SECRETS_FILE_BYTES)
        except UnreadableFile as problem:
            log.warning("Cannot read %s (%s); choosing the password store afresh",
                        self.path, problem.reason)
            return None
        if data is None:
            return None
        backend = data.get("backend") if isinstance(data, dict) else None
        if isinstance(backend, str) and _BACKEND_NAME.fullmatch(backend):
            return backend
        log.warning("%s does not name a password store; choosing one afresh", self.path)
        return None

    def write(self, backend: str) -> None:
        if self.read() == backend:
            return
        record = {"backend": backend, "chosen_at": format_utc(utc_now())}
        try:
            atomic_write_text(self.path, json.dumps(record, indent=1) + "\n")
        except OSError as problem:
            log.warning("Cannot remember the password store in %s (%s)",
                        self.path, problem.strerror)
        else:
            log.info("Remembered the password store %s", backend)

    def forget(self) -> None:
        with contextlib.suppress(FileNotFoundError):
            self.path.unlink()


def forget_secret_store() -> None:
    """Forget the remembered backend and remove any insecure file: for sign-out when the
    remembered store itself can no longer be reached."""
    _BackendMemory(backend_memory_file()).forget()
    InsecureFileBackend(insecure_file()).discard()


def open_secret_store(config: Config) -> SecretStore:
    """The store to use; KeyringUnavailable (with a sentence) when there is none."""
    memory = _BackendMemory(backend_memory_file())
    override = os.environ.get(BACKEND_ENV, "").strip()
    if override:
        return _env_store(override, memory)
    allow_insecure = bool(config.get("allow_insecure_keyring"))
    remembered = memory.read()
    if remembered == INSECURE_FILE_ID and not allow_insecure:
        log.warning("Policy no longer allows the insecure secrets file; it is removed")
        forget_secret_store()
        remembered = None
    if remembered == INSECURE_FILE_ID:
        return _insecure_store(memory)
    if remembered is not None:
        return _remembered_store(remembered, memory)
    ranked = ranked_backends()
    if ranked:
        best = _as_backend(ranked[0])
        return _keyring_store(best, memory, messages.store_description_best(
            best.label, best.qualified_name))
    if allow_insecure:
        return _insecure_store(memory)
    raise KeyringUnavailable()


def _env_store(name: str, memory: _BackendMemory) -> SecretStore:
    keyring_backend = _load_named(name)
    if type(keyring_backend).__module__ in _NOT_CONSIDERED_MODULES:
        raise KeyringUnavailable(messages.store_named_cannot_keep(BACKEND_ENV, name))
    backend = KeyringBackend(keyring_backend)
    # An explicit choice for this process: used, never remembered; sign-out still
    # clears whatever was remembered. Whoever sets the variable may pick a plain-text
    # store on purpose (test rigs do); it is then called what it is.
    if is_secure(keyring_backend):
        description = messages.store_description_named(
            backend.label, backend.qualified_name, BACKEND_ENV)
    else:
        log.warning("%s names %s, which keeps secrets in plain text", BACKEND_ENV, name)
        description = messages.store_description_named_insecure(
            backend.label, backend.qualified_name, BACKEND_ENV)
    return SecretStore(backend, description, forget=memory.forget)


def _remembered_store(name: str, memory: _BackendMemory) -> SecretStore:
    try:
        found = bounded_call(_DISCOVERY_WORKER, _viable, name)
    except KeyringNoAnswer as problem:
        raise backend_failure(friendly_name(name), problem) from None
    if found is None or _priority(found) <= 0:
        raise KeyringUnavailable(message=messages.store_remembered_unavailable(
            friendly_name(name), name))
    backend = _as_backend(found)
    return _keyring_store(backend, memory, messages.store_description_remembered(
        backend.label, backend.qualified_name))


NamedBackend = KeyringBackend | secret_service.SecretServiceBackend


def _as_backend(found: Any) -> NamedBackend:
    if isinstance(found, secret_service.SecretServiceBackend):
        return found
    return KeyringBackend(found)


def _keyring_store(backend: NamedBackend, memory: _BackendMemory,
                   description: str) -> SecretStore:
    return SecretStore(
        backend,
        description,
        remember=lambda: memory.write(backend.qualified_name),
        forget=memory.forget,
    )


def _insecure_store(memory: _BackendMemory) -> SecretStore:
    backend = InsecureFileBackend(insecure_file())

    def forget() -> None:
        backend.discard()
        memory.forget()

    return SecretStore(
        backend,
        messages.store_description_insecure_file(str(backend.path)),
        remember=lambda: memory.write(INSECURE_FILE_ID),
        forget=forget,
    )
