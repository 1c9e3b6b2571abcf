"""Build workflow histories for core tests: append events, get their ids back."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from temporal_sdk.api.common.v1 import (
    ActivityType,
    Payload,
    Payloads,
    WorkflowExecution,
    WorkflowType,
)
from temporal_sdk.api.enums.v1 import (
    CancelExternalWorkflowExecutionFailedCause,
    EventType,
    RetryState,
    SignalExternalWorkflowExecutionFailedCause,
    StartChildWorkflowExecutionFailedCause,
    TimeoutType,
)
from temporal_sdk.api.failure.v1 import Failure, TimeoutFailureInfo
from temporal_sdk.api.history.v1 import History, HistoryEvent
from temporal_sdk.api.taskqueue.v1 import TaskQueue

_ET = EventType


def payload(data: bytes) -> Payload:
    return Payload(metadata={"encoding": b"json/plain"}, data=data)


class HistoryBuilder:
    """Appends HistoryEvents with consecutive ids and timestamps one second apart."""

    def __init__(self, start_time: float = 1_700_000_000.0, run_id: str = "run-1") -> None:
        self.events: list[HistoryEvent] = []
        self.run_id = run_id
        self._time = start_time
        self._wft_scheduled = 0
        self._wft_started = 0
        self._wft_completed = 0

    def add(self, event_type: int, attr_field: str | None = None, **attrs: Any) -> int:
        event = HistoryEvent(event_id=len(self.events) + 1, event_type=event_type)  # type: ignore[arg-type]
        event.event_time.seconds = int(self._time)
        event.event_time.nanos = round((self._time % 1) * 1e9)
        self._time += 1.0
        if attr_field is not None:
            getattr(event, attr_field).SetInParent()
            for key, value in attrs.items():
                target = getattr(event, attr_field)
                field = getattr(target, key)
                if hasattr(field, "CopyFrom"):
                    field.CopyFrom(value)
                else:
                    setattr(target, key, value)
        self.events.append(event)
        return event.event_id

    def history(self) -> History:
        return History(events=self.events)

    # -- run
    def add_workflow_execution_started(self, workflow_type: str = "Wf", *args: Payload) -> int:
        return self.add(
            _ET.EVENT_TYPE_WORKFLOW_EXECUTION_STARTED,
            "workflow_execution_started_event_attributes",
            workflow_type=WorkflowType(name=workflow_type),
            task_queue=TaskQueue(name="tq"),
            input=Payloads(payloads=args),
            original_execution_run_id=self.run_id,
            first_execution_run_id=self.run_id,
            attempt=1,
        )

    def add_workflow_execution_completed(self, result: Payload | None = None) -> int:
        return self.add(
            _ET.EVENT_TYPE_WORKFLOW_EXECUTION_COMPLETED,
            "workflow_execution_completed_event_attributes",
            result=Payloads(payloads=[result] if result else []),
            workflow_task_completed_event_id=self._wft_completed,
        )

    def add_workflow_execution_failed(self, failure: Failure) -> int:
        return self.add(
            _ET.EVENT_TYPE_WORKFLOW_EXECUTION_FAILED,
            "workflow_execution_failed_event_attributes",
            failure=failure,
            workflow_task_completed_event_id=self._wft_completed,
        )

    def add_workflow_execution_canceled(self) -> int:
        return self.add(
            _ET.EVENT_TYPE_WORKFLOW_EXECUTION_CANCELED,
            "workflow_execution_canceled_event_attributes",
            workflow_task_completed_event_id=self._wft_completed,
        )

    def add_workflow_execution_terminated(self, reason: str = "bye") -> int:
        return self.add(
            _ET.EVENT_TYPE_WORKFLOW_EXECUTION_TERMINATED,
            "workflow_execution_terminated_event_attributes",
            reason=reason,
        )

    def add_signaled(self, name: str, *args: Payload) -> int:
        return self.add(
            _ET.EVENT_TYPE_WORKFLOW_EXECUTION_SIGNALED,
            "workflow_execution_signaled_event_attributes",
            signal_name=name,
            input=Payloads(payloads=args),
            identity="tester",
        )

    def add_cancel_requested(self, reason: str = "") -> int:
        return self.add(
            _ET.EVENT_TYPE_WORKFLOW_EXECUTION_CANCEL_REQUESTED,
            "workflow_execution_cancel_requested_event_attributes",
            cause=reason,
        )

    # -- workflow tasks
    def add_workflow_task_scheduled(self) -> int:
        self._wft_scheduled = self.add(
            _ET.EVENT_TYPE_WORKFLOW_TASK_SCHEDULED,
            "workflow_task_scheduled_event_attributes",
            task_queue=TaskQueue(name="tq"),
            attempt=1,
        )
        return self._wft_scheduled

    def add_workflow_task_started(self) -> int:
        self._wft_started = self.add(
            _ET.EVENT_TYPE_WORKFLOW_TASK_STARTED,
            "workflow_task_started_event_attributes",
            scheduled_event_id=self._wft_scheduled,
        )
        return self._wft_started

    def add_workflow_task_completed(self) -> int:
        self._wft_completed = self.add(
            _ET.EVENT_TYPE_WORKFLOW_TASK_COMPLETED,
            "workflow_task_completed_event_attributes",
            scheduled_event_id=self._wft_scheduled,
            started_event_id=self._wft_started,
        )
        return self._wft_completed

    def add_workflow_task_failed(self) -> int:
        return self.add(
            _ET.EVENT_TYPE_WORKFLOW_TASK_FAILED,
            "workflow_task_failed_event_attributes",
            scheduled_event_id=self._wft_scheduled,
            started_event_id=self._wft_started,
            failure=Failure(message="boom"),
        )

    def add_workflow_task_timed_out(self) -> int:
        return self.add(
            _ET.EVENT_TYPE_WORKFLOW_TASK_TIMED_OUT,
            "workflow_task_timed_out_event_attributes",
            scheduled_event_id=self._wft_scheduled,
            started_event_id=self._wft_started,
        )

    def add_full_workflow_task(self) -> int:
        """Scheduled, started, completed; returns the completed event's id."""
        self.add_workflow_task_scheduled()
        self.add_workflow_task_started()
        return self.add_workflow_task_completed()

    def add_workflow_task_to_start(self) -> int:
        """Scheduled and started (the current task); returns the started event's id."""
        self.add_workflow_task_scheduled()
        return self.add_workflow_task_started()

    # -- timers
    def add_timer_started(self, timer_id: str, seconds: float = 1.0) -> int:
        return self.add(
            _ET.EVENT_TYPE_TIMER_STARTED,
            "timer_started_event_attributes",
            timer_id=timer_id,
            start_to_fire_timeout=_duration(seconds),
            workflow_task_completed_event_id=self._wft_completed,
        )

    def add_timer_fired(self, timer_id: str, started_event_id: int) -> int:
        return self.add(
            _ET.EVENT_TYPE_TIMER_FIRED,
            "timer_fired_event_attributes",
            timer_id=timer_id,
            started_event_id=started_event_id,
        )

    def add_timer_canceled(self, timer_id: str, started_event_id: int) -> int:
        return self.add(
            _ET.EVENT_TYPE_TIMER_CANCELED,
            "timer_canceled_event_attributes",
            timer_id=timer_id,
            started_event_id=started_event_id,
            workflow_task_completed_event_id=self._wft_completed,
        )

    # -- activities
    def add_activity_task_scheduled(self, activity_id: str, activity_type: str = "act") -> int:
        return self.add(
            _ET.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED,
            "activity_task_scheduled_event_attributes",
            activity_id=activity_id,
            activity_type=ActivityType(name=activity_type),
            task_queue=TaskQueue(name="tq"),
            workflow_task_completed_event_id=self._wft_completed,
        )

    def add_activity_task_started(self, scheduled_event_id: int) -> int:
        return self.add(
            _ET.EVENT_TYPE_ACTIVITY_TASK_STARTED,
            "activity_task_started_event_attributes",
            scheduled_event_id=scheduled_event_id,
            identity="worker-1",
            attempt=1,
        )

    def add_activity_task_completed(
        self, scheduled_event_id: int, started_event_id: int, result: Payload | None = None
    ) -> int:
        return self.add(
            _ET.EVENT_TYPE_ACTIVITY_TASK_COMPLETED,
            "activity_task_completed_event_attributes",
            scheduled_event_id=scheduled_event_id,
            started_event_id=started_event_id,
            result=Payloads(payloads=[result] if result else []),
            identity="worker-1",
        )

    def add_activity_task_failed(
        self, scheduled_event_id: int, started_event_id: int, failure: Failure
    ) -> int:
        return self.add(
            _ET.EVENT_TYPE_ACTIVITY_TASK_FAILED,
            "activity_task_failed_event_attributes",
            scheduled_event_id=scheduled_event_id,
            started_event_id=started_event_id,
            failure=failure,
            identity="worker-1",
            retry_state=RetryState.RETRY_STATE_MAXIMUM_ATTEMPTS_REACHED,
        )

    def add_activity_task_timed_out(
        self, scheduled_event_id: int, started_event_id: int = 0, failure: Failure | None = None
    ) -> int:
        failure = failure or Failure(
            message="activity StartToClose timeout",
            timeout_failure_info=TimeoutFailureInfo(
                timeout_type=TimeoutType.TIMEOUT_TYPE_START_TO_CLOSE
            ),
        )
        return self.add(
            _ET.EVENT_TYPE_ACTIVITY_TASK_TIMED_OUT,
            "activity_task_timed_out_event_attributes",
            scheduled_event_id=scheduled_event_id,
            started_event_id=started_event_id,
            failure=failure,
            retry_state=RetryState.RETRY_STATE_TIMEOUT,
        )

    def add_activity_task_cancel_requested(self, scheduled_event_id: int) -> int:
        return self.add(
            _ET.EVENT_TYPE_ACTIVITY_TASK_CANCEL_REQUESTED,
            "activity_task_cancel_requested_event_attributes",
            scheduled_event_id=scheduled_event_id,
            workflow_task_completed_event_id=self._wft_completed,
        )

    def add_activity_task_canceled(
        self, scheduled_event_id: int, started_event_id: int = 0, details: Payloads | None = None
    ) -> int:
        kwargs: dict[str, Any] = {}
        if details is not None:
            kwargs["details"] = details
        return self.add(
            _ET.EVENT_TYPE_ACTIVITY_TASK_CANCELED,
            "activity_task_canceled_event_attributes",
            scheduled_event_id=scheduled_event_id,
            started_event_id=started_event_id,
            identity="worker-1",
            **kwargs,
        )

    # -- child workflows
    def add_start_child_workflow_initiated(
        self, workflow_id: str, workflow_type: str = "Child"
    ) -> int:
        return self.add(
            _ET.EVENT_TYPE_START_CHILD_WORKFLOW_EXECUTION_INITIATED,
            "start_child_workflow_execution_initiated_event_attributes",
            namespace="default",
            workflow_id=workflow_id,
            workflow_type=WorkflowType(name=workflow_type),
            task_queue=TaskQueue(name="tq"),
            workflow_task_completed_event_id=self._wft_completed,
        )

    def add_start_child_workflow_failed(
        self, initiated_event_id: int, workflow_id: str, workflow_type: str = "Child"
    ) -> int:
        return self.add(
            _ET.EVENT_TYPE_START_CHILD_WORKFLOW_EXECUTION_FAILED,
            "start_child_workflow_execution_failed_event_attributes",
            namespace="default",
            workflow_id=workflow_id,
            workflow_type=WorkflowType(name=workflow_type),
            cause=StartChildWorkflowExecutionFailedCause.START_CHILD_WORKFLOW_EXECUTION_FAILED_CAUSE_WORKFLOW_ALREADY_EXISTS,
            initiated_event_id=initiated_event_id,
        )

    def _child_attrs(self, initiated: int, workflow_id: str, started: int | None) -> dict[str, Any]:
        attrs: dict[str, Any] = {
            "namespace": "default",
            "workflow_execution": WorkflowExecution(workflow_id=workflow_id, run_id="child-run"),
            "workflow_type": WorkflowType(name="Child"),
            "initiated_event_id": initiated,
        }
        if started is not None:
            attrs["started_event_id"] = started
        return attrs

    def add_child_workflow_started(self, initiated_event_id: int, workflow_id: str) -> int:
        return self.add(
            _ET.EVENT_TYPE_CHILD_WORKFLOW_EXECUTION_STARTED,
            "child_workflow_execution_started_event_attributes",
            **self._child_attrs(initiated_event_id, workflow_id, None),
        )

    def add_child_workflow_completed(
        self, initiated: int, started: int, workflow_id: str, result: Payload | None = None
    ) -> int:
        return self.add(
            _ET.EVENT_TYPE_CHILD_WORKFLOW_EXECUTION_COMPLETED,
            "child_workflow_execution_completed_event_attributes",
            result=Payloads(payloads=[result] if result else []),
            **self._child_attrs(initiated, workflow_id, started),
        )

    def add_child_workflow_failed(
        self, initiated: int, started: int, workflow_id: str, failure: Failure
    ) -> int:
        return self.add(
            _ET.EVENT_TYPE_CHILD_WORKFLOW_EXECUTION_FAILED,
            "child_workflow_execution_failed_event_attributes",
            failure=failure,
            retry_state=RetryState.RETRY_STATE_NON_RETRYABLE_FAILURE,
            **self._child_attrs(initiated, workflow_id, started),
        )

    def add_child_workflow_timed_out(self, initiated: int, started: int, workflow_id: str) -> int:
        return self.add(
            _ET.EVENT_TYPE_CHILD_WORKFLOW_EXECUTION_TIMED_OUT,
            "child_workflow_execution_timed_out_event_attributes",
            retry_state=RetryState.RETRY_STATE_TIMEOUT,
            **self._child_attrs(initiated, workflow_id, started),
        )

    def add_child_workflow_terminated(self, initiated: int, started: int, workflow_id: str) -> int:
        return self.add(
            _ET.EVENT_TYPE_CHILD_WORKFLOW_EXECUTION_TERMINATED,
            "child_workflow_execution_terminated_event_attributes",
            **self._child_attrs(initiated, workflow_id, started),
        )

    def add_child_workflow_canceled(self, initiated: int, started: int, workflow_id: str) -> int:
        return self.add(
            _ET.EVENT_TYPE_CHILD_WORKFLOW_EXECUTION_CANCELED,
            "child_workflow_execution_canceled_event_attributes",
            **self._child_attrs(initiated, workflow_id, started),
        )

    # -- external workflows
    def add_signal_external_initiated(self, workflow_id: str, signal_name: str) -> int:
        return self.add(
            _ET.EVENT_TYPE_SIGNAL_EXTERNAL_WORKFLOW_EXECUTION_INITIATED,
            "signal_external_workflow_execution_initiated_event_attributes",
            namespace="default",
            workflow_execution=WorkflowExecution(workflow_id=workflow_id),
            signal_name=signal_name,
            workflow_task_completed_event_id=self._wft_completed,
        )

    def add_external_signaled(self, initiated_event_id: int, workflow_id: str) -> int:
        return self.add(
            _ET.EVENT_TYPE_EXTERNAL_WORKFLOW_EXECUTION_SIGNALED,
            "external_workflow_execution_signaled_event_attributes",
            initiated_event_id=initiated_event_id,
            namespace="default",
            workflow_execution=WorkflowExecution(workflow_id=workflow_id),
        )

    def add_signal_external_failed(self, initiated_event_id: int, workflow_id: str) -> int:
        return self.add(
            _ET.EVENT_TYPE_SIGNAL_EXTERNAL_WORKFLOW_EXECUTION_FAILED,
            "signal_external_workflow_execution_failed_event_attributes",
            cause=SignalExternalWorkflowExecutionFailedCause.SIGNAL_EXTERNAL_WORKFLOW_EXECUTION_FAILED_CAUSE_EXTERNAL_WORKFLOW_EXECUTION_NOT_FOUND,
            initiated_event_id=initiated_event_id,
            namespace="default",
            workflow_execution=WorkflowExecution(workflow_id=workflow_id),
            workflow_task_completed_event_id=self._wft_completed,
        )

    def add_request_cancel_external_initiated(
        self, workflow_id: str, child_only: bool = False
    ) -> int:
        return self.add(
            _ET.EVENT_TYPE_REQUEST_CANCEL_EXTERNAL_WORKFLOW_EXECUTION_INITIATED,
            "request_cancel_external_workflow_execution_initiated_event_attributes",
            namespace="default",
            workflow_execution=WorkflowExecution(workflow_id=workflow_id),
            child_workflow_only=child_only,
            workflow_task_completed_event_id=self._wft_completed,
        )

    def add_external_cancel_requested(self, initiated_event_id: int, workflow_id: str) -> int:
        return self.add(
            _ET.EVENT_TYPE_EXTERNAL_WORKFLOW_EXECUTION_CANCEL_REQUESTED,
            "external_workflow_execution_cancel_requested_event_attributes",
            initiated_event_id=initiated_event_id,
            namespace="default",
            workflow_execution=WorkflowExecution(workflow_id=workflow_id),
        )

    def add_request_cancel_external_failed(self, initiated_event_id: int, workflow_id: str) -> int:
        return self.add(
            _ET.EVENT_TYPE_REQUEST_CANCEL_EXTERNAL_WORKFLOW_EXECUTION_FAILED,
            "request_cancel_external_workflow_execution_failed_event_attributes",
            cause=CancelExternalWorkflowExecutionFailedCause.CANCEL_EXTERNAL_WORKFLOW_EXECUTION_FAILED_CAUSE_EXTERNAL_WORKFLOW_EXECUTION_NOT_FOUND,
            initiated_event_id=initiated_event_id,
            namespace="default",
            workflow_execution=WorkflowExecution(workflow_id=workflow_id),
            workflow_task_completed_event_id=self._wft_completed,
        )


def _duration(seconds: float) -> Any:
    from google.protobuf.duration_pb2 import Duration

    d = Duration()
    d.FromTimedelta(timedelta(seconds=seconds))
    return d
