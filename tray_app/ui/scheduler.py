"""When checks run: APScheduler's QtScheduler in the GUI thread (the job only starts a
worker), with the timing policy of `tray_app.core.schedule`: the next periodic check,
the retry after a failure, the check after resume or when the network is back, and the
reconnect watch.

At most one automatic check is planned at a time, as a one-off job; every check that
reports back (`after_check`) plans the next. Between checks nothing wakes the process:
one Qt timer for the next due job, and event-driven signals for resume and network changes.

APScheduler (with asyncio and multiprocessing under it, about 7 MiB) is loaded at the
first job that falls due, or when a reconnect watch starts: until then the one planned
check waits on a single coarse Qt timer, so a tray that has just shown its login popup
and then idles carries none of it.
"""

from __future__ import annotations

import logging
import random
import time
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt, QTimer

from tray_app.core.schedule import (
    not_before_delay,
    periodic_delay,
    retry_delay,
    slept_between,
    wake_delay,
)

if TYPE_CHECKING:
    from apscheduler.schedulers.qt import QtScheduler

log = logging.getLogger(__name__)

_LONGEST_TIMER_MS = 2**31 - 1  # QTimer's limit (24.8 days); it re-arms past that
PERIODIC, RETRY, SOON, WATCH = "periodic", "retry", "soon", "watch"


def _now() -> datetime:
    return datetime.now().astimezone()


