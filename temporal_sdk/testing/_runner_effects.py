"""What the test runner's server does after a command event: activities, children, externals.

Rule: each function here reacts to one recorded command event and writes the events that
follow it, in the runs they belong to, at the current virtual time (or puts an item on the
agenda for later). A run that gets a new non-command event gets a workflow task scheduled.
"""

from __future__ import annotations

import inspect
import uuid
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from temporal_sdk.api.common.v1 import Payloads, WorkflowExecution
from temporal_sdk.api.enums.v1 import (
    CancelExternalWorkflowExecutionFailedCause,
    EventType,
    ParentClosePolicy,
    RetryState,
    SignalExternalWorkflowExecutionFailedCause,
    StartChildWorkflowExecutionFailedCause,
)
from temporal_sdk.api.failure.v1 import Failure
from temporal_sdk.api.history.v1 import HistoryEvent, WorkflowExecutionStartedEventAttributes
from temporal_sdk.testing._runner_activities import (
    AttemptOutcome,
    RetryRules,
    attempt_info,
    timeout_failure,
)
from temporal_sdk.testing._runner_errors import WorkflowStuckError

if TYPE_CHECKING:
    from temporal_sdk.testing._runner_server import Run, Server

_ET = EventType
_IN_PROGRESS = RetryState.RETRY_STATE_IN_PROGRESS
_IDENTITY = "test-runner"


def _secs(attrs: Any, name: str) -> float:
    if not attrs.HasField(name):
        return 0.0
    value = getattr(attrs, name)
    return float(value.seconds + value.nanos / 1e9)


# -- activities -----------------------------------------------------------------------------


