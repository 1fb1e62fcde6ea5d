"""macOS files: the system LaunchAgent, an example configuration profile, a Jamf schema.

The profile and the schema describe the managed-preferences domain
com.intranetcompanion.app that policy_macos.py reads; the LaunchAgent uses the label and
place that tray_app/core/autostart.py's MacAutostart expects for IT's agent.
"""

from __future__ import annotations

import json
import plistlib
import uuid
from typing import Any

from installers.policy_keys import (
    POLICY_DOMAIN,
    allowed_values,
    default_text,
    example_policy,
    policy_settings,
    title,
    value_kind,
)
from tray_app import APP_NAME
from tray_app.core.settings import Setting

APP_BUNDLE_PATH = f"/Applications/{APP_NAME}.app"
APP_EXECUTABLE = f"{APP_BUNDLE_PATH}/Contents/MacOS/intranet-companion"
# Fixed UUIDs (derived from names), so the example profile is the same on every build.
_UUID_BASE = uuid.uuid5(uuid.NAMESPACE_DNS, "intranetcompanion.app")
JSON_SCHEMA_TYPES = {"switch": "boolean", "number": "integer", "choice": "string", "text": "string"}


def launch_agent() -> dict[str, Any]:
    """/Library/LaunchAgents/com.intranetcompanion.app.plist: start for every Aqua login."""
    return {
        "Label": POLICY_DOMAIN,
        "ProgramArguments": [APP_EXECUTABLE, "--autostart"],
        "RunAtLoad": True,
        "LimitLoadToSessionType": "Aqua",
        "ProcessType": "Interactive",
    }


def render_launch_agent() -> bytes:
    return plistlib.dumps(launch_agent(), sort_keys=False)


def example_profile() -> dict[str, Any]:
    """A configuration profile that sets the example policy for the whole computer."""
    settings_payload = {
        "PayloadType": POLICY_DOMAIN,
        "PayloadVersion": 1,
        "PayloadIdentifier": f"{POLICY_DOMAIN}.policy.settings",
        "PayloadUUID": _fixed_uuid("settings payload"),
        "PayloadDisplayName": f"{APP_NAME} settings",
        **example_policy(),
    }
    return {
        "PayloadType": "Configuration",
        "PayloadVersion": 1,
        "PayloadIdentifier": f"{POLICY_DOMAIN}.policy",
        "PayloadUUID": _fixed_uuid("profile"),
        "PayloadDisplayName": f"{APP_NAME} policy (example)",
        "PayloadDescription": (
            f"Sets the {APP_NAME} policy for every user of this Mac. Change the values, "
            "remove the keys you do not want to lock, and give the profile your own "
            "PayloadUUIDs before you deploy it."
        ),
        "PayloadOrganization": "Example Corp",
        "PayloadScope": "System",
        "PayloadContent": [settings_payload],
    }


def render_example_profile() -> bytes:
    return plistlib.dumps(example_profile(), sort_keys=False)


def _fixed_uuid(name: str) -> str:
    return str(uuid.uuid5(_UUID_BASE, name)).upper()


def jamf_schema() -> dict[str, Any]:
    """Jamf Pro "Application & Custom Settings" schema for the domain (a JSON Schema)."""
    return {
        "title": f"{APP_NAME} ({POLICY_DOMAIN})",
        "description": (
            f"Policy for {APP_NAME}. Every key you set is locked for the user; "
            "keys you leave out keep the user's own choice or the default."
        ),
        "type": "object",
        "properties": {
            setting.key: _schema_property(setting, order)
            for order, setting in enumerate(policy_settings(), start=1)
        },
        "additionalProperties": False,
    }


def _schema_property(setting: Setting, order: int) -> dict[str, Any]:
    kind = value_kind(setting)
    described = (f"{setting.description} Allowed: {allowed_values(setting)}. "
                 f"Default: {default_text(setting)}.")
    schema: dict[str, Any] = {
        "title": title(setting),
        "description": described,
        "property_order": order,
        "type": JSON_SCHEMA_TYPES[kind],
    }
    if setting.default != "":
        schema["default"] = setting.default
    if setting.choices:
        schema["enum"] = list(setting.choices)
    if kind == "number":
        if setting.minimum is not None:
            schema["minimum"] = setting.minimum
        if setting.maximum is not None:
            schema["maximum"] = setting.maximum
    return schema


def render_jamf_schema() -> str:
    return json.dumps(jamf_schema(), indent=2, ensure_ascii=False) + "\n"
