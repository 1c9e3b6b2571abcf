"""Worker interceptor base classes and the input records they pass along (public via ``worker``).

Rule: no runtime imports from the rest of the SDK. ``_runtime`` and ``_io`` subclass these
classes for their terminal links, and both are imported before ``temporal_sdk.worker`` is, so
everything the annotations mention is imported for type checking only.

Every base method hands its input to ``self.next`` unchanged: a subclass overrides the calls it
cares about and calls ``super()`` (or ``self.next``) to continue the chain.
"""

from __future__ import annotations

import concurrent.futures
from collections.abc import Awaitable, Callable, Mapping, MutableMapping, Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING, Any, NoReturn

if TYPE_CHECKING:
    from temporal_sdk import activity as _activity
    from temporal_sdk import workflow as _workflow
    from temporal_sdk.api.common.v1 import Payload
    from temporal_sdk.common import (
        Priority,
        RetryPolicy,
        TypedSearchAttributes,
        WorkflowIDReusePolicy,
    )

__all__ = [
    "ActivityInboundInterceptor",
    "ActivityOutboundInterceptor",
    "ContinueAsNewInput",
    "ExecuteActivityInput",
    "ExecuteWorkflowInput",
    "HandleQueryInput",
    "HandleSignalInput",
    "HandleUpdateInput",
    "Interceptor",
    "SignalChildWorkflowInput",
    "SignalExternalWorkflowInput",
    "StartActivityInput",
    "StartChildWorkflowInput",
    "StartLocalActivityInput",
    "WorkflowInboundInterceptor",
    "WorkflowInterceptorClassInput",
    "WorkflowOutboundInterceptor",
]


class Interceptor:
    """Base class of a worker interceptor: hooks into activity and workflow execution.

    Pass instances as ``Worker(interceptors=[...])`` (or as a client interceptor that also
    subclasses this class). The first interceptor in the list is the outermost link.
    """

    def intercept_activity(self, next: ActivityInboundInterceptor) -> ActivityInboundInterceptor:
        """Wrap ``next`` for one activity attempt; the default keeps ``next`` as it is."""
        return next

    def workflow_interceptor_class(
        self, input: WorkflowInterceptorClassInput
    ) -> type[WorkflowInboundInterceptor] | None:
        """The inbound interceptor class to build for each workflow run, or ``None`` for none.

        Called when a run starts. The class is constructed with the next inbound link, exactly
        like :class:`WorkflowInboundInterceptor`.
        """
        return None


@dataclass(frozen=True)
class WorkflowInterceptorClassInput:
    """What :meth:`Interceptor.workflow_interceptor_class` receives."""

    unsafe_extern_functions: MutableMapping[str, Callable[..., Any]]
    """Functions made available to workflow code through ``workflow.extern_functions()``;
    an interceptor may add entries. Anything added here runs outside determinism checks."""


# -- activities -----------------------------------------------------------------------------------


@dataclass
class ExecuteActivityInput:
    """What :meth:`ActivityInboundInterceptor.execute_activity` receives."""

    fn: Callable[..., Any]
    """The activity function about to be called."""
    args: Sequence[Any]
    """Its decoded arguments."""
    executor: concurrent.futures.Executor | None
    """The executor a non-async activity runs on (``None`` for async activities)."""
    headers: Mapping[str, Payload]
    """The headers the scheduling workflow (or its interceptors) attached to the activity."""


class ActivityInboundInterceptor:
    """One link of the chain that runs an activity attempt."""

    def __init__(self, next: ActivityInboundInterceptor) -> None:
        """Make a link that passes every call on to ``next``."""
        self.next = next

    def init(self, outbound: ActivityOutboundInterceptor) -> None:
        """Receive the outbound chain; wrap ``outbound`` before passing it on to add a link."""
        self.next.init(outbound)

    async def execute_activity(self, input: ExecuteActivityInput) -> Any:
        """Run the activity and return its result."""
        return await self.next.execute_activity(input)


class ActivityOutboundInterceptor:
    """One link of the chain that serves calls made from inside an activity."""

    def __init__(self, next: ActivityOutboundInterceptor) -> None:
        """Make a link that passes every call on to ``next``."""
        self.next = next

    def info(self) -> _activity.Info:
        """Serve ``activity.info()``."""
        return self.next.info()

    def heartbeat(self, *details: Any) -> None:
        """Serve ``activity.heartbeat(*details)``."""
        self.next.heartbeat(*details)


