"""Define activities and, from inside a running activity, reach its context.

Mirrors ``temporalio.activity``: :func:`defn` marks a function (or callable object, or method)
as an activity; :func:`info`, :func:`heartbeat`, :func:`is_cancelled` and the other functions
work only while an activity runs on a worker, in its task or its executor thread.
"""

from __future__ import annotations

import asyncio
import contextvars
import inspect
import logging
import threading
from collections.abc import Callable, Iterator, Mapping, MutableMapping, Sequence
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any, NoReturn, TypeVar, overload

from temporal_sdk._runtime.activity_defn import ActivityDefinition

if TYPE_CHECKING:
    from temporal_sdk._worker_interceptor import ActivityOutboundInterceptor
    from temporal_sdk.client import Client
    from temporal_sdk.common import MetricMeter, Priority, RetryPolicy
    from temporal_sdk.converter import PayloadConverter

__all__ = [
    "ActivityCancellationDetails",
    "Info",
    "LoggerAdapter",
    "cancellation_details",
    "client",
    "defn",
    "heartbeat",
    "in_activity",
    "info",
    "is_cancelled",
    "is_worker_shutdown",
    "logger",
    "metric_meter",
    "payload_converter",
    "raise_complete_async",
    "shield_thread_cancel_exception",
    "wait_for_cancelled",
    "wait_for_cancelled_sync",
    "wait_for_worker_shutdown",
    "wait_for_worker_shutdown_sync",
]

CallableType = TypeVar("CallableType", bound=Callable[..., Any])


@overload
def defn(fn: CallableType) -> CallableType: ...


@overload
def defn(
    *, name: str | None = None, no_thread_cancel_exception: bool = False
) -> Callable[[CallableType], CallableType]: ...


@overload
def defn(
    *, no_thread_cancel_exception: bool = False, dynamic: bool = False
) -> Callable[[CallableType], CallableType]: ...


def defn(
    fn: CallableType | None = None,
    *,
    name: str | None = None,
    no_thread_cancel_exception: bool = False,
    dynamic: bool = False,
) -> CallableType | Callable[[CallableType], CallableType]:
    """Mark a function, method or callable object as an activity.

    Use bare (``@activity.defn``) or with options. The activity type name defaults to the
    function's ``__name__``; ``name`` overrides it. ``dynamic=True`` (which excludes ``name``)
    registers the activity that receives every type name not otherwise registered on the
    worker; it takes one parameter, a ``Sequence[RawValue]`` of the raw arguments.
    ``no_thread_cancel_exception`` is recorded for sync activities run on threads.

    Both ``async def`` and plain ``def`` functions are accepted; the latter run on the
    worker's ``activity_executor``. Keyword-only parameters are rejected because activity
    arguments travel positionally.
    """

    def decorator(fn: CallableType) -> CallableType:
        _validate(fn, dynamic=dynamic)
        ActivityDefinition.apply(
            fn,
            name=name,
            dynamic=dynamic,
            no_thread_cancel_exception=no_thread_cancel_exception,
        )
        return fn

    if fn is not None:
        return decorator(fn)
    return decorator


def _validate(fn: Callable[..., Any], *, dynamic: bool) -> None:
    if not callable(fn):
        raise TypeError("@activity.defn must decorate a function or callable object")
    if ActivityDefinition.from_callable(fn) is not None:
        raise ValueError("Function already contains activity definition")
    try:
        params = list(inspect.signature(fn).parameters.values())
    except (TypeError, ValueError):
        return
    if any(p.kind is inspect.Parameter.KEYWORD_ONLY for p in params):
        raise TypeError("Activity cannot have keyword-only arguments")
    if dynamic:
        positional = [
            p
            for p in params
            if p.name != "self"
            and p.kind
            in (inspect.Parameter.POSITIONAL_ONLY, inspect.Parameter.POSITIONAL_OR_KEYWORD)
        ]
        if len(positional) != 1:
            raise TypeError(
                "Dynamic activity must accept a single Sequence[temporal_sdk.common.RawValue]"
            )


@dataclass(frozen=True)
class Info:
    """What the worker knows about the activity attempt that is running.

    Read it with :func:`info` inside an activity. ``workflow_*`` fields are ``None`` for an
    activity that no workflow scheduled; ``heartbeat_details`` holds the details the previous
    attempt last recorded (empty on a first attempt or when it never heartbeated).
    """

    activity_id: str
    activity_type: str
    attempt: int
    current_attempt_scheduled_time: datetime
    heartbeat_details: Sequence[Any]
    heartbeat_timeout: timedelta | None
    is_local: bool
    namespace: str
    schedule_to_close_timeout: timedelta | None
    scheduled_time: datetime
    start_to_close_timeout: timedelta | None
    started_time: datetime
    task_queue: str
    task_token: bytes
    workflow_id: str | None
    workflow_namespace: str | None
    workflow_run_id: str | None
    workflow_type: str | None
    priority: Priority
    retry_policy: RetryPolicy | None
    activity_run_id: str | None = None

    @property
    def in_workflow(self) -> bool:
        """True when a workflow scheduled this activity."""
        return self.workflow_id is not None

    def _logger_details(self) -> Mapping[str, Any]:
        return {
            "activity_id": self.activity_id,
            "activity_type": self.activity_type,
            "attempt": self.attempt,
            "namespace": self.namespace,
            "task_queue": self.task_queue,
            "workflow_id": self.workflow_id,
            "workflow_run_id": self.workflow_run_id,
            "workflow_type": self.workflow_type,
        }