@dataclass(eq=False)
class _Activity:
    """One scheduled activity of a run, across its attempts."""

    server: Server
    run: Run
    event: HistoryEvent

    @property
    def attrs(self) -> Any:
        return self.event.activity_task_scheduled_event_attributes

    def plan(self, attempt: int, due: float) -> None:
        async def go() -> None:
            await self.attempt(attempt)

        label = f"activity {self.attrs.activity_type.name} attempt {attempt}"
        self.run.activities[self.event.event_id] = self.server.at(due, go, label)

    async def attempt(self, attempt: int) -> None:
        server, run = self.server, self.run
        workflow = (server.namespace, run.workflow_id, run.run_id, run.machines.workflow_type)
        info = attempt_info(
            self.attrs,
            attempt=attempt,
            now=server.now,
            scheduled=self.event.event_time.seconds + self.event.event_time.nanos / 1e9,
            workflow=workflow,
        )
        outcome = await server.activities.attempt(self.attrs, attempt, info)
        if not run.is_open or self.event.event_id not in run.activities:
            return
        if outcome.failure is None and not outcome.timed_out:
            started = self._started(attempt)
            self._finish(
                _ET.EVENT_TYPE_ACTIVITY_TASK_COMPLETED,
                "activity_task_completed_event_attributes",
                started,
                result={"payloads": outcome.result},
                identity=_IDENTITY,
            )
            return
        self._after_failure(outcome, attempt)

    def _after_failure(self, outcome: AttemptOutcome, attempt: int) -> None:
        start_to_close = _secs(self.attrs, "start_to_close_timeout") or _secs(
            self.attrs, "schedule_to_close_timeout"
        )
        end = self.server.now + (start_to_close if outcome.timed_out else 0.0)
        rules = RetryRules.of(self.attrs)
        state = rules.retry_state(outcome, attempt)
        if state == _IN_PROGRESS and not rules.maximum_attempts:
            self._check_attempt_limit(outcome, attempt)
        if state == _IN_PROGRESS:
            due = end + rules.backoff(attempt)
            budget = _secs(self.attrs, "schedule_to_close_timeout")
            scheduled = self.event.event_time.seconds + self.event.event_time.nanos / 1e9
            if budget and due >= scheduled + budget:
                state = RetryState.RETRY_STATE_TIMEOUT
            else:
                self.plan(attempt + 1, due)
                return
        if not outcome.timed_out:
            self._finish(
                _ET.EVENT_TYPE_ACTIVITY_TASK_FAILED,
                "activity_task_failed_event_attributes",
                self._started(attempt),
                failure=outcome.failure or Failure(message="activity failed"),
                retry_state=state,
                identity=_IDENTITY,
            )
            return

        async def timed_out() -> None:
            self._finish(
                _ET.EVENT_TYPE_ACTIVITY_TASK_TIMED_OUT,
                "activity_task_timed_out_event_attributes",
                self._started(attempt),
                failure=timeout_failure(),
                retry_state=RetryState.RETRY_STATE_TIMEOUT,
            )

        label = f"activity {self.attrs.activity_type.name} time-out"
        self.run.activities[self.event.event_id] = self.server.at(end, timed_out, label)

    def _check_attempt_limit(self, outcome: AttemptOutcome, attempt: int) -> None:
        """Unlimited retries of an always-failing activity would spin forever: stop and say so."""
        if attempt < self.server.activity_attempt_limit:
            return
        last = outcome.failure.message if outcome.failure is not None else "timed out"
        raise WorkflowStuckError(
            f"activity {self.attrs.activity_type.name!r} of workflow {self.run.workflow_id} "
            f"failed {attempt} attempts and its retry policy allows unlimited attempts "
            f"(last failure: {last}); set maximum_attempts or fix the mock"
        )

    def _started(self, attempt: int) -> int:
        return self.run.history.add(
            _ET.EVENT_TYPE_ACTIVITY_TASK_STARTED,
            "activity_task_started_event_attributes",
            scheduled_event_id=self.event.event_id,
            identity=_IDENTITY,
            attempt=attempt,
        ).event_id

    def _finish(self, event_type: int, attr_field: str, started: int, **attrs: Any) -> None:
        run = self.run
        run.activities.pop(self.event.event_id, None)
        event = run.history.add(
            event_type,
            attr_field,
            scheduled_event_id=self.event.event_id,
            started_event_id=started,
        )
        target = getattr(event, attr_field)
        for key, value in attrs.items():
            if isinstance(value, dict):
                getattr(target, key).payloads.extend(value["payloads"])
            elif hasattr(value, "CopyFrom"):
                getattr(target, key).CopyFrom(value)
            else:
                setattr(target, key, value)
        run.schedule_task()


def schedule_activity(server: Server, run: Run, event: HistoryEvent) -> None:
    """ActivityTaskScheduled: the first attempt runs now."""
    _Activity(server, run, event).plan(1, server.now)


def cancel_activity(server: Server, run: Run, event: HistoryEvent) -> None:
    """ActivityTaskCancelRequested: an activity not finished yet is cancelled at once."""
    attrs = event.activity_task_cancel_requested_event_attributes
    item = run.activities.pop(attrs.scheduled_event_id, None)
    if item is None:
        return
    item.cancelled = True
    run.history.add(
        _ET.EVENT_TYPE_ACTIVITY_TASK_CANCELED,
        "activity_task_canceled_event_attributes",
        scheduled_event_id=attrs.scheduled_event_id,
        latest_cancel_requested_event_id=event.event_id,
        identity=_IDENTITY,
    )
    run.schedule_task()


# -- child workflows ------------------------------------------------------------------------


@dataclass(eq=False)
class ParentLink:
    """How a child run reports to its parent."""

    parent: Run
    initiated_event_id: int
    started_event_id: int
    workflow_type: str
    policy: int

    def swap_child(self, old: Run, new: Run) -> None:
        """The child continued as new: the parent now follows ``new``."""
        children = self.parent.children
        children[children.index(old)] = new


