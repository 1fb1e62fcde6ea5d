"""Every input is total: property-based tests of the contract's promise.

Whatever the intranet sends and whatever bytes sit in a file the app reads, `check --json`
prints exactly one JSON object with an exit code from cli.md, no traceback reaches
standard error, and the state file it leaves behind still loads, so a later check against
a good intranet works again.

Most examples run `tray_app.cli.main(["check", "--json"])` in this process, with
standard output and standard error swapped for byte buffers that encode the way a real
process's do (UTF-8; surrogateescape on stdout as Python sets it under a UTF-8 locale,
backslashreplace on stderr), and any exception escaping `main` counts as the traceback
it would be in a real process. One test runs real `main.py check --json` processes.
Servers listen on 127.0.0.1 only; strategies are in prop_strategies.py.
"""

from __future__ import annotations

import contextlib
import io
import json
import logging
import os
import re
import subprocess
import sys
import tempfile
import traceback
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from fakeserver import FakeServer, RecordedRequest, Reply
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from prop_strategies import (
    BOUNDARY_DATES,
    BOUNDARY_TIMES,
    MALFORMED_TIMES,
    SEED_KEYRING_CHOICES,
    SEED_SETTINGS_FILES,
    Answer,
    answer_bodies,
    answer_headers,
    answers,
    any_json,
    any_text,
    file_bytes,
    good_body,
    header_text,
    http_dates,
    insecure_secrets_objects,
    keyring_choice_objects,
    near_valid_bodies,
    rfc3339_times,
    seed_answers,
    seed_insecure_secrets,
    seed_state_files,
    settings_objects,
    state_objects,
    with_seeds,
)

from tray_app import cli
from tray_app.core import logs
from tray_app.core.config import load_config, read_user_settings
from tray_app.core.errors import CompanionError, ConfigError, ErrorKind
from tray_app.core.model import IntegrationList, parse_integration_list
from tray_app.core.policy import RawPolicy, read_json_policy
from tray_app.core.secrets import InsecureFileBackend, SecretStore, open_secret_store
from tray_app.core.state import AppState, StateStore
from tray_app.core.timeutil import parse_http_date, parse_rfc3339

REPO = Path(__file__).resolve().parents[1]
PATH = "/api/v1/me/integrations"
TOKEN = "s3cret-token-for-tests-0123456789"
APP_DIR = "intranet-companion"  # platformdirs appname (tray_app.APP_ID)
CONTRACT_KEYS = frozenset({"schema", "intranet_url", "checked_at", "outcome", "error", "user",
                           "external_apps_url", "warning_window_days", "integrations",
                           "notices", "warnings"})
STALE_KEYS = frozenset({"stale", "confirmed_at"})
EXIT_CODES = frozenset({0, 1, 3, 4, 5})
KIND_CODES = {"network": 3, "tls": 3, "timeout": 3, "server": 3, "rate_limited": 3,
              "protocol": 3, "auth": 4, "config": 5}
HEADER_NAME = re.compile(r"^[!#$%&'*+.^_`|~0-9A-Za-z-]+$")  # RFC 9110 token
UTC_TIME = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$")
MAX_STATE_BYTES = 3 * 1024 * 1024
# What a terminal takes as the start of a control sequence: ESC, and the 8-bit CSI.
TERMINAL_CONTROLS = ("\x1b", "\x9b")
ENV_PREFIXES = ("COMPANION_", "XDG_", "PYTHON_KEYRING_BACKEND", "DEMO_KEYRING_FILE")

# A subprocess check costs ~0.3 s; in-process examples are what keeps this file quick.
IN_PROCESS = settings(max_examples=150, deadline=None, database=None,
                      suppress_health_check=[HealthCheck.function_scoped_fixture,
                                             HealthCheck.too_slow,
                                             HealthCheck.data_too_large,
                                             HealthCheck.large_base_example])
UNIT = settings(max_examples=300, deadline=None, database=None,
                suppress_health_check=[HealthCheck.function_scoped_fixture,
                                       HealthCheck.too_slow])
