"""Start-up and idle cost of the tray app, against a bare PySide6 tray app as the floor.

Everything is measured from outside the processes, as a user's desktop sees them, on a
private Xvfb with a tray host (trayer), against the demo intranet served by this process:

- start -> first map: from just before the process is started to the X server's MapNotify
  of its first top-level window titled "Intranet Companion —" (the floor's: "Bench floor"),
  and start -> first paint: to the first DAMAGE event on that window (its first drawing).
  See xwatch.py: events are read as they arrive (select() on the X connection), timed
  with CLOCK_MONOTONIC; the resolution is the socket wake-up, well under 1 ms.
- idle RSS and PSS of the whole process tree (the app and every child still alive), at
  the end of the idle window; context switches (voluntary + involuntary, every thread of
  every process in the tree) over the idle window. The window starts --settle-seconds
  after the first map. See proctree.py.
- `check --json` wall time against `python -c "import requests"`, bytecode compiled first.
- the frozen app (dist/intranet-companion/, built by `make dist`), when it is there: its
  start -> first map and its `check --json`, against the app run from the venv.

Rounds alternate the floor and the app (and the frozen app), in turn first; each round
has a fresh XDG state folder, so the login popup shows. Two users: one with
COMPANION_TOKEN, one signed in once through the demo's OAuth into GNOME Keyring in a
private D-Bus session, which the tray then reads at start.

    .venv/bin/python bench/startup.py [--rounds 7] [--idle-rounds 3] [--idle-seconds 60]
        [--users token,keyring] [--json] [--quick]
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path

BENCH = Path(__file__).resolve().parent
REPO = BENCH.parent
sys.path[:0] = [str(BENCH), str(REPO)]

import desktop  # noqa: E402
import proctree  # noqa: E402
from floor_tray import TITLE as FLOOR_TITLE  # noqa: E402
from xwatch import MapWatch  # noqa: E402

FROZEN = REPO / "dist" / "intranet-companion" / "intranet-companion"
APP_TITLE = "Intranet Companion —"
GOALS = {"start": 1.3, "memory": 1.3, "switches": 1.0, "check": 1.5, "frozen": 1.2}
MIB = 1024


@dataclass(frozen=True)
class Subject:
    name: str
    command: list[str]
    title: str
    idle: bool = True  # measured idle too (the frozen app: start-up only)


@dataclass
class Sample:
    map_ms: float | None = None
    paint_ms: float | None = None
    rss_mib: float | None = None
    pss_mib: float | None = None
    switches: int | None = None
    processes: int | None = None
    error: str | None = None


@dataclass
class Options:
    rounds: int
    idle_rounds: int
    idle_seconds: float
    settle_seconds: float
    check_runs: int
    users: list[str]
    warm_up: bool
    timeout: float
    title: str


@dataclass
class User:
    name: str
    env: dict[str, str]
    home: Path
    samples: dict[str, list[Sample]] = field(default_factory=dict)
    checks: dict[str, list[float]] = field(default_factory=dict)
    check_failures: list[str] = field(default_factory=list)


# --- one round ------------------------------------------------------------------------

class RoundFailed(Exception):
    pass


def _launch(subject: Subject, user: User, watch: MapWatch, timeout: float
            ) -> tuple[subprocess.Popen, Sample]:
    state = tempfile.mkdtemp(prefix="state-", dir=user.home)
    errors = (user.home / f"{subject.name}.stderr").open("w")
    watch.reset()
    started = time.monotonic()
    process = desktop.start(subject.command, env={**user.env, "XDG_STATE_HOME": state},
                            cwd=REPO, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                            stderr=errors)
    errors.close()
    try:
        shown = watch.wait_for(subject.title, timeout,
                               alive=lambda: process.poll() is None)
    except TimeoutError as problem:
        desktop.stop(process)
        tail = (user.home / f"{subject.name}.stderr").read_text()[-1500:]
        raise RoundFailed(f"{problem}; exit {process.returncode}; stderr: {tail}") from None
    except BaseException:  # interrupted: the process must not outlive the bench
        desktop.stop(process)
        raise
    paint = None if shown.painted_at is None else (shown.painted_at - started) * 1000
    return process, Sample((shown.mapped_at - started) * 1000, paint)


def _idle(process: subprocess.Popen, sample: Sample, options: Options) -> None:
    time.sleep(options.settle_seconds)
    sample.switches = proctree.SwitchCounter(process.pid).run(options.idle_seconds)
    memory = proctree.memory(process.pid)
    sample.rss_mib, sample.pss_mib = memory.rss_kib / MIB, memory.pss_kib / MIB
    sample.processes = memory.processes


def one_round(subject: Subject, user: User, watch: MapWatch, options: Options,
              idle: bool) -> Sample:
    try:
        process, sample = _launch(subject, user, watch, options.timeout)
    except RoundFailed as problem:
        return Sample(error=str(problem))
    try:
        if idle:
            _idle(process, sample, options)
        if process.poll() is not None:
            sample.error = f"exited early with {process.returncode}"
    finally:
        desktop.stop(process)
    return sample


def _progress(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


def run_rounds(subjects: list[Subject], user: User, watch: MapWatch,
               options: Options) -> None:
    if options.warm_up:  # caches warm for every subject before the first counted round
        for subject in subjects:
            one_round(subject, user, watch, options, idle=False)
    for index in range(options.rounds):
        order = subjects if index % 2 == 0 else subjects[::-1]
        for subject in order:
            idle = index < options.idle_rounds and subject.idle
            sample = one_round(subject, user, watch, options, idle)
            user.samples.setdefault(subject.name, []).append(sample)
            _progress(f"{user.name} round {index + 1} {subject.name}: "
                      f"{_describe(sample)}")


def _describe(sample: Sample) -> str:
    if sample.error:
        return "FAILED " + sample.error[:300]
    text = f"map {sample.map_ms:.0f} ms, paint {_number(sample.paint_ms, 0)} ms"
    if sample.switches is not None:
        text += (f", RSS {sample.rss_mib:.1f} MiB, PSS {sample.pss_mib:.1f} MiB, "
                 f"{sample.switches} switches, {sample.processes} processes")
    return text


# --- check --json ---------------------------------------------------------------------

def timed(command: list[str], env: dict[str, str]) -> tuple[float, int, str]:
    """Wall milliseconds, exit status and the end of standard error."""
    started = time.perf_counter()
    done = subprocess.run(command, env=env, cwd=REPO, stdin=subprocess.DEVNULL,
                          stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, check=False,
                          timeout=120)
    wall = (time.perf_counter() - started) * 1000
    return wall, done.returncode, done.stderr.decode(errors="replace")[-500:]


CHECKED = (0, 1)  # check's exit status: all working, or something needs attention


def time_checks(user: User, commands: dict[str, list[str]], runs: int) -> None:
    """Material for each command's median, alternating; one warm-up each first (the 304
    path: the state folder is kept between runs, as at a desktop). A run that did not
    check (exit 2 or more) is kept apart, with its error, not timed."""
    env = {**user.env, "XDG_STATE_HOME": str(user.home / "check-state")}
    for command in commands.values():
        timed(command, env)
    for index in range(runs):
        names = list(commands) if index % 2 == 0 else list(commands)[::-1]
        for name in names:
            wall, status, errors = timed(commands[name], env)
            if status in CHECKED:
                user.checks.setdefault(name, []).append(wall)
            else:
                user.check_failures.append(f"{name}: exit {status}: {errors}")
                _progress(f"{user.name} {name} FAILED: exit {status}: {errors[-300:]}")
    _progress(f"{user.name} checks (ms): " + ", ".join(
        f"{name} {_number(median(list(walls)), 0)}" for name, walls in user.checks.items()))


# --- users ----------------------------------------------------------------------------

DROPPED = ("PYTHONDONTWRITEBYTECODE", "BROWSER", "PYTHON_KEYRING_BACKEND", "PYTHONPATH")


def base_env(display: str, demo_url: str, home: Path) -> dict[str, str]:
    # Measure the app as installed: with bytecode, which pip writes at install time (this
    # machine sets PYTHONDONTWRITEBYTECODE, which would recompile our modules every run).
    env = {k: v for k, v in os.environ.items()
           if k not in DROPPED and not k.startswith(("COMPANION_", "DBUS_", "QT_"))}
    runtime = home / "run"
    runtime.mkdir(parents=True, exist_ok=True, mode=0o700)
    env.update(DISPLAY=display, QT_QPA_PLATFORM="xcb", HOME=str(home),
               XDG_RUNTIME_DIR=str(runtime), XDG_CONFIG_HOME=str(home / "config"),
               XDG_CACHE_HOME=str(home / "cache"), XDG_DATA_HOME=str(home / "data"),
               COMPANION_INTRANET_URL=demo_url, COMPANION_START_AT_LOGIN="false",
               COMPANION_POLICY_FILE=str(home / "no-policy.json"))
    return env


def sign_in_with_oauth(env: dict[str, str], home: Path) -> None:
    """The demo's OAuth flow, with a scripted browser pressing Approve."""
    browser = home / "approve.sh"
    browser.write_text(f'#!/bin/sh\nexec "{sys.executable}" '
                       f'"{REPO / "tests" / "approve_browser.py"}" "$1"\n')
    browser.chmod(0o755)
    done = subprocess.run([sys.executable, str(REPO / "main.py"), "sign-in"],
                          env={**env, "BROWSER": str(browser),
                               "XDG_STATE_HOME": str(home / "sign-in-state")},
                          capture_output=True, text=True, timeout=90, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"sign-in failed ({done.returncode}): {done.stderr[-1000:]}")


