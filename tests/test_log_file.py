"""The shared log file: private after rotation, shared by processes, never a traceback."""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
from pathlib import Path

from fakeserver import Reply
from test_check_cli import PATH, REPO, TOKEN

WRITER = """
import logging, sys
import tray_app.core.logs as logs
logs.MAX_LOG_BYTES = 20_000
logs.setup_logging("INFO")
for index in range(int(sys.argv[2])):
    logging.getLogger("writer").info("%s line %05d %s", sys.argv[1], index, "x" * 60)
"""


def log_dir(home: Path) -> Path:
    return home / "state" / "intranet-companion"


def write_lines(tag: str, count: int) -> subprocess.Popen[str]:
    return subprocess.Popen([sys.executable, "-c", WRITER, tag, str(count)], cwd=REPO,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def test_two_processes_rotate_one_log_and_lose_no_line(isolated_home: Path) -> None:
    writers = [write_lines("tray", 300), write_lines("check", 300)]
    for writer in writers:
        _, errors = writer.communicate(timeout=120)
        assert writer.returncode == 0 and errors == ""
    files = sorted(log_dir(isolated_home).glob("companion.log*"))
    assert [f.name for f in files] == ["companion.log", "companion.log.1", "companion.log.2"]
    for file in files:
        assert file.stat().st_mode & 0o777 == 0o600
        assert file.stat().st_size <= 20_000
    lines = [line for f in files for line in f.read_text().splitlines()]
    assert all(line.endswith("x" * 60) for line in lines)  # no torn line
    # Two backups of 20 kB keep the newest lines; each kept line is whole and unique.
    assert len(lines) == len(set(lines)) > 300


def test_an_existing_open_log_is_made_private(isolated_home: Path) -> None:
    folder = log_dir(isolated_home)
    folder.mkdir(parents=True)
    (folder / "companion.log").write_text("old\n")
    os.chmod(folder / "companion.log", 0o644)
    writer = write_lines("tray", 1)
    writer.communicate(timeout=60)
    assert (folder / "companion.log").stat().st_mode & 0o777 == 0o600


def test_the_log_is_never_written_through_a_symbolic_link(isolated_home: Path,
                                                          tmp_path: Path) -> None:
    folder = log_dir(isolated_home)
    folder.mkdir(parents=True)
    target = tmp_path / "someone-elses-file"
    target.write_text("keep me\n")
    (folder / "companion.log").symlink_to(target)
    writer = write_lines("tray", 5)
    _, errors = writer.communicate(timeout=60)
    assert writer.returncode == 0
    assert target.read_text() == "keep me\n"
    assert errors.count("cannot write its log file") == 1 and "Traceback" not in errors


def _no_file_may_grow() -> None:
    resource.setrlimit(resource.RLIMIT_FSIZE, (0, 0))  # as if the disk were full


def test_a_full_disk_gives_one_sentence_and_a_normal_check(fake_server) -> None:
    server = fake_server()
    server.respond("GET", PATH, Reply.json({
        "user": {"id": "u", "name": "Jane", "email": None},
        "external_apps_url": f"{server.url}/profile/settings/external-apps",
        "integrations": []}))
    env = {k: v for k, v in os.environ.items() if not k.startswith("COMPANION_")}
    env.update(COMPANION_POLICY_FILE=os.environ["COMPANION_POLICY_FILE"],
               COMPANION_INTRANET_URL=server.url, COMPANION_TOKEN=TOKEN)
    done = subprocess.run([sys.executable, str(REPO / "main.py"), "check", "--json"],
                          capture_output=True, text=True, env=env, timeout=60, check=False,
                          preexec_fn=_no_file_may_grow)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["outcome"] == "ok"
    assert "Traceback" not in done.stderr and "Logging error" not in done.stderr
    assert done.stderr.count("cannot write its log file") == 1
    assert "Could not save state" in done.stderr