# File examples cost ~30 ms (two checks, no big bodies): many more of them.
FAST_IN_PROCESS = settings(IN_PROCESS, max_examples=250)
# Shrinking real processes is slow; the in-process tests shrink the same inputs.
END_TO_END = settings(IN_PROCESS, max_examples=20,
                      phases=[Phase.explicit, Phase.reuse, Phase.generate, Phase.target])


# --- one isolated home per example ----------------------------------------------------------


@dataclass(frozen=True)
class Home:
    root: Path
    url: str

    @property
    def state_dir(self) -> Path:
        return self.root / "state" / APP_DIR

    @property
    def state_file(self) -> Path:
        return self.state_dir / "state.json"

    @property
    def settings_file(self) -> Path:
        return self.root / "config" / APP_DIR / "settings.json"

    @property
    def policy_file(self) -> Path:
        return self.root / "policy.json"

    @property
    def keyring_choice_file(self) -> Path:
        return self.state_dir / "keyring-backend.json"

    @property
    def insecure_secrets_file(self) -> Path:
        return self.state_dir / "secrets-INSECURE.json"

    def env(self, *, token: bool = True) -> dict[str, str]:
        env = {
            "XDG_CONFIG_HOME": str(self.root / "config"),
            "XDG_STATE_HOME": str(self.root / "state"),
            "XDG_CACHE_HOME": str(self.root / "cache"),
            "COMPANION_POLICY_FILE": str(self.policy_file),
            "COMPANION_INTRANET_URL": self.url,
            # The least allowed: an answer whose framing is broken times out quickly.
            "COMPANION_READ_TIMEOUT_SECONDS": "1",
            "COMPANION_CONNECT_TIMEOUT_SECONDS": "2",
        }
        if token:
            env["COMPANION_TOKEN"] = TOKEN
        return env

    def write(self, path: Path, data: bytes) -> None:
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        path.write_bytes(data)


@contextlib.contextmanager
def fresh_home(url: str) -> Iterator[Home]:
    with tempfile.TemporaryDirectory(prefix="companion-prop-") as root:
        yield Home(Path(root), url)


@contextlib.contextmanager
def environment(env: Mapping[str, str]) -> Iterator[None]:
    """os.environ with every COMPANION_*/XDG_*/keyring variable replaced by `env`."""
    saved = dict(os.environ)
    for name in list(os.environ):
        if name.startswith(ENV_PREFIXES):
            del os.environ[name]
    os.environ.update(env)
    try:
        yield
    finally:
        os.environ.clear()
        os.environ.update(saved)


# --- running check ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Run:
    how: str
    code: int | None
    stdout: bytes
    stderr: str
    escaped: BaseException | None = None  # an exception that left main(): a traceback


def check_in_process(env: Mapping[str, str]) -> Run:
    """`check --json` through tray_app.cli.main in this process, output captured as bytes."""
    out_bytes, err_bytes = io.BytesIO(), io.BytesIO()
    out = io.TextIOWrapper(out_bytes, encoding="utf-8", errors="surrogateescape",
                           write_through=True)
    err = io.TextIOWrapper(err_bytes, encoding="utf-8", errors="backslashreplace",
                           write_through=True)
    root = logging.getLogger()
    saved_handlers, saved_level = list(root.handlers), root.level
    saved_streams = sys.stdout, sys.stderr
    code: int | None = None
    escaped: BaseException | None = None
    with environment(env):
        sys.stdout, sys.stderr = out, err
        try:
            code = cli.main(["check", "--json"])
        except (Exception, SystemExit) as problem:  # in a real process: a traceback
            escaped = problem
            with contextlib.suppress(Exception):
                traceback.print_exception(problem, file=err)
        finally:
            with contextlib.suppress(Exception):
                out.flush()
                err.flush()
            sys.stdout, sys.stderr = saved_streams
            for handler in list(root.handlers):
                if handler not in saved_handlers:
                    root.removeHandler(handler)
                    handler.close()
            root.handlers[:] = saved_handlers
            root.setLevel(saved_level)
            logs._known_secrets.clear()  # secrets registered by this example only
    return Run("in process", code, out_bytes.getvalue(),
               err_bytes.getvalue().decode("utf-8", "replace"), escaped)


