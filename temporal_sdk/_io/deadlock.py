"""Run a workflow task's activations in a worker thread and notice when one of them never yields.

Rule: the hot path costs one executor hand-off and two attribute writes per activation. The thread
stamps :class:`ActivationWatch` when an activation starts and clears it when it returns; the
asyncio side sleeps until the current activation's deadline and only then looks. A stuck thread
cannot be stopped in Python: :func:`run_watched` raises :class:`DeadlockDetected` carrying the
thread's stack and the future that completes when (if ever) the thread returns, so the caller can
fail the task, evict the run and keep a task slot occupied until then.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import sys
import threading
import time
import traceback
from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")

_DEADLOCK_CODE = "TMPRL1101"


class ActivationWatch:
    """When the activation now running in the worker thread began (``None`` between them)."""

    __slots__ = ("started", "thread_id")

    def __init__(self) -> None:
        self.started: float | None = None
        self.thread_id: int | None = None

    def begin(self) -> None:
        """Called by the worker thread right before an activation runs workflow code."""
        self.thread_id = threading.get_ident()
        self.started = time.monotonic()

    def end(self) -> None:
        """Called by the worker thread when the activation yielded."""
        self.started = None


class DeadlockDetected(Exception):
    """An activation did not yield within the deadlock timeout.

    ``stack`` is the stuck thread's Python stack (innermost frame last); ``pending`` completes
    when the thread finally returns.
    """

    def __init__(self, timeout: float, stack: str, pending: asyncio.Future[object]) -> None:
        super().__init__(
            f"[{_DEADLOCK_CODE}] Potential deadlock detected: workflow didn't yield within "
            f"{timeout:g} second(s)."
        )
        self.stack = stack
        self.pending = pending


def thread_stack(thread_id: int | None) -> str:
    """The current Python stack of thread ``thread_id``, formatted like a traceback."""
    frame = sys._current_frames().get(thread_id) if thread_id is not None else None
    if frame is None:
        return "(no frames available)\n"
    lines = traceback.format_stack(frame)
    return "Stack of the workflow thread (most recent call last):\n" + "".join(lines)


async def run_watched(
    executor: concurrent.futures.Executor,
    work: Callable[[ActivationWatch], T],
    timeout: float | None,
) -> T:
    """Run ``work(watch)`` in ``executor``, watching each activation it runs.

    Raises :class:`DeadlockDetected` when one activation stays inside workflow code for
    ``timeout`` seconds (``None``: never check).
    """
    loop = asyncio.get_running_loop()
    watch = ActivationWatch()
    future: asyncio.Future[T] = loop.run_in_executor(executor, work, watch)
    if timeout is None:
        return await future
    while True:
        started = watch.started
        wait = timeout if started is None else started + timeout - time.monotonic()
        done, _ = await asyncio.wait({future}, timeout=max(wait, 0.0))
        if done:
            return future.result()
        started = watch.started
        if started is not None and time.monotonic() - started >= timeout:
            stack = thread_stack(watch.thread_id)
            raise DeadlockDetected(timeout, stack, future)  # type: ignore[arg-type]
