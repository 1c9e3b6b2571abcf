"""``WorkflowTestRunner``: run workflows in-process, without a server, in virtual time.

Rule: the public face only. The server's role (histories, timers, activities, children) lives
in ``_runner_server`` and ``_runner_effects``; this module turns user calls into events there
and decodes what comes back with the runner's data converter (no codec: payloads never leave
the process).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime, timedelta, timezone
from typing import Any

from temporal_sdk._runtime.activity_defn import ActivityDefinition
from temporal_sdk._runtime.definitions import (
    WorkflowDefinition,
    query_name_for,
    signal_name_for,
    update_name_for,
    workflow_name_for,
    workflow_result_type_for,
)
from temporal_sdk.api.common.v1 import Payloads, WorkflowType
from temporal_sdk.api.enums.v1 import EventType
from temporal_sdk.api.history.v1 import HistoryEvent, WorkflowExecutionStartedEventAttributes
from temporal_sdk.api.taskqueue.v1 import TaskQueue
from temporal_sdk.client import (
    WorkflowContinuedAsNewError,
    WorkflowFailureError,
    WorkflowHistory,
    WorkflowQueryFailedError,
    WorkflowUpdateFailedError,
)
from temporal_sdk.converter import DataConverter
from temporal_sdk.exceptions import (
    CancelledError,
    TerminatedError,
    TimeoutError,
    TimeoutType,
    WorkflowAlreadyStartedError,
)
from temporal_sdk.testing._runner_activities import ActivityCall, ActivityRunner
from temporal_sdk.testing._runner_server import Run, Server, WorkflowStuckError
from temporal_sdk.testing._runner_updates import request_message

_ET = EventType


class WorkflowTestRunner:
    """Runs workflows in-process on the worker's own core and runtime, in virtual time.

    The runner plays the server: it records the history a server would record for the commands
    the workflow issues, runs activities (real functions or ``mocks``) with their retry policies,
    fires timers by jumping a virtual clock, runs child workflows and follows continue-as-new.
    Nothing waits in real time: a workflow sleeping for a month finishes at once.

    ``mocks`` maps an activity type name to what it should do: a value to return, an exception
    to raise, a callable (sync or async) given the decoded arguments, or
    :class:`~temporal_sdk.testing.SimulatedTimeout`. Mocks take precedence over ``activities``.
    ``child_mocks`` does the same for child workflows by workflow type name (a value, an
    exception or a callable given the child's arguments): the child starts and closes at once
    with that outcome instead of running. ``workflow_failure_exception_types`` is the worker
    option of the same name: exceptions of these types fail the workflow instead of the task.
    """

    def __init__(
        self,
        *,
        workflows: Sequence[type],
        activities: Sequence[Callable[..., Any]] = (),
        mocks: Mapping[str, Any] | None = None,
        child_mocks: Mapping[str, Any] | None = None,
        workflow_failure_exception_types: Sequence[type[BaseException]] = (),
        data_converter: DataConverter | None = None,
        namespace: str = "default",
        task_queue: str = "test-runner",
        start_time: datetime | None = None,
    ) -> None:
        definitions: dict[str | None, WorkflowDefinition] = {}
        for cls in workflows:
            defn = WorkflowDefinition.must_from_class(cls)
            definitions[defn.name] = defn
        acts: dict[str | None, ActivityDefinition] = {}
        for fn in activities:
            act = ActivityDefinition.must_from_callable(fn)
            acts[act.name] = act
        self._converter = data_converter or DataConverter.default
        self._activities = ActivityRunner(acts, mocks or {}, self._converter)
        when = start_time or datetime.now(timezone.utc)
        self._server = Server(
            workflows=definitions,
            activities=self._activities,
            converter=self._converter,
            namespace=namespace,
            task_queue=task_queue,
            start_time=when.timestamp(),
            child_mocks=child_mocks or {},
            failure_exception_types=workflow_failure_exception_types,
        )

    async def __aenter__(self) -> WorkflowTestRunner:
        return self

    async def __aexit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Discard every run still open (their ``finally`` blocks run now)."""
        self._server.discard()

    @property
    def activity_calls(self) -> list[ActivityCall]:
        """Every activity attempt run so far, in order (mocked or real)."""
        return list(self._activities.calls)

    def now(self) -> datetime:
        """The runner's virtual time."""
        return datetime.fromtimestamp(self._server.now, timezone.utc)

    async def sleep(self, duration: timedelta | float) -> None:
        """Advance virtual time by ``duration``, running everything that falls due on the way."""
        seconds = duration.total_seconds() if isinstance(duration, timedelta) else duration
        limit = self._server.now + seconds
        while await self._server.advance(limit):
            pass
        await self._server.settle()

    async def start_workflow(
        self,
        workflow: str | Callable[..., Any] | type,
        arg: Any = ...,
        *,
        args: Sequence[Any] = (),
        id: str | None = None,
        task_queue: str | None = None,
        result_type: type | None = None,
        memo: Mapping[str, Any] | None = None,
    ) -> WorkflowTestHandle:
        """Start a workflow (by run method, class or type name) and run its first task.

        Arguments go as the client takes them: one ``arg``, or a sequence in ``args``.
        """
        name = workflow_name_for(workflow) if not isinstance(workflow, str) else workflow
        workflow_id = id or f"test-{uuid.uuid4()}"
        existing = self._server.open_run(workflow_id)
        if existing is not None:
            raise WorkflowAlreadyStartedError(workflow_id, name, run_id=existing.run_id)
        pc = self._converter.payload_converter
        start = WorkflowExecutionStartedEventAttributes(
            workflow_type=WorkflowType(name=name),
            task_queue=TaskQueue(name=task_queue or self._server.task_queue),
            input=Payloads(payloads=pc.to_payloads(_args(arg, args))),
            identity="test-runner",
        )
        for key, value in (memo or {}).items():
            start.memo.fields[key].CopyFrom(pc.to_payload(value))
        run = self._server.start_run(workflow_id, start)
        await self._server.settle()
        hint = result_type
        if hint is None and not isinstance(workflow, str):
            hint = workflow_result_type_for(workflow)
        return WorkflowTestHandle(self, workflow_id, run.run_id, hint)

    async def execute_workflow(
        self, workflow: str | Callable[..., Any] | type, arg: Any = ..., **kwargs: Any
    ) -> Any:
        """Start a workflow and return its result (raising as a client would)."""
        handle = await self.start_workflow(workflow, arg, **kwargs)
        return await handle.result()

    def get_workflow_handle(self, workflow_id: str) -> WorkflowTestHandle:
        """A handle to the (latest run of the) workflow ``workflow_id`` in this runner."""
        run = self._server.latest.get(workflow_id)
        if run is None:
            raise ValueError(f"no workflow {workflow_id!r} in this runner")
        return WorkflowTestHandle(self, workflow_id, run.run_id, None)

    # -- used by handles

    async def _drive_until(self, done: Callable[[], bool], waiting_for: str) -> None:
        server = self._server
        await server.settle()
        while not done():
            if not await server.advance():
                raise WorkflowStuckError(
                    f"{waiting_for} can never happen: no workflow task, activity or timer is "
                    f"pending. What the open workflows are waiting on:\n{server.stack_traces()}"
                )


class WorkflowTestHandle:
    """A started workflow in a :class:`WorkflowTestRunner`: wait, signal, query, update, cancel."""

    def __init__(
        self, runner: WorkflowTestRunner, workflow_id: str, run_id: str, result_type: Any
    ) -> None:
        self._runner = runner
        self.id = workflow_id
        """The workflow id."""
        self.first_run_id = run_id
        """The run id of the run this handle started with."""
        self._result_type = result_type

    @property
    def _server(self) -> Server:
        return self._runner._server

    def _chain(self) -> list[Run]:
        runs = [self._server.runs[self.first_run_id]]
        while runs[-1].next_run_id:
            runs.append(self._server.runs[runs[-1].next_run_id])
        return runs

    def _current(self) -> Run:
        return self._chain()[-1]

    async def result(self, *, follow_runs: bool = True) -> Any:
        """Run virtual time until the workflow closes; return its result or raise like a client.

        Raises :class:`~temporal_sdk.client.WorkflowFailureError` when it failed, was cancelled
        or terminated, and :class:`WorkflowStuckError` when it can never finish.
        """

        def closed() -> bool:
            run = self._current() if follow_runs else self._chain()[0]
            return not run.is_open and (not follow_runs or not run.next_run_id)

        await self._runner._drive_until(closed, f"the end of workflow {self.id!r}")
        run = self._current() if follow_runs else self._chain()[0]
        assert run.close_event is not None
        return await self._outcome(run.close_event)

    async def _outcome(self, event: HistoryEvent) -> Any:
        conv = self._runner._converter
        match event.event_type:
            case _ET.EVENT_TYPE_WORKFLOW_EXECUTION_COMPLETED:
                payloads = event.workflow_execution_completed_event_attributes.result.payloads
                hints = [self._result_type] if self._result_type else None
                values = await conv.decode(list(payloads), hints)
                return values[0] if values else None
            case _ET.EVENT_TYPE_WORKFLOW_EXECUTION_FAILED:
                failure = event.workflow_execution_failed_event_attributes.failure
                raise WorkflowFailureError(cause=await conv.decode_failure(failure))
            case _ET.EVENT_TYPE_WORKFLOW_EXECUTION_CANCELED:
                raise WorkflowFailureError(cause=CancelledError("Workflow cancelled"))
            case _ET.EVENT_TYPE_WORKFLOW_EXECUTION_TERMINATED:
                reason = event.workflow_execution_terminated_event_attributes.reason
                raise WorkflowFailureError(cause=TerminatedError(reason or "Workflow terminated"))
            case _ET.EVENT_TYPE_WORKFLOW_EXECUTION_CONTINUED_AS_NEW:
                attrs = event.workflow_execution_continued_as_new_event_attributes
                raise WorkflowContinuedAsNewError(attrs.new_execution_run_id)
        raise WorkflowFailureError(
            cause=TimeoutError(
                "Workflow timed out", type=TimeoutType.START_TO_CLOSE, last_heartbeat_details=[]
            )
        )

    async def signal(
        self, signal: str | Callable[..., Any], arg: Any = ..., *, args: Sequence[Any] = ()
    ) -> None:
        """Deliver a signal now (at the current virtual time) and let the workflow handle it."""
        run = self._open_run("signal")
        name = signal_name_for(signal)
        run.history.add(
            _ET.EVENT_TYPE_WORKFLOW_EXECUTION_SIGNALED,
            "workflow_execution_signaled_event_attributes",
            signal_name=name,
            input=Payloads(
                payloads=self._runner._converter.payload_converter.to_payloads(_args(arg, args))
            ),
            identity="test-runner",
        )
        run.schedule_task()
        await self._server.settle()

    async def cancel(self) -> None:
        """Request cancellation now and let the workflow react to it."""
        run = self._open_run("cancel")
        run.history.add(
            _ET.EVENT_TYPE_WORKFLOW_EXECUTION_CANCEL_REQUESTED,
            "workflow_execution_cancel_requested_event_attributes",
            identity="test-runner",
        )
        run.schedule_task()
        await self._server.settle()

    async def terminate(self, reason: str = "") -> None:
        """Terminate the workflow now (no workflow code runs)."""
        self._server.terminate(self._open_run("terminate"), reason)
        await self._server.settle()

    async def query(
        self,
        query: str | Callable[..., Any],
        arg: Any = ...,
        *,
        args: Sequence[Any] = (),
        result_type: type | None = None,
    ) -> Any:
        """Answer a query from the current run's state (open or closed)."""
        await self._server.settle()
        pc = self._runner._converter.payload_converter
        payloads = pc.to_payloads(_args(arg, args))
        answer = self._current().instance.query(query_name_for(query), payloads)
        if answer.failure is not None:
            raise WorkflowQueryFailedError(answer.failure.message)
        if answer.answer is None:
            return None
        return pc.from_payload(answer.answer, result_type)

    async def execute_update(
        self,
        update: str | Callable[..., Any],
        arg: Any = ...,
        *,
        args: Sequence[Any] = (),
        id: str | None = None,
        result_type: type | None = None,
    ) -> Any:
        """Send an update now, run until it finishes, and return its result.

        Raises :class:`~temporal_sdk.client.WorkflowUpdateFailedError` when the validator
        rejects it or the handler fails.
        """
        run = self._open_run("update")
        update_id = id or str(uuid.uuid4())
        conv = self._runner._converter
        payloads = conv.payload_converter.to_payloads(_args(arg, args))
        run.update_requests.append(request_message(update_id, update_name_for(update), payloads))
        run.schedule_task()
        await self._runner._drive_until(
            lambda: update_id in run.update_outcomes or not run.is_open,
            f"the end of update {update_id!r}",
        )
        outcome = run.update_outcomes.get(update_id)
        if outcome is None:
            raise RuntimeError(f"workflow {self.id!r} closed before update {update_id!r} finished")
        if outcome.HasField("failure"):
            raise WorkflowUpdateFailedError(await conv.decode_failure(outcome.failure))
        hints = [result_type] if result_type else None
        values = await conv.decode(list(outcome.success.payloads), hints)
        return values[0] if values else None

    def history(self, run_id: str | None = None) -> WorkflowHistory:
        """The recorded history of one run (default: the latest run of this workflow)."""
        run = self._server.runs[run_id] if run_id else self._current()
        return WorkflowHistory(self.id, [_copy(e) for e in run.history.events])

    def histories(self) -> list[WorkflowHistory]:
        """The histories of every run of this workflow, first to latest (continue-as-new)."""
        return [self.history(run.run_id) for run in self._chain()]

    def _open_run(self, what: str) -> Run:
        run = self._current()
        if not run.is_open:
            raise RuntimeError(f"cannot {what} workflow {self.id!r}: it is closed")
        return run


def _args(arg: Any, args: Sequence[Any]) -> list[Any]:
    if arg is not ... and args:
        raise ValueError("give either arg or args, not both")
    return [arg] if arg is not ... else list(args)


def _copy(event: HistoryEvent) -> HistoryEvent:
    copy = HistoryEvent()
    copy.CopyFrom(event)
    return copy


__all__ = ["ActivityCall", "WorkflowStuckError", "WorkflowTestHandle", "WorkflowTestRunner"]
