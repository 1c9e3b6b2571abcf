"""Define workflows and call into the Temporal runtime from workflow code.

Workflow code runs on a deterministic event loop: plain ``asyncio`` (``sleep``, ``gather``,
``wait_for``, ``Event``, ``Queue``, ...) works and is replayed exactly; anything reaching the
outside world (network, files, threads, the wall clock, ``random``) belongs in an activity. Use
:func:`now`, :func:`random` and :func:`uuid4` for time and randomness.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import uuid
from collections.abc import Callable, Iterator, Mapping, MutableMapping
from datetime import datetime, timedelta, timezone
from random import Random
from typing import Any

from temporal_sdk._core.determinism import NondeterminismError
from temporal_sdk._runtime import context as _context
from temporal_sdk._runtime import definitions as _definitions
from temporal_sdk._runtime import guard as _guard
from temporal_sdk._runtime.context import (
    ActivityCancellationType,
    ActivityHandle,
    Info,
    NotInWorkflowError,
    ParentInfo,
)
from temporal_sdk._runtime.definitions import HandlerUnfinishedPolicy
from temporal_sdk._runtime.instance import MISSING as _MISSING
from temporal_sdk._runtime.loop import NotAllowedInWorkflowError
from temporal_sdk._workflow_activities import (
    ActivityConfig,
    LocalActivityConfig,
    _arg_or_args,  # noqa: F401  (kept importable from here)
    execute_activity,
    execute_activity_class,
    execute_activity_method,
    execute_local_activity,
    execute_local_activity_class,
    execute_local_activity_method,
    start_activity,
    start_activity_class,
    start_activity_method,
    start_local_activity,
    start_local_activity_class,
    start_local_activity_method,
)
from temporal_sdk._workflow_children import (
    ChildWorkflowCancellationType,
    ChildWorkflowConfig,
    ChildWorkflowHandle,
    ExternalWorkflowHandle,
    ParentClosePolicy,
    execute_child_workflow,
    get_external_workflow_handle,
    get_external_workflow_handle_for,
    start_child_workflow,
)
from temporal_sdk._workflow_decorators import (
    UpdateMethod,
    UpdateMethodMultiParam,
    defn,
    init,
    query,
    run,
    signal,
    update,
)
from temporal_sdk._workflow_extras import (
    ContinueAsNewVersioningBehavior,
    DynamicWorkflowConfig,
    RootInfo,
    SandboxImportNotificationPolicy,
    UpdateInfo,
    VersioningIntent,
    as_completed,
    cancellation_reason,
    current_update_info,
    dynamic_config,
    extern_functions,
    get_current_details,
    new_random,
    random_seed,
    register_random_seed_callback,
    set_current_details,
    uuid7,
    wait,
)
from temporal_sdk._workflow_messages import (
    ReadOnlyContextError,
    UnfinishedSignalHandlersWarning,
    UnfinishedUpdateHandlersWarning,
    all_handlers_finished,
    get_dynamic_query_handler,
    get_dynamic_signal_handler,
    get_dynamic_update_handler,
    get_query_handler,
    get_signal_handler,
    get_update_handler,
    set_dynamic_query_handler,
    set_dynamic_signal_handler,
    set_dynamic_update_handler,
    set_query_handler,
    set_signal_handler,
    set_update_handler,
)
from temporal_sdk._workflow_metrics import metric_meter
from temporal_sdk._workflow_run_ops import (
    ContinueAsNewError,
    continue_as_new,
    deprecate_patch,
    patched,
    side_effect,
    upsert_memo,
    upsert_search_attributes,
)

#: temporalio's private name for a workflow class's definition; harnesses (temporalio/features)
#: call ``workflow._Definition.must_from_class(cls).name``.
_Definition = _definitions.WorkflowDefinition

__all__ = [
    "ActivityCancellationType",
    "ActivityConfig",
    "ActivityHandle",
    "ChildWorkflowCancellationType",
    "ChildWorkflowConfig",
    "ChildWorkflowHandle",
    "ContinueAsNewError",
    "ContinueAsNewVersioningBehavior",
    "DynamicWorkflowConfig",
    "ExternalWorkflowHandle",
    "HandlerUnfinishedPolicy",
    "Info",
    "LocalActivityConfig",
    "LoggerAdapter",
    "NondeterminismError",
    "NotAllowedInWorkflowError",
    "NotInWorkflowError",
    "ParentClosePolicy",
    "ParentInfo",
    "ReadOnlyContextError",
    "RootInfo",
    "SandboxImportNotificationPolicy",
    "UnfinishedSignalHandlersWarning",
    "UnfinishedUpdateHandlersWarning",
    "UpdateInfo",
    "UpdateMethod",
    "UpdateMethodMultiParam",
    "VersioningIntent",
    "all_handlers_finished",
    "as_completed",
    "cancellation_reason",
    "continue_as_new",
    "current_update_info",
    "defn",
    "deprecate_patch",
    "dynamic_config",
    "execute_activity",
    "execute_activity_class",
    "execute_activity_method",
    "execute_child_workflow",
    "execute_local_activity",
    "execute_local_activity_class",
    "execute_local_activity_method",
    "extern_functions",
    "get_current_details",
    "get_dynamic_query_handler",
    "get_dynamic_signal_handler",
    "get_dynamic_update_handler",
    "get_external_workflow_handle",
    "get_external_workflow_handle_for",
    "get_last_completion_result",
    "get_last_failure",
    "get_query_handler",
    "get_signal_handler",
    "get_update_handler",
    "has_last_completion_result",
    "in_workflow",
    "info",
    "init",
    "instance",
    "is_failure_exception",
    "logger",
    "memo",
    "memo_value",
    "metric_meter",
    "new_random",
    "now",
    "patched",
    "payload_converter",
    "query",
    "random",
    "random_seed",
    "register_random_seed_callback",
    "run",
    "set_current_details",
    "set_dynamic_query_handler",
    "set_dynamic_signal_handler",
    "set_dynamic_update_handler",
    "set_query_handler",
    "set_signal_handler",
    "set_update_handler",
    "side_effect",
    "signal",
    "sleep",
    "start_activity",
    "start_activity_class",
    "start_activity_method",
    "start_child_workflow",
    "start_local_activity",
    "start_local_activity_class",
    "start_local_activity_method",
    "time",
    "time_ns",
    "unsafe",
    "update",
    "upsert_memo",
    "upsert_search_attributes",
    "uuid4",
    "uuid7",
    "wait",
    "wait_condition",
]


# Patch the guarded callables now, before workflow modules bind names such as ``time.time``.
_guard.install()

# -- information ------------------------------------------------------------------------------


def in_workflow() -> bool:
    """Whether the caller runs inside workflow code."""
    return _context.maybe_current() is not None


def info() -> Info:
    """Facts about the running workflow."""
    return _context.current().outbound_info()


def instance() -> Any:
    """The object of the running workflow class."""
    return _context.current().workflow_object()


def now() -> datetime:
    """Workflow time as a UTC datetime (the start of the current workflow task)."""
    return datetime.fromtimestamp(time(), timezone.utc)


def time() -> float:
    """Workflow time in seconds since the epoch."""
    return _context.current().time()


def time_ns() -> int:
    """Workflow time in nanoseconds since the epoch."""
    return int(time() * 1_000_000_000)


def random() -> Random:
    """The workflow's deterministic random generator (seeded by the server; not for secrets)."""
    return _context.current().random()


