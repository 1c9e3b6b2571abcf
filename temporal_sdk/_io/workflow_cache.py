"""The sticky run cache: live runs kept between workflow tasks, least recently used out first.

Rule: a run in the cache is the pair (``WorkflowMachines``, ``WorkflowInstance``) exactly as the
last task left it, so the next task's new events can be applied without replaying history. A run
is never closed while a task uses it: evicting a busy run only marks it, and the last user closes
it on release. A run whose activation is stuck in a thread (a deadlock) is *abandoned*: it leaves
the cache at once and is closed by whoever sees its thread return. Per-run gates serialise the
tasks of one run (a workflow task and a legacy query may arrive together).
"""

from __future__ import annotations

import asyncio
import logging
from collections import OrderedDict
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass

from temporal_sdk._core.workflow_machines import WorkflowMachines
from temporal_sdk._runtime.instance import WorkflowInstance

logger = logging.getLogger(__name__)


@dataclass(eq=False, slots=True)
class CachedRun:
    """One live run: its machines, its instance and the id of the last history event applied."""

    run_id: str
    machines: WorkflowMachines
    instance: WorkflowInstance
    last_event_id: int = 0
    users: int = 0
    evicted: bool = False
    closed: bool = False

    def close(self) -> None:
        """Unwind the instance's coroutines and drop it (idempotent)."""
        if self.closed:
            return
        self.closed = True
        try:
            self.instance.close()
        except Exception:
            logger.debug("Ignoring error while closing cached run %s", self.run_id, exc_info=True)


class WorkflowCache:
    """An LRU map of run id to :class:`CachedRun` holding at most ``capacity`` idle runs.

    Runs in use do not count against eviction: when every cached run is busy the cache may hold
    more than ``capacity`` for a moment and trims itself as runs are released.
    """

    def __init__(self, capacity: int) -> None:
        if capacity < 0:
            raise ValueError("max_cached_workflows must not be negative")
        self.capacity = capacity
        self._runs: OrderedDict[str, CachedRun] = OrderedDict()
        self.hits = 0
        """Tasks served from a cached run (no replay)."""
        self.misses = 0
        """Tasks that had to build their run from the full history."""
        self.evictions = 0
        """Runs removed from the cache, for any reason."""
        self.forced_evictions = 0
        """Runs removed only to make room (the cache was full)."""

    @property
    def enabled(self) -> bool:
        """Whether runs are kept at all (``capacity > 0``); stickiness depends on it."""
        return self.capacity > 0

    def __len__(self) -> int:
        return len(self._runs)

    def __contains__(self, run_id: object) -> bool:
        return run_id in self._runs

    def acquire(self, run_id: str) -> CachedRun | None:
        """Return the cached run and mark it used, or ``None``; a hit refreshes its recency."""
        run = self._runs.get(run_id)
        if run is None:
            return None
        self._runs.move_to_end(run_id)
        run.users += 1
        return run

    def adopt(self, run: CachedRun) -> None:
        """Take a freshly built run (already marked used by the caller) into the cache."""
        old = self._runs.pop(run.run_id, None)
        if old is not None and old is not run:
            self._drop(old)
        if not self.enabled:
            run.evicted = True
            return
        self._runs[run.run_id] = run
        self._trim()

    def release(self, run: CachedRun) -> None:
        """End one use of ``run``; close it if it was evicted meanwhile, then trim the cache."""
        run.users -= 1
        if run.users <= 0 and run.evicted:
            run.close()
        self._trim()

    def evict(self, run_id: str, reason: str) -> None:
        """Remove a run; it is closed now, or when its last user releases it."""
        run = self._runs.pop(run_id, None)
        if run is not None:
            logger.debug("Evicting run %s from the workflow cache: %s", run_id, reason)
            self._drop(run)

    def forget(self, run: CachedRun, reason: str) -> None:
        """Evict ``run`` if it is the cached run of its id, and mark it so it is not kept."""
        if self._runs.get(run.run_id) is run:
            self.evict(run.run_id, reason)
        run.evicted = True

    def abandon(self, run: CachedRun) -> None:
        """Remove a run whose activation is stuck; the caller closes it when the thread returns."""
        if self._runs.get(run.run_id) is run:
            del self._runs[run.run_id]
            self.evictions += 1
        run.evicted = True
        run.users += 1  # held by the stuck thread until it returns

    def clear(self) -> None:
        """Evict every run (worker shutdown)."""
        for run_id in list(self._runs):
            self.evict(run_id, "worker shutdown")

    def _drop(self, run: CachedRun) -> None:
        self.evictions += 1
        run.evicted = True
        if run.users <= 0:
            run.close()

    def _trim(self) -> None:
        if len(self._runs) <= self.capacity:
            return
        for run_id in [rid for rid, run in self._runs.items() if run.users <= 0]:
            if len(self._runs) <= self.capacity:
                return
            self.forced_evictions += 1
            self.evict(run_id, "cache full")


class RunGates:
    """One asyncio lock per run id, created on demand and dropped when nobody holds or waits."""

    def __init__(self) -> None:
        self._gates: dict[str, tuple[asyncio.Lock, list[int]]] = {}

    @asynccontextmanager
    async def hold(self, run_id: str) -> AsyncIterator[None]:
        """Hold the run's gate for the body of the ``async with``."""
        gate = self._gates.get(run_id)
        if gate is None:
            gate = self._gates[run_id] = (asyncio.Lock(), [0])
        lock, count = gate
        count[0] += 1
        try:
            async with lock:
                yield
        finally:
            count[0] -= 1
            if count[0] == 0:
                del self._gates[run_id]
