"""Config layers: defaults < settings file < env < flags, and policy on top, locking."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tray_app.core.config import load_config, save_user_setting
from tray_app.core.errors import ConfigError
from tray_app.core.policy import RawPolicy, load_policy
from tray_app.core.settings import SETTINGS
from tray_app.core.urls import normalise_intranet_url


def write(path: Path, data: object) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data) if not isinstance(data, str) else data)
    return path


def test_defaults_come_from_the_table(tmp_path: Path) -> None:
    config = load_config(settings_path=tmp_path / "none.json", environ={}, policy=RawPolicy())
    for setting in SETTINGS:
        assert config.get(setting.key) == setting.default
        assert config.source(setting.key) == "default"
        assert not config.is_locked(setting.key)


def test_layers_rise_in_order(tmp_path: Path) -> None:
    settings = write(tmp_path / "s.json", {"check_interval_minutes": 30, "log_level": "DEBUG",
                                           "intranet_url": "https://file.example"})
    environ = {"COMPANION_CHECK_INTERVAL_MINUTES": "45",
               "COMPANION_INTRANET_URL": "https://env.example"}
    config = load_config({"intranet_url": "https://flag.example"}, environ=environ,
                         settings_path=settings, policy=RawPolicy())
    assert config.get("log_level") == "DEBUG"
    assert config.source("log_level").startswith("settings file")
    assert config.get("check_interval_minutes") == 45
    assert config.source("check_interval_minutes") == "env COMPANION_CHECK_INTERVAL_MINUTES"
    assert config.get("intranet_url") == "https://flag.example"
    assert config.source("intranet_url") == "command line"


def test_policy_wins_and_locks(tmp_path: Path) -> None:
    policy = RawPolicy({"intranet_url": "https://policy.example", "start_at_login": False},
                       origin="test")
    config = load_config({"intranet_url": "https://flag.example"},
                         environ={"COMPANION_START_AT_LOGIN": "1"},
                         settings_path=tmp_path / "s.json", policy=policy)
    assert config.get("intranet_url") == "https://policy.example"
    assert config.is_locked("intranet_url") and config.is_locked("start_at_login")
    assert config.get("start_at_login") is False
    assert not config.is_locked("check_interval_minutes")
    with pytest.raises(ConfigError, match="managed by your organisation"):
        save_user_setting(config, "start_at_login", True)


def test_bad_values_and_unknown_keys_warn_and_are_ignored(tmp_path: Path) -> None:
    policy = RawPolicy({"check_interval_minutes": "often", "colour": "blue",
                        "auth_method": "carrier-pigeon", "max_start_delay_seconds": 99999},
                       origin="p.json")
    config = load_config(environ={"COMPANION_START_AT_LOGIN": "maybe"},
                         settings_path=write(tmp_path / "s.json", {"log_level": 3}),
                         policy=policy)
    assert config.get("check_interval_minutes") == 60
    assert config.get("auth_method") == "oauth"
    assert config.get("max_start_delay_seconds") == 120
    assert config.get("start_at_login") is True
    joined = "\n".join(config.warnings)
    for fragment in ("unknown setting 'colour'", "'check_interval_minutes' must be a whole",
                     "'auth_method' must be one of", "'max_start_delay_seconds' must be at most",
                     "'start_at_login' must be true or false", "'log_level' must be text"):
        assert fragment in joined


def test_corrupt_settings_file_is_ignored_not_fatal(tmp_path: Path) -> None:
    config = load_config(settings_path=write(tmp_path / "s.json", "{not json"), environ={},
                         policy=RawPolicy())
    assert config.get("check_interval_minutes") == 60
    assert "could not be read" in config.warnings[0]


def test_policy_file_from_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = write(tmp_path / "policy.json", {"intranet_url": "https://it.example"})
    monkeypatch.setenv("COMPANION_POLICY_FILE", str(path))
    config = load_config(environ={}, settings_path=tmp_path / "s.json")
    assert config.get("intranet_url") == "https://it.example"
    assert config.source("intranet_url") == "policy"
    assert config.policy_origin == str(path)


@pytest.mark.parametrize("content", ["{broken", "[1, 2]"])
def test_unreadable_policy_is_a_config_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, content: str
) -> None:
    monkeypatch.setenv("COMPANION_POLICY_FILE", str(write(tmp_path / "p.json", content)))
    with pytest.raises(ConfigError, match="IT policy file"):
        load_policy()


def test_missing_policy_file_means_no_policy(tmp_path: Path,
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COMPANION_POLICY_FILE", str(tmp_path / "absent.json"))
    assert load_policy().values == {}


def test_save_user_setting_keeps_other_keys_and_is_private(tmp_path: Path) -> None:
    path = write(tmp_path / "cfg" / "s.json", {"log_level": "DEBUG"})
    config = load_config(settings_path=path, environ={}, policy=RawPolicy())
    save_user_setting(config, "check_interval_minutes", "90")
    assert json.loads(path.read_text()) == {"log_level": "DEBUG", "check_interval_minutes": 90}
    assert path.stat().st_mode & 0o777 == 0o600
    assert config.get("check_interval_minutes") == 90


@pytest.mark.parametrize(("raw", "expected"), [
    ("https://Acme.Example/", "https://acme.example"),
    ("https://acme.example:443", "https://acme.example"),
    ("https://acme.example:8443", "https://acme.example:8443"),
    ("http://127.0.0.1:8765", "http://127.0.0.1:8765"),
    ("http://127.5.0.1", "http://127.5.0.1"),
    ("http://localhost:1", "http://localhost:1"),
    ("http://[::1]:9000/", "http://[::1]:9000"),
])
def test_allowed_intranet_urls(raw: str, expected: str) -> None:
    assert normalise_intranet_url(raw) == expected


@pytest.mark.parametrize(("raw", "why"), [
    ("", "No intranet address"),
    ("http://acme.example", "plain http"),
    ("http://10.0.0.1", "plain http"),
    ("ftp://acme.example", "not a valid"),
    ("https://user:pw@acme.example", "not a valid"),
    ("https://acme.example/intranet", "no path"),
    ("acme.example", "not a valid"),
])
def test_refused_intranet_urls(raw: str, why: str) -> None:
    with pytest.raises(ConfigError, match=why):
        normalise_intranet_url(raw)