def check_subprocess(env: Mapping[str, str]) -> Run:
    """A real `python main.py check --json` process."""
    full = {k: v for k, v in os.environ.items() if not k.startswith(ENV_PREFIXES)}
    full.update(env)
    done = subprocess.run([sys.executable, str(REPO / "main.py"), "check", "--json"],
                          capture_output=True, env=full, timeout=60, check=False)
    return Run("subprocess", done.returncode, done.stdout,
               done.stderr.decode("utf-8", "backslashreplace"))


def _tail(text: str, limit: int = 2500) -> str:
    return text if len(text) <= limit else "..." + text[-limit:]


def assert_contract(run: Run) -> dict[str, Any]:
    """One JSON object of cli.md's shape, an allowed exit code, nothing alarming on stderr.
    Returns the object."""
    if run.escaped is not None:
        # Re-raised as it is, so hypothesis tells distinct crashes apart by where they
        # happen and the report shows the product's own frames.
        run.escaped.add_note(f"escaped tray_app.cli.main ({run.how}); stderr was:\n"
                             f"{_tail(run.stderr)}")
        raise run.escaped
    assert "Traceback" not in run.stderr, f"traceback on stderr ({run.how}):\n{_tail(run.stderr)}"
    for control in TERMINAL_CONTROLS:
        assert control not in run.stderr, (
            f"raw terminal control {control!r} on stderr ({run.how}):\n{_tail(run.stderr)!r}")
    try:
        text = run.stdout.decode("utf-8")
    except UnicodeDecodeError as problem:
        raise AssertionError(f"stdout is not UTF-8 ({problem}): {run.stdout[:300]!r}") from None
    try:
        data = json.loads(text)
    except ValueError as problem:
        raise AssertionError(f"stdout is not one JSON value ({problem}) ({run.how}):\n"
                             f"{_tail(text)}\nstderr:\n{_tail(run.stderr)}") from None
    assert isinstance(data, dict), f"stdout is JSON but not an object: {_tail(text)}"
    assert run.code in EXIT_CODES, f"exit code {run.code} is not one of cli.md's for check"
    keys = set(data)
    assert CONTRACT_KEYS <= keys <= CONTRACT_KEYS | STALE_KEYS, (
        f"top-level keys {sorted(keys)} are not cli.md's")
    assert data["schema"] == 1
    assert data["outcome"] in ("ok", "attention", "error"), data["outcome"]
    error = data["error"]
    if data["outcome"] == "error":
        assert isinstance(error, dict) and set(error) == {"kind", "message"}, error
        assert error["kind"] in KIND_CODES, f"unknown error kind {error['kind']!r}"
        assert isinstance(error["message"], str) and error["message"]
        assert run.code == KIND_CODES[error["kind"]], (
            f"exit code {run.code} for error kind {error['kind']}")
    else:
        assert error is None, error
        assert run.code == (1 if data["outcome"] == "attention" else 0), (
            f"exit code {run.code} for outcome {data['outcome']}")
        assert "stale" not in data
    assert isinstance(data["integrations"], list) and isinstance(data["notices"], list)
    assert isinstance(data["warnings"], list)
    assert all(isinstance(w, str) for w in data["warnings"])
    times = [("checked_at", data["checked_at"])]
    if data.get("confirmed_at") is not None:
        times.append(("confirmed_at", data["confirmed_at"]))
    times += [(f"integrations[{i}].expires_at", item.get("expires_at"))
              for i, item in enumerate(data["integrations"]) if item.get("expires_at")]
    times += [(f"notices[{i}].key", notice.get("key"))
              for i, notice in enumerate(data["notices"]) if notice.get("key") != ""]
    for where, value in times:
        assert isinstance(value, str) and UTC_TIME.match(value), (
            f"{where} {value!r} is not RFC 3339 in UTC with Z (cli.md)")
    return data