@dataclass(frozen=True)
class ActivityCancellationDetails:
    """Why a running activity was cancelled; set once, when the cancellation happens.

    ``cancel_requested``: the workflow (or a client) asked for it. ``not_found``: the server no
    longer knows this attempt (it completed elsewhere or timed out). ``timed_out``: the attempt
    ran past its heartbeat or start-to-close timeout (then ``not_found`` is usually set too).
    ``paused`` / ``reset``: the activity was paused or reset. ``worker_shutdown``: the worker
    is shutting down and the grace period ran out.
    """

    not_found: bool = False
    cancel_requested: bool = False
    paused: bool = False
    reset: bool = False
    timed_out: bool = False
    worker_shutdown: bool = False


@dataclass
class _CancellationDetailsHolder:
    details: ActivityCancellationDetails | None = None


class _CompositeEvent:
    """A flag readable from threads and awaitable on the loop (when it has an asyncio side).

    Only the worker's event-loop thread sets it.
    """

    def __init__(self, *, with_async: bool) -> None:
        self.thread_event = threading.Event()
        self.async_event: asyncio.Event | None = asyncio.Event() if with_async else None

    def set(self) -> None:
        self.thread_event.set()
        if self.async_event is not None:
            self.async_event.set()

    def is_set(self) -> bool:
        return self.thread_event.is_set()

    async def wait(self) -> None:
        if self.async_event is None:
            raise RuntimeError("not in async activity")
        await self.async_event.wait()

    def wait_sync(self, timeout: float | None = None) -> None:
        self.thread_event.wait(timeout)


@dataclass
class _Context:
    """What the worker hands to the code of one running activity (through a context var)."""

    info: Info
    heartbeat: Callable[..., None]
    cancelled_event: _CompositeEvent
    worker_shutdown_event: _CompositeEvent
    payload_converter: PayloadConverter
    client: Client | None
    _logger_details: Mapping[str, Any] | None = field(default=None, repr=False)
    cancellation_details: _CancellationDetailsHolder = field(
        default_factory=_CancellationDetailsHolder
    )
    shield_thread_cancel_exception: Callable[[], AbstractContextManager[None]] | None = None
    outbound: ActivityOutboundInterceptor | None = None
    """The worker interceptors' outbound chain, when the worker has interceptors."""
    runtime_metric_meter: MetricMeter | None = None
    """The worker runtime's meter; ``None`` where metrics cannot reach (process pools)."""
    _metric_meter: MetricMeter | None = field(default=None, repr=False)

    @property
    def metric_meter(self) -> MetricMeter:
        """The runtime meter with this activity's namespace, task queue and type attached."""
        if self.runtime_metric_meter is None:
            raise RuntimeError(
                "Metrics meter not available in non-threaded sync activities like multiprocess"
            )
        if self._metric_meter is None:
            info = self.info
            self._metric_meter = self.runtime_metric_meter.with_additional_attributes(
                {
                    "namespace": info.namespace,
                    "task_queue": info.task_queue,
                    "activity_type": info.activity_type,
                }
            )
        return self._metric_meter

    @staticmethod
    def current() -> _Context:
        context = _current_context.get(None)
        if context is None:
            raise RuntimeError("Not in activity context")
        return context

    @staticmethod
    def set(context: _Context) -> contextvars.Token[_Context]:
        return _current_context.set(context)

    @staticmethod
    def reset(token: contextvars.Token[_Context]) -> None:
        _current_context.reset(token)

    @property
    def logger_details(self) -> Mapping[str, Any]:
        if self._logger_details is None:
            self._logger_details = self.info._logger_details()
        return self._logger_details


_current_context: contextvars.ContextVar[_Context] = contextvars.ContextVar("temporal_activity")


def in_activity() -> bool:
    """True when called from the code of a running activity."""
    return _current_context.get(None) is not None


def info() -> Info:
    """The :class:`Info` of the running activity; ``RuntimeError`` outside an activity."""
    context = _Context.current()
    return context.info if context.outbound is None else context.outbound.info()


def client() -> Client:
    """The client of the worker running this activity.

    Only ``async def`` activities have it; a sync activity gets ``RuntimeError``.
    """
    found = _Context.current().client
    if found is None:
        raise RuntimeError(
            "No client available. The client is only available in `async def` "
            "activities; not in `def` activities."
        )
    return found