@contextlib.contextmanager
def make_user(name: str, display: str, demo_url: str, token: str,
              root: Path) -> Iterator[User]:
    """`token`: COMPANION_TOKEN, no keyring. `keyring`: signed in once through the demo's
    OAuth, the tokens in GNOME Keyring, no COMPANION_TOKEN."""
    home = root / name
    home.mkdir()
    env = base_env(display, demo_url, home)
    with desktop.dbus_session(home, keyring=name == "keyring") as session_env:
        env.update(session_env)
        if name == "token":
            env["COMPANION_TOKEN"] = token
        else:
            sign_in_with_oauth(env, home)
        yield User(name, env, home)


# --- figures --------------------------------------------------------------------------

def median(values: list[float | None]) -> float | None:
    present = [v for v in values if v is not None]
    return statistics.median(present) if present else None


def _values(user: User, subject: str, attribute: str) -> list[float | None]:
    return [getattr(s, attribute) for s in user.samples.get(subject, []) if not s.error]


def row(figure: str, floor: float | None, value: float | None, goal: float,
        unit: str) -> dict[str, object]:
    ratio = value / floor if value is not None and floor else None
    met = value is not None and floor is not None and value <= floor * goal
    return {"figure": figure, "unit": unit, "floor": floor, "companion": value,
            "ratio": ratio, "goal": goal, "met": met}


