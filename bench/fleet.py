"""Load on the intranet from a fleet of desktops: a discrete-event simulation, no network.

N desktops (default 20,000) log in between 08:30 and 09:30 and check until 18:00. Every
delay comes from the app's own `tray_app.core.schedule` (start delay, periodic interval
±10%, retry after a failure with Retry-After as the floor, the saved "not before"), and
Retry-After is read by the app's own client code, against the server's Date header. The
simulated intranet counts each request by the second and, during an outage, answers 503.

Scenarios:
- logins spread: uniform over 08:30-09:30;
- logins peaking at 09:00: triangular over 08:30-09:30 with its mode at 09:00 (at the
  peak twice as many logins per minute as when spread);
- an outage 09:00-09:10 (spread logins) answering 503 with no Retry-After, with
  `Retry-After: 60`, `Retry-After: 600`, and `Retry-After: <HTTP date of 09:10:00>`.

For each: the mean requests per second over 09:30-18:00 (the whole fleet is logged in:
its normal load, N / interval, ≈ 5.6/s for 20,000 desktops at 60 minutes) and the peaks
over any 1 s, 10 s and 1 min of the day (08:00-18:00, sliding windows). Goal: the 1-minute
peak at most 2× the mean and the 10-second peak at most 3×. Each figure is the median of
--rounds rounds (different seeds).

    .venv/bin/python bench/fleet.py [--desktops 20000] [--rounds 5] [--seed 1] [--json]
"""

from __future__ import annotations

import argparse
import heapq
import json
import random
import statistics
import sys
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tray_app.core.client import retry_after_seconds  # the app's own Retry-After parsing
from tray_app.core.schedule import (
    not_before_delay,
    periodic_delay,
    retry_delay,
    start_delay,
)

DAY = datetime(2025, 6, 2, 8, 0, tzinfo=UTC)  # a Monday; t = seconds since 08:00


def clock(hh_mm: str) -> float:
    hours, minutes = hh_mm.split(":")
    return (int(hours) - 8) * 3600.0 + int(minutes) * 60.0


DAY_END = clock("18:00")
LOGINS = (clock("08:30"), clock("09:30"))
MEAN_SPAN = (clock("09:30"), DAY_END)
OUTAGE = (clock("09:00"), clock("09:10"))
RETRY_AT = format_datetime(DAY + timedelta(seconds=clock("09:10")), usegmt=True)
GOAL_1MIN, GOAL_10S = 2.0, 3.0


@dataclass(frozen=True)
class Scenario:
    name: str
    login: Callable[[random.Random], float]
    outage: bool = False
    retry_after: str | None = None  # the header's value during the outage


def spread_logins(rng: random.Random) -> float:
    return rng.uniform(*LOGINS)


def peaking_logins(rng: random.Random) -> float:
    return rng.triangular(LOGINS[0], LOGINS[1], clock("09:00"))


SCENARIOS = (
    Scenario("logins spread 08:30-09:30", spread_logins),
    Scenario("logins peaking at 09:00 (triangular 08:30-09:30, mode 09:00)",
             peaking_logins),
    Scenario("outage 09:00-09:10, 503 without Retry-After", spread_logins, True),
    Scenario("outage 09:00-09:10, Retry-After: 60", spread_logins, True, "60"),
    Scenario("outage 09:00-09:10, Retry-After: 600", spread_logins, True, "600"),
    Scenario("outage 09:00-09:10, Retry-After: HTTP date 09:10:00", spread_logins, True,
             RETRY_AT),
)


class Intranet:
    """Counts requests per second; during the outage answers 503 (with Retry-After)."""

    def __init__(self, scenario: Scenario) -> None:
        self.scenario = scenario
        self.requests = [0] * int(DAY_END)

    def answer(self, t: float) -> dict[str, str] | None:
        """None for a good answer, else the error's headers."""
        self.requests[int(t)] += 1
        if not (self.scenario.outage and OUTAGE[0] <= t < OUTAGE[1]):
            return None
        headers = {"Date": format_datetime(DAY + timedelta(seconds=int(t)), usegmt=True)}
        if self.scenario.retry_after is not None:
            headers["Retry-After"] = self.scenario.retry_after
        return headers


@dataclass
class Desktop:
    failures: int = 0
    not_before: float | None = None  # as saved in the state file