def heartbeat(*details: Any) -> None:
    """Tell the server this activity is alive, recording ``details`` for a later attempt.

    Cheap to call often: the worker sends at most one heartbeat per throttle interval and
    always the most recent details. A cancellation the server asks for is noticed through
    heartbeats, so activities that should be cancellable must heartbeat.
    """
    _Context.current().heartbeat(*details)


def cancellation_details() -> ActivityCancellationDetails | None:
    """Why this activity was cancelled, or ``None`` while it has not been."""
    return _Context.current().cancellation_details.details


def is_cancelled() -> bool:
    """True once cancellation of this activity was requested (by the server or the worker)."""
    return _Context.current().cancelled_event.is_set()


async def wait_for_cancelled() -> None:
    """Wait until cancellation of this activity is requested (async activities only)."""
    await _Context.current().cancelled_event.wait()


def wait_for_cancelled_sync(timeout: timedelta | float | None = None) -> None:
    """Block the calling thread until cancellation is requested or ``timeout`` elapses."""
    _Context.current().cancelled_event.wait_sync(_seconds(timeout))


def is_worker_shutdown() -> bool:
    """True once shutdown of the worker running this activity has begun."""
    return _Context.current().worker_shutdown_event.is_set()


async def wait_for_worker_shutdown() -> None:
    """Wait until the worker begins shutting down (async activities only)."""
    await _Context.current().worker_shutdown_event.wait()


def wait_for_worker_shutdown_sync(timeout: timedelta | float | None = None) -> None:
    """Block the calling thread until the worker shuts down or ``timeout`` elapses."""
    _Context.current().worker_shutdown_event.wait_sync(_seconds(timeout))


def _seconds(timeout: timedelta | float | None) -> float | None:
    return timeout.total_seconds() if isinstance(timeout, timedelta) else timeout


@contextmanager
def shield_thread_cancel_exception() -> Iterator[None]:
    """Delay the cancellation exception of a sync activity's thread until the block ends.

    A sync activity on a thread pool gets ``temporal_sdk.exceptions.CancelledError`` raised in
    its thread when cancellation is requested (unless its definition set
    ``no_thread_cancel_exception``). Inside this block the exception is held back and raised
    when the block exits. Elsewhere (async activities, process pools) the block simply runs.
    """
    shield = _Context.current().shield_thread_cancel_exception
    if shield is None:
        yield None
        return
    with shield():
        yield None


class _CompleteAsyncError(BaseException):
    """Raised by :func:`raise_complete_async`; the worker then leaves the task unanswered."""


def raise_complete_async() -> NoReturn:
    """End the activity function without answering its task.

    Something else will complete it later through the client, using the task token from
    :func:`info`.
    """
    raise _CompleteAsyncError()


def metric_meter() -> MetricMeter:
    """The running activity's meter (attributes namespace, task_queue and activity_type).

    Raises:
        RuntimeError: Not in an activity, or in a sync activity run in another process.

    """
    return _Context.current().metric_meter


def payload_converter() -> PayloadConverter:
    """The payload converter of the worker running this activity (for raw values)."""
    return _Context.current().payload_converter


if TYPE_CHECKING:
    _LoggerAdapterBase = logging.LoggerAdapter[logging.Logger]
else:
    _LoggerAdapterBase = logging.LoggerAdapter


class LoggerAdapter(_LoggerAdapterBase):
    """A logger adapter that adds the running activity's details to each record.

    ``activity_info_on_message`` appends a dict of the main fields to the message;
    ``activity_info_on_extra`` puts that dict on the record as ``temporal_activity``;
    ``full_activity_info_on_extra`` puts the whole :class:`Info` on it as ``activity_info``.
    Outside an activity, records pass through unchanged.
    """

    def __init__(self, logger: logging.Logger, extra: Mapping[str, Any] | None) -> None:
        super().__init__(logger, extra or {})
        self.activity_info_on_message = True
        self.activity_info_on_extra = True
        self.full_activity_info_on_extra = False

    def process(
        self, msg: Any, kwargs: MutableMapping[str, Any]
    ) -> tuple[Any, MutableMapping[str, Any]]:
        """Add the activity details to the message and the record's extra fields."""
        context = _current_context.get(None)
        if context is None:
            return msg, kwargs
        if self.activity_info_on_message:
            msg = f"{msg} ({context.logger_details})"
        if self.activity_info_on_extra or self.full_activity_info_on_extra:
            # Never mutate the caller's mapping.
            extra = dict(kwargs.get("extra") or {})
            if self.activity_info_on_extra:
                extra["temporal_activity"] = context.logger_details
            if self.full_activity_info_on_extra:
                extra["activity_info"] = context.info
            kwargs["extra"] = extra
        return msg, kwargs

    @property
    def base_logger(self) -> logging.Logger:
        """The wrapped logger, for adding handlers or formatters."""
        return self.logger


logger = LoggerAdapter(logging.getLogger(__name__), None)
"""Logger that adds the running activity's details to each record."""