def assert_state_loads(home: Home) -> None:
    """The state file, if any, is small and loads without raising."""
    path = home.state_file
    if path.exists():
        size = path.stat().st_size
        assert size < MAX_STATE_BYTES, f"state file grew to {size} bytes"
    StateStore(path).load()  # must not raise; a bad file is set aside


def assert_kind_for(answer: Answer, data: dict[str, Any], had_state: bool) -> None:
    """The contract's error kind for the status the intranet answered with."""
    if answer.content_encoding not in (None, "identity"):
        return  # a damaged compressed body is a protocol error whatever the status
    if not all(HEADER_NAME.match(name) for name in answer.headers()):
        # A control character in a header name breaks HTTP framing: http.client stops
        # reading headers there, so the length is lost and the read may time out.
        return
    error = data["error"]
    kind = error["kind"] if error else None
    status = answer.status
    if status == 200 or (status == 304 and had_state):
        expected: set[str | None] = {None, "protocol"}
    elif status in (401, 403):
        expected = {"auth"}
    elif status == 404:
        expected = {"config"}
    elif status == 429:
        expected = {"rate_limited"}
    elif 500 <= status <= 599:
        expected = {"server"}
    else:
        expected = {"protocol"}
    assert kind in expected, f"HTTP {status} gave error kind {kind!r}, expected {expected}"


def good_reply(home: Home) -> Reply:
    return Reply.json(good_body(home.url), headers={"ETag": '"good"'})


def assert_next_check_works(server: FakeServer, home: Home, run_check: Any = None,
                            *, token: bool = True) -> None:
    """With a good intranet now, a second check succeeds (no poisoned state)."""
    server.respond("GET", PATH, good_reply(home))
    run = (run_check or check_in_process)(home.env(token=token))
    data = assert_contract(run)
    assert run.code in (0, 1), (
        f"a check against a good intranet afterwards gave {run.code}: {data['error']}")
    assert_state_loads(home)


def prior_state(home: Home) -> bytes:
    now = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    return json.dumps({"version": 1, "notices": {}, "retry_not_before": None,
                       "last_good": {"intranet_url": home.url, "body": good_body(home.url),
                                     "etag": '"v0"', "server_time": now}}).encode()


# --- the server -------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def server() -> Iterator[FakeServer]:
    with FakeServer() as running:
        # A client that hangs up early makes socketserver print a traceback to
        # sys.stderr, which during an in-process check is the captured stderr.
        running._httpd.handle_error = lambda *_args: None  # type: ignore[method-assign]
        running.respond("POST", "/oauth/token", Reply.json(
            {"error": "invalid_grant", "message": "no"}, status=400))
        yield running


def serve(server: FakeServer, answer: Answer) -> None:
    server.respond("GET", PATH, Reply(answer.status, answer.headers(), answer.body,
                                      send_date=answer.send_date))


# --- unit level: the parsers on anything ------------------------------------------------------

BASE = "http://127.0.0.1:8000"
NOW = datetime.now(UTC)


@UNIT
@given(st.one_of(any_json, near_valid_bodies(BASE, NOW)))
def test_parse_integration_list_returns_or_raises_protocol(body: Any) -> None:
    try:
        result = parse_integration_list(body)
    except CompanionError as problem:
        assert problem.kind is ErrorKind.PROTOCOL, problem.kind
    else:
        assert isinstance(result, IntegrationList)


@UNIT
@given(st.one_of(any_text, rfc3339_times(), st.sampled_from(BOUNDARY_TIMES + MALFORMED_TIMES),
                 any_json))
def test_parse_rfc3339_is_total(value: Any) -> None:
    moment = parse_rfc3339(value)
    assert moment is None or (isinstance(moment, datetime) and moment.utcoffset() is not None)


