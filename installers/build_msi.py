"""Build dist/IntranetCompanion-<version>-x64.msi with wixl (make installers).

    python -m installers.build_msi [--payload dist/intranet-companion] [--out dist]

The payload is a frozen app folder. The real one is the Windows build (from a Windows
runner, see .github/workflows/release.yml), whose windowed executable is
intranet-companion.exe. On Linux, `make installers` wraps the Linux build instead, with
its `intranet-companion` binary filed under the name intranet-companion.exe: that MSI
exists only so that its tables (Registry, Shortcut, Upgrade, ...) can be checked with
`msiinfo export`; it does not run on Windows.

wixl knows no <Condition> inside <Component>, no Secure properties and no
non-advertised shortcuts, so after wixl the build finishes the tables with msibuild
(SQL): each policy component gets its property as condition, the policy properties
become SecureCustomProperties, the Start-menu shortcut points at the executable, and
LaunchConditions derived from the settings table refuse a bad AUTH_METHOD or
CHECK_INTERVAL_MINUTES before anything is installed.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
from pathlib import Path

from installers.icon_files import write_icon
from installers.policy_keys import allowed_values
from tray_app import APP_ID, __version__
from tray_app.core.settings import BY_KEY, Setting

REPO = Path(__file__).resolve().parents[1]
WXS = REPO / "installers" / "windows" / "IntranetCompanion.wxs"
WINDOWS_EXE = f"{APP_ID}.exe"
# Public property -> (component in the .wxs, settings key it writes under the policy key).
POLICY_PROPERTIES = {
    "INTRANET_URL": ("PolicyIntranetUrl", "intranet_url"),
    "AUTH_METHOD": ("PolicyAuthMethod", "auth_method"),
    "OAUTH_CLIENT_ID": ("PolicyOAuthClientId", "oauth_client_id"),
    "CHECK_INTERVAL_MINUTES": ("PolicyCheckInterval", "check_interval_minutes"),
}
UPGRADE_PROPERTIES = ("WIX_DOWNGRADE_DETECTED", "WIX_UPGRADE_DETECTED")


def msi_name(version: str = __version__) -> str:
    return f"IntranetCompanion-{version}-x64.msi"


def main_executable(payload: Path) -> Path:
    """The windowed executable: the .exe of a Windows build, else the Linux binary."""
    for name in (WINDOWS_EXE, APP_ID):
        if (payload / name).is_file():
            return payload / name
    raise SystemExit(f"No frozen app in {payload}: run `make dist` first.")


def harvest(payload: Path, main_exe: Path, work_dir: Path) -> Path:
    """payload.wxs: a component for every file but the main executable (wixl-heat)."""
    files = sorted(path for path in payload.rglob("*")
                   if path.is_file() and path != main_exe)
    listing = "".join(f"{path.as_posix()}\n" for path in files)
    fragment = subprocess.run(
        ["wixl-heat", "-p", f"{payload.as_posix()}/", "--component-group", "Payload",
         "--var", "var.SourceDir", "--directory-ref", "INSTALLDIR", "--win64"],
        input=listing, capture_output=True, text=True, check=True,
    ).stdout
    path = work_dir / "payload.wxs"
    path.write_text(fragment, encoding="utf-8")
    return path


def launch_condition(prop: str, setting: Setting) -> str | None:
    """An MSI condition that holds when the property is absent or a valid value."""
    if setting.choices:
        allowed = " OR ".join(f'{prop}="{choice}"' for choice in setting.choices)
    elif setting.type is int and (setting.minimum is not None or setting.maximum is not None):
        bounds = [f"{prop}>={setting.minimum}" if setting.minimum is not None else "",
                  f"{prop}<={setting.maximum}" if setting.maximum is not None else ""]
        allowed = " AND ".join(bound for bound in bounds if bound)
    else:
        return None
    return f"Installed OR NOT {prop} OR ({allowed})"


def _sql_text(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def table_fixes() -> list[str]:
    """The msibuild queries that finish what wixl cannot express."""
    queries = []
    for prop, (component, key) in POLICY_PROPERTIES.items():
        queries.append(f"UPDATE `Component` SET `Condition` = {_sql_text(prop)} "
                       f"WHERE `Component` = {_sql_text(component)}")
        condition = launch_condition(prop, BY_KEY[key])
        if condition:
            message = (f"{prop} must be {allowed_values(BY_KEY[key])}. "
                       "Nothing was installed.")
            queries.append("INSERT INTO `LaunchCondition` (`Condition`, `Description`) "
                           f"VALUES ({_sql_text(condition)}, {_sql_text(message)})")
    secure = ";".join([*UPGRADE_PROPERTIES, *POLICY_PROPERTIES])
    queries.append(f"UPDATE `Property` SET `Value` = {_sql_text(secure)} "
                   "WHERE `Property` = 'SecureCustomProperties'")
    queries.append("UPDATE `Shortcut` SET `Target` = '[#MainExe]' "
                   "WHERE `Shortcut` = 'StartMenuShortcut'")
    return queries


def _relative(path: Path) -> str:
    return Path(os.path.relpath(path.resolve(), REPO)).as_posix()


def _run_quietly(command: list[str]) -> None:
    """Run in the repository; show wixl's chatter only when it fails."""
    result = subprocess.run(command, cwd=REPO, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        sys.stderr.write(result.stdout + result.stderr)
        raise SystemExit(f"{command[0]} failed with exit status {result.returncode}")


def _compile(payload: Path, main_exe: Path, icon: Path, fragment: Path, output: Path,
             version: str) -> None:
    # wixl resolves sources relative to the working directory and fails on absolute ones.
    defines = {"Version": version, "SourceDir": _relative(payload),
               "MainExe": _relative(main_exe), "IconFile": _relative(icon), "Win64": "yes"}
    command = ["wixl", "--arch", "x64", "--output", str(output.resolve())]
    for name, value in defines.items():
        command += ["--define", f"{name}={value}"]
    _run_quietly([*command, _relative(WXS), _relative(fragment)])


def build(payload: Path, out_dir: Path, work_dir: Path, version: str = __version__) -> Path:
    payload = payload.resolve()
    main_exe = main_executable(payload)
    work_dir.mkdir(parents=True, exist_ok=True)
    out_dir.mkdir(parents=True, exist_ok=True)
    fragment = harvest(payload, main_exe, work_dir)
    icon = write_icon("ico", work_dir)
    package = out_dir / msi_name(version)
    partial = package.with_name(package.name + ".partial")
    _compile(payload, main_exe, icon, fragment, partial, version)
    fixes = [argument for query in table_fixes() for argument in ("-q", query)]
    subprocess.run(["msibuild", str(partial), *fixes], check=True)
    partial.replace(package)  # never a half-written package under the real name
    return package


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Build the Windows MSI with wixl.")
    parser.add_argument("--payload", type=Path, default=REPO / "dist" / APP_ID)
    parser.add_argument("--out", type=Path, default=REPO / "dist")
    parser.add_argument("--work", type=Path, default=REPO / "build" / "msi")
    args = parser.parse_args(argv)
    print(build(args.payload, args.out, args.work))
    return 0


if __name__ == "__main__":
    sys.exit(main())
