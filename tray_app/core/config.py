"""Settings in layers: defaults < user settings file < COMPANION_* env < flags; policy on top.

Policy locks the keys it sets. Every layer is validated against the one table in
settings.py; a wrong value is skipped with a warning, never a crash.
"""

from __future__ import annotations

import json
import logging
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tray_app.core import messages, paths
from tray_app.core.errors import ConfigError
from tray_app.core.fileio import UnreadableFile, atomic_write_text, read_json_file
from tray_app.core.policy import RawPolicy, load_policy
from tray_app.core.settings import BY_KEY, SETTINGS, SettingValue
from tray_app.core.text import describe_value
from tray_app.core.urls import normalise_intranet_url

log = logging.getLogger(__name__)

MAX_SETTINGS_BYTES = 1024 * 1024


@dataclass(frozen=True)
class Resolved:
    value: SettingValue
    source: str  # "default", "settings file", "env COMPANION_X", "command line", "policy"
    locked: bool = False


@dataclass
class Config:
    resolved: dict[str, Resolved]
    warnings: list[str] = field(default_factory=list)
    settings_path: Path | None = None
    policy_origin: str = ""
    problem: ConfigError | None = None  # set when policy was unreadable (see load_or_problem)

    def get(self, key: str) -> Any:
        return self.resolved[key].value

    def source(self, key: str) -> str:
        return self.resolved[key].source

    def is_locked(self, key: str) -> bool:
        return self.resolved[key].locked

    def intranet_url(self) -> str:
        """The intranet origin, or ConfigError saying what is wrong with it."""
        return normalise_intranet_url(str(self.get("intranet_url")))


def _validated(layer: Mapping[str, Any], where: str, warnings: list[str]) -> dict[str, Any]:
    accepted: dict[str, Any] = {}
    for key, raw in layer.items():
        setting = BY_KEY.get(key)
        if setting is None:
            warnings.append(messages.setting_unknown(where, describe_value(key)))
            continue
        try:
            accepted[key] = setting.coerce(raw)
        except ValueError as reason:
            warnings.append(messages.setting_ignored(where, key, str(reason)))
    return accepted


def read_user_settings(path: Path, warnings: list[str]) -> dict[str, Any]:
    try:
        data = read_json_file(path, MAX_SETTINGS_BYTES)
    except UnreadableFile as problem:
        warnings.append(messages.settings_file_unreadable(str(path), problem.reason))
        return {}
    if data is None:
        return {}
    if not isinstance(data, dict):
        warnings.append(messages.settings_file_not_an_object(str(path)))
        return {}
    return data


def _env_layer(environ: Mapping[str, str]) -> dict[str, str]:
    return {s.key: environ[s.env_var] for s in SETTINGS if s.env_var in environ}


def load_config(
    flags: Mapping[str, Any] | None = None,
    *,
    environ: Mapping[str, str] | None = None,
    settings_path: Path | None = None,
    policy: RawPolicy | None = None,
) -> Config:
    """Resolve every setting. Raises ConfigError only when the policy is unreadable."""
    environ = os.environ if environ is None else environ
    settings_path = settings_path or paths.settings_file()
    policy = load_policy() if policy is None else policy
    warnings: list[str] = list(policy.warnings)
    # Each layer's name is what `source` says (data, compared by code and tests; diagnose
    # puts it in words), and where its warnings say they come from.
    layers: list[tuple[str, dict[str, Any]]] = [
        (f"settings file {settings_path}",
         _validated(read_user_settings(settings_path, warnings),
                    messages.where_settings_file(), warnings)),
        ("env", _validated(_env_layer(environ), messages.where_environment(), warnings)),
        ("command line", _validated(
            {k: v for k, v in (flags or {}).items() if v is not None},
            messages.where_command_line(), warnings)),
        ("policy", _validated(policy.values, messages.where_policy(policy.origin), warnings)),
    ]
    resolved = {s.key: Resolved(s.default, "default") for s in SETTINGS}
    for name, values in layers:
        for key, value in values.items():
            source = f"env {BY_KEY[key].env_var}" if name == "env" else name
            resolved[key] = Resolved(value, source, locked=name == "policy")
    for warning in warnings:
        log.warning("%s", warning)
    return Config(resolved, warnings, settings_path, policy.origin)


def load_or_problem(flags: Mapping[str, Any] | None = None) -> Config:
    """For the tray: never raises. An unreadable policy leaves defaults and a `problem`
    that every check then reports, so the user sees the sentence instead of a crash."""
    try:
        return load_config(flags)
    except ConfigError as problem:
        config = load_config(flags, policy=RawPolicy(origin=messages.policy_unreadable()))
        config.problem = problem
        return config


def user_value(key: str, value: Any) -> SettingValue:
    """`value` as the settings file keeps `key`: by the table's rule, and the intranet
    address through the one normaliser every check uses (so the settings dialog never
    saves an address the next check refuses). ConfigError says why not."""
    try:
        coerced = BY_KEY[key].coerce(value)
    except ValueError as reason:
        raise ConfigError(messages.setting_invalid(key, str(reason))) from None
    if key == "intranet_url":
        return normalise_intranet_url(str(coerced))
    return coerced


def save_user_setting(config: Config, key: str, value: Any) -> None:
    """Write one key to the user settings file, keeping the others. Refuses locked keys."""
    if config.is_locked(key):
        raise ConfigError(messages.setting_managed(key))
    coerced = user_value(key, value)
    path = config.settings_path or paths.settings_file()
    current = read_user_settings(path, [])
    current[key] = coerced
    try:
        atomic_write_text(path, json.dumps(current, indent=2, sort_keys=True) + "\n")
    except OSError as problem:
        raise ConfigError(messages.settings_not_saved(
            str(path), problem.strerror or type(problem).__name__)) from None
    source = config.source(key)
    if source == "default" or source.startswith("settings file"):
        config.resolved[key] = Resolved(coerced, f"settings file {path}")
