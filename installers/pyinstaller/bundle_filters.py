"""What the frozen app leaves out, and its Windows version resource. Used by the spec.

The PySide6 hooks collect every plugin of the Qt modules we import. Some of them only
serve embedded or kiosk systems, and one (the GTK 3 platform theme) drags the whole GTK
stack of the build machine into the bundle. They go, and so do the shared libraries
that only they needed.
"""

from __future__ import annotations

import posixpath
import re
import sys
from collections.abc import Callable, Iterable

TocEntry = tuple[str, str, str]  # (destination in the bundle, source, type code)

UNUSED_PYTHON_MODULES = [
    "tkinter", "_tkinter", "turtle", "turtledemo", "idlelib", "lib2to3", "test",
    "PySide6.QtQml", "PySide6.QtQuick", "PySide6.QtQuickWidgets", "PySide6.QtPdf",
    "PySide6.QtSql", "PySide6.QtTest", "PySide6.QtXml", "PySide6.QtConcurrent",
    "PySide6.QtOpenGLWidgets", "PySide6.QtPrintSupport", "PySide6.QtUiTools",
    "PySide6.QtDesigner", "PySide6.QtHelp",
]

_UNUSED_QT_PARTS = re.compile(
    r"PySide6/Qt/("
    r"translations/(?!qtbase_(de|fr|es|pt_BR|ja|ar)\.qm$)"  # Qt's words: shipped languages
    r"|plugins/platformthemes/[^/]*gtk3"  # would bundle the build machine's GTK
    r"|plugins/platforms/[^/]*(eglfs|linuxfb|vnc|vkkhrdisplay|minimalegl)"  # kiosk back-ends
    r"|plugins/egldeviceintegrations/"
    r"|plugins/generic/"  # raw evdev input for embedded devices
    r"|plugins/imageformats/[^/]*q(gif|icns|jpeg|tga|tiff|wbmp|webp|pdf)\b"  # SVG and ICO stay
    r")",
    re.IGNORECASE,
)


def _posix(destination: str) -> str:
    return destination.replace("\\", "/")


def is_unused_qt_part(destination: str) -> bool:
    return bool(_UNUSED_QT_PARTS.search(_posix(destination)))


def _is_prunable_library(entry: TocEntry) -> bool:
    """A shared library that is only there because something else links against it.

    Extension modules and Qt plugins are loaded on purpose (import, dlopen), and so is
    libpython: they are the roots, never pruned.
    """
    destination, _source, kind = entry
    name = _posix(destination)
    file_name = name.rsplit("/", 1)[-1]
    return (kind == "BINARY" and "/plugins/" not in name and ".so" in file_name
            and not file_name.startswith("libpython"))


def prune(
    binaries: list[TocEntry],
    datas: list[TocEntry],
    imports_of: Callable[[str], Iterable[str]],
) -> tuple[list[TocEntry], list[TocEntry]]:
    """Drop the unused Qt parts, then every library that nothing kept still links against.

    `imports_of(source)` names the libraries one binary links against (ELF NEEDED).
    """
    kept = [entry for entry in binaries if not is_unused_qt_part(entry[0])]
    libraries = {_file_name(entry[0]): entry for entry in kept if _is_prunable_library(entry)}
    roots = [entry for entry in kept if not _is_prunable_library(entry)]
    needed = _reachable(roots, libraries, imports_of)
    binaries_out = [entry for entry in kept
                    if not _is_prunable_library(entry) or _file_name(entry[0]) in needed]
    dropped = {_posix(entry[0]) for entry in binaries} - {_posix(e[0]) for e in binaries_out}
    datas_out = [entry for entry in datas
                 if not is_unused_qt_part(entry[0]) and not _points_into(entry, dropped)]
    return binaries_out, datas_out


def _file_name(destination: str) -> str:
    return _posix(destination).rsplit("/", 1)[-1]


def _reachable(
    roots: list[TocEntry],
    libraries: dict[str, TocEntry],
    imports_of: Callable[[str], Iterable[str]],
) -> set[str]:
    """The file names of the libraries the roots need, directly or through each other."""
    reached: set[str] = set()
    pending = list(roots)
    while pending:
        _destination, source, _kind = pending.pop()
        for name in imports_of(source):
            if name in libraries and name not in reached:
                reached.add(name)
                pending.append(libraries[name])
    return reached


def _points_into(entry: TocEntry, dropped: set[str]) -> bool:
    """A symlink whose target was dropped (it would dangle)."""
    destination, target, kind = entry
    if kind != "SYMLINK":
        return False
    parent = posixpath.dirname(_posix(destination))
    return posixpath.normpath(posixpath.join(parent, _posix(target))) in dropped


def elf_imports(source: str) -> list[str]:
    """The shared libraries one binary links against, by the names the loader looks for."""
    from PyInstaller.depend.bindepend import get_imports

    return sorted(name.rsplit("/", 1)[-1] for name, _path in get_imports(source))


def prune_for_platform(
    binaries: list[TocEntry], datas: list[TocEntry]
) -> tuple[list[TocEntry], list[TocEntry]]:
    """On Linux, prune by dependency; elsewhere only drop the unused Qt parts."""
    if sys.platform.startswith("linux"):
        return prune(binaries, datas, elf_imports)
    return (
        [entry for entry in binaries if not is_unused_qt_part(entry[0])],
        [entry for entry in datas if not is_unused_qt_part(entry[0])],
    )


def windows_version_info(app_name: str, app_id: str, version: str) -> object:
    """The VERSIONINFO resource Explorer shows under Properties > Details."""
    from PyInstaller.utils.win32 import versioninfo as vi

    numbers = tuple(int(part) for part in (version.split(".") + ["0"] * 4)[:4])
    strings = [
        vi.StringStruct("CompanyName", app_name),
        vi.StringStruct("FileDescription", app_name),
        vi.StringStruct("FileVersion", version),
        vi.StringStruct("InternalName", app_id),
        vi.StringStruct("OriginalFilename", f"{app_id}.exe"),
        vi.StringStruct("ProductName", app_name),
        vi.StringStruct("ProductVersion", version),
    ]
    return vi.VSVersionInfo(
        ffi=vi.FixedFileInfo(filevers=numbers, prodvers=numbers),
        kids=[
            vi.StringFileInfo([vi.StringTable("040904B0", strings)]),
            vi.VarFileInfo([vi.VarStruct("Translation", [0x0409, 1200])]),
        ],
    )
