"""Signals and cancel requests a workflow sends to other workflows, and their handles.

Rule: deterministic and IO-free, like the rest of ``_runtime``. Each call issues one command with
its own ``seq`` and waits for the job that resolves that ``seq``; outcomes that are failures are
decoded with the workflow's failure converter. Cancelling the waiting task withdraws a signal that
was not sent yet; a cancel request, once issued, is never withdrawn.
"""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any, Generic, TypeVar

from temporal_sdk._converter_context import RunConverters
from temporal_sdk._core.activation import (
    CancelSignalExternalWorkflow,
    Command,
    RequestCancelExternalWorkflow,
    ResolveRequestCancelExternalWorkflow,
    ResolveSignalExternalWorkflow,
    SignalExternalWorkflow,
)
from temporal_sdk._runtime.context import Info
from temporal_sdk._runtime.definitions import signal_name_for
from temporal_sdk.api.command.v1 import (
    RequestCancelExternalWorkflowExecutionCommandAttributes,
    SignalExternalWorkflowExecutionCommandAttributes,
)
from temporal_sdk.api.common.v1 import Payload, WorkflowExecution

if TYPE_CHECKING:
    from temporal_sdk._runtime.intercept import RunInterceptors

_T = TypeVar("_T")
ARG_UNSET: Any = object()
"""Default of ``arg`` parameters: tells "no single argument given" from ``None``."""
_SelfT = TypeVar("_SelfT")


async def await_operation(
    fut: asyncio.Future[_T],
    on_cancel: Callable[[asyncio.CancelledError], None],
    *,
    reraise: Callable[[], bool] = lambda: False,
) -> _T:
    """Wait for ``fut``; a task cancel calls ``on_cancel`` (to issue a command) and keeps waiting.

    The wait stops with the ``CancelledError`` only when ``reraise()`` says so (for example
    because the whole workflow is being cancelled); otherwise the outcome comes from the server.
    """
    while True:
        try:
            return await asyncio.shield(fut)
        except asyncio.CancelledError as err:
            if fut.done():
                raise
            on_cancel(err)
            task = asyncio.current_task()
            if sys.version_info >= (3, 11) and task is not None:
                task.uncancel()
            if reraise():
                raise


