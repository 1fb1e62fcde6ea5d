"""Replaces PyInstaller's run-time hook for PySide6, which imports QtCore at the start of
every run (about 40 ms and the Qt libraries) to write an embedded qt.conf. The PyPI
PySide6 wheels write that qt.conf themselves when PySide6 is first imported, so a frozen
`check` or worker, which never imports Qt, no longer pays for it. What stays: where Qt's
plugins are, and on Windows the bundle on PATH (QtNetwork's OpenSSL DLLs)."""


def _pyi_rthook() -> None:
    import os
    import sys

    root = sys._MEIPASS  # type: ignore[attr-defined]
    qt = os.path.join(root, "PySide6") if sys.platform.startswith("win") else os.path.join(
        root, "PySide6", "Qt")
    os.environ["QT_PLUGIN_PATH"] = os.path.join(qt, "plugins")
    if sys.platform.startswith("win"):
        os.environ["PATH"] = root + os.pathsep + os.environ.get("PATH", "")


_pyi_rthook()
del _pyi_rthook