def _pair(user: User, figure: str, attribute: str, goal: float, unit: str,
          subjects: tuple[str, str] = ("floor", "companion")) -> dict[str, object]:
    floor, value = (median(_values(user, name, attribute)) for name in subjects)
    return row(figure, floor, value, goal, unit)


def rows(user: User, frozen: bool) -> list[dict[str, object]]:
    found = [
        _pair(user, "start -> first map", "map_ms", GOALS["start"], "ms"),
        _pair(user, "start -> first paint (DAMAGE)", "paint_ms", GOALS["start"], "ms"),
        _pair(user, "idle RSS, process tree", "rss_mib", GOALS["memory"], "MiB"),
        _pair(user, "idle PSS, process tree", "pss_mib", GOALS["memory"], "MiB"),
        _pair(user, "context switches, idle window", "switches", GOALS["switches"], ""),
        row("check --json (floor: import requests)", median(user.checks.get("requests", [])),
            median(user.checks.get("check", [])), GOALS["check"], "ms"),
    ]
    if frozen:
        found += [
            _pair(user, "frozen start -> first map (floor: venv)", "map_ms",
                  GOALS["frozen"], "ms", ("companion", "frozen")),
            row("frozen check --json (floor: venv)", median(user.checks.get("check", [])),
                median(user.checks.get("frozen check", [])), GOALS["frozen"], "ms"),
        ]
    return found


# --- output ---------------------------------------------------------------------------

def _number(value: object, digits: int = 1) -> str:
    return "-" if value is None else f"{value:.{digits}f}"


def table(name: str, found: list[dict[str, object]]) -> str:
    lines = [f"user: {name}",
             f"  {'figure':42s} {'floor':>9s} {'companion':>10s} {'ratio':>6s} "
             f"{'goal':>6s}  met"]
    for item in found:
        digits = 0 if item["unit"] in ("ms", "") else 1
        lines.append(f"  {item['figure'] + ' ' + str(item['unit']):42s} "
                     f"{_number(item['floor'], digits):>9s} "
                     f"{_number(item['companion'], digits):>10s} "
                     f"{_number(item['ratio'], 2):>6s} {'≤' + str(item['goal']) + 'x':>6s}  "
                     f"{'yes' if item['met'] else 'NO'}")
    return "\n".join(lines)


def report(users: list[User], options: Options, frozen: bool, seconds: float) -> dict:
    return {
        "method": {"map": "X MapNotify on the root's substructure, read as it arrives",
                   "paint": "first DAMAGE event on the mapped window",
                   "clock": "CLOCK_MONOTONIC", "resolution": "under 1 ms (socket wake-up)",
                   "tree": "session + descendants, /proc, polled every 0.1 s"},
        "options": asdict(options),
        "frozen": "measured" if frozen else "not built",
        "seconds": round(seconds, 1),
        "users": {user.name: {
            "rows": rows(user, frozen),
            "samples": {k: [asdict(s) for s in v] for k, v in user.samples.items()},
            "checks_ms": user.checks,
            "check_failures": user.check_failures,
        } for user in users},
    }


