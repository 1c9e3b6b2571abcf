"""Cross-process primitives for sync activities that run on a process pool.

Rule: a child process only ever holds picklable proxies (a manager queue for heartbeats and
manager events for cancellation and shutdown); the worker process drains the heartbeat queue
on one background thread and hands each heartbeat to the callback registered for its task
token. Unregistering a token waits until everything it queued before has been handed over.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import logging
import queue
import threading
from abc import ABC, abstractmethod
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import multiprocessing.managers

logger = logging.getLogger(__name__)

# A details value no activity sends: marks "everything before this for the token was handled".
_DRAINED = ("__temporal_sdk_heartbeats_drained__",)
_QUEUE_SIZE = 1000
_SEND_TIMEOUT = 30.0
_POLL_INTERVAL = 0.5


class SharedHeartbeatSender(ABC):
    """Picklable object a child process uses to send heartbeats to the worker process."""

    @abstractmethod
    def send_heartbeat(self, task_token: bytes, *details: Any) -> None:
        """Queue a heartbeat with ``details`` for the activity with ``task_token``."""
        raise NotImplementedError


class SharedStateManager(ABC):
    """Creates the cross-process events and heartbeat channels that process-pool activities need.

    Pass one to ``Worker(shared_state_manager=...)`` when ``activity_executor`` is not a
    ``ThreadPoolExecutor``. One manager may serve several workers.
    :meth:`create_from_multiprocessing` builds the usual implementation.
    """

    @staticmethod
    def create_from_multiprocessing(
        mgr: multiprocessing.managers.SyncManager,
        queue_poller_executor: concurrent.futures.Executor | None = None,
    ) -> SharedStateManager:
        """A manager backed by ``mgr`` (typically ``multiprocessing.Manager()``).

        ``queue_poller_executor`` runs the thread that drains the heartbeat queue; by default
        a one-thread pool is created.
        """
        return _MultiprocessingSharedStateManager(
            mgr, queue_poller_executor or concurrent.futures.ThreadPoolExecutor(1)
        )

    @abstractmethod
    def new_event(self) -> threading.Event:
        """A ``threading.Event``-like flag usable from other processes."""
        raise NotImplementedError

    @abstractmethod
    async def register_heartbeater(
        self, task_token: bytes, heartbeat: Callable[..., None]
    ) -> SharedHeartbeatSender:
        """Route heartbeats for ``task_token`` to ``heartbeat``; returns the sender to pickle."""
        raise NotImplementedError

    @abstractmethod
    async def unregister_heartbeater(self, task_token: bytes) -> None:
        """Stop routing ``task_token``, after delivering the heartbeats already queued."""
        raise NotImplementedError


class _MultiprocessingSharedStateManager(SharedStateManager):
    def __init__(
        self,
        mgr: multiprocessing.managers.SyncManager,
        queue_poller_executor: concurrent.futures.Executor,
    ) -> None:
        self._mgr = mgr
        self._executor = queue_poller_executor
        self._queue: queue.Queue[tuple[bytes, Sequence[Any]]] = mgr.Queue(_QUEUE_SIZE)
        self._lock = threading.Lock()
        self._heartbeats: dict[bytes, Callable[..., None]] = {}
        self._drained: dict[bytes, Callable[[], None]] = {}
        self._draining = False

    def new_event(self) -> threading.Event:
        return self._mgr.Event()

    async def register_heartbeater(
        self, task_token: bytes, heartbeat: Callable[..., None]
    ) -> SharedHeartbeatSender:
        with self._lock:
            self._heartbeats[task_token] = heartbeat
            start = not self._draining
            self._draining = True
        if start:
            self._executor.submit(self._drain)
        return _QueueHeartbeatSender(self._queue)

    async def unregister_heartbeater(self, task_token: bytes) -> None:
        loop = asyncio.get_running_loop()
        done = asyncio.Event()

        def mark_done() -> None:
            loop.call_soon_threadsafe(done.set)

        self._drained[task_token] = mark_done
        try:
            await loop.run_in_executor(
                None, lambda: self._queue.put((task_token, _DRAINED), True, _SEND_TIMEOUT)
            )
            await done.wait()
        finally:
            self._drained.pop(task_token, None)

    def _drain(self) -> None:
        """Hand queued heartbeats to their callbacks while any token is registered."""
        while True:
            with self._lock:
                if not self._heartbeats:
                    self._draining = False
                    return
            try:
                token, details = self._queue.get(True, _POLL_INTERVAL)
            except queue.Empty:
                continue
            except Exception:
                logger.exception("Heartbeat queue of the process pool failed")
                with self._lock:
                    self._draining = False
                return
            self._deliver(token, details)

    def _deliver(self, token: bytes, details: Sequence[Any]) -> None:
        if tuple(details) == _DRAINED:
            with self._lock:
                self._heartbeats.pop(token, None)
            callback = self._drained.get(token)
            if callback is not None:
                callback()
            return
        heartbeat = self._heartbeats.get(token)
        if heartbeat is not None:
            heartbeat(*details)


class _QueueHeartbeatSender(SharedHeartbeatSender):
    def __init__(self, heartbeat_queue: queue.Queue[tuple[bytes, Sequence[Any]]]) -> None:
        self._queue = heartbeat_queue

    def send_heartbeat(self, task_token: bytes, *details: Any) -> None:
        self._queue.put((task_token, details), True, _SEND_TIMEOUT)
