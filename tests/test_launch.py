"""launch.py: which arguments make a plain tray start (read without argparse), and that
everything else still reaches the command line's parser."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from tray_app.arguments import plain_tray_start

REPO = Path(__file__).resolve().parents[1]


@pytest.mark.parametrize(("args", "url", "autostart"), [
    ([], None, False),
    (["--intranet-url", "https://intranet.acme.example"], "https://intranet.acme.example",
     False),
    (["--intranet-url=https://i.example", "--autostart", "-v"], "https://i.example", True),
    (["--verbose", "--autostart"], None, True),
])
def test_a_plain_tray_start_is_read_without_argparse(args: list[str], url: str | None,
                                                     autostart: bool) -> None:
    options = plain_tray_start(args)
    assert options is not None
    assert (options.intranet_url, options.autostart, options.demo) == (url, autostart, False)


@pytest.mark.parametrize("args", [
    ["--demo"], ["check"], ["--help"], ["--version"], ["--intranet-url"],
    ["--autostart", "diagnose"], ["--bogus"],
])
def test_anything_else_goes_to_the_parser(args: list[str]) -> None:
    assert plain_tray_start(args) is None


def test_a_wrong_option_gets_argparse_s_usage_error() -> None:
    done = subprocess.run([sys.executable, str(REPO / "main.py"), "--intranet-url"],
                          capture_output=True, text=True, timeout=60, check=False)
    assert done.returncode == 2
    assert "--intranet-url" in done.stderr and "Traceback" not in done.stderr
