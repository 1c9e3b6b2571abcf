"""The bridge from ``temporal_sdk.workflow``'s functions to the running workflow instance.

Rule: the only way to reach the runtime is through the thread's running event loop; when it is
not a :class:`~temporal_sdk._runtime.loop.WorkflowEventLoop` the caller is not in workflow code
and gets a clear error. This module holds the public data types the runtime produces (``Info``,
``ActivityHandle``, ``ActivityCancellationType``) so the runtime never imports the public API.
"""

from __future__ import annotations

import asyncio
import random as _random
from abc import ABC, abstractmethod
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import IntEnum
from typing import TYPE_CHECKING, Any, Generic, TypeVar

from temporal_sdk._runtime.loop import WorkflowEventLoop
from temporal_sdk._search_attributes import TypedSearchAttributes
from temporal_sdk.api.common.v1 import Payload

if TYPE_CHECKING:
    from temporal_sdk._runtime.children import ChildWorkflows
    from temporal_sdk._runtime.run_ops import RunOps
    from temporal_sdk.common import RetryPolicy

_T = TypeVar("_T")


class NotInWorkflowError(RuntimeError):
    """Raised when a workflow-only function is called outside workflow code."""


@dataclass(frozen=True)
class ParentInfo:
    """The workflow that started this one as a child."""

    namespace: str
    run_id: str
    workflow_id: str


@dataclass(frozen=True)
class Info:
    """Facts about the running workflow execution.

    Fixed for the life of the run, except ``raw_memo`` and ``typed_search_attributes``, which
    follow the code's own ``upsert_memo`` / ``upsert_search_attributes`` calls (a new ``Info``
    is made for each change, so keep calling ``workflow.info()``).
    """

    attempt: int
    continued_run_id: str | None
    cron_schedule: str | None
    execution_timeout: timedelta | None
    first_execution_run_id: str
    headers: Mapping[str, Payload]
    namespace: str
    original_execution_run_id: str
    parent: ParentInfo | None
    raw_memo: Mapping[str, Payload]
    retry_policy: RetryPolicy | None
    run_id: str
    run_timeout: timedelta | None
    start_time: datetime
    """Workflow time of the first workflow task of this run."""
    task_queue: str
    task_timeout: timedelta
    workflow_id: str
    workflow_type: str
    typed_search_attributes: TypedSearchAttributes = field(
        default_factory=lambda: TypedSearchAttributes.empty
    )
    """The run's search attributes, including upserts made by the code so far."""
    search_attributes: Mapping[str, Sequence[Any]] = field(default_factory=dict)
    """Deprecated untyped form (name → list of values); prefer ``typed_search_attributes``."""

    def _logger_details(self) -> dict[str, Any]:
        return {
            "attempt": self.attempt,
            "namespace": self.namespace,
            "run_id": self.run_id,
            "task_queue": self.task_queue,
            "workflow_id": self.workflow_id,
            "workflow_type": self.workflow_type,
        }

    def get_current_history_length(self) -> int:
        """Number of history events up to the current workflow task."""
        return current().history_length()

    def is_continue_as_new_suggested(self) -> bool:
        """Whether the server suggests continuing as new (history is getting large)."""
        return current().run_ops().continue_as_new_suggested


class ActivityCancellationType(IntEnum):
    """What cancelling an activity from the workflow waits for."""

    TRY_CANCEL = 0
    """Ask the server to cancel it and fail the activity call at once."""
    WAIT_CANCELLATION_COMPLETED = 1
    """Ask the server to cancel it and wait until the activity acknowledges or finishes."""
    ABANDON = 2
    """Send nothing to the server and fail the activity call at once."""


class ActivityHandle(asyncio.Task[_T], Generic[_T]):  # type: ignore[misc,unused-ignore]
    """A started activity: an awaitable task whose result is the activity's result.

    Cancelling it requests cancellation of the activity according to its
    :class:`ActivityCancellationType`.
    """


