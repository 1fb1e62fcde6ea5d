"""Deployment: files generated from the settings table, the frozen app, the deb and the MSI.

The generated files (ADMIN.md's key table, ADMX/ADML, Jamf schema, profiles, the Linux
example policy) must equal a fresh generation. The packages are built once per session
with `make installers` (make reuses dist/ while it is newer than every source). Without
wixl, dpkg-deb or root, those tests skip on a developer's machine and fail under CI.
"""

from __future__ import annotations

import fcntl
import json
import os
import plistlib
import shutil
import signal
import struct
import subprocess
import time
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml

from installers import build_msi, generate, icon_files, policy_keys
from installers.build_deb import deb_name
from installers.build_msi import msi_name
from installers.policy_docs import refresh_admin_doc
from installers.pyinstaller import bundle_filters
from installers.windows_policy import POLICY_NS
from tray_app import __version__
from tray_app.core import autostart
from tray_app.core.config import load_config
from tray_app.core.policy import RawPolicy
from tray_app.core.settings import BY_KEY, SETTINGS, Setting
from tray_app.demo.server import DemoIntranet

REPO = Path(__file__).resolve().parents[1]
INSTALLERS = REPO / "installers"
DIST = REPO / "dist"
FROZEN = DIST / "intranet-companion" / "intranet-companion"
ADMX = INSTALLERS / "windows/policy/IntranetCompanion.admx"
ADML = INSTALLERS / "windows/policy/en-US/IntranetCompanion.adml"
NS = {"p": POLICY_NS}
TOKEN = "installed-package-token-0123456789"
IN_CI = bool(os.environ.get("CI"))


def unavailable(reason: str) -> None:
    """Skip on a developer's machine; under CI a missing tool is a failure."""
    if IN_CI:
        pytest.fail(f"{reason} (CI must have it: see .ci/setup-installers.sh)")
    pytest.skip(reason)


def require_tools(*tools: str) -> None:
    missing = [tool for tool in tools if shutil.which(tool) is None]
    if missing:
        unavailable(f"missing {', '.join(missing)}")


# --- generated from the settings table ---------------------------------------------------


def test_generated_files_are_up_to_date() -> None:
    stale = [str(path.relative_to(REPO)) for path in generate.stale_files()]
    assert stale == [], "run `make admin-doc` (python -m installers.generate) and commit"


def test_generation_follows_the_settings_table(monkeypatch: pytest.MonkeyPatch) -> None:
    extra = Setting("proxy_url", str, "", "A proxy for the intranet.")
    monkeypatch.setattr(policy_keys, "SETTINGS", (*SETTINGS, extra))
    files = {path.name: content for path, content in generate.render_all().items()}
    for name in ("IntranetCompanion.admx", "IntranetCompanion.adml", "ADMIN.md",
                 "com.intranetcompanion.app.jamf.json", "README.policy"):
        assert b"proxy_url" in files[name], name


def test_admin_doc_blocks_are_checked() -> None:
    with pytest.raises(ValueError, match="generated blocks"):
        refresh_admin_doc("# no blocks\n")


def admx_policies() -> dict[str, ET.Element]:
    root = ET.parse(ADMX).getroot()
    return {policy.get("name"): policy for policy in root.iterfind(".//p:policy", NS)}


def test_admx_is_well_formed_and_covers_every_key() -> None:
    policies = admx_policies()
    assert list(policies) == [setting.key for setting in SETTINGS]
    for setting in SETTINGS:
        policy = policies[setting.key]
        assert policy.get("key") == r"SOFTWARE\Policies\IntranetCompanion"
        assert policy.get("class") == "Both"
        assert value_names(policy) == {setting.key}
        check_admx_element(policy, setting)


def value_names(policy: ET.Element) -> set[str]:
    names = {policy.get("valueName")} | {
        element.get("valueName") for element in policy.iterfind("p:elements/*", NS)}
    return names - {None}


def check_admx_element(policy: ET.Element, setting: Setting) -> None:
    elements = policy.findall("p:elements/*", NS)
    if setting.type is bool:
        assert elements == []
        assert policy.find("p:enabledValue/p:decimal", NS).get("value") == "1"
        assert policy.find("p:disabledValue/p:decimal", NS).get("value") == "0"
        return
    (element,) = elements
    tag = element.tag.split("}")[1]
    if setting.type is int:
        assert tag == "decimal"
        assert element.get("minValue") == str(setting.minimum)
        assert element.get("maxValue") == str(setting.maximum)
    elif setting.choices:
        assert tag == "enum"
        assert [value.text for value in element.iterfind(".//p:string", NS)] == list(
            setting.choices)
    else:
        assert tag == "text"


