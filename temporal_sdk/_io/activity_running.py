"""State of one running activity attempt, and how a cancellation reaches its code.

Rule: a cancellation is recorded once (its first reason wins, and the reason becomes the
activity's ``ActivityCancellationDetails``); it then sets the cancelled flag, cancels the
asyncio task of an async activity, and raises ``CancelledError`` into the thread of a sync
activity (unless shielded or disabled). Only the worker's event-loop thread cancels.
"""

from __future__ import annotations

import asyncio
import contextlib
import ctypes
import enum
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from temporal_sdk import activity


class CancelReason(enum.Enum):
    """Why the worker cancels a running attempt."""

    REQUESTED = "requested"
    NOT_FOUND = "not_found"
    PAUSED = "paused"
    RESET = "reset"
    WORKER_SHUTDOWN = "worker_shutdown"
    HEARTBEAT_ERROR = "heartbeat_error"


class ThreadCancelRaiser:
    """Raises ``CancelledError`` into the thread running a sync activity.

    The exception is delivered asynchronously (``PyThreadState_SetAsyncExc``: it surfaces at
    the thread's next Python instruction, so a thread blocked in C code sees it on return) and,
    failing that, at the activity's next heartbeat. Inside :meth:`shielded` it is held back
    until the outermost shield exits.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._thread_id: int | None = None
        self._pending = False
        self._shield_depth = 0

    @contextlib.contextmanager
    def active(self) -> Iterator[None]:
        """Mark the calling thread as the activity's thread for the duration of the block."""
        with self._lock:
            self._thread_id = threading.get_ident()
        try:
            yield None
        finally:
            with self._lock:
                self._thread_id = None
                self._pending = False

    def request(self) -> None:
        """Ask for the exception to be raised (now if the thread runs and is unshielded)."""
        with self._lock:
            self._pending = True
            if self._thread_id is None or self._shield_depth:
                return
            self._pending = False
            _raise_async(self._thread_id)

    @contextlib.contextmanager
    def shielded(self) -> Iterator[None]:
        """Hold a requested exception back until the block ends."""
        with self._lock:
            self._shield_depth += 1
        try:
            yield None
        finally:
            with self._lock:
                self._shield_depth -= 1
            self.raise_if_pending()

    def raise_if_pending(self) -> None:
        """Raise in the calling (activity) thread if a cancellation was not delivered yet."""
        from temporal_sdk.exceptions import CancelledError

        with self._lock:
            if not self._pending or self._shield_depth or self._thread_id != threading.get_ident():
                return
            self._pending = False
        raise CancelledError()


def _raise_async(thread_id: int) -> None:
    from temporal_sdk.exceptions import CancelledError

    ctypes.pythonapi.PyThreadState_SetAsyncExc(
        ctypes.c_ulong(thread_id), ctypes.py_object(CancelledError)
    )


@dataclass(eq=False)
class Running:
    """Mutable state of one running attempt, shared by its task, heartbeater and the worker."""

    task_token: bytes
    loop: asyncio.AbstractEventLoop
    cancelled_event: activity._CompositeEvent
    sync: bool
    throttle: float = 30.0
    heartbeat_timeout: float | None = None
    deadline: float | None = None
    task: asyncio.Task[Any] | None = None
    raiser: ThreadCancelRaiser | None = None
    cancel_reason: CancelReason | None = None
    heartbeat_error: BaseException | None = None
    done: bool = False
    latest_details: Sequence[Any] | None = None
    pending_details: Sequence[Any] | None = None
    last_beat: float = field(default_factory=time.monotonic)
    details: activity._CancellationDetailsHolder = field(
        default_factory=activity._CancellationDetailsHolder
    )
    heartbeat_wakeup: asyncio.Event = field(default_factory=asyncio.Event)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def record_heartbeat(self, details: Sequence[Any]) -> None:
        """Keep ``details`` as the newest and wake the sender (callable from any thread)."""
        with self.lock:
            if self.done:
                return
            self.latest_details = details
            self.pending_details = details
        # A closed loop means the worker is gone: nothing can be sent anyway.
        with contextlib.suppress(RuntimeError):
            self.loop.call_soon_threadsafe(self.heartbeat_wakeup.set)

    def thread_heartbeat(self) -> Callable[..., None]:
        """The ``activity.heartbeat`` of a sync activity: record, then raise if cancelled."""

        def heartbeat(*details: Any) -> None:
            self.record_heartbeat(details)
            if self.raiser is not None:
                self.raiser.raise_if_pending()

        return heartbeat

    def take_pending(self) -> Sequence[Any] | None:
        """The details not sent yet, if any (clears them)."""
        with self.lock:
            details, self.pending_details = self.pending_details, None
            return details

    def timed_out(self) -> bool:
        """Whether, by the local clock, the heartbeat or start-to-close timeout has passed."""
        now = time.monotonic()
        if self.heartbeat_timeout and now - self.last_beat >= self.heartbeat_timeout:
            return True
        return self.deadline is not None and now >= self.deadline

    def cancel(self, reason: CancelReason, error: BaseException | None = None) -> None:
        """Record the cancellation and deliver it to the activity's code (loop thread only)."""
        if self.cancel_reason is None:
            self.cancel_reason = reason
            self.heartbeat_error = error
            self.details.details = self._details_for(reason)
        self.cancelled_event.set()
        if self.done:
            return
        if self.raiser is not None:
            self.raiser.request()
        if not self.sync and self.task is not None:
            self.task.cancel()

    def _details_for(self, reason: CancelReason) -> activity.ActivityCancellationDetails:
        details = activity.ActivityCancellationDetails
        match reason:
            case CancelReason.REQUESTED:
                return details(cancel_requested=True)
            case CancelReason.NOT_FOUND:
                return details(not_found=True, timed_out=self.timed_out())
            case CancelReason.PAUSED:
                return details(paused=True)
            case CancelReason.RESET:
                return details(reset=True)
            case CancelReason.WORKER_SHUTDOWN:
                return details(worker_shutdown=True)
            case _:
                return details()
