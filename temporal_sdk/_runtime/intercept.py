"""Worker interceptor chains of one workflow run: inputs built here, terminal links call the run.

Rules:

* Only runs whose worker has interceptor classes get a :class:`RunInterceptors`; every other
  run takes the direct path, so unused interceptors cost nothing per call.
* The chains are built once per run, before the workflow object exists, with the run's loop
  current so ``init`` may call ``workflow.info()``.
* The terminal inbound link calls the handler found *by the input's name* (an interceptor may
  rename), and the terminal outbound link calls the run's own direct operations, passing the
  input's headers on to the command.
* Queries stay synchronous: the inbound chain's ``handle_query`` coroutine must finish without
  suspending (it is driven by hand, outside the loop's scheduler).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Coroutine, Mapping, MutableMapping, Sequence
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any, NoReturn

from temporal_sdk._core.activation import DoUpdate, SignalWorkflow
from temporal_sdk._runtime.activity_defn import activity_name_for, activity_result_type_for
from temporal_sdk._runtime.children import ChildOptions
from temporal_sdk._runtime.context import ActivityCancellationType, ActivityHandle, Info
from temporal_sdk._runtime.definitions import (
    signal_name_for,
    workflow_name_for,
    workflow_result_type_for,
)
from temporal_sdk._worker_interceptor import (
    ContinueAsNewInput,
    ExecuteWorkflowInput,
    HandleQueryInput,
    HandleSignalInput,
    HandleUpdateInput,
    Interceptor,
    SignalChildWorkflowInput,
    SignalExternalWorkflowInput,
    StartActivityInput,
    StartChildWorkflowInput,
    StartLocalActivityInput,
    WorkflowInboundInterceptor,
    WorkflowInterceptorClassInput,
    WorkflowOutboundInterceptor,
)
from temporal_sdk.api.common.v1 import Payload
from temporal_sdk.common import Priority

if TYPE_CHECKING:
    from temporal_sdk._runtime.activities import ActivityRuntime
    from temporal_sdk._runtime.children import ChildWorkflowHandle, ChildWorkflows
    from temporal_sdk._runtime.definitions import WorkflowDefinition
    from temporal_sdk._runtime.handlers import HandlerTable, LiveHandler
    from temporal_sdk._runtime.local_activities import LocalActivityRuntime
    from temporal_sdk._runtime.run_ops import RunOps

_NO_HEADERS: Mapping[str, Payload] = {}


def interceptor_classes(
    interceptors: Sequence[Any], extern_functions: MutableMapping[str, Callable[..., Any]]
) -> list[type[WorkflowInboundInterceptor]]:
    """Ask each worker interceptor for its workflow inbound class (once per worker), in order."""
    request = WorkflowInterceptorClassInput(unsafe_extern_functions=extern_functions)
    found: list[type[WorkflowInboundInterceptor]] = []
    for interceptor in interceptors:
        if isinstance(interceptor, Interceptor):
            cls = interceptor.workflow_interceptor_class(request)
            if cls is not None:
                found.append(cls)
    return found


@dataclass(frozen=True)
class RunParts:
    """The pieces of a run the terminal links call (the run's direct operations)."""

    defn: WorkflowDefinition
    handlers: HandlerTable
    activities: ActivityRuntime
    local: LocalActivityRuntime
    children: ChildWorkflows
    run_ops: RunOps
    info: Callable[[], Info]
    workflow_object: Callable[[], Any]


class RunInterceptors:
    """The inbound and outbound chains of one run and the glue from runtime calls to inputs."""

    def __init__(
        self, parts: RunParts, classes: Sequence[type[WorkflowInboundInterceptor]]
    ) -> None:
        """Build the chains; the first class is the outermost link."""
        self._parts = parts
        terminal = _TerminalInbound(parts)
        inbound: WorkflowInboundInterceptor = terminal
        for cls in reversed(classes):
            inbound = cls(inbound)
        inbound.init(_TerminalOutbound(parts))
        self.inbound = inbound
        self.outbound: WorkflowOutboundInterceptor = terminal.outbound

    # -- inbound -------------------------------------------------------------------------------

    async def execute_workflow(self, args: Sequence[Any], headers: Mapping[str, Payload]) -> Any:
        """Run the workflow's run method through the inbound chain."""
        defn = self._parts.defn
        return await self.inbound.execute_workflow(
            ExecuteWorkflowInput(type=defn.cls, run_fn=defn.run_fn, args=args, headers=headers)
        )

    def wrap_signal(self, handler: LiveHandler, job: SignalWorkflow) -> LiveHandler:
        """``handler`` with its call routed through ``handle_signal``."""

        async def run(*args: Any) -> None:
            signal = HandleSignalInput(signal=job.signal_name, args=args, headers=job.headers)
            await self.inbound.handle_signal(signal)

        return replace(handler, fn=run, is_async=True)

    def update_validator(self, job: DoUpdate) -> Callable[..., None]:
        """A validator that runs ``handle_update_validator`` for ``job``."""

        def validate(*args: Any) -> None:
            self.inbound.handle_update_validator(_update_input(job, args))

        return validate

    def wrap_update(self, handler: LiveHandler, job: DoUpdate) -> LiveHandler:
        """``handler`` with its call routed through ``handle_update_handler``."""

        async def run(*args: Any) -> Any:
            return await self.inbound.handle_update_handler(_update_input(job, args))

        return replace(handler, fn=run, is_async=True)

    def wrap_query(
        self, handler: LiveHandler, query_id: str, name: str, headers: Mapping[str, Payload]
    ) -> LiveHandler:
        """``handler`` with its call routed (synchronously) through ``handle_query``."""

        def run(*args: Any) -> Any:
            query = HandleQueryInput(id=query_id, query=name, args=args, headers=headers)
            return _finish_now(self.inbound.handle_query(query))

        return replace(handler, fn=run, is_async=False)

    # -- outbound ------------------------------------------------------------------------------

    def info(self) -> Info:
        """``workflow.info()`` through the outbound chain."""
        return self.outbound.info()

    def start_activity(self, activity: Any, args: Sequence[Any], **o: Any) -> Any:
        """``workflow.start_activity()`` through the outbound chain."""
        result_type = o.get("result_type")
        return self.outbound.start_activity(
            StartActivityInput(
                activity=activity_name_for(activity),
                args=args,
                activity_id=o.get("activity_id"),
                task_queue=o.get("task_queue"),
                schedule_to_close_timeout=o.get("schedule_to_close_timeout"),
                schedule_to_start_timeout=o.get("schedule_to_start_timeout"),
                start_to_close_timeout=o.get("start_to_close_timeout"),
                heartbeat_timeout=o.get("heartbeat_timeout"),
                retry_policy=o.get("retry_policy"),
                cancellation_type=o.get("cancellation_type", ActivityCancellationType.TRY_CANCEL),
                headers={},
                disable_eager_execution=False,
                versioning_intent=o.get("versioning_intent"),
                summary=o.get("summary"),
                priority=o.get("priority") or Priority.default,
                arg_types=None,
                ret_type=result_type or activity_result_type_for(activity),
            )
        )

    def start_local_activity(self, activity: Any, args: Sequence[Any], **o: Any) -> Any:
        """``workflow.start_local_activity()`` through the outbound chain."""
        result_type = o.get("result_type")
        return self.outbound.start_local_activity(
            StartLocalActivityInput(
                activity=activity_name_for(activity),
                args=args,
                activity_id=o.get("activity_id"),
                schedule_to_close_timeout=o.get("schedule_to_close_timeout"),
                schedule_to_start_timeout=o.get("schedule_to_start_timeout"),
                start_to_close_timeout=o.get("start_to_close_timeout"),
                retry_policy=o.get("retry_policy"),
                local_retry_threshold=o.get("local_retry_threshold"),
                cancellation_type=o.get("cancellation_type", ActivityCancellationType.TRY_CANCEL),
                headers={},
                summary=o.get("summary"),
                ret_type=result_type or activity_result_type_for(activity),
            )
        )

    async def start_child_workflow(
        self, workflow: Any, args: Sequence[Any], o: ChildOptions
    ) -> ChildWorkflowHandle[Any, Any]:
        """``workflow.start_child_workflow()`` through the outbound chain."""
        ret_type = o.result_type
        if ret_type is None and not isinstance(workflow, str):
            ret_type = workflow_result_type_for(workflow)
        return await self.outbound.start_child_workflow(
            StartChildWorkflowInput(
                workflow=workflow_name_for(workflow),
                args=args,
                id=o.id,
                task_queue=o.task_queue,
                cancellation_type=o.cancellation_type,
                parent_close_policy=o.parent_close_policy,
                execution_timeout=o.execution_timeout,
                run_timeout=o.run_timeout,
                task_timeout=o.task_timeout,
                id_reuse_policy=o.id_reuse_policy,
                retry_policy=o.retry_policy,
                cron_schedule=o.cron_schedule,
                memo=o.memo,
                search_attributes=o.search_attributes,
                headers={},
                versioning_intent=None,
                static_summary=None,
                static_details=None,
                priority=o.priority or Priority.default,
                arg_types=None,
                ret_type=ret_type,
            )
        )

    async def signal(
        self,
        workflow_id: str,
        run_id: str | None,
        signal: Any,
        args: Sequence[Any],
        *,
        child_only: bool,
    ) -> None:
        """A child or external signal through the outbound chain."""
        name = signal_name_for(signal)
        if child_only:
            await self.outbound.signal_child_workflow(
                SignalChildWorkflowInput(
                    signal=name, args=args, child_workflow_id=workflow_id, headers={}
                )
            )
            return
        await self.outbound.signal_external_workflow(
            SignalExternalWorkflowInput(
                signal=name,
                args=args,
                namespace=self._parts.info().namespace,
                workflow_id=workflow_id,
                workflow_run_id=run_id,
                headers={},
            )
        )

    def continue_as_new(self, args: Sequence[Any], **o: Any) -> NoReturn:
        """``workflow.continue_as_new()`` through the outbound chain."""
        workflow = o.get("workflow")
        self.outbound.continue_as_new(
            ContinueAsNewInput(
                workflow=workflow_name_for(workflow) if workflow is not None else None,
                args=args,
                task_queue=o.get("task_queue"),
                run_timeout=o.get("run_timeout"),
                task_timeout=o.get("task_timeout"),
                backoff_start_interval=o.get("backoff_start_interval"),
                retry_policy=o.get("retry_policy"),
                memo=o.get("memo"),
                search_attributes=o.get("search_attributes"),
                headers={},
                versioning_intent=o.get("versioning_intent"),
                initial_versioning_behavior=None,
            )
        )
        raise RuntimeError("continue_as_new interceptor returned instead of raising")


def _update_input(job: DoUpdate, args: Sequence[Any]) -> HandleUpdateInput:
    return HandleUpdateInput(id=job.update_id, update=job.name, args=args, headers=job.headers)


def _finish_now(coro: Coroutine[Any, Any, Any]) -> Any:
    """The value of a coroutine that must complete without suspending."""
    try:
        coro.send(None)
    except StopIteration as stop:
        return stop.value
    coro.close()
    raise RuntimeError("a query interceptor must answer without awaiting anything that waits")


async def _call(handler: LiveHandler, args: Sequence[Any]) -> Any:
    result = handler.fn(*args)
    if handler.is_async:
        result = await result
    return result


class _TerminalInbound(WorkflowInboundInterceptor):
    """The innermost inbound link: calls the workflow's own run method and handlers."""

    def __init__(self, parts: RunParts) -> None:  # no ``next``: this link ends the chain
        self._parts = parts
        self.outbound: WorkflowOutboundInterceptor

    def init(self, outbound: WorkflowOutboundInterceptor) -> None:
        self.outbound = outbound

    async def execute_workflow(self, input: ExecuteWorkflowInput) -> Any:
        return await input.run_fn(self._parts.workflow_object(), *input.args)

    async def handle_signal(self, input: HandleSignalInput) -> None:
        await _call(self._lookup("signal", self._parts.handlers.signals, input.signal), input.args)

    async def handle_query(self, input: HandleQueryInput) -> Any:
        handler = self._lookup("query", self._parts.handlers.queries, input.query)
        result = handler.fn(*input.args)
        if asyncio.iscoroutine(result):
            result.close()
            raise TypeError(f"query handler {input.query!r} must not be async")
        return result

    def handle_update_validator(self, input: HandleUpdateInput) -> None:
        handler = self._lookup("update", self._parts.handlers.updates, input.update)
        if handler.validator is not None:
            handler.validator(*input.args)

    async def handle_update_handler(self, input: HandleUpdateInput) -> Any:
        handler = self._lookup("update", self._parts.handlers.updates, input.update)
        return await _call(handler, input.args)

    @staticmethod
    def _lookup(kind: str, table: Mapping[str | None, LiveHandler], name: str) -> LiveHandler:
        handler = table.get(name) or table.get(None)
        if handler is None:
            raise KeyError(f"no {kind} handler for {name!r} (an interceptor changed the name?)")
        return handler


class _TerminalOutbound(WorkflowOutboundInterceptor):
    """The innermost outbound link: the run's direct operations, headers included."""

    def __init__(self, parts: RunParts) -> None:  # no ``next``: this link ends the chain
        self._parts = parts

    def continue_as_new(self, input: ContinueAsNewInput) -> NoReturn:
        self._parts.run_ops.continue_as_new_direct(
            input.args,
            workflow=input.workflow,
            task_queue=input.task_queue,
            run_timeout=input.run_timeout,
            task_timeout=input.task_timeout,
            backoff_start_interval=input.backoff_start_interval,
            retry_policy=input.retry_policy,
            memo=input.memo,
            search_attributes=input.search_attributes,
            headers=input.headers,
        )

    def info(self) -> Info:
        return self._parts.info()

    async def signal_child_workflow(self, input: SignalChildWorkflowInput) -> None:
        external = self._parts.children.external
        await external.signal_direct(
            input.child_workflow_id,
            None,
            input.signal,
            input.args,
            child_only=True,
            headers=input.headers,
        )

    async def signal_external_workflow(self, input: SignalExternalWorkflowInput) -> None:
        external = self._parts.children.external
        await external.signal_direct(
            input.workflow_id,
            input.workflow_run_id,
            input.signal,
            input.args,
            child_only=False,
            headers=input.headers,
        )

    def start_activity(self, input: StartActivityInput) -> ActivityHandle[Any]:
        return self._parts.activities.start(
            input.activity,
            input.args,
            task_queue=input.task_queue,
            result_type=input.ret_type,
            schedule_to_close_timeout=input.schedule_to_close_timeout,
            schedule_to_start_timeout=input.schedule_to_start_timeout,
            start_to_close_timeout=input.start_to_close_timeout,
            heartbeat_timeout=input.heartbeat_timeout,
            retry_policy=input.retry_policy,
            cancellation_type=input.cancellation_type,
            activity_id=input.activity_id,
            priority=input.priority,
            headers=input.headers,
        )

    async def start_child_workflow(
        self, input: StartChildWorkflowInput
    ) -> ChildWorkflowHandle[Any, Any]:
        options = ChildOptions(
            id=input.id,
            task_queue=input.task_queue,
            result_type=input.ret_type,
            cancellation_type=input.cancellation_type,
            parent_close_policy=input.parent_close_policy,
            execution_timeout=input.execution_timeout,
            run_timeout=input.run_timeout,
            task_timeout=input.task_timeout,
            id_reuse_policy=input.id_reuse_policy,
            retry_policy=input.retry_policy,
            cron_schedule=input.cron_schedule,
            memo=input.memo,
            search_attributes=input.search_attributes,
            priority=input.priority,
        )
        children = self._parts.children
        return await children.start_direct(input.workflow, input.args, options, input.headers)

    def start_local_activity(self, input: StartLocalActivityInput) -> ActivityHandle[Any]:
        return self._parts.local.start(
            input.activity,
            input.args,
            result_type=input.ret_type,
            schedule_to_close_timeout=input.schedule_to_close_timeout,
            schedule_to_start_timeout=input.schedule_to_start_timeout,
            start_to_close_timeout=input.start_to_close_timeout,
            retry_policy=input.retry_policy,
            local_retry_threshold=input.local_retry_threshold,
            activity_id=input.activity_id,
            headers=input.headers,
        )


def install(
    parts: RunParts, classes: Sequence[type[WorkflowInboundInterceptor]]
) -> RunInterceptors:
    """Build the run's chains and route the run's handler table and operations through them."""
    chains = RunInterceptors(parts, classes)
    parts.handlers.intercept = chains
    parts.children.intercept = chains
    parts.children.external.intercept = chains
    parts.run_ops.intercept = chains
    return chains