def test_adml_resolves_every_admx_reference() -> None:
    adml = ET.parse(ADML).getroot()
    strings = {string.get("id"): string.text for string in adml.iterfind(".//p:string", NS)}
    presentations = {item.get("id") for item in adml.iterfind(".//p:presentation", NS)}
    admx_text = ADMX.read_text(encoding="utf-8")
    for reference in _references(admx_text, "string"):
        assert strings.get(reference), reference
    assert set(_references(admx_text, "presentation")) == presentations
    for setting in SETTINGS:
        assert setting.description in strings[f"{setting.key}_Explain"]
    ids = [item.get("refId") for item in adml.iterfind(".//p:presentation/*", NS)]
    assert ids == [s.key for s in SETTINGS if s.type is not bool]


def _references(text: str, kind: str) -> list[str]:
    marker = f"$({kind}."
    return [part.split(")", 1)[0] for part in text.split(marker)[1:]]


def test_launch_agent_matches_what_the_app_expects() -> None:
    path = INSTALLERS / "macos" / "com.intranetcompanion.app.plist"
    agent = plistlib.loads(path.read_bytes())
    assert agent["Label"] == autostart.AGENT_LABEL
    assert path.name == f"{autostart.AGENT_LABEL}.plist"  # as MacAutostart.system_path
    assert agent["RunAtLoad"] is True
    assert agent["LimitLoadToSessionType"] == "Aqua"
    assert agent["ProgramArguments"] == [
        "/Applications/Intranet Companion.app/Contents/MacOS/intranet-companion",
        "--autostart"]


def test_example_mobileconfig_sets_valid_policy(tmp_path: Path) -> None:
    profile = plistlib.loads(
        (INSTALLERS / "macos" / "IntranetCompanion.example.mobileconfig").read_bytes())
    assert profile["PayloadType"] == "Configuration"
    assert profile["PayloadScope"] == "System"
    (payload,) = profile["PayloadContent"]
    assert payload["PayloadType"] == "com.intranetcompanion.app"
    uuids = {profile["PayloadUUID"], payload["PayloadUUID"]}
    assert len(uuids) == 2
    settings = {key: value for key, value in payload.items() if not key.startswith("Payload")}
    assert settings == policy_keys.example_policy()
    assert_clean_policy(settings, tmp_path)


def assert_clean_policy(values: dict[str, Any], tmp_path: Path) -> None:
    config = load_config(environ={}, settings_path=tmp_path / "s.json",
                         policy=RawPolicy(values, origin="example"))
    assert config.warnings == []
    assert all(config.is_locked(key) for key in values)


def test_jamf_schema_is_a_json_schema_for_every_key() -> None:
    schema = json.loads((INSTALLERS / "macos" / "com.intranetcompanion.app.jamf.json")
                        .read_text(encoding="utf-8"))
    jsonschema.Draft7Validator.check_schema(schema)
    assert list(schema["properties"]) == [setting.key for setting in SETTINGS]
    jsonschema.validate(policy_keys.example_policy(), schema)
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate({"check_interval_minutes": 1}, schema)
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate({"no_such_key": 1}, schema)
    types = {bool: "boolean", int: "integer", str: "string"}
    for setting in SETTINGS:
        assert schema["properties"][setting.key]["type"] == types[setting.type]


def test_linux_example_policy_and_readme(tmp_path: Path) -> None:
    example = json.loads((INSTALLERS / "linux" / "policy.example.json").read_text())
    assert_clean_policy(example, tmp_path)
    readme = (INSTALLERS / "linux" / "README.policy").read_text(encoding="utf-8")
    admin = (REPO / "ADMIN.md").read_text(encoding="utf-8")
    for setting in SETTINGS:
        assert f"\n{setting.key}  (" in readme
        assert f"| `{setting.key}` |" in admin


# --- build helpers -------------------------------------------------------------------------