_START_COPIED = (
    "workflow_type",
    "task_queue",
    "input",
    "workflow_execution_timeout",
    "workflow_run_timeout",
    "workflow_task_timeout",
    "retry_policy",
    "header",
    "memo",
    "search_attributes",
)


def start_child(server: Server, run: Run, event: HistoryEvent) -> None:
    """StartChildWorkflowExecutionInitiated: start the child in the runner (or fail: id in use)."""
    attrs = event.start_child_workflow_execution_initiated_event_attributes
    common = {"namespace": attrs.namespace, "initiated_event_id": event.event_id}
    if server.open_run(attrs.workflow_id) is not None:
        run.history.add(
            _ET.EVENT_TYPE_START_CHILD_WORKFLOW_EXECUTION_FAILED,
            "start_child_workflow_execution_failed_event_attributes",
            workflow_id=attrs.workflow_id,
            workflow_type=attrs.workflow_type,
            cause=StartChildWorkflowExecutionFailedCause.START_CHILD_WORKFLOW_EXECUTION_FAILED_CAUSE_WORKFLOW_ALREADY_EXISTS,
            workflow_task_completed_event_id=attrs.workflow_task_completed_event_id,
            **common,
        )
        run.schedule_task()
        return
    if attrs.workflow_type.name in server.child_mocks:
        _start_mocked_child(server, run, event)
        return
    start = WorkflowExecutionStartedEventAttributes(
        parent_workflow_namespace=server.namespace,
        parent_workflow_execution=WorkflowExecution(workflow_id=run.workflow_id, run_id=run.run_id),
        parent_initiated_event_id=event.event_id,
        identity=_IDENTITY,
    )
    for name in _START_COPIED:
        if attrs.HasField(name):
            getattr(start, name).CopyFrom(getattr(attrs, name))
    child = server.start_run(attrs.workflow_id, start)
    started = run.history.add(
        _ET.EVENT_TYPE_CHILD_WORKFLOW_EXECUTION_STARTED,
        "child_workflow_execution_started_event_attributes",
        workflow_execution=WorkflowExecution(workflow_id=child.workflow_id, run_id=child.run_id),
        workflow_type=attrs.workflow_type,
        header=attrs.header,
        **common,
    )
    child.parent = ParentLink(
        run, event.event_id, started.event_id, attrs.workflow_type.name, attrs.parent_close_policy
    )
    run.children.append(child)
    run.schedule_task()


def _start_mocked_child(server: Server, run: Run, event: HistoryEvent) -> None:
    """A mocked child: started at once, closed with the mock's outcome in the next task."""
    attrs = event.start_child_workflow_execution_initiated_event_attributes
    execution = WorkflowExecution(workflow_id=attrs.workflow_id, run_id=str(uuid.uuid4()))
    common = {
        "namespace": attrs.namespace,
        "initiated_event_id": event.event_id,
        "workflow_execution": execution,
        "workflow_type": attrs.workflow_type,
    }
    started = run.history.add(
        _ET.EVENT_TYPE_CHILD_WORKFLOW_EXECUTION_STARTED,
        "child_workflow_execution_started_event_attributes",
        **common,
    )
    run.schedule_task()
    mock = server.child_mocks[attrs.workflow_type.name]
    pc = server.converter.payload_converter

    async def close() -> None:
        if not run.is_open:
            return
        try:
            value = mock
            if isinstance(mock, BaseException):
                raise mock
            if callable(mock):
                value = mock(*pc.from_payloads(list(attrs.input.payloads)))
                if inspect.isawaitable(value):
                    value = await value
        except Exception as err:
            failure = Failure()
            server.converter.failure_converter.to_failure(err, pc, failure)
            run.history.add(
                _ET.EVENT_TYPE_CHILD_WORKFLOW_EXECUTION_FAILED,
                "child_workflow_execution_failed_event_attributes",
                started_event_id=started.event_id,
                failure=failure,
                retry_state=RetryState.RETRY_STATE_NON_RETRYABLE_FAILURE,
                **common,
            )
        else:
            run.history.add(
                _ET.EVENT_TYPE_CHILD_WORKFLOW_EXECUTION_COMPLETED,
                "child_workflow_execution_completed_event_attributes",
                started_event_id=started.event_id,
                result=Payloads(payloads=pc.to_payloads([value])),
                **common,
            )
        run.schedule_task()

    server.at(server.now, close, f"mocked child {attrs.workflow_id}")


