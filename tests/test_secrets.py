"""The secret store: ranking and remembering the keyring backend, chunking, sign-out,
and the refusal to store anything without a secure backend (unless policy allows)."""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import ClassVar

import keyring.backend
import pytest
from keyring.compat import properties
from keyring.errors import KeyringLocked, PasswordDeleteError

from tray_app.core import secrets
from tray_app.core.config import Config, load_config
from tray_app.core.policy import RawPolicy
from tray_app.core.secrets import (
    CHUNK_UTF16_UNITS,
    SERVICE,
    backend_memory_file,
    forget_secret_store,
    insecure_file,
    open_secret_store,
    split_for_backend,
)
from tray_app.core.tokens import KeyringUnavailable
from tray_app.demo.server import DemoIntranet

REPO = Path(__file__).resolve().parents[1]


class _MemoryKeyring(keyring.backend.KeyringBackend):
    """A test backend, usable only while its `usable_priority` is set."""

    usable_priority: float | None = None
    entries: ClassVar[dict[tuple[str, str], str]] = {}
    locked = False

    @properties.classproperty
    def priority(cls) -> float:
        if cls.usable_priority is None:
            raise RuntimeError("only usable inside test_secrets")
        return cls.usable_priority

    def get_password(self, service: str, username: str) -> str | None:
        if type(self).locked:
            raise KeyringLocked("locked")
        return type(self).entries.get((service, username))

    def set_password(self, service: str, username: str, password: str) -> None:
        type(self).entries[(service, username)] = password

    def delete_password(self, service: str, username: str) -> None:
        if type(self).entries.pop((service, username), None) is None:
            raise PasswordDeleteError("absent")


class BestKeyring(_MemoryKeyring):
    entries: ClassVar[dict[tuple[str, str], str]] = {}


class GoodKeyring(_MemoryKeyring):
    entries: ClassVar[dict[tuple[str, str], str]] = {}


class PlaintextKeyring(_MemoryKeyring):
    """Outranks the others but keeps plain text: never chosen."""

    entries: ClassVar[dict[tuple[str, str], str]] = {}


TEST_BACKENDS = (BestKeyring, GoodKeyring, PlaintextKeyring)


def offer(**priorities: float | None) -> None:
    """Make the named test backends usable (a priority) or gone (None)."""
    for backend in TEST_BACKENDS:
        if backend.__name__ in priorities:
            backend.usable_priority = priorities[backend.__name__]


def dotted(backend: type) -> str:
    return f"{backend.__module__}.{backend.__name__}"


