"""Timing rules (periodic jitter, full-jitter retries, Retry-After as the floor, the saved
not-before, wake spread, start delay, sleep detection), the CheckScheduler that applies
them, and bench/fleet.py's output."""

from __future__ import annotations

import json
import math
import random
import subprocess
import sys
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tray_app.core.schedule import (
    MAX_RETRY_AFTER_SECONDS,
    RETRY_WINDOW_SECONDS,
    WAKE_SPREAD_SECONDS,
    not_before_delay,
    periodic_delay,
    retry_delay,
    retry_window,
    slept_between,
    start_delay,
    wake_delay,
)

REPO = Path(__file__).resolve().parents[1]
NOW = datetime(2025, 6, 2, 9, 0, tzinfo=UTC)

failures = st.integers(min_value=1, max_value=10_000)
intervals = st.integers(min_value=5, max_value=1440)
retry_afters = st.one_of(st.none(), st.floats(allow_nan=True, allow_infinity=True))
seeds = st.integers(min_value=0, max_value=2**32)


def _floor(retry_after: float | None) -> float:
    if retry_after is None or not retry_after > 0:
        return 0.0
    return min(retry_after, MAX_RETRY_AFTER_SECONDS)


# --- core/schedule.py ------------------------------------------------------------------

@given(failures, intervals, retry_afters, seeds)
def test_retry_delay_is_floor_plus_at_most_the_window(
        failures: int, interval: int, retry_after: float | None, seed: int) -> None:
    delay = retry_delay(failures, interval, retry_after, random.Random(seed))
    floor = _floor(retry_after)
    assert floor <= delay <= floor + interval * 60
    assert delay <= floor + retry_window(failures, interval)
    timedelta(seconds=delay)  # a hostile Retry-After cannot overflow the scheduler


@given(failures, intervals)
def test_retry_window_doubles_up_to_the_interval(failures: int, interval: int) -> None:
    window = retry_window(failures, interval)
    assert 0 < window <= interval * 60
    assert retry_window(failures + 1, interval) in (2 * window, interval * 60)


def test_retry_windows_for_the_default_interval() -> None:
    assert RETRY_WINDOW_SECONDS == 1800
    assert [retry_window(n, 60) for n in (1, 2, 3, 50)] == [1800, 3600, 3600, 3600]
    assert [retry_window(n, 240) for n in (1, 2, 3, 4, 5)] == [1800, 3600, 7200, 14400, 14400]
    assert retry_window(1, 5) == 300


def test_retries_are_spread_over_the_whole_window() -> None:
    rng = random.Random(3)
    delays = [retry_delay(1, 60, None, rng) for _ in range(500)]
    assert min(delays) < 120 and max(delays) > 1680
    assert 700 < sum(delays) / len(delays) < 1100  # uniform: about 900 s on average


def test_retry_after_is_the_floor_not_the_moment() -> None:
    rng = random.Random(5)
    delays = [retry_delay(1, 60, 600, rng) for _ in range(500)]
    assert all(600 <= d <= 600 + 1800 for d in delays)
    assert max(delays) - min(delays) > 1500  # a fleet told "600" does not come back at 600


@pytest.mark.parametrize("hostile", [1e300, math.inf, 10 * 365 * 86400.0])
def test_absurd_retry_after_is_capped_at_a_day(hostile: float) -> None:
    assert retry_delay(1, 60, hostile, random.Random(1)) <= 86400 + 1800


@pytest.mark.parametrize("nothing", [None, 0.0, -5.0, math.nan])
def test_no_retry_after_is_no_floor(nothing: float | None) -> None:
    assert retry_delay(1, 60, nothing, random.Random(1)) <= 1800


@given(intervals, seeds)
def test_periodic_delay_is_the_interval_plus_or_minus_ten_percent(interval: int,
                                                                  seed: int) -> None:
    delay = periodic_delay(interval, random.Random(seed))
    assert interval * 60 * 0.9 <= delay <= interval * 60 * 1.1


def test_periodic_delays_cover_the_jitter_both_ways() -> None:
    rng = random.Random(9)
    delays = [periodic_delay(60, rng) for _ in range(500)]
    assert min(delays) < 3300 and max(delays) > 3900
    assert abs(sum(delays) / len(delays) - 3600) < 60  # no drift: the mean is the interval