_CHILD_EVENTS: dict[int, tuple[int, str, str]] = {
    # close event -> (child event, its attributes, the field carried over)
    _ET.EVENT_TYPE_WORKFLOW_EXECUTION_COMPLETED: (
        _ET.EVENT_TYPE_CHILD_WORKFLOW_EXECUTION_COMPLETED,
        "child_workflow_execution_completed_event_attributes",
        "result",
    ),
    _ET.EVENT_TYPE_WORKFLOW_EXECUTION_FAILED: (
        _ET.EVENT_TYPE_CHILD_WORKFLOW_EXECUTION_FAILED,
        "child_workflow_execution_failed_event_attributes",
        "failure",
    ),
    _ET.EVENT_TYPE_WORKFLOW_EXECUTION_CANCELED: (
        _ET.EVENT_TYPE_CHILD_WORKFLOW_EXECUTION_CANCELED,
        "child_workflow_execution_canceled_event_attributes",
        "details",
    ),
    _ET.EVENT_TYPE_WORKFLOW_EXECUTION_TERMINATED: (
        _ET.EVENT_TYPE_CHILD_WORKFLOW_EXECUTION_TERMINATED,
        "child_workflow_execution_terminated_event_attributes",
        "",
    ),
    _ET.EVENT_TYPE_WORKFLOW_EXECUTION_TIMED_OUT: (
        _ET.EVENT_TYPE_CHILD_WORKFLOW_EXECUTION_TIMED_OUT,
        "child_workflow_execution_timed_out_event_attributes",
        "",
    ),
}


def report_close(server: Server, run: Run, close: HistoryEvent) -> None:
    """A child run closed for good: record the matching Child* event in its open parent."""
    link = run.parent
    if link is None or not link.parent.is_open or close.event_type not in _CHILD_EVENTS:
        return
    event_type, attr_field, carried = _CHILD_EVENTS[close.event_type]
    event = link.parent.history.add(
        event_type,
        attr_field,
        namespace=server.namespace,
        workflow_execution=WorkflowExecution(workflow_id=run.workflow_id, run_id=run.run_id),
        initiated_event_id=link.initiated_event_id,
        started_event_id=link.started_event_id,
    )
    target = getattr(event, attr_field)
    target.workflow_type.name = link.workflow_type
    if carried:
        source = getattr(close, close.WhichOneof("attributes") or "")
        getattr(target, carried).CopyFrom(getattr(source, carried))
    if "retry_state" in target.DESCRIPTOR.fields_by_name:
        target.retry_state = RetryState.RETRY_STATE_NON_RETRYABLE_FAILURE
    link.parent.schedule_task()


def apply_parent_close_policy(server: Server, child: Run) -> None:
    """The parent closed: terminate, cancel or abandon the child per its policy."""
    current = server.open_run(child.workflow_id)
    if current is None or child.parent is None:
        return
    policy = child.parent.policy
    if policy == ParentClosePolicy.PARENT_CLOSE_POLICY_ABANDON:
        return
    if policy == ParentClosePolicy.PARENT_CLOSE_POLICY_REQUEST_CANCEL:
        current.history.add(
            _ET.EVENT_TYPE_WORKFLOW_EXECUTION_CANCEL_REQUESTED,
            "workflow_execution_cancel_requested_event_attributes",
            cause="by parent close policy",
            identity=_IDENTITY,
        )
        current.schedule_task()
        return
    server.terminate(current, "by parent close policy")


