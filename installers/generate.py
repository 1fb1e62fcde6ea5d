"""Write every file generated from the settings table (tray_app/core/settings.py).

    python -m installers.generate          # rewrite them (make admin-doc does this)
    python -m installers.generate --check  # exit 1 and name the stale ones

Run it after changing the settings table; tests/test_installers.py fails while a
committed file differs from a fresh generation.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from pathlib import Path

from installers.apple_profiles import (
    render_example_profile,
    render_jamf_schema,
    render_launch_agent,
)
from installers.policy_docs import (
    refresh_admin_doc,
    render_example_json,
    render_linux_policy_readme,
)
from installers.windows_policy import render_adml, render_admx

REPO = Path(__file__).resolve().parents[1]
ADMIN_DOC = "ADMIN.md"

GENERATORS: dict[str, Callable[[], str | bytes]] = {
    "installers/windows/policy/IntranetCompanion.admx": render_admx,
    "installers/windows/policy/en-US/IntranetCompanion.adml": render_adml,
    "installers/macos/com.intranetcompanion.app.plist": render_launch_agent,
    "installers/macos/IntranetCompanion.example.mobileconfig": render_example_profile,
    "installers/macos/com.intranetcompanion.app.jamf.json": render_jamf_schema,
    "installers/linux/policy.example.json": render_example_json,
    "installers/linux/README.policy": render_linux_policy_readme,
}


def _as_bytes(content: str | bytes) -> bytes:
    return content.encode("utf-8") if isinstance(content, str) else content


def render_all(repo: Path = REPO) -> dict[Path, bytes]:
    """Every generated file as it should be, by absolute path."""
    files = {repo / name: _as_bytes(render()) for name, render in GENERATORS.items()}
    admin_doc = repo / ADMIN_DOC
    files[admin_doc] = _as_bytes(refresh_admin_doc(admin_doc.read_text(encoding="utf-8")))
    return files


def stale_files(repo: Path = REPO) -> list[Path]:
    """The generated files whose committed content differs from a fresh generation."""
    return [path for path, content in render_all(repo).items()
            if not path.is_file() or path.read_bytes() != content]


def write_all(repo: Path = REPO) -> list[Path]:
    written = []
    for path, content in render_all(repo).items():
        if not path.is_file() or path.read_bytes() != content:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(content)
            written.append(path)
    return written


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true",
                        help="change nothing; exit 1 if a generated file is out of date")
    args = parser.parse_args(argv)
    if args.check:
        stale = stale_files()
        for path in stale:
            print(f"out of date: {path.relative_to(REPO)}", file=sys.stderr)
        return 1 if stale else 0
    for path in write_all():
        print(f"wrote {path.relative_to(REPO)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