@given(st.floats(min_value=-1e9, max_value=0))
def test_not_before_in_the_past_gives_no_delay(seconds_ago: float) -> None:
    assert not_before_delay(NOW + timedelta(seconds=seconds_ago), NOW) == 0


@given(st.floats(min_value=0.001, max_value=1e8))
def test_not_before_in_the_future_is_waited_for(seconds: float) -> None:
    delay = not_before_delay(NOW + timedelta(seconds=seconds), NOW)
    assert delay == pytest.approx(min(seconds, MAX_RETRY_AFTER_SECONDS), abs=1e-3)


def test_no_not_before_and_other_time_zones() -> None:
    assert not_before_delay(None, NOW) == 0
    paris = NOW.astimezone(datetime.now().astimezone().tzinfo)
    assert not_before_delay(NOW + timedelta(seconds=90), paris) == 90


@given(seeds)
def test_wake_delay_stays_within_the_spread(seed: int) -> None:
    assert 0 <= wake_delay(random.Random(seed)) <= WAKE_SPREAD_SECONDS


def test_start_delay_stays_within_policy() -> None:
    rng = random.Random(7)
    delays = [start_delay(120, rng) for _ in range(200)]
    assert all(0 <= d <= 120 for d in delays)
    assert max(delays) - min(delays) > 60  # really spread out
    assert start_delay(0) == 0


def test_sleep_is_a_wall_clock_gap() -> None:
    assert slept_between(3600 + 600, 3600)
    assert not slept_between(3600 + 5, 3600)


# --- ui/scheduler.py: jobs are planned, not run (the scheduler is not started) ------------

class Saved:
    """Stands in for the state file's retry_not_before."""

    def __init__(self) -> None:
        self.not_before: datetime | None = None
        self.checks = 0

    def run_check(self) -> None:
        self.checks += 1


@pytest.fixture
def saved(qapp) -> Saved:
    return Saved()


@pytest.fixture
def scheduler(saved: Saved) -> Iterator:
    from tray_app.ui.scheduler import CheckScheduler

    sched = CheckScheduler(60, saved.run_check, not_before=lambda: saved.not_before,
                           rng=random.Random(2))
    yield sched
    sched.shutdown()


def _in(scheduler) -> tuple[str, float]:
    kind, when = scheduler.next_check()
    return kind, (when - datetime.now().astimezone()).total_seconds()


def test_success_plans_the_next_periodic_check(scheduler) -> None:
    scheduler.after_check(False, None)
    kind, seconds = _in(scheduler)
    assert kind == "periodic" and 3240 - 5 <= seconds <= 3960
    assert len(scheduler.scheduler.get_jobs()) == 1


def test_failures_plan_spread_retries_then_success_resets(scheduler) -> None:
    scheduler.after_check(True, 600)
    kind, seconds = _in(scheduler)
    assert kind == "retry" and 600 - 5 <= seconds <= 600 + 1800
    scheduler.after_check(True, None)
    assert scheduler.failures == 2 and _in(scheduler)[1] <= 3600
    scheduler.after_check(False, None)
    assert scheduler.failures == 0 and _in(scheduler)[0] == "periodic"
    assert len(scheduler.scheduler.get_jobs()) == 1  # one automatic check planned at a time


def test_a_check_before_the_saved_time_is_rescheduled_not_run(scheduler, saved) -> None:
    saved.not_before = datetime.now(UTC) + timedelta(seconds=600)
    for kind in ("periodic", "retry", "soon"):
        scheduler._tick(kind)
        assert saved.checks == 0
        planned, seconds = _in(scheduler)
        assert planned == kind and 600 - 5 <= seconds <= 600 + 1800


def test_a_check_after_the_saved_time_runs(scheduler, saved) -> None:
    saved.not_before = datetime.now(UTC) - timedelta(seconds=1)
    scheduler._tick("periodic")
    assert saved.checks == 1
    assert _in(scheduler)[0] == "periodic"  # in case the check never reports back


