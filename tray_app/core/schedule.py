"""When to check, as pure functions: the one timing policy (bench/fleet.py simulates it).

Every delay is random so that a fleet of desktops never comes back at the same moment.
"""

from __future__ import annotations

import random
from datetime import datetime

JITTER_FRACTION = 0.10  # each periodic check comes at the interval ±10%
# The first retry is spread over 30 minutes, then 60 (capped at the interval). A shorter
# window brings a fleet back in a bunch: the checks that failed during an outage of L
# seconds come back at (fleet rate) x L / window on top of the normal load. With a 1-hour
# interval, 30 minutes keep the busiest minute after a 10-minute outage at about 1.8x the
# normal load; 15 or 20 minutes reach 2x (bench/fleet.py). A lone failing desktop waits
# 15 minutes on average, a quarter of the default interval.
RETRY_WINDOW_SECONDS = 1800.0
MAX_RETRY_AFTER_SECONDS = 24 * 3600.0  # a hostile or broken Retry-After cannot do more
# Resume and network-back hit many desktops at once (a site's network returns), so they
# are spread wider than a login's 2 minutes.
WAKE_SPREAD_SECONDS = 300.0
SLEEP_GAP_SECONDS = 120.0


def start_delay(max_seconds: int, rng: random.Random | None = None) -> float:
    """The first check after login (--autostart): uniform over 0..`max_seconds`."""
    return (rng or random).uniform(0, max_seconds) if max_seconds > 0 else 0.0


def periodic_delay(interval_minutes: int, rng: random.Random | None = None) -> float:
    """Seconds to the next periodic check: the interval ±10%, uniform."""
    return interval_minutes * 60.0 * (rng or random).uniform(1 - JITTER_FRACTION,
                                                             1 + JITTER_FRACTION)


def retry_window(failures: int, interval_minutes: int) -> float:
    """The spread after `failures` failed checks in a row: doubles, capped at the interval."""
    doublings = min(max(failures - 1, 0), 32)  # 2**32 windows are far past any interval
    return min(RETRY_WINDOW_SECONDS * 2.0**doublings, interval_minutes * 60.0)


def retry_delay(failures: int, interval_minutes: int, retry_after: float | None,
                rng: random.Random | None = None) -> float:
    """Seconds to wait after `failures` failed checks in a row (failures >= 1).

    Full jitter: the server's Retry-After (capped at 24 h) is the floor, never the moment;
    the try comes at random within the window after it.
    """
    return _floor(retry_after) + (rng or random).uniform(
        0, retry_window(failures, interval_minutes))


def wake_delay(rng: random.Random | None = None) -> float:
    """The check after resume from sleep or when the network is back."""
    return (rng or random).uniform(0, WAKE_SPREAD_SECONDS)


def not_before_delay(not_before: datetime | None, now: datetime) -> float:
    """Seconds until a saved "not before" time (aware): the floor for any automatic check.

    0 when there is none or it has passed.
    """
    if not_before is None:
        return 0.0
    return _floor((not_before - now).total_seconds())


def first_check_delay(max_start_seconds: int, not_before: datetime | None, now: datetime,
                      interval_minutes: int, rng: random.Random | None = None) -> float:
    """The first check of a run: at login spread over `max_start_seconds` (0: at once),
    and never before a saved Retry-After floor (`not_before`), spread after it."""
    delay = start_delay(max_start_seconds, rng)
    floor = not_before_delay(not_before, now)
    if floor > 0:
        delay = max(delay, retry_delay(1, interval_minutes, floor, rng))
    return delay


def slept_between(wall_elapsed: float, monotonic_elapsed: float) -> bool:
    """True when the wall clock ran ahead of the monotonic one: the machine was asleep."""
    return wall_elapsed - monotonic_elapsed > SLEEP_GAP_SECONDS


def _floor(seconds: float | None) -> float:
    if seconds is None or not seconds > 0:  # also NaN
        return 0.0
    return min(seconds, MAX_RETRY_AFTER_SECONDS)