# -- external signals and cancels -----------------------------------------------------------


def _target(server: Server, execution: WorkflowExecution) -> Run | None:
    target = server.open_run(execution.workflow_id)
    if target is None or (execution.run_id and execution.run_id != target.run_id):
        return None
    return target


def signal_external(server: Server, run: Run, event: HistoryEvent) -> None:
    """SignalExternalWorkflowExecutionInitiated: deliver to a run in the runner, or fail."""
    attrs = event.signal_external_workflow_execution_initiated_event_attributes
    common = {
        "namespace": attrs.namespace,
        "workflow_execution": attrs.workflow_execution,
        "initiated_event_id": event.event_id,
        "control": attrs.control,
    }
    target = _target(server, attrs.workflow_execution)
    if target is None:
        run.history.add(
            _ET.EVENT_TYPE_SIGNAL_EXTERNAL_WORKFLOW_EXECUTION_FAILED,
            "signal_external_workflow_execution_failed_event_attributes",
            cause=SignalExternalWorkflowExecutionFailedCause.SIGNAL_EXTERNAL_WORKFLOW_EXECUTION_FAILED_CAUSE_EXTERNAL_WORKFLOW_EXECUTION_NOT_FOUND,
            workflow_task_completed_event_id=attrs.workflow_task_completed_event_id,
            **common,
        )
        run.schedule_task()
        return
    target.history.add(
        _ET.EVENT_TYPE_WORKFLOW_EXECUTION_SIGNALED,
        "workflow_execution_signaled_event_attributes",
        signal_name=attrs.signal_name,
        input=attrs.input,
        header=attrs.header,
        identity=_IDENTITY,
        external_workflow_execution=WorkflowExecution(
            workflow_id=run.workflow_id, run_id=run.run_id
        ),
    )
    target.schedule_task()
    run.history.add(
        _ET.EVENT_TYPE_EXTERNAL_WORKFLOW_EXECUTION_SIGNALED,
        "external_workflow_execution_signaled_event_attributes",
        **common,
    )
    run.schedule_task()


def cancel_external(server: Server, run: Run, event: HistoryEvent) -> None:
    """RequestCancelExternalWorkflowExecutionInitiated: ask a run in the runner, or fail."""
    attrs = event.request_cancel_external_workflow_execution_initiated_event_attributes
    common = {
        "namespace": attrs.namespace,
        "workflow_execution": attrs.workflow_execution,
        "initiated_event_id": event.event_id,
    }
    target = _target(server, attrs.workflow_execution)
    if target is None:
        run.history.add(
            _ET.EVENT_TYPE_REQUEST_CANCEL_EXTERNAL_WORKFLOW_EXECUTION_FAILED,
            "request_cancel_external_workflow_execution_failed_event_attributes",
            cause=CancelExternalWorkflowExecutionFailedCause.CANCEL_EXTERNAL_WORKFLOW_EXECUTION_FAILED_CAUSE_EXTERNAL_WORKFLOW_EXECUTION_NOT_FOUND,
            workflow_task_completed_event_id=attrs.workflow_task_completed_event_id,
            control=attrs.control,
            **common,
        )
        run.schedule_task()
        return
    target.history.add(
        _ET.EVENT_TYPE_WORKFLOW_EXECUTION_CANCEL_REQUESTED,
        "workflow_execution_cancel_requested_event_attributes",
        cause=attrs.reason,
        external_initiated_event_id=event.event_id,
        external_workflow_execution=WorkflowExecution(
            workflow_id=run.workflow_id, run_id=run.run_id
        ),
        identity=_IDENTITY,
    )
    target.schedule_task()
    run.history.add(
        _ET.EVENT_TYPE_EXTERNAL_WORKFLOW_EXECUTION_CANCEL_REQUESTED,
        "external_workflow_execution_cancel_requested_event_attributes",
        **common,
    )
    run.schedule_task()