class CheckScheduler:
    def __init__(self, interval_minutes: int, run_check: Callable[[], None],
                 not_before: Callable[[], datetime | None] | None = None,
                 rng: random.Random | None = None) -> None:
        """`not_before` returns the saved time (aware) before which no automatic check
        may run, if any: the server's Retry-After."""
        self.interval_minutes = interval_minutes
        self.failures = 0
        self._run_check = run_check
        self._not_before = not_before
        self._rng = rng or random.Random()
        self._planned: tuple[str, datetime] | None = None
        self._planned_id: str | None = None
        self._serial = 0
        self._last_wall = time.time()
        self._last_mono = time.monotonic()
        self._started = False
        self._apscheduler: QtScheduler | None = None
        self._first_due = QTimer()  # the one planned check, until APScheduler is loaded
        self._first_due.setSingleShot(True)
        self._first_due.setTimerType(Qt.TimerType.VeryCoarseTimer)
        self._first_due.timeout.connect(self._on_first_due)

    @property
    def scheduler(self) -> QtScheduler:
        """APScheduler's scheduler, loaded (and started, once `start` was called) now."""
        if self._apscheduler is None:
            self._apscheduler = self._load_apscheduler()
        return self._apscheduler

    def _load_apscheduler(self) -> QtScheduler:
        from apscheduler.executors.debug import DebugExecutor
        from apscheduler.schedulers.qt import QtScheduler

        self._first_due.stop()
        # The debug executor runs jobs right in the Qt event loop: no worker threads here.
        scheduler = QtScheduler(
            executors={"default": DebugExecutor()},
            job_defaults={"coalesce": True, "misfire_grace_time": None, "max_instances": 1},
        )
        if self._planned is not None:  # hand over what the timer was waiting for
            self._add_job(scheduler, *self._planned)
        if self._started:
            scheduler.start()
        return scheduler

    def start(self) -> None:
        """Periodic checks from now on (the first check was run by the controller)."""
        self._started = True
        self._plan(PERIODIC, periodic_delay(self.interval_minutes, self._rng))
        if self._apscheduler is not None:
            self._apscheduler.start()

    def shutdown(self) -> None:
        self._first_due.stop()
        if self._apscheduler is not None and self._apscheduler.running:
            self._apscheduler.shutdown(wait=False)

    def set_interval(self, minutes: int) -> None:
        """A new check interval (from Settings): a planned periodic check is planned again
        from now with it; a retry or a check soon keeps its time, and every later one
        follows the new interval."""
        if minutes == self.interval_minutes:
            return
        self.interval_minutes = minutes
        if self._planned is not None and self._planned[0] == PERIODIC:
            log.info("Check interval now %d minutes; next check re-planned", minutes)
            self._plan(PERIODIC, periodic_delay(minutes, self._rng))

    def next_check(self) -> tuple[str, datetime] | None:
        """The kind (periodic, retry, soon) and time of the planned automatic check."""
        return self._planned

    def check_soon(self, reason: str) -> None:
        """After resume or when the network is back; spread so a fleet does not stampede.

        A check already planned within the spread is kept; one that is overdue (its timer
        slept with the computer) is replaced.
        """
        when = _now() + timedelta(seconds=wake_delay(self._rng))
        if self._planned is not None and _now() < self._planned[1] <= when:
            log.info("%s; the next check is due sooner anyway", reason.capitalize())
            return
        log.info("Checking in %.0f s: %s", (when - _now()).total_seconds(), reason)
        self._plan_at(SOON, when)

    def after_check(self, failed: bool, retry_after: float | None) -> None:
        """Back off after a failure (Retry-After as the floor); back to normal after success."""
        if not failed:
            self.failures = 0
            self._plan(PERIODIC, periodic_delay(self.interval_minutes, self._rng))
            return
        self.failures += 1
        delay = retry_delay(self.failures, self.interval_minutes, retry_after, self._rng)
        log.info("Next try in %.0f s (failure %d)", delay, self.failures)
        self._plan(RETRY, delay)

    def start_watch(self, every_seconds: int) -> None:
        from apscheduler.triggers.interval import IntervalTrigger

        if self.scheduler.get_job(WATCH) is None:
            self.scheduler.add_job(self._watch_tick, IntervalTrigger(seconds=every_seconds),
                                   id=WATCH)

    def stop_watch(self) -> None:
        if self._apscheduler is not None and self._apscheduler.get_job(WATCH) is not None:
            self._apscheduler.remove_job(WATCH)

    def _tick(self, kind: str) -> None:
        # APScheduler removes this job once it returns; the next one gets its own id.
        self._planned = self._planned_id = None
        delay = self._deferral(kind)
        if delay > 0:
            self._plan(kind, delay)
            return
        # Replaced when the check reports back; keeps the schedule going if it never does.
        self._plan(PERIODIC, periodic_delay(self.interval_minutes, self._rng))
        self._run_check()

    def _deferral(self, kind: str) -> float:
        """Seconds to put this check off: not before the saved time, spread after sleep."""
        floor = self._floor()
        if floor > 0:
            log.info("Not before %.0f s from now (Retry-After); rescheduled", floor)
            return retry_delay(max(self.failures, 1), self.interval_minutes, floor, self._rng)
        wall, mono = time.time(), time.monotonic()
        slept = slept_between(wall - self._last_wall, mono - self._last_mono)
        self._last_wall, self._last_mono = wall, mono
        if slept and kind != SOON:  # a timer that slept: spread like a resume
            log.info("The computer was asleep; checking soon")
            return wake_delay(self._rng)
        return 0.0

    def _floor(self) -> float:
        if self._not_before is None:
            return 0.0
        try:
            return not_before_delay(self._not_before(), _now())
        except Exception:  # an unreadable state file must not stop the checks
            log.exception("Could not read the saved not-before time")
            return 0.0

    def _watch_tick(self) -> None:
        if self._floor() > 0:
            log.info("Reconnect watch: skipped, the intranet asked to wait")
            return
        self._run_check()

    def _plan(self, kind: str, delay: float) -> None:
        self._plan_at(kind, _now() + timedelta(seconds=delay))

    def _plan_at(self, kind: str, when: datetime) -> None:
        """Plan the next automatic check, replacing the one planned before."""
        scheduler = self._apscheduler
        if scheduler is not None and self._planned_id is not None \
                and scheduler.get_job(self._planned_id):
            scheduler.remove_job(self._planned_id)
        self._planned = (kind, when)
        if scheduler is None:
            self._arm_first_due(when)
        else:
            self._add_job(scheduler, kind, when)

    def _add_job(self, scheduler: QtScheduler, kind: str, when: datetime) -> None:
        from apscheduler.triggers.date import DateTrigger

        self._serial += 1
        self._planned_id = f"{kind}-{self._serial}"
        scheduler.add_job(self._tick, DateTrigger(when), args=[kind], id=self._planned_id,
                          name=kind)

    def _arm_first_due(self, when: datetime) -> None:
        if not self._started:
            return  # like a scheduler not yet started: nothing runs before `start`
        delay_ms = max(0, int((when - _now()).total_seconds() * 1000))
        self._first_due.start(min(delay_ms, _LONGEST_TIMER_MS))

    def _on_first_due(self) -> None:
        if self._planned is not None and self._planned[1] > _now():
            self._arm_first_due(self._planned[1])  # a plan beyond QTimer's longest wait
            return
        self.scheduler  # noqa: B018 -- loads APScheduler, which runs the job that is due