def test_ico_and_icns_hold_the_app_pngs() -> None:
    ico = icon_files.ico_bytes()
    reserved, kind, count = struct.unpack("<HHH", ico[:6])
    assert (reserved, kind, count) == (0, 1, len(icon_files.ICO_SIZES))
    for index, size in enumerate(icon_files.ICO_SIZES):
        width, _h, _c, _r, _p, _bits, length, offset = struct.unpack(
            "<BBBBHHII", ico[6 + 16 * index: 22 + 16 * index])
        assert width == size % 256
        assert icon_files.png_size(ico[offset: offset + length]) == (size, size)
    icns = icon_files.icns_bytes()
    assert icns[:4] == b"icns" and struct.unpack(">I", icns[4:8])[0] == len(icns)


def test_bundle_pruning_drops_unused_qt_parts_and_what_only_they_needed() -> None:
    binaries = [
        ("PySide6/QtGui.abi3.so", "/s/QtGui.abi3.so", "EXTENSION"),
        ("PySide6/Qt/lib/libQt6Gui.so.6", "/s/libQt6Gui.so.6", "BINARY"),
        ("PySide6/Qt/plugins/platforms/libqxcb.so", "/s/libqxcb.so", "BINARY"),
        ("PySide6/Qt/plugins/platforms/libqeglfs.so", "/s/libqeglfs.so", "BINARY"),
        ("PySide6/Qt/plugins/platformthemes/libqgtk3.so", "/s/libqgtk3.so", "BINARY"),
        ("PySide6/Qt/lib/libQt6EglFSDeviceIntegration.so.6", "/s/libQt6Egl.so.6", "BINARY"),
        ("libgtk-3.so.0", "/s/libgtk-3.so.0", "BINARY"),
        ("libxcb-cursor.so.0", "/s/libxcb-cursor.so.0", "BINARY"),
        ("libfontconfig.so.1", "/s/libfontconfig.so.1", "BINARY"),
        ("libpython3.11.so.1.0", "/s/libpython3.11.so.1.0", "BINARY"),
    ]
    links = {
        "/s/QtGui.abi3.so": ["libQt6Gui.so.6"],
        "/s/libQt6Gui.so.6": ["libfontconfig.so.1", "libc.so.6"],
        "/s/libqxcb.so": ["libxcb-cursor.so.0", "libQt6Gui.so.6"],
        "/s/libqeglfs.so": ["libQt6EglFSDeviceIntegration.so.6"],
        "/s/libqgtk3.so": ["libgtk-3.so.0"],
    }
    datas = [("libQt6EglFSDeviceIntegration.so.6",
              "PySide6/Qt/lib/libQt6EglFSDeviceIntegration.so.6", "SYMLINK"),
             ("libQt6Gui.so.6", "PySide6/Qt/lib/libQt6Gui.so.6", "SYMLINK"),
             ("PySide6/Qt/translations/qtbase_de.qm", "/s/qtbase_de.qm", "DATA"),
             ("PySide6/Qt/translations/qtbase_it.qm", "/s/qtbase_it.qm", "DATA"),
             ("PySide6/Qt/translations/designer_de.qm", "/s/designer_de.qm", "DATA"),
             ("resources/icons/app.svg", "/s/app.svg", "DATA")]
    kept, kept_datas = bundle_filters.prune(binaries, datas, lambda src: links.get(src, []))
    assert [entry[0] for entry in kept] == [
        "PySide6/QtGui.abi3.so", "PySide6/Qt/lib/libQt6Gui.so.6",
        "PySide6/Qt/plugins/platforms/libqxcb.so", "libxcb-cursor.so.0",
        "libfontconfig.so.1", "libpython3.11.so.1.0"]
    # Qt's own words stay for the languages the app ships, and only those.
    assert [entry[0] for entry in kept_datas] == [
        "libQt6Gui.so.6", "PySide6/Qt/translations/qtbase_de.qm", "resources/icons/app.svg"]


def test_msi_launch_conditions_come_from_the_settings_table() -> None:
    assert build_msi.launch_condition("CHECK_INTERVAL_MINUTES",
                                      BY_KEY["check_interval_minutes"]) == (
        "Installed OR NOT CHECK_INTERVAL_MINUTES OR "
        "(CHECK_INTERVAL_MINUTES>=5 AND CHECK_INTERVAL_MINUTES<=1440)")
    assert build_msi.launch_condition("INTRANET_URL", BY_KEY["intranet_url"]) is None
    for prop, (_component, key) in build_msi.POLICY_PROPERTIES.items():
        assert key in BY_KEY, prop
        assert prop == key.upper()


