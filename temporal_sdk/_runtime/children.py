"""Child workflows as the parent's code sees them: start, await, signal, cancel.

Rule: deterministic and IO-free. Starting a child issues ``StartChildWorkflow(seq)`` and waits
for ``ResolveChildWorkflowStart(seq)``; the returned handle is a task that waits for
``ResolveChildWorkflow(seq)``. Cancelling either wait issues ``CancelChildWorkflow(seq)`` and
keeps waiting: the core decides, by the child's cancellation type, when the wait ends.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import timedelta
from enum import IntEnum
from typing import TYPE_CHECKING, Any, Generic, TypeVar

from temporal_sdk import exceptions
from temporal_sdk._converter_context import RunConverters
from temporal_sdk._core.activation import (
    CancelChildWorkflow,
    Command,
    ResolveChildWorkflow,
    ResolveChildWorkflowStart,
    StartChildWorkflow,
)
from temporal_sdk._runtime.context import Info
from temporal_sdk._runtime.definitions import workflow_name_for, workflow_result_type_for
from temporal_sdk._runtime.external import ARG_UNSET, ExternalWorkflows, await_operation
from temporal_sdk._runtime.external import one_or_many as _one_or_many
from temporal_sdk._runtime.loop import track_task
from temporal_sdk.api.command.v1 import StartChildWorkflowExecutionCommandAttributes
from temporal_sdk.api.common.v1 import Payload, WorkflowType
from temporal_sdk.api.enums.v1 import (
    StartChildWorkflowExecutionFailedCause,
    TaskQueueKind,
)
from temporal_sdk.api.taskqueue.v1 import TaskQueue
from temporal_sdk.common import Priority, RetryPolicy, WorkflowIDReusePolicy

if TYPE_CHECKING:
    from temporal_sdk._runtime.intercept import RunInterceptors

_R = TypeVar("_R")
_SelfT = TypeVar("_SelfT")
_ALREADY_EXISTS = StartChildWorkflowExecutionFailedCause.Value(
    "START_CHILD_WORKFLOW_EXECUTION_FAILED_CAUSE_WORKFLOW_ALREADY_EXISTS"
)


class ChildWorkflowCancellationType(IntEnum):
    """What cancelling a child workflow from its parent sends, and how long the parent waits."""

    ABANDON = 0
    """Send nothing; the parent stops waiting at once and the child runs on."""
    TRY_CANCEL = 1
    """Ask the server to cancel the child; the parent stops waiting at once."""
    WAIT_CANCELLATION_COMPLETED = 2
    """Ask the server to cancel the child; wait until the child closes (however it closes)."""
    WAIT_CANCELLATION_REQUESTED = 3
    """Ask the server to cancel the child; wait until the request reached the child."""


class ParentClosePolicy(IntEnum):
    """What the server does to a still-running child when its parent closes."""

    UNSPECIFIED = 0
    """The server's default (terminate)."""
    TERMINATE = 1
    """Terminate the child."""
    ABANDON = 2
    """Leave the child running."""
    REQUEST_CANCEL = 3
    """Ask the child to cancel."""


@dataclass(frozen=True)
class ChildOptions:
    """Everything ``start_child_workflow`` accepts besides the workflow and its arguments."""

    id: str
    task_queue: str | None = None
    result_type: Any | None = None
    cancellation_type: ChildWorkflowCancellationType = (
        ChildWorkflowCancellationType.WAIT_CANCELLATION_COMPLETED
    )
    parent_close_policy: ParentClosePolicy = ParentClosePolicy.TERMINATE
    execution_timeout: timedelta | None = None
    run_timeout: timedelta | None = None
    task_timeout: timedelta | None = None
    id_reuse_policy: WorkflowIDReusePolicy = WorkflowIDReusePolicy.ALLOW_DUPLICATE
    retry_policy: RetryPolicy | None = None
    cron_schedule: str = ""
    memo: Mapping[str, Any] | None = None
    search_attributes: Any | None = None
    priority: Priority | None = None


@dataclass(slots=True)
class _Child:
    seq: int
    workflow_id: str
    workflow_type: str
    ret_type: Any | None
    start: asyncio.Future[None]
    result: asyncio.Future[Any]
    run_id: str | None = None
    converters: tuple[Any, Any] | None = None  # bound to the child's context, if any