@UNIT
@given(st.one_of(st.none(), any_text, header_text, http_dates(), st.sampled_from(BOUNDARY_DATES)))
def test_parse_http_date_is_total(value: str | None) -> None:
    moment = parse_http_date(value)
    assert moment is None or (isinstance(moment, datetime) and moment.utcoffset() is not None)


@contextlib.contextmanager
def bytes_file(data: bytes) -> Iterator[Path]:
    with tempfile.TemporaryDirectory(prefix="companion-prop-") as root:
        path = Path(root) / "file.json"
        path.write_bytes(data)
        yield path


@UNIT
@given(file_bytes(settings_objects(BASE)))
def test_read_json_policy_returns_or_raises_config_error(data: bytes) -> None:
    with bytes_file(data) as path:
        try:
            policy = read_json_policy(path)
        except ConfigError:
            return
        assert isinstance(policy, RawPolicy) and isinstance(policy.values, dict)
        load_config(environ={}, settings_path=path.with_name("none.json"), policy=policy)


@UNIT
@given(file_bytes(settings_objects(BASE)))
def test_read_user_settings_returns_a_dict(data: bytes) -> None:
    with bytes_file(data) as path:
        warnings: list[str] = []
        assert isinstance(read_user_settings(path, warnings), dict)
        load_config(environ={}, settings_path=path, policy=RawPolicy(origin="none"))


@UNIT
@given(file_bytes(state_objects(BASE)))
def test_state_store_load_is_total(data: bytes) -> None:
    with bytes_file(data) as path:
        state = StateStore(path).load()
        assert isinstance(state, AppState)


@UNIT
@given(file_bytes(keyring_choice_objects()), st.booleans())
def test_open_secret_store_with_any_keyring_choice(data: bytes, allow_insecure: bool) -> None:
    with tempfile.TemporaryDirectory(prefix="companion-prop-") as root:
        home = Home(Path(root), BASE)
        home.write(home.keyring_choice_file, data)
        config = load_config(environ={}, settings_path=home.settings_file, policy=RawPolicy(
            values={"allow_insecure_keyring": allow_insecure}, origin="test"))
        with environment(home.env(token=False)):
            try:
                store = open_secret_store(config)
            except CompanionError as problem:
                assert problem.kind is ErrorKind.AUTH, problem.kind
            else:
                assert isinstance(store, SecretStore)


@UNIT
@given(file_bytes(insecure_secrets_objects(BASE, TOKEN)))
def test_insecure_secrets_file_reads_or_says_why(data: bytes) -> None:
    with bytes_file(data) as path:
        backend = InsecureFileBackend(path)
        for key in (f"oauth:{BASE}", f"token:{BASE}", "__index__"):
            try:
                value = backend.read(key)
            except CompanionError as problem:
                assert problem.kind is ErrorKind.AUTH, problem.kind
            else:
                assert value is None or isinstance(value, str)


# --- scenarios: one example each, shared by the tests below ------------------------------------


def scenario_answer(server: FakeServer, answer: Answer, with_prior_state: bool,
                    run_check: Any = check_in_process) -> None:
    """The intranet answers `answer`; then a good intranet answers the next check."""
    with fresh_home(server.url) as home:
        if with_prior_state:
            home.write(home.state_file, prior_state(home))
        serve(server, answer)
        result = assert_contract(run_check(home.env()))
        assert_kind_for(answer, result, with_prior_state)
        assert_state_loads(home)
        assert_next_check_works(server, home, run_check)


def scenario_policy(server: FakeServer, content: bytes,
                    run_check: Any = check_in_process) -> None:
    """Any policy file: the check works or is a config error (or the network error of
    a loopback URL the policy names), never a crash."""
    with fresh_home(server.url) as home:
        home.write(home.policy_file, content)
        server.respond("GET", PATH, good_reply(home))
        assert_contract(run_check(home.env()))
        assert_state_loads(home)
        home.policy_file.unlink()
        assert_next_check_works(server, home, run_check)


