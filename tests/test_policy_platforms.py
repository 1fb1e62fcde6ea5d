"""IT policy on each OS: the registry through a fake winreg, real plists, real JSON files.

Every reader returns raw values and where they came from; load_config validates them
against the settings table and locks the keys, the same for every OS.
"""

from __future__ import annotations

import json
import os
import plistlib
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from fake_winreg import FakeWinreg

from tray_app.core import policy, policy_macos
from tray_app.core.config import load_config, save_user_setting
from tray_app.core.errors import ConfigError
from tray_app.core.policy import RawPolicy, load_policy
from tray_app.core.policy_macos import read_managed_preferences
from tray_app.core.policy_windows import POLICY_SUBKEY, read_registry_policy

HKLM = r"HKLM\SOFTWARE\Policies\IntranetCompanion"
HKCU = r"HKCU\SOFTWARE\Policies\IntranetCompanion"
MACHINE = (FakeWinreg.HKEY_LOCAL_MACHINE, POLICY_SUBKEY)
USER = (FakeWinreg.HKEY_CURRENT_USER, POLICY_SUBKEY)


def config_from(raw: RawPolicy, tmp_path: Path, **kwargs: Any) -> Any:
    return load_config(environ=kwargs.pop("environ", {}), settings_path=tmp_path / "s.json",
                       policy=raw, **kwargs)


# --- Windows: the policy keys, in a fake registry -----------------------------------------


@pytest.fixture
def registry() -> FakeWinreg:
    return FakeWinreg()


def test_hklm_wins_per_key_and_hkcu_fills_the_rest(registry: FakeWinreg, tmp_path: Path) -> None:
    registry.set(MACHINE, "intranet_url", "https://machine.example", registry.REG_SZ)
    registry.set(MACHINE, "check_interval_minutes", 30, registry.REG_DWORD)
    registry.set(USER, "intranet_url", "https://user.example", registry.REG_SZ)
    registry.set(USER, "log_level", "DEBUG", registry.REG_SZ)
    raw = read_registry_policy(registry)
    assert raw.values == {"intranet_url": "https://machine.example",
                          "check_interval_minutes": 30, "log_level": "DEBUG"}
    assert raw.origin == f"{HKLM} (intranet_url, check_interval_minutes); {HKCU} (log_level)"
    assert all(key.closed for key in registry.handles)
    config = config_from(raw, tmp_path)
    assert config.get("check_interval_minutes") == 30  # a REG_DWORD arrives as an int
    for key in ("intranet_url", "check_interval_minutes", "log_level"):
        assert config.is_locked(key) and config.source(key) == "policy"
    assert not config.is_locked("auth_method")
    assert config.policy_origin == raw.origin


def test_one_hive_names_only_that_key(registry: FakeWinreg) -> None:
    registry.set(USER, "auth_method", "token", registry.REG_SZ)
    assert read_registry_policy(registry).origin == HKCU


def test_no_policy_key_is_no_policy(registry: FakeWinreg) -> None:
    raw = read_registry_policy(registry)
    assert raw.values == {}
    assert raw.warnings == ()
    assert raw.origin == f"{HKLM} and {HKCU} (not present)"


def test_dword_switches_and_value_names_in_any_case(registry: FakeWinreg,
                                                    tmp_path: Path) -> None:
    registry.set(MACHINE, "Start_At_Login", 0, registry.REG_DWORD)
    registry.set(MACHINE, "AUTH_METHOD", "microsoft", registry.REG_SZ)
    config = config_from(read_registry_policy(registry), tmp_path)
    assert config.get("start_at_login") is False
    assert config.get("auth_method") == "microsoft"
    with pytest.raises(ConfigError, match="managed by your organisation"):
        save_user_setting(config, "start_at_login", True)


def test_wrong_registry_types_warn_and_still_mask_hkcu(registry: FakeWinreg,
                                                       tmp_path: Path) -> None:
    registry.set(MACHINE, "check_interval_minutes", b"\x1e\x00", registry.REG_BINARY)
    registry.set(MACHINE, "log_level", ["DEBUG"], registry.REG_MULTI_SZ)
    registry.set(USER, "check_interval_minutes", 15, registry.REG_DWORD)
    raw = read_registry_policy(registry)
    assert raw.values == {}
    assert raw.warnings == (
        f"policy {HKLM}: 'check_interval_minutes' is a REG_BINARY value; only REG_SZ (text) "
        "and REG_DWORD (number) are read; ignored",
        f"policy {HKLM}: 'log_level' is a REG_MULTI_SZ value; only REG_SZ (text) "
        "and REG_DWORD (number) are read; ignored",
    )
    config = config_from(raw, tmp_path)
    assert config.get("check_interval_minutes") == 60  # the machine's broken value is not
    assert not config.is_locked("check_interval_minutes")  # replaced by the user's 15
    assert raw.warnings[0] in config.warnings