class ChildWorkflows:
    """Issues child workflow commands and resolves their futures for one workflow run."""

    def __init__(
        self,
        *,
        add: Callable[[Command], None],
        loop: asyncio.AbstractEventLoop,
        payload_converter: Any,
        failure_converter: Any,
        info: Callable[[], Info],
        cancel_requested: Callable[[], bool],
        origin: Callable[[], str],
        converters: RunConverters | None = None,
    ) -> None:
        self._add = add
        self._loop = loop
        self._pc = payload_converter
        self._fc = failure_converter
        self._conv = converters
        self._info = info
        self._cancel_requested = cancel_requested
        self._origin = origin
        self.external = ExternalWorkflows(
            add=add,
            loop=loop,
            payload_converter=payload_converter,
            failure_converter=failure_converter,
            info=info,
            origin=origin,
            converters=converters,
        )
        """Signals and cancel requests to other workflows (and this run's children)."""
        self._seq = 0
        self._children: dict[int, _Child] = {}
        self.intercept: RunInterceptors | None = None
        """The run's worker interceptors, if its worker has any."""

    async def start(
        self, workflow: Any, args: Sequence[Any], options: ChildOptions
    ) -> ChildWorkflowHandle[Any, Any]:
        """Start a child; return its handle once the server started it (else raise)."""
        if self.intercept is not None:
            return await self.intercept.start_child_workflow(workflow, args, options)
        return await self.start_direct(workflow, args, options)

    async def start_direct(
        self,
        workflow: Any,
        args: Sequence[Any],
        options: ChildOptions,
        headers: Mapping[str, Payload] | None = None,
    ) -> ChildWorkflowHandle[Any, Any]:
        """:meth:`start` without interceptors, with ``headers`` on the command."""
        name = workflow_name_for(workflow)
        ret_type = options.result_type
        if ret_type is None and not isinstance(workflow, str):
            ret_type = workflow_result_type_for(workflow)
        bound = None if self._conv is None else self._conv.workflow(options.id)
        attrs = self._attributes(name, args, options, self._pc if bound is None else bound[0])
        for key, value in (headers or {}).items():
            attrs.header.fields[key].CopyFrom(value)
        self._seq += 1
        child = _Child(
            seq=self._seq,
            workflow_id=options.id,
            workflow_type=name,
            ret_type=ret_type,
            start=self._loop.create_future(),
            result=self._loop.create_future(),
            converters=bound,
        )
        self._children[child.seq] = child
        self._add(
            StartChildWorkflow(
                child.seq, attrs, int(options.cancellation_type), origin=self._origin()
            )
        )
        handle: ChildWorkflowHandle[Any, Any] = ChildWorkflowHandle(self, child, self._loop)
        await await_operation(
            child.start, lambda err: self._cancel(child, err), reraise=self._cancel_requested
        )
        return handle

    def _attributes(
        self, name: str, args: Sequence[Any], o: ChildOptions, pc: Any
    ) -> StartChildWorkflowExecutionCommandAttributes:
        attrs = StartChildWorkflowExecutionCommandAttributes(
            namespace=self._info().namespace,
            workflow_id=o.id,
            workflow_type=WorkflowType(name=name),
            task_queue=TaskQueue(
                name=o.task_queue or self._info().task_queue,
                kind=TaskQueueKind.TASK_QUEUE_KIND_NORMAL,
            ),
            parent_close_policy=int(o.parent_close_policy),  # type: ignore[arg-type]
            workflow_id_reuse_policy=int(o.id_reuse_policy),  # type: ignore[arg-type]
            cron_schedule=o.cron_schedule,
        )
        if args:
            attrs.input.payloads.extend(pc.to_payloads(list(args)))
        for field, value in (
            ("workflow_execution_timeout", o.execution_timeout),
            ("workflow_run_timeout", o.run_timeout),
            ("workflow_task_timeout", o.task_timeout),
        ):
            if value:
                getattr(attrs, field).FromTimedelta(value)
        if o.retry_policy is not None:
            o.retry_policy.apply_to_proto(attrs.retry_policy)
        for key, value in (o.memo or {}).items():
            attrs.memo.fields[key].CopyFrom(pc.to_payloads([value])[0])
        if o.search_attributes:
            _encode_search_attributes(o.search_attributes, attrs)
        if isinstance(o.priority, Priority) and o.priority != Priority.default:
            attrs.priority.CopyFrom(o.priority._to_proto())
        return attrs

    def _cancel(self, child: _Child, err: asyncio.CancelledError) -> None:
        if self._children.get(child.seq) is not child:
            return  # already resolved: nothing left to cancel
        reason = err.args[0] if err.args and isinstance(err.args[0], str) else ""
        self._add(CancelChildWorkflow(child.seq, reason=reason, origin=self._origin()))

    async def wait_result(self, child: _Child) -> Any:
        """The body of a child's handle task: the child's result, or its failure."""
        return await await_operation(child.result, lambda err: self._cancel(child, err))

    def resolve_start(self, job: ResolveChildWorkflowStart) -> None:
        """Apply a ResolveChildWorkflowStart job."""
        child = self._children.get(job.seq)
        if child is None or child.start.done():
            return
        if job.run_id:
            child.run_id = job.run_id
            child.start.set_result(None)
            return
        del self._children[job.seq]
        if job.cancelled is not None:
            pc, fc = child.converters or (self._pc, self._fc)
            err: BaseException = fc.from_failure(job.cancelled, pc)
        elif job.start_failed_cause == _ALREADY_EXISTS:
            err = exceptions.WorkflowAlreadyStartedError(child.workflow_id, child.workflow_type)
        else:
            cause = _cause_name(job.start_failed_cause)
            err = exceptions.ApplicationError(
                f"Child workflow {child.workflow_id} could not start: {cause}",
                type=cause,
                non_retryable=True,
            )
        child.start.set_exception(err)
        child.result.set_result(None)  # nobody waits for the result of a child never started

    def resolve(self, job: ResolveChildWorkflow) -> None:
        """Apply a ResolveChildWorkflow job."""
        child = self._children.pop(job.seq, None)
        if child is None:
            return
        pc, fc = child.converters or (self._pc, self._fc)
        if job.failure is not None:
            err: BaseException = fc.from_failure(job.failure, pc)
            if not child.start.done():
                child.start.set_exception(err)
                child.result.set_result(None)
            elif not child.result.done():
                child.result.set_exception(err)
        elif not child.result.done():
            hints = [child.ret_type] if child.ret_type is not None else None
            value = pc.from_payloads([job.result], hints)[0] if job.result else None
            child.result.set_result(value)