class ExternalWorkflows:
    """Issues SignalExternal / RequestCancelExternal commands and resolves their futures."""

    def __init__(
        self,
        *,
        add: Callable[[Command], None],
        loop: asyncio.AbstractEventLoop,
        payload_converter: Any,
        failure_converter: Any,
        info: Callable[[], Info],
        origin: Callable[[], str],
        converters: RunConverters | None = None,
    ) -> None:
        self._add = add
        self._loop = loop
        self._pc = payload_converter
        self._fc = failure_converter
        self._conv = converters
        self._info = info
        self._origin = origin
        self._signal_seq = 0
        self._cancel_seq = 0
        self._signals: dict[int, asyncio.Future[None]] = {}
        self._cancels: dict[int, asyncio.Future[None]] = {}
        # Target workflow IDs by (kind, seq), kept only when converters take context.
        self._targets: dict[tuple[str, int], str] = {}
        self.intercept: RunInterceptors | None = None
        """The run's worker interceptors, if its worker has any."""

    def handle(self, workflow_id: str, run_id: str | None) -> ExternalWorkflowHandle[Any]:
        """A handle on the workflow ``workflow_id`` (and ``run_id``, if given)."""
        return ExternalWorkflowHandle(self, workflow_id, run_id)

    async def signal(
        self,
        workflow_id: str,
        run_id: str | None,
        signal: str | Callable[..., Any],
        args: Sequence[Any],
        *,
        child_only: bool = False,
    ) -> None:
        """Send ``signal`` with ``args``; return once the server delivered it, else raise."""
        if self.intercept is not None:
            await self.intercept.signal(workflow_id, run_id, signal, args, child_only=child_only)
        else:
            await self.signal_direct(workflow_id, run_id, signal, args, child_only=child_only)

    async def signal_direct(
        self,
        workflow_id: str,
        run_id: str | None,
        signal: str | Callable[..., Any],
        args: Sequence[Any],
        *,
        child_only: bool = False,
        headers: Mapping[str, Payload] | None = None,
    ) -> None:
        """:meth:`signal` without interceptors, with ``headers`` on the command."""
        attrs = SignalExternalWorkflowExecutionCommandAttributes(
            namespace=self._info().namespace,
            execution=WorkflowExecution(workflow_id=workflow_id, run_id=run_id or ""),
            signal_name=signal_name_for(signal),
            child_workflow_only=child_only,
        )
        if args:
            pc = self._pc if self._conv is None else self._conv.workflow(workflow_id)[0]
            attrs.input.payloads.extend(pc.to_payloads(list(args)))
        for key, value in (headers or {}).items():
            attrs.header.fields[key].CopyFrom(value)
        self._signal_seq += 1
        seq = self._signal_seq
        fut: asyncio.Future[None] = self._loop.create_future()
        self._signals[seq] = fut
        if self._conv is not None:
            self._targets["signal", seq] = workflow_id
        self._add(SignalExternalWorkflow(seq, attrs, origin=self._origin()))

        def withdraw(_err: asyncio.CancelledError) -> None:
            self._add(CancelSignalExternalWorkflow(seq, origin=self._origin()))

        await await_operation(fut, withdraw)

    async def cancel(self, workflow_id: str, run_id: str | None, reason: str) -> None:
        """Ask the server to cancel ``workflow_id``; return once delivered, else raise."""
        attrs = RequestCancelExternalWorkflowExecutionCommandAttributes(
            namespace=self._info().namespace,
            workflow_id=workflow_id,
            run_id=run_id or "",
            reason=_cancel_reason(self._info().run_id, reason),
        )
        self._cancel_seq += 1
        seq = self._cancel_seq
        fut: asyncio.Future[None] = self._loop.create_future()
        self._cancels[seq] = fut
        if self._conv is not None:
            self._targets["cancel", seq] = workflow_id
        self._add(RequestCancelExternalWorkflow(seq, attrs, origin=self._origin()))
        # A cancel request cannot be withdrawn: a task cancel just stops waiting for it.
        await fut

    def resolve_signal(self, job: ResolveSignalExternalWorkflow) -> None:
        """Apply a ResolveSignalExternalWorkflow job."""
        self._resolve(self._signals.pop(job.seq, None), job.failure, "signal", job.seq)

    def resolve_cancel(self, job: ResolveRequestCancelExternalWorkflow) -> None:
        """Apply a ResolveRequestCancelExternalWorkflow job."""
        self._resolve(self._cancels.pop(job.seq, None), job.failure, "cancel", job.seq)

    def _resolve(self, fut: asyncio.Future[None] | None, failure: Any, kind: str, seq: int) -> None:
        conv = self._conv
        target = None if conv is None else self._targets.pop((kind, seq), None)
        if fut is None or fut.done():
            return
        if failure is None:
            fut.set_result(None)
            return
        pc, fc = (self._pc, self._fc) if conv is None or target is None else conv.workflow(target)
        fut.set_exception(fc.from_failure(failure, pc))


class ExternalWorkflowHandle(Generic[_SelfT]):
    """A handle on another workflow execution, for signalling it or asking it to cancel.

    Get one with ``workflow.get_external_workflow_handle()`` or
    ``workflow.get_external_workflow_handle_for()``; only usable from workflow code.
    """

    def __init__(self, external: ExternalWorkflows, workflow_id: str, run_id: str | None) -> None:
        """Handles are made by the workflow functions; do not build one directly."""
        self._external = external
        self._id = workflow_id
        self._run_id = run_id

    @property
    def id(self) -> str:
        """The target's workflow id."""
        return self._id

    @property
    def run_id(self) -> str | None:
        """The target's run id, or ``None`` for its latest run."""
        return self._run_id

    async def signal(
        self,
        signal: str | Callable[..., Any],
        arg: Any = ARG_UNSET,
        *,
        args: Sequence[Any] = (),
    ) -> None:
        """Send a signal (a name or an ``@workflow.signal`` method) with ``arg`` or ``args``.

        Awaiting it returns once the server recorded the signal on the target; a target that
        does not exist raises :class:`~temporal_sdk.exceptions.ApplicationError`.
        """
        await self._external.signal(self._id, self._run_id, signal, one_or_many(arg, args))

    async def cancel(self, *, reason: str = "") -> None:
        """Ask the server to cancel the target; awaiting it returns once the request landed.

        A target that does not exist raises :class:`~temporal_sdk.exceptions.ApplicationError`.
        """
        await self._external.cancel(self._id, self._run_id, reason)


def _cancel_reason(run_id: str, reason: str) -> str:
    # Worded as Temporal's other SDKs word it, so the target sees the same text from any parent.
    return f"Cancel requested by workflow with run id {run_id} with reason: {reason}"


def one_or_many(arg: Any, args: Sequence[Any]) -> Sequence[Any]:
    """``(arg,)`` when ``arg`` was given, else ``args`` (giving both is an error)."""
    if arg is ARG_UNSET:
        return args
    if args:
        raise ValueError("pass either arg or args, not both")
    return (arg,)
