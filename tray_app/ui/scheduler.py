"""When checks run: APScheduler's QtScheduler in the GUI thread (the job only starts a
worker), with back-off after errors, a re-check after sleep, and the reconnect watch.

Between checks nothing wakes the process: one Qt timer for the next due job, and
event-driven signals for resume and network changes.
"""

from __future__ import annotations

import logging
import random
import time
from collections.abc import Callable
from datetime import datetime, timedelta

from apscheduler.executors.debug import DebugExecutor
from apscheduler.schedulers.qt import QtScheduler
from apscheduler.triggers.date import DateTrigger
from apscheduler.triggers.interval import IntervalTrigger

from tray_app.core.schedule import (
    WAKE_SPREAD_SECONDS,
    jitter_seconds,
    retry_delay,
    slept_between,
    spread,
)

log = logging.getLogger(__name__)

PERIODIC, RETRY, WATCH = "periodic", "retry", "watch"


class CheckScheduler:
    def __init__(self, interval_minutes: int, run_check: Callable[[], None]) -> None:
        self.interval_minutes = interval_minutes
        self._run_check = run_check
        self.failures = 0
        self._last_wall = time.time()
        self._last_mono = time.monotonic()
        # The debug executor runs jobs right in the Qt event loop: no worker threads here.
        self.scheduler = QtScheduler(
            executors={"default": DebugExecutor()},
            job_defaults={"coalesce": True, "misfire_grace_time": None, "max_instances": 1},
        )

    def start(self) -> None:
        """Periodic checks from now on (the first check was run by the controller).

        APScheduler's jitter only adds delay, so the base interval is 10% short and the
        jitter spans 20%: each check comes at the interval ±10%.
        """
        jitter = jitter_seconds(self.interval_minutes)
        base = timedelta(minutes=self.interval_minutes) - timedelta(seconds=jitter)
        first = datetime.now().astimezone() + base
        self.scheduler.add_job(
            self._tick,
            IntervalTrigger(seconds=base.total_seconds(), jitter=2 * jitter, start_date=first),
            id=PERIODIC,
        )
        self.scheduler.start()

    def shutdown(self) -> None:
        if self.scheduler.running:
            self.scheduler.shutdown(wait=False)

    def check_soon(self, reason: str) -> None:
        """After resume or when the network is back; spread so a fleet does not stampede."""
        delay = random.uniform(0, WAKE_SPREAD_SECONDS)
        log.info("Checking in %.0f s: %s", delay, reason)
        self._once(RETRY, delay)

    def after_check(self, failed: bool, retry_after: float | None) -> None:
        """Back off after a failure (honouring Retry-After); back to normal after success."""
        if not failed:
            self.failures = 0
            self._remove(RETRY)
            return
        self.failures += 1
        delay = spread(retry_delay(self.failures, self.interval_minutes, retry_after))
        log.info("Next try in %.0f s (failure %d)", delay, self.failures)
        self._once(RETRY, delay)

    def start_watch(self, every_seconds: int) -> None:
        if self.scheduler.get_job(WATCH) is None:
            self.scheduler.add_job(self._run_check, IntervalTrigger(seconds=every_seconds),
                                   id=WATCH)

    def stop_watch(self) -> None:
        self._remove(WATCH)

    def _tick(self) -> None:
        wall, mono = time.time(), time.monotonic()
        if slept_between(wall - self._last_wall, mono - self._last_mono):
            log.info("The computer was asleep; checking now")
        self._last_wall, self._last_mono = wall, mono
        self._run_check()

    def _once(self, job_id: str, delay: float) -> None:
        when = datetime.now().astimezone() + timedelta(seconds=delay)
        self.scheduler.add_job(self._tick, DateTrigger(when), id=job_id, replace_existing=True)

    def _remove(self, job_id: str) -> None:
        if self.scheduler.get_job(job_id) is not None:
            self.scheduler.remove_job(job_id)