def _cause_name(cause: int) -> str:
    try:
        name = StartChildWorkflowExecutionFailedCause.Name(cause)
    except ValueError:
        return f"UNKNOWN_CAUSE_{cause}"
    return name.removeprefix("START_CHILD_WORKFLOW_EXECUTION_FAILED_CAUSE_")


def _encode_search_attributes(
    search_attributes: Any, attrs: StartChildWorkflowExecutionCommandAttributes
) -> None:
    from temporal_sdk._search_attributes import encode_any

    encode_any(search_attributes, attrs.search_attributes, what="a child workflow")


class ChildWorkflowHandle(asyncio.Task[_R], Generic[_SelfT, _R]):  # type: ignore[misc,unused-ignore]
    """A started child workflow: a task whose result is the child's result.

    Await it for the result (a failure raises :class:`~temporal_sdk.exceptions.ChildWorkflowError`
    whose ``cause`` says why). Cancelling it cancels the child according to the
    :class:`ChildWorkflowCancellationType` it was started with.
    """

    def __init__(
        self, children: ChildWorkflows, child: _Child, loop: asyncio.AbstractEventLoop
    ) -> None:
        """Handles are made by ``start_child_workflow``; do not build one directly."""
        super().__init__(
            children.wait_result(child),
            loop=loop,
            name=f"child workflow {child.workflow_type} {child.workflow_id}",
        )
        self._log_destroy_pending = False
        self._children = children
        self._child = child
        track_task(self)

    @property
    def id(self) -> str:
        """The child's workflow id."""
        return self._child.workflow_id

    @property
    def first_execution_run_id(self) -> str | None:
        """Run id of the child's first run (known once it started)."""
        return self._child.run_id

    async def signal(
        self,
        signal: str | Callable[..., Any],
        arg: Any = ARG_UNSET,
        *,
        args: Sequence[Any] = (),
    ) -> None:
        """Send the child a signal (a name or an ``@workflow.signal`` method).

        Returns once the server recorded the signal on the child; raises
        :class:`~temporal_sdk.exceptions.ApplicationError` when it could not be delivered.
        """
        await self._children.external.signal(
            self._child.workflow_id, None, signal, _one_or_many(arg, args), child_only=True
        )
