"""The worker reads a stored sign-in ahead, in a forked child, while it loads the HTTP
stack (core/token_ahead.py): real worker processes, the demo intranet on 127.0.0.1 and a
keyring the processes share (a real Secret Service, or the file-backed test keyring).

Whatever the child does (answers, refreshes, finds no sign-in, dies, hangs), the check
says what an in-process read would have said, the worker's output stays one protocol,
and no token reaches a file or an output."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from datetime import timedelta
from pathlib import Path

import pytest
from test_sign_in_cli import (  # noqa: F401 -- fixtures
    LIFETIME,
    Keyring,
    assert_nowhere,
    clock,
    demo,
    file_keyring,
    keyring_for_processes,
    make_cli,
    secret_service,
    tokens_in,
)

from tray_app.demo.server import DemoIntranet

REPO = Path(__file__).resolve().parents[1]
READ_AHEAD = "The stored sign-in was read ahead by process"


def run_worker(env: dict[str, str], request: dict) -> tuple[list[dict], str]:
    done = subprocess.run([sys.executable, "-m", "tray_app", "worker"],
                          input=json.dumps({"v": 1, **request}) + "\n", capture_output=True,
                          text=True, env=env, cwd=REPO, timeout=60, check=False)
    assert done.returncode == 0, done.stderr
    return [json.loads(line) for line in done.stdout.splitlines()], done.stdout


def log_text(home: Path) -> str:
    found = list(home.rglob("companion.log"))
    return "".join(path.read_text() for path in found)


@pytest.fixture
def signed_in(tmp_path: Path, isolated_home: Path, demo: DemoIntranet,  # noqa: F811
              keyring_for_processes: Keyring):  # noqa: F811
    cli = make_cli(tmp_path, demo, keyring_for_processes)
    done = cli.run("sign-in")
    assert done.returncode == 0, done.stderr
    return cli


def test_the_check_reads_the_stored_sign_in_ahead(signed_in, isolated_home: Path,
                                                  demo: DemoIntranet,  # noqa: F811
                                                  keyring_for_processes: Keyring) -> None:  # noqa: F811
    messages, output = run_worker({**signed_in.env, "COMPANION_VERBOSE": "1"},
                                  {"op": "check"})

    assert [m["type"] for m in messages] == ["report"]  # the child wrote nothing there
    report = messages[0]["report"]
    assert report["error"] is None and report["answer"]["user"]["name"] == "Jane Doe"
    assert READ_AHEAD in log_text(isolated_home)
    signed_in.outputs.append(output)
    assert_nowhere(tokens_in(keyring_for_processes, demo), isolated_home, signed_in)


def test_an_expired_token_is_refreshed_by_the_child(signed_in, isolated_home: Path,
                                                    demo: DemoIntranet,  # noqa: F811
                                                    clock,  # noqa: F811
                                                    keyring_for_processes: Keyring) -> None:  # noqa: F811
    before = tokens_in(keyring_for_processes, demo)
    clock.offset = timedelta(seconds=LIFETIME + 5)

    messages, output = run_worker({**signed_in.env, "COMPANION_VERBOSE": "1"},
                                  {"op": "check"})

    assert messages[-1]["report"]["error"] is None
    assert demo.oauth.grants == {"authorization_code": 1, "refresh_token": 1}
    after = tokens_in(keyring_for_processes, demo)
    assert not before & after  # the rotated record was saved by the child
    assert READ_AHEAD in log_text(isolated_home)
    signed_in.outputs.append(output)
    assert_nowhere(before | after, isolated_home, signed_in)


def test_no_sign_in_is_said_as_an_in_process_read_says_it(
        tmp_path: Path, isolated_home: Path, demo: DemoIntranet,  # noqa: F811
        file_keyring: Keyring) -> None:  # noqa: F811
    cli = make_cli(tmp_path, demo, file_keyring)

    messages, _ = run_worker(cli.env, {"op": "check"})
    in_process = json.loads(cli.run("check", "--json").stdout)

    error = messages[-1]["report"]["error"]
    assert error["offers_sign_in"] is True and error["kind"] == "auth"
    assert error["message"] == in_process["error"]["message"]


# --- the child's ways of failing: the parent then reads the token itself ---------------

PROGRAM = """
    import os, sys, time
    from tray_app.core import token_ahead
    from tray_app.core.config import load_or_problem
    from tray_app.core.logs import setup_logging

    setup_logging("DEBUG", stderr_level="CRITICAL")
    parent = os.getpid()
    real = token_ahead.token_provider
    mode = sys.argv[1]

    def provider(config, environ):
        if os.getpid() != parent:
            if mode == "dies":
                os._exit(3)
            if mode == "hangs":
                time.sleep(60)
        return real(config, environ)

    token_ahead.token_provider = provider
    token_ahead._child_seconds = lambda config: 1
    started = time.monotonic()
    got = token_ahead.read_ahead(load_or_problem({}))
    print(type(got).__name__, got.access_token() == sys.argv[2],
          round(time.monotonic() - started, 1))
"""


@pytest.mark.parametrize("mode", ["dies", "hangs"])
def test_a_child_without_an_answer_costs_nothing(signed_in, demo: DemoIntranet,  # noqa: F811
                                                 keyring_for_processes: Keyring,  # noqa: F811
                                                 mode: str) -> None:
    token = json.loads(keyring_for_processes.read(f"oauth:{demo.url}"))["access_token"]
    done = subprocess.run([sys.executable, "-c", textwrap.dedent(PROGRAM), mode, token],
                          capture_output=True, text=True, env=signed_in.env, cwd=REPO,
                          timeout=60, check=False)

    assert done.returncode == 0, done.stderr
    kind, same, seconds = done.stdout.split()
    assert (kind, same) == ("TokenAhead", "True")
    assert float(seconds) < 10  # the hanging child was ended by its alarm


def test_no_fork_with_a_token_from_the_environment_or_another_thread(signed_in) -> None:
    program = textwrap.dedent("""
        import os, threading
        from tray_app.core.config import load_or_problem
        from tray_app.core.token_ahead import read_ahead

        config = load_or_problem({})
        print(type(read_ahead(config, {**os.environ, "COMPANION_TOKEN": "t" * 20})).__name__)
        stop = threading.Event()
        threading.Thread(target=stop.wait).start()
        print(type(read_ahead(config)).__name__)
        stop.set()
    """)
    done = subprocess.run([sys.executable, "-c", program], capture_output=True, text=True,
                          env=signed_in.env, cwd=REPO, timeout=60, check=False)
    assert done.stdout.split() == ["LazyProvider", "LazyProvider"], done.stderr