def scenario_settings(server: FakeServer, content: bytes,
                      run_check: Any = check_in_process) -> None:
    """Any settings file: ignored (with a warning) where bad, so the check still works:
    it sits below COMPANION_INTRANET_URL and policy."""
    with fresh_home(server.url) as home:
        home.write(home.settings_file, content)
        server.respond("GET", PATH, good_reply(home))
        run = run_check(home.env())
        result = assert_contract(run)
        assert run.code in (0, 1), f"the settings file made check fail: {result['error']}"
        assert_state_loads(home)
        home.settings_file.unlink()
        assert_next_check_works(server, home, run_check)


def scenario_state(server: FakeServer, content: bytes, not_modified: bool,
                   run_check: Any = check_in_process) -> None:
    """Any state file: set aside where bad; a good 200 answer still makes a good check."""
    with fresh_home(server.url) as home:
        home.write(home.state_file, content)
        if not_modified:
            server.respond("GET", PATH, Reply(304, {"ETag": '"v1"'}))
        else:
            server.respond("GET", PATH, good_reply(home))
        run = run_check(home.env())
        result = assert_contract(run)
        if not not_modified:
            assert run.code in (0, 1), f"the state file made check fail: {result['error']}"
        assert_state_loads(home)
        assert_next_check_works(server, home, run_check)


def _bearer_only(request: RecordedRequest, home: Home) -> Reply:
    if request.headers["Authorization"] != f"Bearer {TOKEN}":
        return Reply.json({"error": "invalid_token", "message": "Token rejected."}, status=401)
    return good_reply(home)


def scenario_keyring(server: FakeServer, choice: bytes | None, secrets: bytes | None,
                     allow_insecure: bool, method: str,
                     run_check: Any = check_in_process) -> None:
    """No COMPANION_TOKEN: any keyring-backend.json and secrets-INSECURE.json."""
    with fresh_home(server.url) as home:
        home.write(home.policy_file, json.dumps(
            {"allow_insecure_keyring": allow_insecure, "auth_method": method}).encode())
        if choice is not None:
            home.write(home.keyring_choice_file, choice)
        if secrets is not None:
            home.write(home.insecure_secrets_file, secrets)
        server.respond("GET", PATH, lambda request: _bearer_only(request, home))
        assert_contract(run_check(home.env(token=False)))
        assert_state_loads(home)
        home.policy_file.unlink()
        assert_next_check_works(server, home, run_check)


keyring_choices = with_seeds(SEED_KEYRING_CHOICES, st.one_of(
    st.none(), file_bytes(keyring_choice_objects()), st.just(b'{"backend": "insecure-file"}')))


def insecure_secrets(url: str) -> st.SearchStrategy[bytes | None]:
    return with_seeds(seed_insecure_secrets(url, TOKEN), st.one_of(
        st.none(), file_bytes(insecure_secrets_objects(url, TOKEN))))


# --- check against any intranet answer ----------------------------------------------------------


@IN_PROCESS
@given(data=st.data(), with_prior_state=st.booleans())
def test_check_any_intranet_body(server: FakeServer, data: st.DataObject,
                                 with_prior_state: bool) -> None:
    """200 with any body: entries skipped with warnings, or a protocol error."""
    scenario_answer(server, data.draw(with_seeds(seed_answers(server.url),
                                                 answer_bodies(server.url)), label="answer"),
                    with_prior_state)


@IN_PROCESS
@given(data=st.data(), with_prior_state=st.booleans())
def test_check_any_intranet_status_and_headers(server: FakeServer, data: st.DataObject,
                                               with_prior_state: bool) -> None:
    """Any status, Date, ETag, Retry-After, Content-Type...: the contract's error kinds."""
    scenario_answer(server, data.draw(with_seeds(seed_answers(server.url),
                                                 answer_headers(server.url)), label="answer"),
                    with_prior_state)


