"""Group Policy templates (ADMX and its en-US ADML) for every key of the settings table.

Each key is one policy under Computer and User Configuration > Administrative Templates >
Intranet Companion, writing the value of the same name under
HKLM or HKCU\\SOFTWARE\\Policies\\IntranetCompanion, which policy_windows.py reads:
text and choices as REG_SZ, numbers as REG_DWORD, on/off as REG_DWORD 1/0.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET

from installers.policy_keys import (
    REGISTRY_KEY,
    allowed_values,
    default_text,
    policy_settings,
    registry_type,
    title,
    value_kind,
)
from tray_app import APP_NAME
from tray_app.core.settings import Setting

POLICY_NS = "http://schemas.microsoft.com/GroupPolicy/2006/07/PolicyDefinitions"
CATEGORY = "IntranetCompanion"
SUPPORTED = "SUPPORTED_IntranetCompanion_0_1"
TARGET_NAMESPACE = "IntranetCompanion.Policies.IntranetCompanion"


def _root(tag: str) -> ET.Element:
    return ET.Element(tag, {
        "xmlns:xsd": "http://www.w3.org/2001/XMLSchema",
        "xmlns:xsi": "http://www.w3.org/2001/XMLSchema-instance",
        "revision": "1.0",
        "schemaVersion": "1.0",
        "xmlns": POLICY_NS,
    })


def _serialise(root: ET.Element) -> str:
    ET.indent(root, space="  ")
    return '<?xml version="1.0" encoding="utf-8"?>\n' + ET.tostring(root, "unicode") + "\n"


# --- ADMX ----------------------------------------------------------------------------


def render_admx() -> str:
    root = _root("policyDefinitions")
    namespaces = ET.SubElement(root, "policyNamespaces")
    ET.SubElement(namespaces, "target", prefix="intranetcompanion", namespace=TARGET_NAMESPACE)
    ET.SubElement(root, "resources", minRequiredRevision="1.0")
    definitions = ET.SubElement(ET.SubElement(root, "supportedOn"), "definitions")
    ET.SubElement(definitions, "definition", name=SUPPORTED,
                  displayName=f"$(string.{SUPPORTED})")
    categories = ET.SubElement(root, "categories")
    ET.SubElement(categories, "category", name=CATEGORY, displayName=f"$(string.{CATEGORY})")
    policies = ET.SubElement(root, "policies")
    for setting in policy_settings():
        policies.append(_policy(setting))
    return _serialise(root)


def _policy(setting: Setting) -> ET.Element:
    key = setting.key
    attributes = {
        "name": key,
        "class": "Both",
        "displayName": f"$(string.{key})",
        "explainText": f"$(string.{key}_Explain)",
        "key": REGISTRY_KEY,
    }
    if value_kind(setting) == "switch":
        attributes["valueName"] = key
    else:
        attributes["presentation"] = f"$(presentation.{key})"
    policy = ET.Element("policy", attributes)
    ET.SubElement(policy, "parentCategory", ref=CATEGORY)
    ET.SubElement(policy, "supportedOn", ref=SUPPORTED)
    if value_kind(setting) == "switch":
        _add_switch_values(policy)
    else:
        ET.SubElement(policy, "elements").append(_element(setting))
    return policy


def _add_switch_values(policy: ET.Element) -> None:
    ET.SubElement(ET.SubElement(policy, "enabledValue"), "decimal", value="1")
    ET.SubElement(ET.SubElement(policy, "disabledValue"), "decimal", value="0")


def _element(setting: Setting) -> ET.Element:
    key = setting.key
    kind = value_kind(setting)
    if kind == "number":
        attributes = {"id": key, "valueName": key, "required": "true"}
        if setting.minimum is not None:
            attributes["minValue"] = str(setting.minimum)
        if setting.maximum is not None:
            attributes["maxValue"] = str(setting.maximum)
        return ET.Element("decimal", attributes)
    if kind == "choice":
        choices = ET.Element("enum", id=key, valueName=key, required="true")
        for choice in setting.choices or ():
            item = ET.SubElement(choices, "item", displayName=f"$(string.{key}_{_id(choice)})")
            ET.SubElement(ET.SubElement(item, "value"), "string").text = choice
        return choices
    return ET.Element("text", id=key, valueName=key, required="true", maxLength="1024")


def _id(choice: str) -> str:
    """A choice as part of a string id (letters, digits and underscores)."""
    return "".join(char if char.isalnum() else "_" for char in choice)


# --- ADML (en-US) ----------------------------------------------------------------------


def render_adml() -> str:
    root = _root("policyDefinitionResources")
    ET.SubElement(root, "displayName").text = APP_NAME
    ET.SubElement(root, "description").text = (
        f"Policies for {APP_NAME}: the intranet, sign-in and check timing. "
        "A policy that is set cannot be changed by the user."
    )
    resources = ET.SubElement(root, "resources")
    strings = ET.SubElement(resources, "stringTable")
    presentations = ET.SubElement(resources, "presentationTable")
    _add_string(strings, CATEGORY, APP_NAME)
    _add_string(strings, SUPPORTED, f"{APP_NAME} 0.1 and later")
    for setting in policy_settings():
        _add_setting_strings(strings, setting)
        if value_kind(setting) != "switch":
            presentations.append(_presentation(setting))
    return _serialise(root)


def _add_string(table: ET.Element, string_id: str, text: str) -> None:
    ET.SubElement(table, "string", id=string_id).text = text


def _add_setting_strings(table: ET.Element, setting: Setting) -> None:
    _add_string(table, setting.key, title(setting))
    _add_string(table, f"{setting.key}_Explain", explain_text(setting))
    for choice in setting.choices or ():
        _add_string(table, f"{setting.key}_{_id(choice)}", choice)


def explain_text(setting: Setting) -> str:
    if value_kind(setting) == "switch":
        how = "Enabled turns it on, Disabled turns it off (REG_DWORD 1 or 0)."
    else:
        how = f"Value: {allowed_values(setting)} ({registry_type(setting)})."
    return "\n\n".join([
        setting.description,
        f"{how} Default when not configured: {default_text(setting)}.",
        "When this policy is set, users cannot change the setting; the app shows it as "
        "managed by your organisation. Computer Configuration (HKLM) wins over User "
        "Configuration (HKCU).",
        f"Registry value: {REGISTRY_KEY}\\{setting.key}",
    ])


def _presentation(setting: Setting) -> ET.Element:
    key = setting.key
    presentation = ET.Element("presentation", id=key)
    kind = value_kind(setting)
    label = title(setting)
    if kind == "number":
        box = ET.SubElement(presentation, "decimalTextBox", refId=key,
                            defaultValue=str(setting.default), spinStep="1")
        box.text = label
    elif kind == "choice":
        choices = list(setting.choices or ())
        default_index = choices.index(str(setting.default)) if setting.default in choices else 0
        dropdown = ET.SubElement(presentation, "dropdownList", refId=key, noSort="true",
                                 defaultItem=str(default_index))
        dropdown.text = label
    else:
        box = ET.SubElement(presentation, "textBox", refId=key)
        ET.SubElement(box, "label").text = label
        if setting.default:
            ET.SubElement(box, "defaultValue").text = str(setting.default)
    return presentation
