"""Policy documentation generated from the settings table: ADMIN.md's key table and the
Linux package's example policy and README.policy."""

from __future__ import annotations

import json
import re
import textwrap

from installers.policy_keys import (
    LINUX_POLICY_FILE,
    POLICY_DOMAIN,
    REGISTRY_KEY,
    allowed_values,
    default_text,
    example_policy,
    policy_settings,
    title,
)
from tray_app import APP_NAME
from tray_app.core.settings import Setting

EXAMPLE_INSTALL_PATH = "/usr/share/doc/intranet-companion/policy.example.json"
BLOCK = re.compile(
    r"(<!-- generated:(?P<name>[a-z-]+) .*?-->\n)(?P<body>.*?)(<!-- end generated -->)",
    re.DOTALL,
)


def render_example_json() -> str:
    return json.dumps(example_policy(), indent=2) + "\n"


# --- ADMIN.md --------------------------------------------------------------------------


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def _table_row(setting: Setting) -> str:
    cells = [
        f"`{setting.key}`",
        title(setting),
        allowed_values(setting),
        f"`{default_text(setting)}`",
        "yes" if setting.user_editable else "no",
        setting.description,
    ]
    return "| " + " | ".join(_cell(cell) for cell in cells) + " |"


def policy_key_table() -> str:
    header = [
        "| key | name in Group Policy | value | default | users may change it"
        " when no policy sets it | what it does |",
        "|---|---|---|---|---|---|",
    ]
    registry_lines = [
        "",
        f"Windows: a value of the same name under `HKLM\\{REGISTRY_KEY}` or "
        f"`HKCU\\{REGISTRY_KEY}`; text and choices are REG_SZ, numbers REG_DWORD, "
        "true/false a REG_DWORD 1 or 0. macOS: a key of the same name in the "
        f"`{POLICY_DOMAIN}` domain (string, integer, boolean). Linux: a key of the same "
        f"name in `{LINUX_POLICY_FILE}` (JSON string, number, true/false).",
    ]
    return "\n".join(header + [_table_row(s) for s in policy_settings()] + registry_lines) + "\n"


def policy_example_block() -> str:
    return f"```json\n{render_example_json()}```\n"


ADMIN_BLOCKS = {
    "policy-keys": policy_key_table,
    "policy-example": policy_example_block,
}


def refresh_admin_doc(text: str) -> str:
    """ADMIN.md with every generated block rewritten from the settings table."""
    def replace(match: re.Match[str]) -> str:
        render = ADMIN_BLOCKS.get(match["name"])
        if render is None:
            raise ValueError(f"ADMIN.md has an unknown generated block '{match['name']}'")
        return match.group(1) + render() + match.group(4)

    refreshed, count = BLOCK.subn(replace, text)
    if count != len(ADMIN_BLOCKS):
        raise ValueError(f"ADMIN.md must hold {len(ADMIN_BLOCKS)} generated blocks, not {count}")
    return refreshed


# --- README.policy for the Linux package ------------------------------------------------


def _paragraph(text: str) -> str:
    return textwrap.fill(text, width=78, break_on_hyphens=False, break_long_words=False)


def render_linux_policy_readme() -> str:
    paragraphs = [
        f"{APP_NAME}: IT policy on Linux",
        f"The companion reads its policy from {LINUX_POLICY_FILE}, a JSON object of "
        "settings. Every key set there is locked: users cannot change it, and the app "
        "shows it as managed by your organisation. Keys left out keep the user's choice "
        "or the default. A wrong value or an unknown key is ignored with a warning (see "
        "`intranet-companion diagnose`); a file that exists but is not valid JSON is a "
        "configuration error, and `intranet-companion check` exits 5 until it is fixed.",
        f"The package never creates or removes {LINUX_POLICY_FILE}: it is yours. To start "
        "from the example:",
    ]
    command = (f"  sudo install -D -m 644 {EXAMPLE_INSTALL_PATH} \\\n"
               f"      {LINUX_POLICY_FILE}")
    same_keys = (f"The same keys work on Windows (values under HKLM\\{REGISTRY_KEY}) and "
                 f"macOS (the managed-preferences domain {POLICY_DOMAIN}).")
    parts = [_paragraph(text) for text in paragraphs]
    parts += [command, _paragraph(same_keys), "Keys\n----"]
    parts += [_key_paragraph(setting) for setting in policy_settings()]
    return "\n\n".join(part.rstrip("\n") for part in parts) + "\n"


def _key_paragraph(setting: Setting) -> str:
    body = textwrap.fill(setting.description, width=78, initial_indent="  ",
                         subsequent_indent="  ", break_on_hyphens=False,
                         break_long_words=False)
    return (f"{setting.key}  ({title(setting)})\n{body}\n"
            f"  Value: {allowed_values(setting)}. Default: {default_text(setting)}.")