@IN_PROCESS
@given(data=st.data(), with_prior_state=st.booleans())
def test_check_any_intranet_answer(server: FakeServer, data: st.DataObject,
                                   with_prior_state: bool) -> None:
    """Everything at once: any status, headers and body."""
    scenario_answer(server, data.draw(answers(server.url), label="answer"), with_prior_state)


# --- check with any file content -------------------------------------------------------------


@FAST_IN_PROCESS
@given(data=st.data())
def test_check_any_policy_file(server: FakeServer, data: st.DataObject) -> None:
    scenario_policy(server, data.draw(with_seeds(SEED_SETTINGS_FILES,
                                                 file_bytes(settings_objects(server.url))),
                                      label="policy.json"))


@FAST_IN_PROCESS
@given(data=st.data())
def test_check_any_settings_file(server: FakeServer, data: st.DataObject) -> None:
    scenario_settings(server, data.draw(with_seeds(SEED_SETTINGS_FILES,
                                                   file_bytes(settings_objects(server.url))),
                                        label="settings.json"))


@FAST_IN_PROCESS
@given(data=st.data(), not_modified=st.booleans())
def test_check_any_state_file(server: FakeServer, data: st.DataObject,
                              not_modified: bool) -> None:
    scenario_state(server, data.draw(with_seeds(seed_state_files(server.url),
                                                file_bytes(state_objects(server.url))),
                                     label="state.json"), not_modified)


@FAST_IN_PROCESS
@given(data=st.data(), allow_insecure=st.sampled_from([True, True, True, False]),
       method=st.sampled_from(["token", "oauth"]))
def test_check_any_keyring_files(server: FakeServer, data: st.DataObject,
                                 allow_insecure: bool, method: str) -> None:
    scenario_keyring(server, data.draw(keyring_choices, label="keyring-backend.json"),
                     data.draw(insecure_secrets(server.url), label="secrets-INSECURE.json"),
                     allow_insecure, method)


# --- the same, end to end, in real processes ---------------------------------------------------


def answers_with_header(url: str, name: str, value: str) -> Answer:
    return Answer(200, json.dumps(good_body(url)).encode(), "auto", None, None,
                  "application/json", None, {name: value})


def end_to_end_inputs(url: str) -> st.SearchStrategy[tuple[str, Any]]:
    """(which input, its value): the seeds first, then anything."""
    seeds = ([("answer", a) for a in seed_answers(url)[:11]]
             + [("answer", answers_with_header(url, "X-\x1b", "v"))]
             + [("policy", b) for b in SEED_SETTINGS_FILES[:6]]
             + [("settings", b) for b in SEED_SETTINGS_FILES[3:]]
             + [("state", b) for b in seed_state_files(url)[:5]]
             + [("keyring", (b, None)) for b in SEED_KEYRING_CHOICES[:2]]
             + [("keyring", (None, b)) for b in seed_insecure_secrets(url, TOKEN)[:4]])
    generated = st.one_of(
        st.tuples(st.just("answer"), answers(url)),
        st.tuples(st.just("policy"), file_bytes(settings_objects(url))),
        st.tuples(st.just("settings"), file_bytes(settings_objects(url))),
        st.tuples(st.just("state"), file_bytes(state_objects(url))),
        st.tuples(st.just("keyring"), st.tuples(keyring_choices, insecure_secrets(url))),
    )
    return st.one_of(st.sampled_from(seeds), generated)


@END_TO_END
@given(data=st.data())
def test_check_end_to_end_in_real_processes(server: FakeServer, data: st.DataObject) -> None:
    """No traceback on a real process's stderr, whichever input is bad."""
    which, value = data.draw(end_to_end_inputs(server.url), label="input")
    if which == "answer":
        scenario_answer(server, value, False, check_subprocess)
    elif which == "policy":
        scenario_policy(server, value, check_subprocess)
    elif which == "settings":
        scenario_settings(server, value, check_subprocess)
    elif which == "state":
        scenario_state(server, value, False, check_subprocess)
    else:
        choice, secrets = value
        scenario_keyring(server, choice, secrets, True, "oauth", check_subprocess)
