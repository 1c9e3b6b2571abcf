"""Run a sync activity on a non-thread executor (a process pool), across the process boundary.

Rule: everything handed to the child is picklable: the activity ``Info``, the function (by
reference), its arguments, a ``SharedHeartbeatSender``, manager events for cancellation and
worker shutdown, and the payload converter's class. In the child, ``activity.heartbeat`` sends
through the manager queue and raises ``CancelledError`` once cancellation was requested (unless
the activity set ``no_thread_cancel_exception``). The worker side flushes the child's queued
heartbeats before the attempt is answered.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import threading
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

from temporal_sdk import activity

if TYPE_CHECKING:
    from temporal_sdk._io.activity_running import Running
    from temporal_sdk.converter import PayloadConverter
    from temporal_sdk.worker._shared_state import SharedHeartbeatSender, SharedStateManager


async def run_in_process(
    *,
    executor: concurrent.futures.Executor,
    manager: SharedStateManager,
    running: Running,
    info: activity.Info,
    worker_shutdown: activity._CompositeEvent,
    payload_converter_class: type[PayloadConverter],
    fn: Callable[..., Any],
    args: Sequence[Any],
    raise_on_cancel: bool,
) -> Any:
    """Run ``fn(*args)`` on ``executor`` with an activity context rebuilt in the child."""
    share_event(running.cancelled_event, manager)
    share_event(worker_shutdown, manager)
    sender = await manager.register_heartbeater(
        info.task_token, lambda *details: running.record_heartbeat(details)
    )
    try:
        return await asyncio.get_running_loop().run_in_executor(
            executor,
            _execute_in_child,
            info,
            sender,
            running.cancelled_event.thread_event,
            worker_shutdown.thread_event,
            payload_converter_class,
            raise_on_cancel,
            fn,
            *args,
        )
    finally:
        await manager.unregister_heartbeater(info.task_token)


def share_event(event: activity._CompositeEvent, manager: SharedStateManager) -> None:
    """Swap the thread side of ``event`` for a cross-process one (once), keeping its state."""
    if isinstance(event.thread_event, _LocalEvent):
        shared = manager.new_event()
        if event.thread_event.is_set():
            shared.set()
        event.thread_event = shared


_LocalEvent = type(threading.Event())


def _execute_in_child(
    info: activity.Info,
    sender: SharedHeartbeatSender,
    cancelled: threading.Event,
    worker_shutdown: threading.Event,
    payload_converter_class: type[PayloadConverter],
    raise_on_cancel: bool,
    fn: Callable[..., Any],
    *args: Any,
) -> Any:
    """Entry point in the child process (top level so that it pickles by reference)."""
    from temporal_sdk.exceptions import CancelledError

    def heartbeat(*details: Any) -> None:
        sender.send_heartbeat(info.task_token, *details)
        if raise_on_cancel and cancelled.is_set():
            raise CancelledError()

    cancelled_event = activity._CompositeEvent(with_async=False)
    cancelled_event.thread_event = cancelled
    shutdown_event = activity._CompositeEvent(with_async=False)
    shutdown_event.thread_event = worker_shutdown
    activity._Context.set(
        activity._Context(
            info=info,
            heartbeat=heartbeat,
            cancelled_event=cancelled_event,
            worker_shutdown_event=shutdown_event,
            payload_converter=payload_converter_class(),
            client=None,
        )
    )
    return fn(*args)