def uuid4() -> uuid.UUID:
    """A version-4 UUID drawn from :func:`random` (deterministic on replay; not for secrets)."""
    return uuid.UUID(bytes=random().getrandbits(128).to_bytes(16, "big"), version=4)


def payload_converter() -> Any:
    """The payload converter the workflow's values go through."""
    return _context.current().payload_converter()


def memo() -> Mapping[str, Any]:
    """The workflow's memo, each value decoded without a type hint."""
    return _context.current().memo()


def memo_value(key: str, default: Any = _MISSING, *, type_hint: Any | None = None) -> Any:
    """One memo value decoded with ``type_hint``; ``default`` (or ``KeyError``) if absent."""
    return _context.current().memo_value(key, default, type_hint=type_hint)


def has_last_completion_result() -> bool:
    """Whether the previous run of this cron or scheduled workflow completed with a result."""
    return _context.current().has_last_completion_result()


def get_last_completion_result(type_hint: Any | None = None) -> Any:
    """The previous cron/scheduled run's result, decoded to ``type_hint``; ``None`` if none.

    Use :func:`has_last_completion_result` to tell "no previous result" from a ``None`` result.
    """
    return _context.current().last_completion_result(type_hint)


def get_last_failure() -> BaseException | None:
    """The failure of the previous cron/scheduled run or retry attempt, if it failed."""
    return _context.current().last_failure()


def is_failure_exception(err: BaseException) -> bool:
    """Whether ``err`` escaping workflow code would fail the workflow (not just the task)."""
    return _context.current().is_failure_exception(err)


# -- waiting ----------------------------------------------------------------------------------