# -- workflow inbound -----------------------------------------------------------------------------


@dataclass
class ExecuteWorkflowInput:
    """What :meth:`WorkflowInboundInterceptor.execute_workflow` receives."""

    type: type
    """The workflow class."""
    run_fn: Callable[..., Awaitable[Any]]
    """The unbound ``@workflow.run`` method; the terminal link calls it on the instance."""
    args: Sequence[Any]
    """The decoded workflow arguments."""
    headers: Mapping[str, Payload]
    """The headers of the start request (from the run's first history event)."""


@dataclass
class HandleSignalInput:
    """What :meth:`WorkflowInboundInterceptor.handle_signal` receives."""

    signal: str
    args: Sequence[Any]
    headers: Mapping[str, Payload]


@dataclass
class HandleQueryInput:
    """What :meth:`WorkflowInboundInterceptor.handle_query` receives."""

    id: str
    query: str
    args: Sequence[Any]
    headers: Mapping[str, Payload]


@dataclass
class HandleUpdateInput:
    """What the update validator and handler calls of the inbound chain receive."""

    id: str
    update: str
    args: Sequence[Any]
    headers: Mapping[str, Payload]


class WorkflowInboundInterceptor:
    """One link of the chain that delivers work (run, signals, queries, updates) to a workflow."""

    def __init__(self, next: WorkflowInboundInterceptor) -> None:
        """Make a link that passes every call on to ``next``."""
        self.next = next

    def init(self, outbound: WorkflowOutboundInterceptor) -> None:
        """Receive the outbound chain; wrap ``outbound`` before passing it on to add a link."""
        self.next.init(outbound)

    async def execute_workflow(self, input: ExecuteWorkflowInput) -> Any:
        """Run the workflow's run method and return its result."""
        return await self.next.execute_workflow(input)

    async def handle_signal(self, input: HandleSignalInput) -> None:
        """Deliver a signal to its handler."""
        return await self.next.handle_signal(input)

    async def handle_query(self, input: HandleQueryInput) -> Any:
        """Answer a query (the handler must not change workflow state)."""
        return await self.next.handle_query(input)

    def handle_update_validator(self, input: HandleUpdateInput) -> None:
        """Run an update's validator; raising rejects the update."""
        self.next.handle_update_validator(input)

    async def handle_update_handler(self, input: HandleUpdateInput) -> Any:
        """Run an accepted update's handler and return its result."""
        return await self.next.handle_update_handler(input)


# -- workflow outbound ----------------------------------------------------------------------------


@dataclass
class ContinueAsNewInput:
    """What :meth:`WorkflowOutboundInterceptor.continue_as_new` receives."""

    workflow: str | None
    args: Sequence[Any]
    task_queue: str | None
    run_timeout: timedelta | None
    task_timeout: timedelta | None
    backoff_start_interval: timedelta | None
    retry_policy: RetryPolicy | None
    memo: Mapping[str, Any] | None
    search_attributes: TypedSearchAttributes | None
    headers: Mapping[str, Payload]
    versioning_intent: _workflow.VersioningIntent | None
    initial_versioning_behavior: _workflow.ContinueAsNewVersioningBehavior | None
    arg_types: list[type] | None = None


@dataclass
class SignalChildWorkflowInput:
    """What :meth:`WorkflowOutboundInterceptor.signal_child_workflow` receives."""

    signal: str
    args: Sequence[Any]
    child_workflow_id: str
    headers: Mapping[str, Payload]


@dataclass
class SignalExternalWorkflowInput:
    """What :meth:`WorkflowOutboundInterceptor.signal_external_workflow` receives."""

    signal: str
    args: Sequence[Any]
    namespace: str
    workflow_id: str
    workflow_run_id: str | None
    headers: Mapping[str, Payload]


@dataclass
class StartActivityInput:
    """What :meth:`WorkflowOutboundInterceptor.start_activity` receives."""

    activity: str
    args: Sequence[Any]
    activity_id: str | None
    task_queue: str | None
    schedule_to_close_timeout: timedelta | None
    schedule_to_start_timeout: timedelta | None
    start_to_close_timeout: timedelta | None
    heartbeat_timeout: timedelta | None
    retry_policy: RetryPolicy | None
    cancellation_type: _workflow.ActivityCancellationType
    headers: Mapping[str, Payload]
    disable_eager_execution: bool
    versioning_intent: _workflow.VersioningIntent | None
    summary: str | None
    priority: Priority
    arg_types: list[type] | None
    ret_type: type | None


