"""Workflow functions that run activities and local activities (re-exported by ``workflow``).

Rule: thin wrappers. Each function normalises ``arg``/``args`` and hands over to the running
workflow's runtime (``start_activity`` / ``start_local_activity``); nothing here keeps state.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from datetime import timedelta
from typing import Any, TypedDict, TypeVar, cast, overload

from typing_extensions import Unpack

from temporal_sdk._runtime import context as _context
from temporal_sdk._runtime.context import ActivityCancellationType, ActivityHandle
from temporal_sdk.common import Priority, RetryPolicy

__all__ = [
    "ActivityConfig",
    "LocalActivityConfig",
    "execute_activity",
    "execute_activity_class",
    "execute_activity_method",
    "execute_local_activity",
    "execute_local_activity_class",
    "execute_local_activity_method",
    "start_activity",
    "start_activity_class",
    "start_activity_method",
    "start_local_activity",
    "start_local_activity_class",
    "start_local_activity_method",
]

_R = TypeVar("_R")
_ARG_UNSET: Any = object()


def _arg_or_args(arg: Any, args: Sequence[Any]) -> Sequence[Any]:
    if arg is _ARG_UNSET:
        return args
    if args:
        raise ValueError("pass either arg or args, not both")
    return (arg,)


class ActivityConfig(TypedDict, total=False):
    """The options of :func:`start_activity` / :func:`execute_activity`, as a reusable dict."""

    task_queue: str | None
    schedule_to_close_timeout: timedelta | None
    schedule_to_start_timeout: timedelta | None
    start_to_close_timeout: timedelta | None
    heartbeat_timeout: timedelta | None
    retry_policy: RetryPolicy | None
    cancellation_type: ActivityCancellationType
    activity_id: str | None
    versioning_intent: Any | None
    summary: str | None
    priority: Priority


@overload
def start_activity(
    activity: Callable[..., Awaitable[_R]],
    arg: Any = ...,
    *,
    args: Sequence[Any] = ...,
    result_type: type | None = ...,
    **config: Unpack[ActivityConfig],
) -> ActivityHandle[_R]: ...


@overload
def start_activity(
    activity: Callable[..., _R],
    arg: Any = ...,
    *,
    args: Sequence[Any] = ...,
    result_type: type | None = ...,
    **config: Unpack[ActivityConfig],
) -> ActivityHandle[_R]: ...


@overload
def start_activity(
    activity: str,
    arg: Any = ...,
    *,
    args: Sequence[Any] = ...,
    result_type: type[_R],
    **config: Unpack[ActivityConfig],
) -> ActivityHandle[_R]: ...


@overload
def start_activity(
    activity: str,
    arg: Any = ...,
    *,
    args: Sequence[Any] = ...,
    result_type: None = ...,
    **config: Unpack[ActivityConfig],
) -> ActivityHandle[Any]: ...


def start_activity(
    activity: Callable[..., Any] | str,
    arg: Any = _ARG_UNSET,
    *,
    args: Sequence[Any] = (),
    task_queue: str | None = None,
    result_type: type | None = None,
    schedule_to_close_timeout: timedelta | None = None,
    schedule_to_start_timeout: timedelta | None = None,
    start_to_close_timeout: timedelta | None = None,
    heartbeat_timeout: timedelta | None = None,
    retry_policy: RetryPolicy | None = None,
    cancellation_type: ActivityCancellationType = ActivityCancellationType.TRY_CANCEL,
    activity_id: str | None = None,
    versioning_intent: Any | None = None,
    summary: str | None = None,
    priority: Priority = Priority.default,
) -> ActivityHandle[Any]:
    """Schedule an activity and return its handle (a task: await it for the result).

    ``activity`` is an ``@activity.defn`` callable or an activity type name. At least one of
    ``schedule_to_close_timeout`` and ``start_to_close_timeout`` is required. The task queue
    defaults to the workflow's; the activity id defaults to the activity's sequence number.
    A failure raises :class:`~temporal_sdk.exceptions.ActivityError` whose ``cause`` says why.
    ``versioning_intent`` and ``summary`` are accepted for compatibility and not yet used.
    """
    return _context.current().start_activity(
        activity,
        _arg_or_args(arg, args),
        task_queue=task_queue,
        result_type=result_type,
        schedule_to_close_timeout=schedule_to_close_timeout,
        schedule_to_start_timeout=schedule_to_start_timeout,
        start_to_close_timeout=start_to_close_timeout,
        heartbeat_timeout=heartbeat_timeout,
        retry_policy=retry_policy,
        cancellation_type=cancellation_type,
        activity_id=activity_id,
        priority=priority,
    )


@overload
async def execute_activity(
    activity: Callable[..., Awaitable[_R]],
    arg: Any = ...,
    *,
    args: Sequence[Any] = ...,
    result_type: type | None = ...,
    **config: Unpack[ActivityConfig],
) -> _R: ...


@overload
async def execute_activity(
    activity: Callable[..., _R],
    arg: Any = ...,
    *,
    args: Sequence[Any] = ...,
    result_type: type | None = ...,
    **config: Unpack[ActivityConfig],
) -> _R: ...


@overload
async def execute_activity(
    activity: str,
    arg: Any = ...,
    *,
    args: Sequence[Any] = ...,
    result_type: type[_R],
    **config: Unpack[ActivityConfig],
) -> _R: ...


@overload
async def execute_activity(
    activity: str,
    arg: Any = ...,
    *,
    args: Sequence[Any] = ...,
    result_type: None = ...,
    **config: Unpack[ActivityConfig],
) -> Any: ...


async def execute_activity(
    activity: Callable[..., Any] | str,
    arg: Any = _ARG_UNSET,
    *,
    args: Sequence[Any] = (),
    task_queue: str | None = None,
    result_type: type | None = None,
    schedule_to_close_timeout: timedelta | None = None,
    schedule_to_start_timeout: timedelta | None = None,
    start_to_close_timeout: timedelta | None = None,
    heartbeat_timeout: timedelta | None = None,
    retry_policy: RetryPolicy | None = None,
    cancellation_type: ActivityCancellationType = ActivityCancellationType.TRY_CANCEL,
    activity_id: str | None = None,
    versioning_intent: Any | None = None,
    summary: str | None = None,
    priority: Priority = Priority.default,
) -> Any:
    """Run an activity and return its result: ``await start_activity(...)``."""
    return await _context.current().start_activity(
        activity,
        _arg_or_args(arg, args),
        task_queue=task_queue,
        result_type=result_type,
        schedule_to_close_timeout=schedule_to_close_timeout,
        schedule_to_start_timeout=schedule_to_start_timeout,
        start_to_close_timeout=start_to_close_timeout,
        heartbeat_timeout=heartbeat_timeout,
        retry_policy=retry_policy,
        cancellation_type=cancellation_type,
        activity_id=activity_id,
        priority=priority,
    )


def start_local_activity(
    activity: Callable[..., Any] | str,
    arg: Any = _ARG_UNSET,
    *,
    args: Sequence[Any] = (),
    result_type: type | None = None,
    schedule_to_close_timeout: timedelta | None = None,
    schedule_to_start_timeout: timedelta | None = None,
    start_to_close_timeout: timedelta | None = None,
    retry_policy: RetryPolicy | None = None,
    local_retry_threshold: timedelta | None = None,
    cancellation_type: ActivityCancellationType = ActivityCancellationType.TRY_CANCEL,
    activity_id: str | None = None,
    summary: str | None = None,
) -> ActivityHandle[Any]:
    """Run an activity inside this worker's workflow task and return its handle.

    The worker runs it right away (no activity task on the server) and records the outcome as a
    marker in history; replay returns the recorded outcome without running it again. Retries
    happen in the worker with the retry policy's backoff; a backoff longer than
    ``local_retry_threshold`` (default one minute) waits on a durable timer instead. At least one
    of ``schedule_to_close_timeout`` and ``start_to_close_timeout`` is required.
    ``cancellation_type`` and ``summary`` are accepted for compatibility and not yet used.
    """
    return cast(
        "ActivityHandle[Any]",
        _context.current().start_local_activity(
            activity,
            _arg_or_args(arg, args),
            result_type=result_type,
            schedule_to_close_timeout=schedule_to_close_timeout,
            schedule_to_start_timeout=schedule_to_start_timeout,
            start_to_close_timeout=start_to_close_timeout,
            retry_policy=retry_policy,
            local_retry_threshold=local_retry_threshold,
            activity_id=activity_id,
        ),
    )


async def execute_local_activity(
    activity: Callable[..., Any] | str,
    arg: Any = _ARG_UNSET,
    *,
    args: Sequence[Any] = (),
    result_type: type | None = None,
    schedule_to_close_timeout: timedelta | None = None,
    schedule_to_start_timeout: timedelta | None = None,
    start_to_close_timeout: timedelta | None = None,
    retry_policy: RetryPolicy | None = None,
    local_retry_threshold: timedelta | None = None,
    cancellation_type: ActivityCancellationType = ActivityCancellationType.TRY_CANCEL,
    activity_id: str | None = None,
    summary: str | None = None,
) -> Any:
    """Run a local activity and return its result: ``await start_local_activity(...)``."""
    return await start_local_activity(
        activity,
        arg,
        args=args,
        result_type=result_type,
        schedule_to_close_timeout=schedule_to_close_timeout,
        schedule_to_start_timeout=schedule_to_start_timeout,
        start_to_close_timeout=start_to_close_timeout,
        retry_policy=retry_policy,
        local_retry_threshold=local_retry_threshold,
        cancellation_type=cancellation_type,
        activity_id=activity_id,
        summary=summary,
    )


start_local_activity_method = start_local_activity
"""Alias of :func:`start_local_activity` for an activity defined as a method."""
execute_local_activity_method = execute_local_activity
"""Alias of :func:`execute_local_activity` for an activity defined as a method."""


class LocalActivityConfig(TypedDict, total=False):
    """The options of :func:`start_local_activity` / :func:`execute_local_activity`, as a dict."""

    schedule_to_close_timeout: timedelta | None
    schedule_to_start_timeout: timedelta | None
    start_to_close_timeout: timedelta | None
    retry_policy: RetryPolicy | None
    local_retry_threshold: timedelta | None
    cancellation_type: ActivityCancellationType
    activity_id: str | None
    summary: str | None


start_activity_method = start_activity
"""Alias of :func:`start_activity` for an activity defined as a method (pass ``Class.method``)."""
execute_activity_method = execute_activity
"""Alias of :func:`execute_activity` for an activity defined as a method (pass ``Class.method``)."""


def _class_call(activity: type) -> Callable[..., Any]:
    """The ``@activity.defn``-decorated ``__call__`` of a callable activity class."""
    mro = activity.__mro__ if isinstance(activity, type) else ()
    call = next((vars(k)["__call__"] for k in mro if "__call__" in vars(k)), None)
    if call is None:
        raise TypeError(f"{activity!r} is not a class with an @activity.defn __call__ method")
    return cast("Callable[..., Any]", call)


def start_activity_class(activity: type, *args: Any, **kwargs: Any) -> ActivityHandle[Any]:
    """:func:`start_activity` for a class whose ``__call__`` is the ``@activity.defn`` method."""
    return start_activity(_class_call(activity), *args, **kwargs)


async def execute_activity_class(activity: type, *args: Any, **kwargs: Any) -> Any:
    """:func:`execute_activity` for a class whose ``__call__`` is the ``@activity.defn`` method."""
    return await start_activity(_class_call(activity), *args, **kwargs)


def start_local_activity_class(activity: type, *args: Any, **kwargs: Any) -> ActivityHandle[Any]:
    """:func:`start_local_activity` for a class whose ``__call__`` is the activity method."""
    return start_local_activity(_class_call(activity), *args, **kwargs)


async def execute_local_activity_class(activity: type, *args: Any, **kwargs: Any) -> Any:
    """:func:`execute_local_activity` for a class whose ``__call__`` is the activity method."""
    return await start_local_activity(_class_call(activity), *args, **kwargs)
