"""bench/startup.py runs end to end (--quick) and leaves no process behind.

The figures are not checked here, only the shape of the JSON report. Needs the X tools
CI installs (.ci/run); elsewhere the test is skipped when they are missing.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
TOOLS = ("Xvfb", "trayer", "xwininfo", "dbus-run-session")
missing = [tool for tool in TOOLS if shutil.which(tool) is None]
if missing and not os.environ.get("CI"):
    pytest.skip(f"needs {', '.join(missing)} (installed by .ci/run)", allow_module_level=True)

ROW_KEYS = {"figure", "unit", "floor", "companion", "ratio", "goal", "met"}


def _processes_with(marker: str) -> list[int]:
    """Live processes whose environment mentions `marker` (all the bench started)."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit() and int(entry.name) != os.getpid():
            try:
                if marker.encode() in (entry / "environ").read_bytes():
                    found.append(int(entry.name))
            except OSError:
                continue
    return found


def _wait_until_gone(marker: str, seconds: float) -> list[int]:
    deadline = time.monotonic() + seconds
    while (left := _processes_with(marker)) and time.monotonic() < deadline:
        time.sleep(0.2)
    return left


def test_quick_bench_reports_json_and_cleans_up(tmp_path: Path) -> None:
    marker = str(tmp_path / "bench-tmp")
    Path(marker).mkdir()
    env = {**os.environ, "TMPDIR": marker}  # every process the bench starts inherits it
    done = subprocess.run([sys.executable, str(REPO / "bench" / "startup.py"), "--quick",
                           "--json"], env=env, capture_output=True, text=True, timeout=180,
                          check=False)
    left = _wait_until_gone(marker, 10)
    assert not left, f"processes left behind: {left}"
    assert done.returncode == 0, done.stderr[-3000:]
    report = json.loads(done.stdout)
    assert set(report["users"]) == {"token"}
    assert report["frozen"] in ("measured", "not built")
    assert report["options"]["rounds"] == 1 and report["options"]["idle_seconds"] == 2
    rows = report["users"]["token"]["rows"]
    figures = [row["figure"] for row in rows]
    assert figures[:5] == ["start -> first map", "start -> first paint (DAMAGE)",
                           "idle RSS, process tree", "idle PSS, process tree",
                           "context switches, idle window"]
    assert figures[5].startswith("check --json")
    assert len(rows) == (8 if report["frozen"] == "measured" else 6)
    for row in rows:
        assert set(row) == ROW_KEYS
        assert isinstance(row["met"], bool) and isinstance(row["goal"], float | int)
    samples = report["users"]["token"]["samples"]
    assert {"floor", "companion"} <= set(samples)
    assert all(len(runs) == 1 for runs in samples.values())