class Fleet:
    """The desktops, reacting as the tray's CheckScheduler does."""

    def __init__(self, intranet: Intranet, rng: random.Random, interval: int,
                 max_start_delay: int) -> None:
        self.intranet, self.rng, self.interval = intranet, rng, interval
        self.max_start_delay = max_start_delay

    def run(self, desktops: int, login: Callable[[random.Random], float]) -> None:
        # The first check runs at login (--autostart) after the start delay.
        due = [(login(self.rng) + start_delay(self.max_start_delay, self.rng), i)
               for i in range(desktops)]
        heapq.heapify(due)
        state = [Desktop() for _ in range(desktops)]
        while due:
            t, i = heapq.heappop(due)
            later = t + self.check(state[i], t)
            if later < DAY_END:
                heapq.heappush(due, (later, i))

    def check(self, desktop: Desktop, t: float) -> float:
        """One automatic check at `t`; returns the delay to the next one."""
        if desktop.not_before is not None:
            floor = not_before_delay(_at(desktop.not_before), _at(t))
            if floor > 0:  # rescheduled, never run early
                return retry_delay(max(desktop.failures, 1), self.interval, floor, self.rng)
        error = self.intranet.answer(t)
        if error is None:
            desktop.failures, desktop.not_before = 0, None
            return periodic_delay(self.interval, self.rng)
        desktop.failures += 1
        retry_after = retry_after_seconds(error)
        # As tray_app.core.check saves it: each answer replaces the saved time.
        desktop.not_before = None if retry_after is None else t + retry_after
        return retry_delay(desktop.failures, self.interval, retry_after, self.rng)


def _at(t: float) -> datetime:
    return DAY + timedelta(seconds=t)


def measure(requests: list[int]) -> dict[str, float]:
    start, end = (int(x) for x in MEAN_SPAN)
    return {
        "mean_rps": sum(requests[start:end]) / (end - start),
        "peak_1s_rps": float(max(requests)),
        "peak_10s_rps": _peak(requests, 10),
        "peak_1min_rps": _peak(requests, 60),
    }


def _peak(requests: list[int], seconds: int) -> float:
    window = best = sum(requests[:seconds])
    for i in range(seconds, len(requests)):
        window += requests[i] - requests[i - seconds]
        best = max(best, window)
    return best / seconds


def run_scenario(scenario: Scenario, args: argparse.Namespace) -> dict[str, float]:
    rounds = []
    for round_number in range(args.rounds):
        intranet = Intranet(scenario)
        rng = random.Random(f"{args.seed}/{round_number}/{scenario.name}")
        Fleet(intranet, rng, args.interval, args.max_start_delay).run(args.desktops,
                                                                      scenario.login)
        rounds.append(measure(intranet.requests))
    return {key: statistics.median(r[key] for r in rounds) for key in rounds[0]}


def goal_met(result: dict[str, float]) -> bool:
    mean = result["mean_rps"]
    return (result["peak_1min_rps"] <= GOAL_1MIN * mean
            and result["peak_10s_rps"] <= GOAL_10S * mean)


def table(results: list[tuple[str, dict[str, float]]], args: argparse.Namespace) -> str:
    lines = [
        f"{args.desktops} desktops, interval {args.interval} min, start delay up to "
        f"{args.max_start_delay} s; median of {args.rounds} rounds; requests per second,",
        "mean over 09:30-18:00 (the whole fleet logged in), peaks over 08:00-18:00",
        "",
        "| scenario | mean | peak 1 s | peak 10 s | peak 1 min | 10 s / mean | "
        "1 min / mean | goal met |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for name, r in results:
        mean = r["mean_rps"]
        lines.append(
            f"| {name} | {mean:.2f} | {r['peak_1s_rps']:.0f} | {r['peak_10s_rps']:.1f} | "
            f"{r['peak_1min_rps']:.1f} | {r['peak_10s_rps'] / mean:.2f} | "
            f"{r['peak_1min_rps'] / mean:.2f} | {'yes' if goal_met(r) else 'no'} |")
    lines.append("")
    lines.append(f"goal: peak 1 min <= {GOAL_1MIN:g}x mean, peak 10 s <= {GOAL_10S:g}x mean")
    return "\n".join(lines)


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--desktops", type=int, default=20_000)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--interval", type=int, default=60, help="check_interval_minutes")
    parser.add_argument("--max-start-delay", type=int, default=120,
                        help="max_start_delay_seconds")
    parser.add_argument("--json", action="store_true")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    results = [(s.name, run_scenario(s, args)) for s in SCENARIOS]
    if args.json:
        print(json.dumps({"scenarios": [{"name": name, **r} for name, r in results]}))
    else:
        print(table(results, args))
    return 0


if __name__ == "__main__":
    sys.exit(main())