def test_wake_and_network_back_are_spread(scheduler) -> None:
    scheduler.start_watch(30)
    scheduler.after_check(False, None)
    scheduler.check_soon("resumed from sleep")
    kind, seconds = _in(scheduler)
    assert kind == "soon" and 0 <= seconds <= WAKE_SPREAD_SECONDS
    first = scheduler.next_check()
    scheduler.check_soon("the network is back")  # one already due within the spread stays
    assert scheduler.next_check()[0] == "soon" and scheduler.next_check()[1] <= first[1]
    assert scheduler.scheduler.get_job("watch") is not None
    assert len(scheduler.scheduler.get_jobs()) == 2


def test_an_overdue_check_is_spread_on_wake(scheduler, saved) -> None:
    scheduler._plan("periodic", -600)  # its timer slept with the computer
    scheduler.check_soon("resumed from sleep")
    kind, seconds = _in(scheduler)
    assert kind == "soon" and 0 <= seconds <= WAKE_SPREAD_SECONDS


def test_a_late_timer_after_sleep_is_spread_like_a_wake(scheduler, saved) -> None:
    scheduler._last_wall -= 3600  # the wall clock ran an hour ahead of the monotonic one
    scheduler._tick("periodic")
    assert saved.checks == 0
    assert 0 <= _in(scheduler)[1] <= WAKE_SPREAD_SECONDS
    scheduler._tick("periodic")
    assert saved.checks == 1


def test_the_watch_waits_for_the_saved_time(scheduler, saved) -> None:
    saved.not_before = datetime.now(UTC) + timedelta(seconds=60)
    scheduler._watch_tick()
    assert saved.checks == 0
    saved.not_before = None
    scheduler._watch_tick()
    assert saved.checks == 1


def test_a_running_scheduler_keeps_the_next_check_after_a_tick(qtbot, scheduler,
                                                               saved) -> None:
    scheduler.start()
    scheduler._plan("retry", 0.05)
    qtbot.waitUntil(lambda: saved.checks == 1, timeout=5000)
    qtbot.wait(50)  # APScheduler has removed the job that ran, not the one it planned
    kind, when = scheduler.next_check()
    assert kind == "periodic"
    jobs = scheduler.scheduler.get_jobs()
    assert len(jobs) == 1 and jobs[0].next_run_time == when


def test_an_unreadable_not_before_does_not_stop_checks(qapp) -> None:
    from tray_app.ui.scheduler import CheckScheduler

    def broken() -> datetime | None:
        raise OSError("state file unreadable")

    ran: list[bool] = []
    sched = CheckScheduler(60, lambda: ran.append(True), not_before=broken)
    sched._tick("periodic")
    assert ran == [True]


# --- bench/fleet.py --------------------------------------------------------------------

def test_fleet_bench_prints_the_figures_as_json() -> None:
    done = subprocess.run(
        [sys.executable, str(REPO / "bench" / "fleet.py"), "--desktops", "2000", "--json",
         "--rounds", "1"],
        capture_output=True, text=True, timeout=120, check=True)
    scenarios = json.loads(done.stdout)["scenarios"]
    assert len(scenarios) == 6
    keys = {"name", "mean_rps", "peak_1s_rps", "peak_10s_rps", "peak_1min_rps"}
    for scenario in scenarios:
        assert set(scenario) == keys
        assert isinstance(scenario["name"], str)
        assert all(isinstance(scenario[k], float) and scenario[k] > 0 for k in keys - {"name"})
    names = " ".join(s["name"] for s in scenarios)
    for part in ("spread", "peaking", "without Retry-After", "Retry-After: 60",
                 "Retry-After: 600", "HTTP date"):
        assert part in names


def test_the_first_check_of_a_run_honours_a_saved_not_before() -> None:
    import random
    from datetime import UTC, datetime, timedelta

    from tray_app.core.schedule import first_check_delay

    now = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
    rng = random.Random(7)
    assert first_check_delay(0, None, now, 60, rng) == 0
    assert first_check_delay(0, now - timedelta(minutes=1), now, 60, rng) == 0
    for _ in range(50):
        delay = first_check_delay(120, now + timedelta(seconds=600), now, 60, rng)
        assert 600 <= delay <= 600 + 1800
        assert 0 <= first_check_delay(120, None, now, 60, rng) <= 120
