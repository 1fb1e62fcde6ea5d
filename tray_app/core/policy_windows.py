"""IT policy on Windows: values under SOFTWARE\\Policies\\IntranetCompanion.

HKEY_LOCAL_MACHINE is read first, then HKEY_CURRENT_USER; for each value name the
machine wins. Group Policy (the ADMX templates in installers/windows/policy) and the MSI's
public properties write there. Only REG_SZ (text) and REG_DWORD (a number, 0/1 for
on/off) are read; any other type is ignored with a warning. Validation against the
settings table happens in config.py, as for every platform.
"""

from __future__ import annotations

import importlib
from typing import Any

from tray_app.core import messages
from tray_app.core.errors import ConfigError
from tray_app.core.raw_policy import RawPolicy

POLICY_SUBKEY = r"SOFTWARE\Policies\IntranetCompanion"
HIVES = (("HKLM", "HKEY_LOCAL_MACHINE"), ("HKCU", "HKEY_CURRENT_USER"))
REGISTRY_TYPE_NAMES = (
    "REG_NONE", "REG_SZ", "REG_EXPAND_SZ", "REG_BINARY", "REG_DWORD",
    "REG_DWORD_BIG_ENDIAN", "REG_LINK", "REG_MULTI_SZ", "REG_RESOURCE_LIST",
    "REG_FULL_RESOURCE_DESCRIPTOR", "REG_RESOURCE_REQUIREMENTS_LIST", "REG_QWORD",
)


def policy_location(hive: str) -> str:
    return f"{hive}\\{POLICY_SUBKEY}"


def read_registry_policy(registry: Any = None) -> RawPolicy:
    """The policy from HKLM and HKCU. `registry` stands in for winreg in tests."""
    registry = registry if registry is not None else importlib.import_module("winreg")
    values: dict[str, Any] = {}
    keys_by_hive: dict[str, list[str]] = {}
    warnings: list[str] = []
    seen: set[str] = set()  # a name HKLM sets, even to a wrong type, is never taken from HKCU
    for hive, attribute in HIVES:
        present = _read_hive(registry, getattr(registry, attribute), hive, warnings)
        if present is None:
            continue
        keys_by_hive[hive] = [name for name in present if name not in seen]
        for name in keys_by_hive[hive]:
            seen.add(name)
            if present[name] is not None:
                values[name] = present[name]
    return RawPolicy(values, _origin(keys_by_hive), tuple(warnings))


def _read_hive(registry: Any, root: Any, hive: str,
               warnings: list[str]) -> dict[str, Any] | None:
    """Value name (lower case) -> value, None for a wrong type; None if the key is absent."""
    where = policy_location(hive)
    try:
        key = registry.OpenKey(root, POLICY_SUBKEY, 0, registry.KEY_READ)
    except FileNotFoundError:
        return None
    except OSError as problem:
        raise ConfigError(messages.policy_registry_unreadable(
            where, str(problem.strerror or problem))) from None
    try:
        value_count = registry.QueryInfoKey(key)[1]
        entries = [registry.EnumValue(key, index) for index in range(value_count)]
    finally:
        registry.CloseKey(key)
    return {name.lower(): _value(registry, where, name, data, kind, warnings)
            for name, data, kind in entries}


def _value(registry: Any, where: str, name: str, data: Any, kind: int,
           warnings: list[str]) -> Any:
    if kind in (registry.REG_SZ, registry.REG_DWORD):
        return data
    warnings.append(messages.policy_registry_value_ignored(where, name, _type_name(kind)))
    return None


def _type_name(kind: int) -> str:
    if 0 <= kind < len(REGISTRY_TYPE_NAMES):
        return REGISTRY_TYPE_NAMES[kind]
    return messages.registry_type(kind)


def _origin(keys_by_hive: dict[str, list[str]]) -> str:
    """Which key(s) the policy came from; with both hives, which setting came from where."""
    if not keys_by_hive:
        first, second = (policy_location(hive) for hive, _ in HIVES)
        return messages.policy_hives_not_present(first, second)
    if len(keys_by_hive) == 1:
        return policy_location(next(iter(keys_by_hive)))
    return "; ".join(
        messages.policy_hive_settings(policy_location(hive),
                                      ", ".join(names) or messages.policy_nothing_new())
        for hive, names in keys_by_hive.items()
    )
