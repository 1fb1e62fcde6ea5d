"""Timing rules for checks, as pure functions: jitter, back-off, sleep detection."""

from __future__ import annotations

import random

JITTER_FRACTION = 0.10
FIRST_RETRY_SECONDS = 30.0
SLEEP_GAP_SECONDS = 120.0
WAKE_SPREAD_SECONDS = 30.0  # resume and network-back checks are spread over this


def jitter_seconds(interval_minutes: int) -> int:
    """10% of the interval: each check comes within ±this of the interval."""
    return int(interval_minutes * 60 * JITTER_FRACTION)


def spread(seconds: float, rng: random.Random | None = None) -> float:
    """`seconds` plus up to 10% more, so a fleet that failed together retries apart."""
    return seconds * (1 + (rng or random).uniform(0, JITTER_FRACTION))


def retry_delay(failures: int, interval_minutes: int, retry_after: float | None) -> float:
    """Seconds to wait after `failures` failed checks in a row (failures >= 1).

    Doubles from 30 s, is capped at the normal interval, and never comes sooner than
    the server's Retry-After.
    """
    backoff = min(FIRST_RETRY_SECONDS * 2 ** max(failures - 1, 0), interval_minutes * 60.0)
    return max(backoff, retry_after or 0.0)


def start_delay(max_seconds: int, rng: random.Random | None = None) -> float:
    """A random delay for --autostart, spreading a fleet's first checks after login."""
    return (rng or random).uniform(0, max_seconds) if max_seconds > 0 else 0.0


def slept_between(wall_elapsed: float, monotonic_elapsed: float) -> bool:
    """True when the wall clock ran ahead of the monotonic one: the machine was asleep."""
    return wall_elapsed - monotonic_elapsed > SLEEP_GAP_SECONDS