def test_bad_values_and_unknown_names_are_ignored_with_a_warning(
        registry: FakeWinreg, tmp_path: Path) -> None:
    registry.set(MACHINE, "check_interval_minutes", 1, registry.REG_DWORD)
    registry.set(MACHINE, "auth_method", "carrier-pigeon", registry.REG_SZ)
    registry.set(MACHINE, "colour", "blue", registry.REG_SZ)
    registry.set(MACHINE, "intranet_url", "https://ok.example", registry.REG_SZ)
    config = config_from(read_registry_policy(registry), tmp_path)
    assert config.get("check_interval_minutes") == 60
    assert config.get("auth_method") == "oauth"
    assert config.get("intranet_url") == "https://ok.example"
    joined = "\n".join(config.warnings)
    assert f"policy {HKLM}: 'check_interval_minutes' must be at least 5" in joined
    assert "'auth_method' must be one of" in joined
    assert "unknown setting 'colour' ignored" in joined


def test_unreadable_policy_key_is_a_config_error(registry: FakeWinreg) -> None:
    registry.failure = PermissionError(5, "Access is denied")
    with pytest.raises(ConfigError, match=r"HKLM\\SOFTWARE\\Policies.*Access is denied"):
        read_registry_policy(registry)


def test_windows_reader_is_behind_the_seam(registry: FakeWinreg,
                                          monkeypatch: pytest.MonkeyPatch) -> None:
    """On win32 load_policy imports winreg lazily and reads the registry."""
    registry.set(MACHINE, "intranet_url", "https://it.example", registry.REG_SZ)
    monkeypatch.delenv("COMPANION_POLICY_FILE")
    monkeypatch.setitem(sys.modules, "winreg", registry)
    monkeypatch.setattr(sys, "platform", "win32")
    raw = load_policy()
    assert raw.values == {"intranet_url": "https://it.example"}
    assert raw.origin == HKLM


DIAGNOSE_WITH_FAKE_REGISTRY = """
import sys
from fake_winreg import FakeWinreg
from tray_app.core import policy
from tray_app.core.policy_windows import POLICY_SUBKEY, read_registry_policy
from tray_app.cli import main
registry = FakeWinreg()
MACHINE = (registry.HKEY_LOCAL_MACHINE, POLICY_SUBKEY)
USER = (registry.HKEY_CURRENT_USER, POLICY_SUBKEY)
registry.set(MACHINE, "intranet_url", "https://127.0.0.1:9", registry.REG_SZ)
registry.set(USER, "log_level", "WARNING", registry.REG_SZ)
policy.POLICY_READERS["linux"] = lambda: read_registry_policy(registry)
sys.exit(main(["diagnose"]))
"""


def test_diagnose_names_the_registry_key(tmp_path: Path) -> None:
    """In its own process: diagnose also sets up the keyring, which must not leak."""
    env = {key: value for key, value in os.environ.items() if not key.startswith("COMPANION_")}
    env["PYTHONPATH"] = str(Path(__file__).parent)
    done = subprocess.run([sys.executable, "-c", DIAGNOSE_WITH_FAKE_REGISTRY], env=env,
                          cwd=tmp_path, capture_output=True, text=True, timeout=60, check=False)
    assert done.returncode == 3, done.stderr  # nothing listens at 127.0.0.1:9 (cli.md)
    assert "intranet_url = 'https://127.0.0.1:9'  [policy, locked by policy]" in done.stdout
    assert f"Policy: {HKLM} (intranet_url); {HKCU} (log_level)" in done.stdout


# --- macOS: real plist files ---------------------------------------------------------------


def write_plist(path: Path, content: Any, *, binary: bool = False) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(plistlib.dumps(content, fmt=plistlib.FMT_BINARY if binary
                                    else plistlib.FMT_XML))
    return path


@pytest.fixture
def managed(tmp_path: Path) -> Path:
    return tmp_path / "Managed Preferences"


def computer_plist(managed: Path) -> Path:
    return managed / "com.intranetcompanion.app.plist"


def user_plist(managed: Path, user: str = "jane") -> Path:
    return managed / user / "com.intranetcompanion.app.plist"


