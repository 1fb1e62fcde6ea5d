"""Build dist/intranet-companion_<version>_amd64.deb around the frozen app (make installers).

    python -m installers.build_deb [--frozen dist/intranet-companion] [--out dist]

Layout: the frozen app in /opt/intranet-companion, /usr/bin/intranet-companion (a symlink),
a desktop entry, hicolor icons, a system-wide XDG autostart entry running --autostart (a
conffile, so `dpkg -P` removes it), and an example policy with its README under
/usr/share/doc/intranet-companion. No active policy is installed. The system libraries the
bundle links against but does not carry (GL, EGL, xcb, wayland, libc) become Depends,
found the way dpkg-shlibdeps would: which installed package owns each one.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

from tray_app import APP_ID, __version__

REPO = Path(__file__).resolve().parents[1]
LINUX_FILES = REPO / "installers" / "linux"
ICONS = REPO / "resources" / "icons"
INSTALL_DIR = f"opt/{APP_ID}"
AUTOSTART_ENTRY = f"etc/xdg/autostart/{APP_ID}.desktop"
DOC_DIR = f"usr/share/doc/{APP_ID}"
ICON_SIZES = (16, 32, 48, 64, 128, 256)
MAINTAINER = "Intranet Companion IT packaging <it-packaging@intranetcompanion.invalid>"
ELF_MAGIC = b"\x7fELF"


def deb_name(version: str = __version__) -> str:
    return f"{APP_ID}_{version}_amd64.deb"


# --- staging -----------------------------------------------------------------------------


def stage(root: Path, frozen: Path) -> None:
    """Lay out the package's files under `root` (everything but DEBIAN/)."""
    if root.exists():
        shutil.rmtree(root)
    shutil.copytree(frozen, root / INSTALL_DIR, symlinks=True)
    launcher = root / "usr/bin" / APP_ID
    launcher.parent.mkdir(parents=True)
    launcher.symlink_to(f"/{INSTALL_DIR}/{APP_ID}")
    _copy(LINUX_FILES / f"{APP_ID}.desktop", root / f"usr/share/applications/{APP_ID}.desktop")
    _copy(LINUX_FILES / f"{APP_ID}-autostart.desktop", root / AUTOSTART_ENTRY)
    for size in ICON_SIZES:
        _copy(ICONS / f"app-{size}.png",
              root / f"usr/share/icons/hicolor/{size}x{size}/apps/{APP_ID}.png")
    _copy(ICONS / "app.svg", root / f"usr/share/icons/hicolor/scalable/apps/{APP_ID}.svg")
    for name in ("policy.example.json", "README.policy", "copyright"):
        _copy(LINUX_FILES / name, root / DOC_DIR / name)


def _copy(source: Path, destination: Path) -> None:
    destination.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(source, destination)


def normalise_permissions(root: Path) -> None:
    """Directories 0755; files 0755 if executable, else 0644 (as lintian expects)."""
    for path in [root, *root.rglob("*")]:
        if path.is_symlink():
            continue
        if path.is_dir():
            path.chmod(0o755)
        else:
            path.chmod(0o755 if path.stat().st_mode & 0o111 else 0o644)


# --- dependencies ------------------------------------------------------------------------


def elf_files(directory: Path) -> list[Path]:
    found = []
    for path in sorted(directory.rglob("*")):
        if path.is_file() and not path.is_symlink():
            with path.open("rb") as file:
                if file.read(4) == ELF_MAGIC:
                    found.append(path)
    return found


def _objdump(flag: str, path: Path) -> str:
    return subprocess.run(["objdump", flag, str(path)], capture_output=True, text=True,
                          check=False).stdout


def needed_libraries(elves: list[Path]) -> set[str]:
    """Sonames the bundle links against that it does not carry itself."""
    carried = {path.name for path in elves}
    needed: set[str] = set()
    for path in elves:
        needed.update(re.findall(r"^\s*NEEDED\s+(\S+)", _objdump("-p", path), re.MULTILINE))
    return needed - carried


def minimum_glibc(elves: list[Path]) -> str:
    versions = {tuple(int(part) for part in match.split("."))
                for path in elves
                for match in re.findall(r"GLIBC_(\d+(?:\.\d+)+)", _objdump("-T", path))}
    return ".".join(str(part) for part in max(versions, default=(2, 17)))


