"""A process and everything it spawned, read from /proc: memory and context switches.

The tree of a process started in its own session (`start_new_session=True`) is every
live process in that session plus every descendant by parent id (a child that made a
session of its own is still found by its parent). Context switches are counted per
thread (voluntary + involuntary, /proc/<pid>/task/<tid>/status) by polling the tree, so
threads and processes born during the window count in full, and one that ends between
two polls loses only its switches since the last poll.
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass, field
from pathlib import Path

PROC = Path("/proc")


@dataclass(frozen=True)
class Proc:
    pid: int
    ppid: int
    session: int
    start_ticks: int


def _stat(pid: int) -> Proc | None:
    try:
        text = (PROC / str(pid) / "stat").read_text()
    except OSError:
        return None
    fields = text[text.rindex(")") + 2:].split()
    # fields[0] is field 3 of proc(5): state; ppid is 4, session 6, starttime 22.
    return Proc(pid, int(fields[1]), int(fields[3]), int(fields[19]))


def processes() -> list[Proc]:
    found = []
    for entry in os.scandir(PROC):
        if entry.name.isdigit():
            proc = _stat(int(entry.name))
            if proc is not None:
                found.append(proc)
    return found


def tree(root: int) -> list[Proc]:
    """`root` and its descendants, plus every process of the session `root` leads."""
    everything = processes()
    members = {p.pid for p in everything if p.pid == root or p.session == root}
    grew = True
    while grew:
        added = {p.pid for p in everything if p.ppid in members} - members
        members |= added
        grew = bool(added)
    return [p for p in everything if p.pid in members]


def _status_value(path: Path, *keys: str) -> dict[str, int]:
    try:
        lines = path.read_text().splitlines()
    except OSError:
        return {}
    found = {}
    for line in lines:
        name, _, rest = line.partition(":")
        if name in keys:
            found[name] = int(rest.split()[0])
    return found


def thread_switches(pid: int) -> dict[int, int]:
    """Voluntary + involuntary context switches of each thread of `pid`."""
    counts = {}
    try:
        tids = [int(name) for name in os.listdir(PROC / str(pid) / "task")]
    except OSError:
        return counts
    for tid in tids:
        values = _status_value(PROC / str(pid) / "task" / str(tid) / "status",
                               "voluntary_ctxt_switches", "nonvoluntary_ctxt_switches")
        if values:
            counts[tid] = sum(values.values())
    return counts


@dataclass(frozen=True)
class Memory:
    rss_kib: int
    pss_kib: int
    processes: int


def memory(root: int) -> Memory:
    """Summed RSS (VmRSS) and PSS (smaps_rollup) of the tree of `root`, now."""
    rss = pss = count = 0
    for proc in tree(root):
        status = _status_value(PROC / str(proc.pid) / "status", "VmRSS")
        rollup = _status_value(PROC / str(proc.pid) / "smaps_rollup", "Pss")
        if "VmRSS" in status:  # kernel threads and zombies have none
            rss += status["VmRSS"]
            pss += rollup.get("Pss", 0)
            count += 1
    return Memory(rss, pss, count)


@dataclass
class SwitchCounter:
    """Context switches of every thread in the tree of `root`, from `start()` on."""

    root: int
    first: dict[tuple[int, int], int] = field(default_factory=dict)
    last: dict[tuple[int, int], int] = field(default_factory=dict)
    seen: set[int] = field(default_factory=set)

    def _read(self) -> dict[tuple[int, int], int]:
        counts = {}
        for proc in tree(self.root):
            self.seen.add(proc.pid)
            for tid, switches in thread_switches(proc.pid).items():
                counts[(proc.start_ticks, tid)] = switches
        return counts

    def start(self) -> None:
        self.first = self._read()
        self.last = dict(self.first)

    def poll(self) -> None:
        self.last.update(self._read())

    def run(self, seconds: float, interval: float = 0.1) -> int:
        """Poll for `seconds`, then the switches since `start()`."""
        self.start()
        deadline = time.monotonic() + seconds
        while (left := deadline - time.monotonic()) > 0:
            time.sleep(min(interval, left))
            self.poll()
        return self.total()

    def total(self) -> int:
        return sum(count - self.first.get(key, 0) for key, count in self.last.items())
