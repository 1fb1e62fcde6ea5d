"""Timing rules: back-off, Retry-After, jitter, start delay, sleep detection."""

from __future__ import annotations

import random

import pytest

from tray_app.core.schedule import (
    jitter_seconds,
    retry_delay,
    slept_between,
    spread,
    start_delay,
)


@pytest.mark.parametrize(("failures", "expected"), [(1, 30), (2, 60), (3, 120), (6, 960),
                                                    (7, 1920), (8, 3600), (20, 3600)])
def test_backoff_doubles_and_is_capped_at_the_interval(failures: int, expected: float) -> None:
    assert retry_delay(failures, 60, None) == expected


def test_retry_after_is_never_undercut() -> None:
    assert retry_delay(1, 60, 600) == 600
    assert retry_delay(1, 60, 5) == 30
    assert retry_delay(1, 5, 7200) == 7200


def test_jitter_is_ten_percent() -> None:
    assert jitter_seconds(60) == 360
    assert jitter_seconds(5) == 30


def test_start_delay_stays_within_policy() -> None:
    rng = random.Random(7)
    delays = [start_delay(120, rng) for _ in range(200)]
    assert all(0 <= d <= 120 for d in delays)
    assert max(delays) - min(delays) > 60  # really spread out
    assert start_delay(0) == 0


def test_sleep_is_a_wall_clock_gap() -> None:
    assert slept_between(3600 + 600, 3600)
    assert not slept_between(3600 + 5, 3600)


def test_retries_are_spread_up_to_ten_percent_later() -> None:
    rng = random.Random(3)
    spreads = [spread(100, rng) for _ in range(200)]
    assert all(100 <= value <= 110 for value in spreads)
    assert max(spreads) - min(spreads) > 5
