"""Long-poll loops with task slots, error backoff and clean shutdown.

Rule: no poll is issued without a free slot; a failing server is retried with capped exponential
backoff and logged once per outage, not once per poll.
"""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import Awaitable, Callable
from typing import Generic, TypeVar

logger = logging.getLogger(__name__)

T = TypeVar("T")

_BACKOFF_INITIAL = 0.1
_BACKOFF_MAX = 10.0


class Poller(Generic[T]):
    """Runs ``max_concurrent_polls`` poll loops feeding ``handle`` under a task-slot limit.

    ``poll`` returns a task, or ``None`` when the long poll ended empty.
    """

    def __init__(
        self,
        *,
        name: str,
        poll: Callable[[], Awaitable[T | None]],
        handle: Callable[[T], Awaitable[None]],
        max_concurrent_tasks: int,
        max_concurrent_polls: int,
        slots: asyncio.Semaphore | None = None,
    ) -> None:
        if max_concurrent_tasks < 1 or max_concurrent_polls < 1:
            raise ValueError("task and poll concurrency must be at least 1")
        self._name = name
        self._poll = poll
        self._handle = handle
        # Pollers of one worker (normal and sticky queue) may share their task slots.
        self._slots = slots if slots is not None else asyncio.Semaphore(max_concurrent_tasks)
        self._poll_count = max_concurrent_polls
        self._stopping = asyncio.Event()
        self._loops: list[asyncio.Task[None]] = []
        self._in_flight: set[asyncio.Task[None]] = set()
        self._failing = False

    @property
    def in_flight(self) -> int:
        """Number of tasks being handled now."""
        return len(self._in_flight)

    async def try_reserve(self) -> bool:
        """Take a free task slot without waiting (for a task that arrives outside a poll).

        Returns ``False`` when no slot is free or shutdown began. A reserved slot is given back
        with :meth:`release_reserved` or handed on with :meth:`submit_reserved`.
        """
        if self._stopping.is_set() or self._slots.locked():
            return False
        # An unlocked semaphore is acquired without suspending, so nothing can slip in between.
        await self._slots.acquire()
        return True

    def release_reserved(self) -> None:
        """Give back a slot taken with :meth:`try_reserve` that no task used."""
        self._slots.release()

    def submit_reserved(self, task: T) -> None:
        """Handle ``task`` in the slot taken with :meth:`try_reserve` (freed when it ends)."""
        handler = asyncio.create_task(self._run_one(task))
        self._in_flight.add(handler)
        handler.add_done_callback(self._in_flight.discard)

    async def run(self) -> None:
        """Poll until shutdown begins, then wait for in-flight tasks."""
        self._loops = [asyncio.create_task(self._loop()) for _ in range(self._poll_count)]
        try:
            await asyncio.gather(*self._loops, return_exceptions=True)
        finally:
            if self._in_flight:
                await asyncio.gather(*self._in_flight, return_exceptions=True)

    def begin_shutdown(self) -> None:
        """Stop issuing polls and abandon the ones under way (the server redelivers)."""
        self._stopping.set()
        for loop in self._loops:
            loop.cancel()

    async def shutdown(self) -> None:
        """Begin shutdown and wait until every in-flight task finished."""
        self.begin_shutdown()
        await asyncio.gather(*self._loops, return_exceptions=True)
        while self._in_flight:
            await asyncio.gather(*list(self._in_flight), return_exceptions=True)

    async def _loop(self) -> None:
        backoff = _BACKOFF_INITIAL
        while not self._stopping.is_set():
            await self._slots.acquire()
            try:
                task = await self._poll()
            except asyncio.CancelledError:
                self._slots.release()
                raise
            except Exception as err:
                self._slots.release()
                if not self._failing:
                    logger.warning("%s: poll failed, backing off and retrying: %s", self._name, err)
                    self._failing = True
                await asyncio.sleep(backoff * (0.8 + 0.4 * random.random()))
                backoff = min(backoff * 2, _BACKOFF_MAX)
                continue
            if self._failing:
                logger.info("%s: polling recovered", self._name)
                self._failing = False
            backoff = _BACKOFF_INITIAL
            if task is None:
                self._slots.release()
                continue
            handler = asyncio.create_task(self._run_one(task))
            self._in_flight.add(handler)
            handler.add_done_callback(self._in_flight.discard)

    async def _run_one(self, task: T) -> None:
        try:
            await self._handle(task)
        except Exception:
            logger.exception("%s: unhandled error while handling a task", self._name)
        finally:
            self._slots.release()