def test_shell_scripts_parse() -> None:
    for script in ("linux/postinst", "linux/postrm", "macos/scripts/postinstall"):
        subprocess.run(["sh", "-n", str(INSTALLERS / script)], check=True)
        assert os.access(INSTALLERS / script, os.X_OK), script
    for script in (INSTALLERS / "macos/build-pkg.sh", REPO / ".ci/setup-installers.sh"):
        subprocess.run(["bash", "-n", str(script)], check=True)
    postinstall = (INSTALLERS / "macos/scripts/postinstall").read_text()
    assert "launchctl asuser" in postinstall
    assert "/Library/LaunchAgents/com.intranetcompanion.app.plist" in postinstall


def test_release_workflow_builds_on_three_systems() -> None:
    workflow = yaml.safe_load((REPO / ".github/workflows/release.yml").read_text())
    runners = {job["runs-on"].split("-")[0] for job in workflow["jobs"].values()}
    assert runners == {"ubuntu", "windows", "macos"}


# --- the built packages --------------------------------------------------------------------


@dataclass(frozen=True)
class Built:
    deb: Path
    msi: Path
    seconds: float


BUILD_LOCK = REPO / "build" / "installers-test.lock"
DPKG_LOCK = Path("/tmp/intranet-companion-deb-test.lock")