def _library_paths() -> dict[str, str]:
    listing = subprocess.run(["ldconfig", "-p"], capture_output=True, text=True,
                             check=True).stdout
    paths: dict[str, str] = {}
    for soname, details, path in re.findall(r"^\s*(\S+) \(([^)]*)\) => (\S+)$", listing,
                                            re.MULTILINE):
        if "x86-64" in details:
            paths.setdefault(soname, path)
    return paths


def owning_package(path: str) -> str | None:
    for candidate in (path, os.path.realpath(path)):
        answer = subprocess.run(["dpkg-query", "-S", candidate], capture_output=True,
                                text=True, check=False)
        if answer.returncode == 0:
            return answer.stdout.split(":", 1)[0].strip()
    return None


def depends(elves: list[Path]) -> str:
    """The Depends field: the owners of the system libraries, libc6 with its version."""
    paths = _library_paths()
    packages: set[str] = set()
    for soname in sorted(needed_libraries(elves)):
        package = owning_package(paths[soname]) if soname in paths else None
        if package is None:
            print(f"warning: no installed package provides {soname}", file=sys.stderr)
        else:
            packages.add(package)
    packages.discard("libc6")
    return ", ".join([f"libc6 (>= {minimum_glibc(elves)})", *sorted(packages)])


# --- control files -----------------------------------------------------------------------


def installed_size_kib(root: Path) -> int:
    total = sum(path.lstat().st_size for path in root.rglob("*") if not path.is_dir())
    return (total + 1023) // 1024


def control_text(root: Path, version: str) -> str:
    elves = elf_files(root / INSTALL_DIR)
    return "\n".join([
        f"Package: {APP_ID}",
        f"Version: {version}",
        "Architecture: amd64",
        f"Maintainer: {MAINTAINER}",
        f"Installed-Size: {installed_size_kib(root)}",
        f"Depends: {depends(elves)}",
        "Suggests: gnome-keyring | kwalletmanager",
        "Section: utils",
        "Priority: optional",
        "Description: tells employees when their intranet integrations break",
        " Intranet Companion is a tray app that warns at desktop login when an account",
        " connected to the company intranet has been disconnected or is about to expire,",
        " and opens the page to reconnect it. `intranet-companion check --json` reports",
        " the state for scripts. Policy: /etc/intranet-companion/policy.json (see",
        f" /{DOC_DIR}/README.policy).",
    ]) + "\n"


def md5sums_text(root: Path) -> str:
    lines = []
    for path in sorted(root.rglob("*")):
        if path.is_file() and not path.is_symlink() and "DEBIAN" not in path.parts:
            digest = hashlib.md5(path.read_bytes()).hexdigest()  # dpkg's md5sums format
            lines.append(f"{digest}  {path.relative_to(root).as_posix()}")
    return "\n".join(lines) + "\n"


def write_control(root: Path, version: str) -> None:
    control = root / "DEBIAN"
    control.mkdir()
    (control / "control").write_text(control_text(root, version), encoding="utf-8")
    (control / "conffiles").write_text(f"/{AUTOSTART_ENTRY}\n", encoding="utf-8")
    (control / "md5sums").write_text(md5sums_text(root), encoding="utf-8")
    for script in ("postinst", "postrm"):
        shutil.copyfile(LINUX_FILES / script, control / script)
        (control / script).chmod(0o755)


# --- build -------------------------------------------------------------------------------


def build(frozen: Path, out_dir: Path, work_dir: Path, version: str = __version__) -> Path:
    if not (frozen / APP_ID).is_file():
        raise SystemExit(f"No frozen app in {frozen}: run `make dist` first.")
    root = work_dir / "root"
    stage(root, frozen)
    normalise_permissions(root)
    write_control(root, version)
    out_dir.mkdir(parents=True, exist_ok=True)
    package = out_dir / deb_name(version)
    partial = package.with_name(package.name + ".partial")
    subprocess.run(["dpkg-deb", "--root-owner-group", "-Zxz", "--build", str(root),
                    str(partial)], check=True, stdout=subprocess.DEVNULL)
    partial.replace(package)  # never a half-written package under the real name
    return package


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Build the Debian package.")
    parser.add_argument("--frozen", type=Path, default=REPO / "dist" / APP_ID)
    parser.add_argument("--out", type=Path, default=REPO / "dist")
    parser.add_argument("--work", type=Path, default=REPO / "build" / "deb")
    args = parser.parse_args(argv)
    print(build(args.frozen, args.out, args.work))
    return 0


if __name__ == "__main__":
    sys.exit(main())