# --- main -----------------------------------------------------------------------------

def subjects(options: Options, demo_url: str, frozen: bool) -> list[Subject]:
    found = [Subject("floor", [sys.executable, str(BENCH / "floor_tray.py")], FLOOR_TITLE),
             Subject("companion", [sys.executable, str(REPO / "main.py"),
                                   "--intranet-url", demo_url], options.title)]
    if frozen:
        found.append(Subject("frozen", [str(FROZEN), "--intranet-url", demo_url],
                             options.title, idle=False))
    return found


def check_commands(demo_url: str, frozen: bool) -> dict[str, list[str]]:
    commands = {"requests": [sys.executable, "-c", "import requests"],
                "check": [sys.executable, str(REPO / "main.py"), "check", "--json",
                          "--intranet-url", demo_url]}
    if frozen:
        commands["frozen check"] = [str(FROZEN), "check", "--json", "--intranet-url",
                                    demo_url]
    return commands


def frozen_built() -> bool:
    return FROZEN.is_file() and os.access(FROZEN, os.X_OK)


def compile_bytecode() -> None:
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    for folder in ("tray_app", "bench"):
        subprocess.run([sys.executable, "-m", "compileall", "-q", str(REPO / folder)],
                       check=True, env=env, stdout=subprocess.DEVNULL)


def bench(options: Options, on_user: Callable[[User], None]) -> list[User]:
    from tray_app.demo.server import DemoIntranet

    frozen = frozen_built()
    done = []
    with (tempfile.TemporaryDirectory(prefix="bench-startup-") as root,
          desktop.x_desktop() as display, MapWatch(display) as watch,
          DemoIntranet() as demo):
        for name in options.users:
            with make_user(name, display, demo.url, demo.token, Path(root)) as user:
                run_rounds(subjects(options, demo.url, frozen), user, watch, options)
                time_checks(user, check_commands(demo.url, frozen), options.check_runs)
            done.append(user)
            on_user(user)
    return done


DEFAULTS = {"rounds": 7, "idle_rounds": 3, "idle_seconds": 60.0, "settle_seconds": 5.0,
            "check_runs": 7, "users": "token,keyring"}
QUICK = {"rounds": 1, "idle_rounds": 1, "idle_seconds": 2.0, "settle_seconds": 0.5,
         "check_runs": 1, "users": "token"}


def parse(argv: list[str] | None) -> tuple[Options, bool]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, help="start-up rounds (default 7)")
    parser.add_argument("--idle-rounds", type=int,
                        help="of those, how many also measure idle (default 3)")
    parser.add_argument("--idle-seconds", type=float, help="default 60")
    parser.add_argument("--settle-seconds", type=float,
                        help="from the first map to the idle window (default 5)")
    parser.add_argument("--check-runs", type=int, help="default 7")
    parser.add_argument("--users", help="comma-separated: token, keyring (default both)")
    parser.add_argument("--title", default=APP_TITLE, help="the popup's title starts so")
    parser.add_argument("--timeout", type=float, default=60,
                        help="seconds to wait for a window to map")
    parser.add_argument("--no-warm-up", action="store_true")
    parser.add_argument("--quick", action="store_true",
                        help="1 round, idle 2 s, token user only, no warm-up: for a test")
    parser.add_argument("--json", action="store_true", help="print JSON, not tables")
    args = parser.parse_args(argv)
    defaults = QUICK if args.quick else DEFAULTS
    for name, value in defaults.items():
        if getattr(args, name) is None:
            setattr(args, name, value)
    args.no_warm_up = args.no_warm_up or args.quick
    users = [name.strip() for name in args.users.split(",") if name.strip()]
    if set(users) - {"token", "keyring"}:
        parser.error("--users takes token and/or keyring")
    return Options(args.rounds, min(args.idle_rounds, args.rounds), args.idle_seconds,
                   args.settle_seconds, args.check_runs, users, not args.no_warm_up,
                   args.timeout, args.title), args.json


def main(argv: list[str] | None = None) -> int:
    options, as_json = parse(argv)
    # Ended by SIGTERM: unwind, so every process started is ended too.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    started = time.monotonic()
    compile_bytecode()
    frozen = frozen_built()

    def show(user: User) -> None:
        if not as_json:
            print(table(user.name, rows(user, frozen)) + "\n", flush=True)

    users = bench(options, show)
    result = report(users, options, frozen, time.monotonic() - started)
    if as_json:
        print(json.dumps(result, indent=2))
    else:
        print(f"frozen app: {result['frozen']}; medians of {options.rounds} start rounds, "
              f"{options.idle_rounds} idle rounds of {options.idle_seconds:g} s, "
              f"{options.check_runs} check runs; took {result['seconds']:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