class WorkflowRuntime(ABC):
    """What the public workflow functions need from the running instance."""

    @abstractmethod
    def info(self) -> Info:
        """The run's :class:`Info`."""

    def outbound_info(self) -> Info:
        """What ``workflow.info()`` returns (worker interceptors may wrap it)."""
        return self.info()

    @abstractmethod
    def time(self) -> float:
        """Workflow time in seconds since the epoch."""

    @abstractmethod
    def logger_details(self) -> Mapping[str, Any] | None:
        """Workflow details for log records (``None`` before the workflow started)."""

    @abstractmethod
    def is_replaying(self) -> bool:
        """Whether the current activation replays history."""

    @abstractmethod
    def history_length(self) -> int:
        """History length up to the current workflow task."""

    @abstractmethod
    def random(self) -> _random.Random:
        """The run's deterministic random generator."""

    @abstractmethod
    def payload_converter(self) -> Any:
        """The payload converter workflow values go through."""

    @abstractmethod
    def memo(self) -> Mapping[str, Any]:
        """The run's memo, decoded without type hints."""

    def has_last_completion_result(self) -> bool:
        """Whether the previous cron/scheduled run left a result (none by default)."""
        return False

    def last_completion_result(self, type_hint: Any | None) -> Any:
        """The previous cron/scheduled run's result (none by default)."""
        return None

    def last_failure(self) -> BaseException | None:
        """The previous run's or attempt's failure (none by default)."""
        return None

    # Run state the smaller workflow helpers (``_workflow_extras``) read; plain attributes with
    # class-level defaults, so a runtime that never sets them costs nothing.
    _cancel_reason: str | None = None
    _seed: int = 0
    _seed_callbacks: list[Callable[[int], None]] | None = None
    extern_functions: Mapping[str, Callable[..., Any]] = {}
    """Functions worker interceptors offered to workflow code (``workflow.extern_functions()``)."""
    runtime_metric_meter: Any = None
    """The worker runtime's ``MetricMeter`` (set by the worker; ``None`` in the replayer)."""
    workflow_metric_meter: Any = None
    """``workflow.metric_meter()``'s replay-safe meter, built on first use."""

    def cancellation_reason(self) -> str | None:
        """The reason of the server's cancel request for this run, or ``None`` if none came."""
        return self._cancel_reason

    def random_seed(self) -> int:
        """The current seed of :meth:`random`."""
        return self._seed

    def register_random_seed_callback(self, callback: Callable[[int], None]) -> None:
        """Call ``callback`` with the new seed when the run is reseeded (after a reset)."""
        if self._seed_callbacks is None:
            self._seed_callbacks = []
        self._seed_callbacks.append(callback)

    def _reseed(self, seed: int) -> None:
        """Reseed :meth:`random` and tell every registered callback."""
        self._seed = seed
        self.random().seed(seed)
        for callback in list(self._seed_callbacks or ()):
            callback(seed)

    def current_details(self) -> str:
        """The run's current details text."""
        details: str = self.handlers().current_details
        return details

    def set_current_details(self, description: str) -> None:
        """Replace the run's current details text."""
        self.handlers().current_details = description

    @abstractmethod
    def handlers(self) -> Any:
        """The run's signal, query and update handler table."""

    @abstractmethod
    def memo_value(self, key: str, default: Any, *, type_hint: Any | None) -> Any:
        """One memo value decoded with ``type_hint``; ``default`` (or KeyError) if absent."""

    @abstractmethod
    def child_workflows(self) -> ChildWorkflows:
        """Child workflow and external workflow operations of the run."""

    @abstractmethod
    def run_ops(self) -> RunOps:
        """Patches, side effects, upserts and continue-as-new of the run."""

    @abstractmethod
    def workflow_object(self) -> Any:
        """The instance of the user's workflow class."""

    @abstractmethod
    def is_failure_exception(self, err: BaseException) -> bool:
        """Whether ``err`` would fail the workflow (rather than the workflow task)."""

    @abstractmethod
    def start_activity(
        self,
        activity: Any,
        args: Sequence[Any],
        *,
        task_queue: str | None,
        result_type: Any | None,
        schedule_to_close_timeout: timedelta | None,
        schedule_to_start_timeout: timedelta | None,
        start_to_close_timeout: timedelta | None,
        heartbeat_timeout: timedelta | None,
        retry_policy: RetryPolicy | None,
        cancellation_type: ActivityCancellationType,
        activity_id: str | None,
        priority: Any | None,
    ) -> ActivityHandle[Any]:
        """Schedule an activity and return its handle."""

    @abstractmethod
    async def wait_condition(self, fn: Callable[[], bool], timeout: float | None) -> None:
        """Return once ``fn()`` is true; raise ``asyncio.TimeoutError`` after ``timeout``."""

    def start_local_activity(self, activity: Any, args: Sequence[Any], **options: Any) -> Any:
        """Schedule a local activity and return its handle (not every runtime supports it)."""
        raise NotImplementedError("local activities are not supported by this workflow runtime")


def maybe_current() -> WorkflowRuntime | None:
    """The runtime of the workflow whose code is running now, or ``None``."""
    loop = asyncio.events._get_running_loop()
    if isinstance(loop, WorkflowEventLoop):
        runtime = loop.runtime
        if isinstance(runtime, WorkflowRuntime):
            return runtime
    return None


def current() -> WorkflowRuntime:
    """The runtime of the workflow whose code is running now; raise outside workflow code."""
    runtime = maybe_current()
    if runtime is None:
        raise NotInWorkflowError("not in workflow code (no workflow event loop is running)")
    return runtime