async def sleep(duration: float | timedelta, *, summary: str | None = None) -> None:
    """Sleep for ``duration`` of workflow time (a durable timer when positive).

    ``summary`` is accepted for compatibility and not yet sent to the server.
    """
    _context.current()
    seconds = duration.total_seconds() if isinstance(duration, timedelta) else duration
    await asyncio.sleep(seconds)


async def wait_condition(
    fn: Callable[[], bool],
    *,
    timeout: timedelta | float | None = None,
    timeout_summary: str | None = None,
) -> None:
    """Wait until ``fn()`` returns true; it is re-checked whenever workflow code is blocked.

    With a ``timeout`` (a durable timer), raise ``asyncio.TimeoutError`` when it expires first.
    ``timeout_summary`` is accepted for compatibility and not yet sent to the server.
    """
    seconds = timeout.total_seconds() if isinstance(timeout, timedelta) else timeout
    await _context.current().wait_condition(fn, seconds)


# -- logging and escape hatches ---------------------------------------------------------------


class LoggerAdapter(logging.LoggerAdapter):  # type: ignore[type-arg]
    """A logger that tags records with the running workflow and stays quiet during replay.

    ``workflow_info_on_message`` appends a dict of workflow (and current update) details to the
    message; ``workflow_info_on_extra`` puts it on the record as ``temporal_workflow``;
    ``full_workflow_info_on_extra`` puts the whole :class:`Info` on it as ``workflow_info``;
    ``log_during_replay`` lets records through while history is being replayed. Keys of the
    call's own ``extra`` win over the ones added here.
    """

    def __init__(self, logger: logging.Logger, extra: Mapping[str, Any] | None) -> None:
        super().__init__(logger, dict(extra or {}))
        self.workflow_info_on_message = True
        self.workflow_info_on_extra = True
        self.full_workflow_info_on_extra = False
        self.log_during_replay = False
        self.disable_sandbox = False

    def process(self, msg: Any, kwargs: MutableMapping[str, Any]) -> tuple[Any, Any]:
        """Add the workflow details to the message and the record's extras."""
        runtime = _context.maybe_current()
        details = runtime.logger_details() if runtime is not None else None
        if details is None:
            return msg, kwargs
        update = current_update_info()
        if update is not None:
            details = {**details, **update._logger_details}
        extra: dict[str, Any] = {}
        if self.workflow_info_on_extra:
            extra["temporal_workflow"] = dict(details)
        if self.full_workflow_info_on_extra and runtime is not None:
            extra["workflow_info"] = runtime.info()
        if extra:
            kwargs["extra"] = {**extra, **(kwargs.get("extra") or {})}
        if self.workflow_info_on_message:
            msg = f"{msg} ({dict(details)})"
        return msg, kwargs

    def unsafe_disable_sandbox(self, value: bool = True) -> None:
        """Kept for compatibility: there is no sandbox, so this only records ``value``."""
        self.disable_sandbox = value

    def isEnabledFor(self, level: int) -> bool:
        """Disabled while replaying history unless ``log_during_replay`` is set."""
        if not self.log_during_replay:
            runtime = _context.maybe_current()
            if runtime is not None and runtime.is_replaying():
                return False
        return super().isEnabledFor(level)

    @property
    def base_logger(self) -> logging.Logger:
        """The wrapped logger (to add handlers or formatters)."""
        base: logging.Logger = self.logger
        return base


logger = LoggerAdapter(logging.getLogger("temporal_sdk.workflow"), None)
"""The workflow logger: records carry workflow details and are skipped during replay."""


class unsafe:
    """Escape hatches that workflow code rarely needs."""

    def __init__(self) -> None:
        raise TypeError("workflow.unsafe is a namespace, not a class to instantiate")

    @staticmethod
    def is_replaying() -> bool:
        """Whether the current workflow task replays history already recorded."""
        return _context.current().is_replaying()

    @staticmethod
    def is_replaying_history_events() -> bool:
        """Same as :meth:`is_replaying` (there are no queries or update validators yet)."""
        return _context.current().is_replaying()

    @staticmethod
    def in_sandbox() -> bool:
        """Whether the determinism guard is watching the code running now (never outside)."""
        return _guard.restricted()

    @staticmethod
    @contextlib.contextmanager
    def imports_passed_through() -> Iterator[None]:
        """Does nothing (there is no sandbox); kept so code written for sandboxes runs as is."""
        yield

    @staticmethod
    @contextlib.contextmanager
    def sandbox_unrestricted() -> Iterator[None]:
        """Let the block call what the determinism guard refuses (clock, randomness, IO).

        The caller vouches that the block stays deterministic. Do not ``await`` inside it: other
        workflow coroutines would run unguarded meanwhile.
        """
        with _guard.unrestricted():
            yield