@pytest.fixture(autouse=True)
def test_backends(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.delenv("PYTHON_KEYRING_BACKEND", raising=False)
    # Only the test backends (and keyring's stand-in) are known, whatever this machine has.
    monkeypatch.setattr(secrets, "known_backend_names", lambda: (
        "keyring.backends.fail.Keyring", *(dotted(backend) for backend in TEST_BACKENDS)))
    for backend in TEST_BACKENDS:
        backend.usable_priority = None
        backend.entries.clear()
        backend.locked = False
    yield
    for backend in TEST_BACKENDS:
        backend.usable_priority = None


def config(**policy: object) -> Config:
    return load_config({}, policy=RawPolicy(values=dict(policy), origin="test"))


def files_under(home: Path) -> list[Path]:
    return [path for path in home.rglob("*") if path.is_file()] if home.exists() else []


def test_the_best_secure_backend_is_chosen_and_remembered_at_the_first_secret() -> None:
    offer(BestKeyring=5, GoodKeyring=3, PlaintextKeyring=9)
    store = open_secret_store(config())
    assert "BestKeyring" in store.describe()
    assert not backend_memory_file().exists()  # nothing stored yet, nothing remembered

    store.set("oauth:https://i.example", "value")

    assert BestKeyring.entries[(SERVICE, "oauth:https://i.example")] == "value"
    assert not PlaintextKeyring.entries and not GoodKeyring.entries
    remembered = json.loads(backend_memory_file().read_text())
    assert remembered["backend"] == f"{BestKeyring.__module__}.BestKeyring"
    assert stat.S_IMODE(backend_memory_file().stat().st_mode) == 0o600
    assert "value" not in backend_memory_file().read_text()


def test_a_remembered_backend_that_is_gone_is_named_not_silently_replaced() -> None:
    offer(BestKeyring=5, GoodKeyring=3)
    open_secret_store(config()).set("token:https://i.example", "secret-value-1")
    offer(BestKeyring=None)

    with pytest.raises(KeyringUnavailable) as refused:
        open_secret_store(config())

    assert "BestKeyring" in refused.value.message
    assert "not available" in refused.value.message
    assert not GoodKeyring.entries
    forget_secret_store()  # what sign-out does when the old store cannot be reached
    assert "GoodKeyring" in open_secret_store(config()).describe()


def test_a_remembered_backend_stays_even_when_a_better_one_appears() -> None:
    offer(GoodKeyring=3)
    open_secret_store(config()).set("token:https://i.example", "kept-here")
    offer(BestKeyring=5)

    store = open_secret_store(config())

    assert "GoodKeyring" in store.describe() and "remembered" in store.describe()
    assert store.get("token:https://i.example") == "kept-here"


def test_python_keyring_backend_wins_and_is_not_remembered(
        monkeypatch: pytest.MonkeyPatch) -> None:
    offer(BestKeyring=5, GoodKeyring=3)
    monkeypatch.setenv("PYTHON_KEYRING_BACKEND", f"{GoodKeyring.__module__}.GoodKeyring")

    store = open_secret_store(config())
    store.set("a", "b")

    assert "PYTHON_KEYRING_BACKEND" in store.describe()
    assert GoodKeyring.entries[(SERVICE, "a")] == "b" and not BestKeyring.entries
    assert not backend_memory_file().exists()


def test_python_keyring_backend_naming_a_store_that_cannot_keep_secrets_is_refused(
        monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("keyring.backends.fail.Keyring", "keyring.backends.null.Keyring"):
        monkeypatch.setenv("PYTHON_KEYRING_BACKEND", name)
        with pytest.raises(KeyringUnavailable, match="No secure password store"):
            open_secret_store(config())
    monkeypatch.setenv("PYTHON_KEYRING_BACKEND", "no.such.Backend")
    with pytest.raises(KeyringUnavailable, match="cannot be used here"):
        open_secret_store(config())


def test_python_keyring_backend_may_name_a_plain_text_store_which_is_called_so(
        monkeypatch: pytest.MonkeyPatch) -> None:
    offer(PlaintextKeyring=1)
    monkeypatch.setenv("PYTHON_KEYRING_BACKEND", f"{PlaintextKeyring.__module__}.PlaintextKeyring")
    assert "NOT SECURE" in open_secret_store(config()).describe()


def test_a_long_value_is_chunked_and_comes_back_whole() -> None:
    offer(GoodKeyring=3)
    store = open_secret_store(config())
    value = ("0123456789abcdef" * 380) + "🔑" * 40  # 6 KB and some astral characters

    store.set("microsoft:cache", value)

    raw = {name: v for (service, name), v in GoodKeyring.entries.items() if service == SERVICE}
    chunks = sorted(name for name in raw if name.startswith("microsoft:cache#"))
    assert len(chunks) == 6
    assert all(len(raw[name].encode("utf-16-le")) // 2 <= CHUNK_UTF16_UNITS for name in chunks)
    assert len(raw["microsoft:cache"]) < 100  # the header only
    assert store.get("microsoft:cache") == value

    store.set("microsoft:cache", "short now")
    assert store.get("microsoft:cache") == "short now"
    assert not [n for (_, n) in GoodKeyring.entries if n.startswith("microsoft:cache#")]


def test_a_damaged_chunked_value_reads_as_absent() -> None:
    offer(GoodKeyring=3)
    store = open_secret_store(config())
    store.set("big", "x" * 5000)
    GoodKeyring.entries[(SERVICE, "big#1")] = "tampered"

    assert store.get("big") is None


def test_split_for_backend_counts_utf16_units() -> None:
    assert split_for_backend("") == [""]
    assert split_for_backend("abc", budget=2) == ["ab", "c"]
    assert split_for_backend("a🔑b", budget=2) == ["a", "🔑", "b"]


def test_delete_and_delete_all_remove_every_entry_and_the_memory() -> None:
    offer(GoodKeyring=3)
    store = open_secret_store(config())
    store.set("oauth:https://a.example", "one")
    store.set("microsoft:cache", "y" * 4000)
    store.set("token:https://b.example", "three")
    store.delete("token:https://b.example")
    store.delete("never-stored")

    assert store.delete_all() == 2

    assert not GoodKeyring.entries
    assert not backend_memory_file().exists()
    assert store.get("oauth:https://a.example") is None


def test_no_secure_backend_raises_and_writes_nothing(isolated_home: Path) -> None:
    offer(PlaintextKeyring=9)
    with pytest.raises(KeyringUnavailable) as refused:
        open_secret_store(config())
    assert "No secure password store" in refused.value.message
    assert files_under(isolated_home) == []
    assert not PlaintextKeyring.entries


def test_a_locked_keyring_is_one_sentence() -> None:
    offer(GoodKeyring=3)
    store = open_secret_store(config())
    GoodKeyring.locked = True
    with pytest.raises(KeyringUnavailable, match="is locked"):
        store.get("anything")


def test_policy_may_allow_an_insecure_file_which_is_0600_and_says_so() -> None:
    allowed = config(allow_insecure_keyring=True)
    store = open_secret_store(allowed)
    assert "INSECURE" in store.describe()

    store.set("token:https://i.example", "kept-in-a-file")

    path = insecure_file()
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert open_secret_store(allowed).get("token:https://i.example") == "kept-in-a-file"
    # When policy withdraws the permission, the plain-text secrets go.
    with pytest.raises(KeyringUnavailable):
        open_secret_store(config())
    assert not path.exists()


def test_check_with_companion_token_never_imports_keyring() -> None:
    program = ("import sys; from tray_app.cli import main; code = main(['check', '--json']); "
               "print('KEYRING' if 'keyring' in sys.modules else 'NO KEYRING', file=sys.stderr);"
               " sys.exit(code)")
    with DemoIntranet() as demo:
        env = {**os.environ, "COMPANION_TOKEN": demo.token, "COMPANION_INTRANET_URL": demo.url}
        done = subprocess.run([sys.executable, "-c", program], cwd=REPO, env=env,
                              capture_output=True, text=True, timeout=60, check=False)
    assert done.returncode == 1, done.stderr
    assert "NO KEYRING" in done.stderr