def test_user_profile_wins_over_the_computer_per_key(managed: Path, tmp_path: Path) -> None:
    write_plist(computer_plist(managed), {"intranet_url": "https://computer.example",
                                          "check_interval_minutes": 120,
                                          "start_at_login": True})
    write_plist(user_plist(managed), {"intranet_url": "https://user.example",
                                      "start_at_login": False}, binary=True)
    raw = read_managed_preferences(managed, "jane")
    assert raw.values == {"intranet_url": "https://user.example", "start_at_login": False,
                          "check_interval_minutes": 120}
    assert raw.origin == f"{user_plist(managed)} over {computer_plist(managed)}"
    config = config_from(raw, tmp_path)
    assert config.get("start_at_login") is False
    assert config.get("check_interval_minutes") == 120
    assert all(config.is_locked(key) for key in raw.values)


def test_another_users_profile_does_not_apply(managed: Path) -> None:
    write_plist(user_plist(managed, "bob"), {"intranet_url": "https://bob.example"})
    raw = read_managed_preferences(managed, "jane")
    assert raw.values == {}
    assert raw.origin == f"{computer_plist(managed)} (not present)"


def test_plist_types_other_than_string_integer_boolean_warn(managed: Path,
                                                            tmp_path: Path) -> None:
    write_plist(computer_plist(managed), {"check_interval_minutes": 30.5,
                                          "log_level": ["DEBUG"], "auth_method": "google",
                                          "unknown_key": "x", "max_start_delay_seconds": -1})
    raw = read_managed_preferences(managed, "jane")
    assert raw.values == {"auth_method": "google", "unknown_key": "x",
                          "max_start_delay_seconds": -1}
    assert [warning.split(": ", 1)[1] for warning in raw.warnings] == [
        "'check_interval_minutes' is a float value; only strings, integers and booleans "
        "are read; ignored",
        "'log_level' is a list value; only strings, integers and booleans are read; ignored",
    ]
    config = config_from(raw, tmp_path)
    assert config.get("auth_method") == "google" and config.is_locked("auth_method")
    assert config.get("max_start_delay_seconds") == 120
    joined = "\n".join(config.warnings)
    assert "unknown setting 'unknown_key' ignored" in joined
    assert "'max_start_delay_seconds' must be at least 0" in joined


@pytest.mark.parametrize("content", [b"<plist><dict><key>x</key>", b"\x00garbage",
                                     plistlib.dumps(["a", "list"])])
def test_broken_managed_preferences_are_a_config_error(managed: Path, content: bytes) -> None:
    computer_plist(managed).parent.mkdir(parents=True)
    computer_plist(managed).write_bytes(content)
    with pytest.raises(ConfigError, match="IT policy"):
        read_managed_preferences(managed, "jane")


def test_macos_reader_is_behind_the_seam(managed: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    write_plist(computer_plist(managed), {"intranet_url": "https://mac.example"})
    monkeypatch.delenv("COMPANION_POLICY_FILE")
    monkeypatch.setattr(policy_macos, "MANAGED_PREFERENCES_DIR", managed)
    monkeypatch.setattr(sys, "platform", "darwin")
    raw = load_policy()
    assert raw.values == {"intranet_url": "https://mac.example"}
    assert raw.origin == str(computer_plist(managed))


# --- Linux: /etc/intranet-companion/policy.json ------------------------------------------------


def test_linux_policy_file_locks_its_keys(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "etc" / "policy.json"
    path.parent.mkdir()
    path.write_text(json.dumps({"intranet_url": "https://linux.example",
                                "check_interval_minutes": "45", "start_at_login": "no",
                                "read_timeout_seconds": 0, "favourite": 1}))
    monkeypatch.delenv("COMPANION_POLICY_FILE")
    monkeypatch.setattr(policy, "LINUX_POLICY_FILE", path)
    monkeypatch.setattr(sys, "platform", "linux")
    config = load_config({"intranet_url": "https://flag.example"},
                         environ={"COMPANION_CHECK_INTERVAL_MINUTES": "90"},
                         settings_path=tmp_path / "s.json")
    assert config.get("intranet_url") == "https://linux.example"
    assert config.get("check_interval_minutes") == 45
    assert config.get("start_at_login") is False
    assert config.get("read_timeout_seconds") == 20
    assert {key for key, value in config.resolved.items() if value.locked} == {
        "intranet_url", "check_interval_minutes", "start_at_login"}
    assert config.policy_origin == str(path)
    joined = "\n".join(config.warnings)
    assert "'read_timeout_seconds' must be at least 1" in joined
    assert "unknown setting 'favourite' ignored" in joined


def test_missing_linux_policy_file_is_no_policy(tmp_path: Path,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("COMPANION_POLICY_FILE")
    monkeypatch.setattr(policy, "LINUX_POLICY_FILE", tmp_path / "absent.json")
    monkeypatch.setattr(sys, "platform", "linux")
    raw = load_policy()
    assert raw.values == {}
    assert raw.origin.endswith("(not present)")
