"""Run activity functions in tests, with the activity context a worker would give them.

Rule: no server and no worker. The environment fills in the context that
``temporal_sdk.activity`` reads (info, heartbeat, cancellation, worker shutdown, payload converter,
client) and runs the function in the caller's thread or, for ``async def`` functions, as a task of
the caller's event loop.
"""

from __future__ import annotations

import asyncio
import inspect
from collections.abc import Callable
from datetime import datetime, timedelta, timezone
from typing import TYPE_CHECKING, Any, TypeVar

from typing_extensions import ParamSpec

from temporal_sdk import activity
from temporal_sdk.common import MetricMeter, Priority
from temporal_sdk.converter import DataConverter, PayloadConverter

if TYPE_CHECKING:
    from temporal_sdk.client import Client

_P = ParamSpec("_P")
_R = TypeVar("_R")


_REQUESTED = activity.ActivityCancellationDetails(cancel_requested=True)


class ActivityEnvironment:
    """Runs activity code outside a worker, in a context that tests control.

    Set :attr:`info` (start from :meth:`default_info` and ``dataclasses.replace`` fields),
    :attr:`on_heartbeat` (receives the details of every ``activity.heartbeat`` call) and
    :attr:`payload_converter` before :meth:`run`. :meth:`cancel` and :meth:`worker_shutdown`
    reach the activities running now and those started later. ``client`` is what
    ``activity.client()`` returns to ``async def`` activities.
    """

    def __init__(self, client: Client | None = None) -> None:
        self.info = ActivityEnvironment.default_info()
        self.on_heartbeat: Callable[..., None] = lambda *details: None
        self.payload_converter: PayloadConverter = DataConverter.default.payload_converter
        self.metric_meter: MetricMeter = MetricMeter.noop
        """The meter ``activity.metric_meter()`` builds on (records nothing by default)."""
        self._client = client
        self._cancelled = False
        self._cancellation_details = activity._CancellationDetailsHolder()
        self._worker_shutdown = False
        self._running: set[_RunningActivity] = set()

    @staticmethod
    def default_info() -> activity.Info:
        """A fresh :class:`~temporal_sdk.activity.Info` of test values (epoch times, attempt 1)."""
        epoch = datetime.fromtimestamp(0, timezone.utc)
        return activity.Info(
            activity_id="test",
            activity_type="unknown",
            attempt=1,
            current_attempt_scheduled_time=epoch,
            heartbeat_details=[],
            heartbeat_timeout=None,
            is_local=False,
            namespace="default",
            schedule_to_close_timeout=timedelta(seconds=1),
            scheduled_time=epoch,
            start_to_close_timeout=timedelta(seconds=1),
            started_time=epoch,
            task_queue="test",
            task_token=b"test",
            workflow_id="test",
            workflow_namespace="default",
            workflow_run_id="test-run",
            workflow_type="test",
            priority=Priority.default,
            retry_policy=None,
            activity_run_id=None,
        )

    def cancel(
        self,
        cancellation_details: activity.ActivityCancellationDetails = _REQUESTED,
    ) -> None:
        """Request cancellation of the activities run by this environment (first call only).

        ``async def`` activities get ``asyncio.CancelledError`` at their next ``await``; sync
        ones see ``activity.is_cancelled()`` turn true and ``wait_for_cancelled_sync`` return.
        Activities started afterwards begin cancelled. ``activity.cancellation_details()``
        returns ``cancellation_details`` from then on.
        """
        if self._cancelled:
            return
        self._cancelled = True
        self._cancellation_details.details = cancellation_details
        for running in list(self._running):
            running.cancel()

    def worker_shutdown(self) -> None:
        """Tell the activities that their worker is shutting down (first call only)."""
        if self._worker_shutdown:
            return
        self._worker_shutdown = True
        for running in list(self._running):
            running.context.worker_shutdown_event.set()

    def run(self, fn: Callable[_P, _R], *args: _P.args, **kwargs: _P.kwargs) -> _R:
        """Call ``fn`` inside an activity context and return what it returns.

        For an ``async def`` function this returns the awaitable; await it on your loop.
        """
        return _RunningActivity(self, fn).run(*args, **kwargs)  # type: ignore[no-any-return]


def _is_async(fn: Callable[..., Any]) -> bool:
    return inspect.iscoroutinefunction(fn) or inspect.iscoroutinefunction(
        getattr(fn, "__call__", None)  # noqa: B004 - a callable object's method
    )


class _RunningActivity:
    """One call of an activity function and the context made for it."""

    def __init__(self, env: ActivityEnvironment, fn: Callable[..., Any]) -> None:
        self.env = env
        self.fn = fn
        self.is_async = _is_async(fn)
        self.task: asyncio.Task[Any] | None = None
        self.context = activity._Context(
            info=env.info,
            heartbeat=lambda *details: env.on_heartbeat(*details),
            cancelled_event=activity._CompositeEvent(with_async=self.is_async),
            worker_shutdown_event=activity._CompositeEvent(with_async=self.is_async),
            payload_converter=env.payload_converter,
            client=env._client if self.is_async else None,
            cancellation_details=env._cancellation_details,
            runtime_metric_meter=env.metric_meter,
        )

    def run(self, *args: Any, **kwargs: Any) -> Any:
        if self.is_async:
            return self._run_async(*args, **kwargs)
        with self._entered():
            return self.fn(*args, **kwargs)

    async def _run_async(self, *args: Any, **kwargs: Any) -> Any:
        with self._entered():
            self.task = asyncio.ensure_future(self.fn(*args, **kwargs))
            if self.env._cancelled:
                self.task.cancel()
            return await self.task

    def _entered(self) -> _Entered:
        return _Entered(self)

    def cancel(self) -> None:
        self.context.cancelled_event.set()
        if self.task is not None and not self.task.done():
            self.task.cancel()


class _Entered:
    """Installs the activity context (and registers the run) for the duration of a call."""

    def __init__(self, running: _RunningActivity) -> None:
        self.running = running
        self.token: Any = None

    def __enter__(self) -> None:
        running, env = self.running, self.running.env
        if env._cancelled:
            running.context.cancelled_event.set()
        if env._worker_shutdown:
            running.context.worker_shutdown_event.set()
        env._running.add(running)
        self.token = activity._Context.set(running.context)

    def __exit__(self, *exc: object) -> None:
        activity._Context.reset(self.token)
        self.running.env._running.discard(self.running)