@pytest.fixture(scope="session")
def built(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Built]:
    """`make installers` once per session.

    Test sessions sharing this tree (developers working side by side) take turns: the
    build holds an exclusive lock, then a shared one while this session reads dist/, so
    nobody rebuilds it under our feet.
    """
    require_tools("make", "dpkg-deb", "objdump", "wixl", "wixl-heat", "msibuild", "msiinfo")
    BUILD_LOCK.parent.mkdir(exist_ok=True)
    with BUILD_LOCK.open("a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            seconds = run_make_installers(tmp_path_factory.mktemp("build") / "make.log")
        finally:
            fcntl.flock(lock, fcntl.LOCK_SH)
        yield Built(DIST / deb_name(), DIST / msi_name(), seconds)


def run_make_installers(log: Path) -> float:
    started = time.monotonic()
    with log.open("w") as output:
        done = subprocess.run(["make", "installers"], cwd=REPO, stdout=output,
                              stderr=subprocess.STDOUT, timeout=1800, check=False)
    if done.returncode != 0:
        pytest.fail("make installers failed:\n" + log.read_text()[-4000:])
    return time.monotonic() - started


def msi_table(msi: Path, table: str) -> list[dict[str, str]]:
    """Rows of one table, from `msiinfo export` (IDT: names, types, table line, rows)."""
    text = subprocess.run(["msiinfo", "export", str(msi), table], capture_output=True,
                          text=True, check=True).stdout
    lines = text.rstrip("\r\n").split("\n")
    names = lines[0].rstrip("\r").split("\t")
    return [dict(zip(names, line.rstrip("\r").split("\t"), strict=False))
            for line in lines[3:] if line]


HKLM_ROOT = "2"


def test_msi_registry_run_entry_and_policy_values(built: Built) -> None:
    rows = {(row["Key"], row["Name"]): row for row in msi_table(built.msi, "Registry")}
    run = rows[(r"Software\Microsoft\Windows\CurrentVersion\Run", "IntranetCompanion")]
    assert run["Root"] == HKLM_ROOT
    assert run["Value"] == '"[INSTALLDIR]intranet-companion.exe" --autostart'
    policy_key = r"SOFTWARE\Policies\IntranetCompanion"
    components = {row["Component"]: row for row in msi_table(built.msi, "Component")}
    for prop, (component, key) in build_msi.POLICY_PROPERTIES.items():
        row = rows[(policy_key, key)]
        assert row["Root"] == HKLM_ROOT
        expected = f"#[{prop}]" if BY_KEY[key].type is int else f"[{prop}]"
        assert row["Value"] == expected
        assert row["Component_"] == component
        assert components[component]["Condition"] == prop  # written only when given
    assert components["RunAtLogin"]["Condition"] == ""


def test_msi_start_menu_shortcut(built: Built) -> None:
    (shortcut,) = msi_table(built.msi, "Shortcut")
    assert shortcut["Directory_"] == "ProgramMenuFolder"
    assert shortcut["Name"] == "Intranet Companion"
    assert shortcut["Target"] == "[#MainExe]"
    files = {row["File"]: row for row in msi_table(built.msi, "File")}
    assert files["MainExe"]["FileName"].endswith("intranet-companion.exe")


def test_msi_major_upgrade_and_per_machine(built: Built) -> None:
    wxs = (INSTALLERS / "windows/IntranetCompanion.wxs").read_text()
    upgrade_code = wxs.split('UpgradeCode="', 1)[1].split('"', 1)[0]
    rows = msi_table(built.msi, "Upgrade")
    assert {row["UpgradeCode"] for row in rows} == {"{" + upgrade_code + "}"}
    by_action = {row["ActionProperty"]: row for row in rows}
    assert by_action["WIX_UPGRADE_DETECTED"]["VersionMax"] == __version__
    assert by_action["WIX_DOWNGRADE_DETECTED"]["VersionMin"] == __version__
    properties = {row["Property"]: row["Value"] for row in msi_table(built.msi, "Property")}
    assert properties["ALLUSERS"] == "1"
    assert properties["ProductVersion"] == __version__
    assert properties["UpgradeCode"] == "{" + upgrade_code + "}"
    secure = properties["SecureCustomProperties"].split(";")
    assert set(build_msi.POLICY_PROPERTIES) <= set(secure)
    sequence = {row["Action"] for row in msi_table(built.msi, "InstallExecuteSequence")}
    assert {"FindRelatedProducts", "RemoveExistingProducts"} <= sequence
    conditions = [row["Condition"] for row in msi_table(built.msi, "LaunchCondition")]
    assert any("AUTH_METHOD" in condition for condition in conditions)


def deb_field(deb: Path, field: str) -> str:
    return subprocess.run(["dpkg-deb", "--field", str(deb), field], capture_output=True,
                          text=True, check=True).stdout.strip()


def test_deb_metadata_and_layout(built: Built) -> None:
    assert deb_field(built.deb, "Package") == "intranet-companion"
    assert deb_field(built.deb, "Version") == __version__
    assert deb_field(built.deb, "Architecture") == "amd64"
    assert deb_field(built.deb, "Depends").startswith("libc6 (>= ")
    listing = subprocess.run(["dpkg-deb", "--contents", str(built.deb)], capture_output=True,
                             text=True, check=True).stdout
    paths = {line.split()[5].lstrip(".") for line in listing.splitlines()}
    for path in ("/opt/intranet-companion/intranet-companion", "/usr/bin/intranet-companion",
                 "/usr/share/applications/intranet-companion.desktop",
                 "/etc/xdg/autostart/intranet-companion.desktop",
                 "/usr/share/icons/hicolor/256x256/apps/intranet-companion.png",
                 "/usr/share/icons/hicolor/scalable/apps/intranet-companion.svg",
                 "/usr/share/doc/intranet-companion/policy.example.json"):
        assert path in paths, path
    assert not any(path.startswith("/etc/intranet-companion") for path in paths)
    conffiles = subprocess.run(["dpkg-deb", "--info", str(built.deb), "conffiles"],
                               capture_output=True, text=True, check=True).stdout
    assert conffiles.split() == ["/etc/xdg/autostart/intranet-companion.desktop"]


def isolated_env(home: Path, **extra: str) -> dict[str, str]:
    """No display, no COMPANION_* from outside, a private home, runtime and temp dir."""
    env = {key: value for key, value in os.environ.items()
           if not key.startswith("COMPANION_") and key not in ("DISPLAY", "WAYLAND_DISPLAY")}
    runtime = home / "runtime"
    runtime.mkdir(parents=True, exist_ok=True, mode=0o700)
    env.update(HOME=str(home), XDG_CONFIG_HOME=str(home / "config"),
               XDG_STATE_HOME=str(home / "state"), XDG_CACHE_HOME=str(home / "cache"),
               XDG_RUNTIME_DIR=str(runtime), TMPDIR=str(runtime),
               COMPANION_POLICY_FILE=str(home / "no-policy.json"))
    env.update(extra)
    return env


def run_checked(command: list[str], env: dict[str, str]) -> tuple[int, dict[str, Any]]:
    done = subprocess.run([*command, "check", "--json"], capture_output=True, text=True,
                          env=env, timeout=120, check=False)
    assert "Traceback" not in done.stderr, done.stderr
    return done.returncode, json.loads(done.stdout)


def assert_demo_answer(code: int, data: dict[str, Any], demo: DemoIntranet) -> None:
    assert code == 1, data
    assert data["schema"] == 1 and data["outcome"] == "attention" and data["error"] is None
    assert data["intranet_url"] == demo.url
    assert data["user"]["name"] == "Jane Doe"
    assert [notice["integration_id"] for notice in data["notices"]] == [
        "dropbox", "google-drive"]
    assert data["notices"][0]["message"] == (
        "Dropbox has unexpectedly been disconnected. Please reconnect your Dropbox account.")


def test_frozen_app_checks_without_a_display(built: Built, tmp_path: Path) -> None:
    with DemoIntranet(token=TOKEN) as demo:
        env = isolated_env(tmp_path, COMPANION_TOKEN=TOKEN, COMPANION_INTRANET_URL=demo.url)
        assert_demo_answer(*run_checked([str(FROZEN)], env), demo)


GuiRun = tuple[dict[str, str], Path]


@pytest.fixture
def frozen_gui(tmp_path: Path) -> GuiRun:
    """The environment for one tray app run, and where its log will be."""
    env = isolated_env(tmp_path, COMPANION_START_AT_LOGIN="false")
    return env, tmp_path / "state" / "intranet-companion" / "companion.log"


def run_gui_until_checked(env: dict[str, str], log: Path) -> str:
    """Start the frozen tray app against the demo intranet, wait for its first check (in
    its worker process), stop it cleanly. (`--demo` keeps its log in a sandbox.)"""
    with DemoIntranet(token=TOKEN) as demo:
        return _run_frozen_tray(demo, {**env, "COMPANION_TOKEN": TOKEN}, log)


def _run_frozen_tray(demo: DemoIntranet, env: dict[str, str], log: Path) -> str:
    process = subprocess.Popen([str(FROZEN), "--intranet-url", demo.url], env=env,
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and process.poll() is None:
            if log.exists() and f"Checked {demo.url}" in log.read_text():
                break
            time.sleep(0.2)
        assert process.poll() is None, process.communicate()[0]
        process.send_signal(signal.SIGTERM)
        output = process.communicate(timeout=30)[0]
    finally:
        if process.poll() is None:
            process.kill()
    text = log.read_text() if log.exists() else "(no log)"
    assert process.returncode == 0, output + text[-3000:]
    assert f"Checked {demo.url}: 5 integrations" in text, text[-3000:]  # by its worker
    assert "unusable" not in text, text[-3000:]  # every SVG icon rendered (iconengines)
    return output


def test_frozen_tray_app_runs_offscreen(built: Built, frozen_gui: GuiRun) -> None:
    env, log = frozen_gui
    env["QT_QPA_PLATFORM"] = "offscreen"
    run_gui_until_checked(env, log)


def test_frozen_tray_app_runs_on_x11(built: Built, frozen_gui: GuiRun) -> None:
    require_tools("Xvfb")
    env, log = frozen_gui
    display = ":97"
    server = subprocess.Popen(["Xvfb", display, "-nolisten", "tcp"],
                              stderr=subprocess.DEVNULL)
    try:
        time.sleep(1.5)
        env.update(DISPLAY=display, QT_QPA_PLATFORM="xcb")
        output = run_gui_until_checked(env, log)
        assert "Could not load the Qt platform plugin" not in output
    finally:
        server.terminate()
        server.wait(timeout=10)


# --- install, use and purge the deb (root) ---------------------------------------------------


LEFTOVERS = ("/opt/intranet-companion", "/usr/bin/intranet-companion",
             "/etc/xdg/autostart/intranet-companion.desktop",
             "/usr/share/applications/intranet-companion.desktop",
             "/usr/share/icons/hicolor/scalable/apps/intranet-companion.svg",
             "/usr/share/icons/hicolor/48x48/apps/intranet-companion.png",
             "/usr/share/doc/intranet-companion")


def dpkg(*args: str) -> subprocess.CompletedProcess[str]:
    """dpkg, waiting a while if another dpkg or apt holds the lock."""
    for _attempt in range(30):
        done = subprocess.run(["dpkg", *args], capture_output=True, text=True, check=False)
        if "lock" not in done.stderr:
            return done
        time.sleep(2)
    return done


def package_installed() -> bool:
    status = subprocess.run(["dpkg-query", "-W", "-f=${Status}", "intranet-companion"],
                            capture_output=True, text=True, check=False).stdout
    return "installed" in status and "not-installed" not in status


# Installing a package changes the machine: only under CI or when asked for.
INSTALL_DEB_ENV = "COMPANION_TEST_INSTALL_DEB"
INSTALL_DEB = IN_CI or os.environ.get(INSTALL_DEB_ENV) == "1"


@pytest.fixture
def dpkg_turn() -> Iterator[None]:
    """Opted in, root, and this session's turn: one test session at a time installs the
    package."""
    if not INSTALL_DEB:
        pytest.skip(f"installing the deb changes this machine: runs under CI=true or with "
                    f"{INSTALL_DEB_ENV}=1")
    if os.geteuid() != 0:
        unavailable("installing the deb needs root")
    with DPKG_LOCK.open("a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if package_installed() and not IN_CI:
            pytest.skip("intranet-companion is installed on this machine; not touching it")
        yield


def install(deb: Path) -> None:
    done = dpkg("-i", str(deb))
    assert done.returncode == 0, done.stdout + done.stderr


def purge() -> None:
    done = dpkg("-P", "intranet-companion")
    assert done.returncode == 0, done.stderr


@pytest.fixture
def installed(built: Built, dpkg_turn: None) -> Iterator[Path]:
    """The deb installed with dpkg -i, purged afterwards."""
    try:
        install(built.deb)
        yield Path("/usr/bin/intranet-companion")
    finally:
        purge()


def test_installed_deb_checks_the_intranet_then_purges_clean(installed: Path,
                                                             tmp_path: Path) -> None:
    assert installed.resolve() == Path("/opt/intranet-companion/intranet-companion")
    autostart_entry = Path("/etc/xdg/autostart/intranet-companion.desktop").read_text()
    assert "Exec=/usr/bin/intranet-companion --autostart" in autostart_entry
    assert not Path("/etc/intranet-companion/policy.json").exists()
    version = subprocess.run([str(installed), "--version"], capture_output=True, text=True,
                             check=True, env=isolated_env(tmp_path)).stdout
    assert version.strip() == f"intranet-companion {__version__}"
    with DemoIntranet(token=TOKEN) as demo:
        env = isolated_env(tmp_path, COMPANION_TOKEN=TOKEN, COMPANION_INTRANET_URL=demo.url)
        assert_demo_answer(*run_checked(["intranet-companion"], env), demo)
        anonymous = isolated_env(tmp_path / "nobody", COMPANION_INTRANET_URL=demo.url)
        code, data = run_checked(["intranet-companion"], anonymous)
        assert (code, data["error"]["kind"]) == (4, "auth")  # no token, no keyring here


def test_installed_deb_reads_policy_from_etc(installed: Path, tmp_path: Path) -> None:
    policy_dir = Path("/etc/intranet-companion")
    if policy_dir.exists():
        unavailable(f"{policy_dir} already exists on this machine")
    with DemoIntranet(token=TOKEN) as demo:
        try:
            policy_dir.mkdir()
            (policy_dir / "policy.json").write_text(json.dumps({"intranet_url": demo.url}))
            env = isolated_env(tmp_path, COMPANION_TOKEN=TOKEN)
            del env["COMPANION_POLICY_FILE"]
            env["COMPANION_INTRANET_URL"] = "https://ignored.example"  # policy wins
            assert_demo_answer(*run_checked([str(installed)], env), demo)
        finally:
            shutil.rmtree(policy_dir)


def test_installed_deb_finds_its_keyring_backend(installed: Path, tmp_path: Path) -> None:
    """The PyInstaller pitfall: keyring's backends and entry points must be in the bundle."""
    require_tools("dbus-run-session", "gnome-keyring-daemon")
    script = ("echo unlock | gnome-keyring-daemon --unlock --components=secrets >/dev/null; "
              f"{installed} diagnose --json")
    done = subprocess.run(["dbus-run-session", "--", "sh", "-c", script], capture_output=True,
                          text=True, env=isolated_env(tmp_path), timeout=120, check=False)
    keyring = json.loads(done.stdout)["keyring"]
    assert keyring["id"] == "keyring.backends.SecretService.Keyring", done.stdout + done.stderr
    assert keyring["name"] == "GNOME Keyring" and keyring["available"], keyring


def test_purge_leaves_nothing_behind(built: Built, dpkg_turn: None) -> None:
    try:
        install(built.deb)
        for path in LEFTOVERS:
            assert os.path.lexists(path), path
    finally:
        purge()
    assert not package_installed()
    for path in LEFTOVERS:
        assert not os.path.lexists(path), f"{path} left behind after dpkg -P"
    assert dpkg("-L", "intranet-companion").returncode != 0