@dataclass
class StartChildWorkflowInput:
    """What :meth:`WorkflowOutboundInterceptor.start_child_workflow` receives."""

    workflow: str
    args: Sequence[Any]
    id: str
    task_queue: str | None
    cancellation_type: _workflow.ChildWorkflowCancellationType
    parent_close_policy: _workflow.ParentClosePolicy
    execution_timeout: timedelta | None
    run_timeout: timedelta | None
    task_timeout: timedelta | None
    id_reuse_policy: WorkflowIDReusePolicy
    retry_policy: RetryPolicy | None
    cron_schedule: str
    memo: Mapping[str, Any] | None
    search_attributes: TypedSearchAttributes | None
    headers: Mapping[str, Payload]
    versioning_intent: _workflow.VersioningIntent | None
    static_summary: str | None
    static_details: str | None
    priority: Priority
    arg_types: list[type] | None
    ret_type: type | None


@dataclass
class StartLocalActivityInput:
    """What :meth:`WorkflowOutboundInterceptor.start_local_activity` receives."""

    activity: str
    args: Sequence[Any]
    activity_id: str | None
    schedule_to_close_timeout: timedelta | None
    schedule_to_start_timeout: timedelta | None
    start_to_close_timeout: timedelta | None
    retry_policy: RetryPolicy | None
    local_retry_threshold: timedelta | None
    cancellation_type: _workflow.ActivityCancellationType
    headers: Mapping[str, Payload]
    summary: str | None
    arg_types: list[type] | None = None
    ret_type: type | None = None


class WorkflowOutboundInterceptor:
    """One link of the chain that serves calls workflow code makes to the outside."""

    def __init__(self, next: WorkflowOutboundInterceptor) -> None:
        """Make a link that passes every call on to ``next``."""
        self.next = next

    def continue_as_new(self, input: ContinueAsNewInput) -> NoReturn:
        """Serve ``workflow.continue_as_new()`` (never returns)."""
        self.next.continue_as_new(input)

    def info(self) -> _workflow.Info:
        """Serve ``workflow.info()``."""
        return self.next.info()

    async def signal_child_workflow(self, input: SignalChildWorkflowInput) -> None:
        """Serve ``ChildWorkflowHandle.signal()``."""
        return await self.next.signal_child_workflow(input)

    async def signal_external_workflow(self, input: SignalExternalWorkflowInput) -> None:
        """Serve ``ExternalWorkflowHandle.signal()``."""
        return await self.next.signal_external_workflow(input)

    def start_activity(self, input: StartActivityInput) -> _workflow.ActivityHandle[Any]:
        """Serve ``workflow.start_activity()`` / ``execute_activity()``."""
        return self.next.start_activity(input)

    async def start_child_workflow(
        self, input: StartChildWorkflowInput
    ) -> _workflow.ChildWorkflowHandle[Any, Any]:
        """Serve ``workflow.start_child_workflow()`` / ``execute_child_workflow()``."""
        return await self.next.start_child_workflow(input)

    def start_local_activity(self, input: StartLocalActivityInput) -> _workflow.ActivityHandle[Any]:
        """Serve ``workflow.start_local_activity()`` / ``execute_local_activity()``."""
        return self.next.start_local_activity(input)

    async def start_nexus_operation(self, input: Any) -> Any:
        """Nexus operations are not supported by this SDK; always raises."""
        raise NotImplementedError("Nexus operations are not supported")


def worker_interceptors(client: Any, interceptors: Sequence[Any]) -> list[Interceptor]:
    """A worker's interceptors: the client's worker interceptors first, then its own.

    Client interceptors that do not subclass :class:`Interceptor` are skipped; a worker
    interceptor that does not subclass it is a ``TypeError``.
    """
    for interceptor in interceptors:
        if not isinstance(interceptor, Interceptor):
            raise TypeError(
                "worker interceptors must subclass temporal_sdk.worker.Interceptor, not "
                f"{type(interceptor).__name__}"
            )
    config = getattr(client, "config", None)
    # The active config: plugins may have added interceptors to the client.
    from_client = config(active_config=True).get("interceptors", ()) if callable(config) else ()
    return [i for i in from_client if isinstance(i, Interceptor)] + list(interceptors)
