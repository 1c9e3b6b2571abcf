"""The boundary between ``_core`` and ``_runtime``: activation jobs in, workflow commands out.

Rule: plain frozen data only. Nothing here runs user code, touches asyncio or does IO. Payloads and
failures stay protobuf messages; converting them to Python values is the runtime's job, encoding
them with a codec is ``_io``'s.

Every command the runtime issues carries a per-kind ``seq`` (1, 2, 3, ... within one run, counted
separately for timers, activities, ...). Jobs that resolve a command name the same ``seq``.
``origin`` is a short "file:line in function" of the user code that issued the command, used only
in non-determinism messages.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TypeAlias

from temporal_sdk.api.command.v1 import (
    ContinueAsNewWorkflowExecutionCommandAttributes,
    RequestCancelExternalWorkflowExecutionCommandAttributes,
    ScheduleActivityTaskCommandAttributes,
    SignalExternalWorkflowExecutionCommandAttributes,
    StartChildWorkflowExecutionCommandAttributes,
)
from temporal_sdk.api.common.v1 import Memo, Payload, RetryPolicy, SearchAttributes
from temporal_sdk.api.failure.v1 import Failure
from temporal_sdk.api.history.v1 import WorkflowExecutionStartedEventAttributes

# --------------------------------------------------------------------------------------------
# Jobs: core -> runtime


@dataclass(frozen=True, slots=True)
class InitializeWorkflow:
    """Start the workflow: instantiate the class and begin its run method."""

    workflow_id: str
    run_id: str
    workflow_type: str
    arguments: tuple[Payload, ...]
    headers: dict[str, Payload]
    randomness_seed: int
    start: WorkflowExecutionStartedEventAttributes


@dataclass(frozen=True, slots=True)
class FireTimer:
    """The timer started by ``StartTimer(seq)`` fired."""

    seq: int


@dataclass(frozen=True, slots=True)
class ResolveActivity:
    """The activity scheduled by ``ScheduleActivity(seq)`` finished.

    Exactly one of ``result`` (completed; ``None`` payload means no value) or ``failure`` is
    meaningful: when ``failure`` is set the activity failed, timed out or was cancelled, and
    ``failure`` is an ``activity_failure_info`` failure whose ``cause`` holds what the activity or
    the server reported (application failure, timeout failure, canceled failure).
    """

    seq: int
    result: Payload | None = None
    failure: Failure | None = None
    cancelled: bool = False


@dataclass(frozen=True, slots=True)
class SignalWorkflow:
    """A signal arrived (WorkflowExecutionSignaled)."""

    signal_name: str
    arguments: tuple[Payload, ...]
    headers: dict[str, Payload] = field(default_factory=dict)
    identity: str = ""


@dataclass(frozen=True, slots=True)
class CancelWorkflow:
    """Cancellation of the workflow was requested (WorkflowExecutionCancelRequested)."""

    reason: str = ""


@dataclass(frozen=True, slots=True)
class ResolveChildWorkflowStart:
    """The start of child workflow ``seq`` was decided.

    Exactly one outcome: ``run_id`` set (the child started), ``start_failed_cause`` non-zero (a
    ``StartChildWorkflowExecutionFailedCause``, e.g. the id is already in use), or ``cancelled``
    (a ``child_workflow_execution_failure_info`` failure: the code cancelled it before it was sent).
    """

    seq: int
    run_id: str = ""
    start_failed_cause: int = 0
    cancelled: Failure | None = None


@dataclass(frozen=True, slots=True)
class ResolveChildWorkflow:
    """Child workflow ``seq`` closed (or the code stopped waiting for it after a cancel).

    ``failure`` is set for every outcome but completion: a ``child_workflow_execution_failure_info``
    failure whose ``cause`` says what happened (application, timeout, terminated, cancelled).
    """

    seq: int
    result: Payload | None = None
    failure: Failure | None = None


@dataclass(frozen=True, slots=True)
class ResolveSignalExternalWorkflow:
    """Signal ``SignalExternalWorkflow(seq)`` was delivered (``failure`` unset), or not."""

    seq: int
    failure: Failure | None = None


@dataclass(frozen=True, slots=True)
class ResolveRequestCancelExternalWorkflow:
    """The cancel request ``RequestCancelExternalWorkflow(seq)`` was delivered, or ``failure``."""

    seq: int
    failure: Failure | None = None


@dataclass(frozen=True, slots=True)
class NotifyHasPatch:
    """History holds a patch marker for ``patch_id`` (read ahead, before the code runs)."""

    patch_id: str


@dataclass(frozen=True, slots=True)
class NotifySideEffect:
    """History recorded side effect ``seq`` with ``result`` (read ahead, before the code runs)."""

    seq: int
    result: Payload | None


@dataclass(frozen=True, slots=True)
class DoUpdate:
    """An update request: validate (if ``run_validator``), then accept or reject, then run it.

    ``run_validator`` is false on replay: the request was rebuilt from its
    WorkflowExecutionUpdateAccepted event, so it was accepted already.
    """

    update_id: str
    name: str
    arguments: tuple[Payload, ...]
    headers: dict[str, Payload] = field(default_factory=dict)
    run_validator: bool = True


@dataclass(frozen=True, slots=True)
class ResolveLocalActivity:
    """The local activity ``ScheduleLocalActivity(seq)`` finished (live, or as history recorded).

    ``failure`` (an ``activity_failure_info`` failure) or ``result`` is meaningful; ``backoff``
    (seconds) asks the code to wait on a durable timer, then schedule attempt ``attempt`` again.
    """

    seq: int
    result: Payload | None = None
    failure: Failure | None = None
    backoff: float | None = None
    attempt: int = 1
    original_schedule_time: float | None = None


@dataclass(frozen=True, slots=True)
class UpdateRandomSeed:
    """The run was reset: reseed the random generator with ``randomness_seed``.

    A reset leaves a WorkflowTaskFailed with cause RESET_WORKFLOW in the new run; every core
    reseeds there, so results match across SDKs.
    """

    randomness_seed: int


Job: TypeAlias = (
    InitializeWorkflow
    | FireTimer
    | ResolveActivity
    | SignalWorkflow
    | CancelWorkflow
    | ResolveChildWorkflowStart
    | ResolveChildWorkflow
    | ResolveSignalExternalWorkflow
    | ResolveRequestCancelExternalWorkflow
    | NotifyHasPatch
    | NotifySideEffect
    | DoUpdate
    | ResolveLocalActivity
    | UpdateRandomSeed
)


@dataclass(frozen=True, slots=True)
class Activation:
    """One unit of work for the runtime: apply ``jobs`` in order, then run until idle.

    ``timestamp`` is workflow time in seconds since the epoch: the time of the
    WorkflowTaskStarted event that begins this workflow task.
    """

    run_id: str
    timestamp: float
    is_replaying: bool
    history_length: int
    jobs: tuple[Job, ...]
    continue_as_new_suggested: bool = False
    """The server suggests continuing as new (from WorkflowTaskStarted)."""


# --------------------------------------------------------------------------------------------
# Commands: runtime -> core


@dataclass(frozen=True, slots=True)
class StartTimer:
    """Start a durable timer of ``duration`` seconds (> 0)."""

    seq: int
    duration: float
    origin: str = ""


@dataclass(frozen=True, slots=True)
class CancelTimer:
    """Cancel the timer ``seq`` (no-op on the wire if it was never sent)."""

    seq: int
    origin: str = ""


@dataclass(frozen=True, slots=True)
class ScheduleActivity:
    """Schedule an activity; ``attributes`` is the complete server command."""

    seq: int
    attributes: ScheduleActivityTaskCommandAttributes
    origin: str = ""


@dataclass(frozen=True, slots=True)
class RequestCancelActivity:
    """Request cancellation of the activity ``seq``."""

    seq: int
    origin: str = ""


@dataclass(frozen=True, slots=True)
class CompleteWorkflow:
    """Complete the workflow with ``result`` (``None`` for no result payload)."""

    result: Payload | None
    origin: str = ""


@dataclass(frozen=True, slots=True)
class FailWorkflow:
    """Fail the workflow execution with ``failure``."""

    failure: Failure
    origin: str = ""


@dataclass(frozen=True, slots=True)
class CancelWorkflowExecution:
    """Close the workflow as cancelled (after a cancel request was honoured)."""

    origin: str = ""


@dataclass(frozen=True, slots=True)
class StartChildWorkflow:
    """Start a child workflow; ``attributes`` is the complete server command.

    ``cancellation_type`` is a ``ChildCancellationType`` value (see
    ``machines.child_workflow``): what a later ``CancelChildWorkflow(seq)`` sends and waits for.
    """

    seq: int
    attributes: StartChildWorkflowExecutionCommandAttributes
    cancellation_type: int
    origin: str = ""


@dataclass(frozen=True, slots=True)
class CancelChildWorkflow:
    """Cancel child workflow ``seq`` (withdrawn if never sent; else per its cancellation type)."""

    seq: int
    reason: str = ""
    origin: str = ""


@dataclass(frozen=True, slots=True)
class SignalExternalWorkflow:
    """Signal another workflow (or a child); ``attributes`` is the complete server command."""

    seq: int
    attributes: SignalExternalWorkflowExecutionCommandAttributes
    origin: str = ""


@dataclass(frozen=True, slots=True)
class CancelSignalExternalWorkflow:
    """Withdraw signal ``seq`` if it was not sent yet (a sent signal cannot be taken back)."""

    seq: int
    origin: str = ""


@dataclass(frozen=True, slots=True)
class RequestCancelExternalWorkflow:
    """Ask the server to cancel another workflow; ``attributes`` is the complete command."""

    seq: int
    attributes: RequestCancelExternalWorkflowExecutionCommandAttributes
    origin: str = ""


@dataclass(frozen=True, slots=True)
class SetPatchMarker:
    """Record that the code took the patched branch of ``patch_id`` (a ``core_patch`` marker)."""

    patch_id: str
    deprecated: bool = False
    origin: str = ""


@dataclass(frozen=True, slots=True)
class RecordSideEffect:
    """Record the value of side effect ``seq`` (a ``SideEffect`` marker)."""

    seq: int
    result: Payload | None
    origin: str = ""


@dataclass(frozen=True, slots=True)
class UpsertSearchAttributes:
    """Set or unset (empty payload) search attributes of the run."""

    attributes: SearchAttributes
    origin: str = ""


@dataclass(frozen=True, slots=True)
class ModifyWorkflowProperties:
    """Set or remove (empty payload) memo entries of the run."""

    memo: Memo
    origin: str = ""


@dataclass(frozen=True, slots=True)
class ContinueAsNewWorkflow:
    """Close the run and start a new one; ``attributes`` is the complete server command."""

    attributes: ContinueAsNewWorkflowExecutionCommandAttributes
    origin: str = ""


@dataclass(frozen=True, slots=True)
class AcceptUpdate:
    """Accept update ``update_id`` (its validator passed, or there was none)."""

    update_id: str
    origin: str = ""


@dataclass(frozen=True, slots=True)
class RejectUpdate:
    """Reject update ``update_id`` with ``failure``; leaves no trace in history."""

    update_id: str
    failure: Failure
    origin: str = ""


@dataclass(frozen=True, slots=True)
class CompleteUpdate:
    """Finish accepted update ``update_id`` with ``result`` or, if set, ``failure``."""

    update_id: str
    result: Payload | None = None
    failure: Failure | None = None
    origin: str = ""


@dataclass(frozen=True, slots=True)
class ScheduleLocalActivity:
    """Run a local activity in the worker; its outcome is recorded as a marker.

    Timeouts and ``local_retry_threshold`` are in seconds (``None``: not set). ``retry_policy``
    is the server-form policy; ``original_schedule_time`` (epoch seconds) is set on attempts
    after a durable backoff.
    """

    seq: int
    activity_id: str
    activity_type: str
    arguments: tuple[Payload, ...]
    schedule_to_close_timeout: float | None = None
    schedule_to_start_timeout: float | None = None
    start_to_close_timeout: float | None = None
    retry_policy: RetryPolicy | None = None
    local_retry_threshold: float = 60.0
    attempt: int = 1
    original_schedule_time: float | None = None
    headers: dict[str, Payload] = field(default_factory=dict)
    origin: str = ""


Command: TypeAlias = (
    StartTimer
    | CancelTimer
    | ScheduleActivity
    | RequestCancelActivity
    | CompleteWorkflow
    | FailWorkflow
    | CancelWorkflowExecution
    | StartChildWorkflow
    | CancelChildWorkflow
    | SignalExternalWorkflow
    | CancelSignalExternalWorkflow
    | RequestCancelExternalWorkflow
    | SetPatchMarker
    | RecordSideEffect
    | UpsertSearchAttributes
    | ModifyWorkflowProperties
    | ContinueAsNewWorkflow
    | AcceptUpdate
    | RejectUpdate
    | CompleteUpdate
    | ScheduleLocalActivity
)


@dataclass(frozen=True, slots=True)
class WorkflowTaskFailure:
    """Fail the workflow *task* (the server retries it); the workflow stays open.

    ``failure`` describes the error for the WorkflowTaskFailed event; ``cause`` is a
    ``temporal.api.enums.v1.WorkflowTaskFailedCause`` value.
    """

    failure: Failure
    cause: int


@dataclass(frozen=True, slots=True)
class Completion:
    """What the runtime returns for an activation: new commands, or a task failure."""

    commands: tuple[Command, ...] = ()
    failure: WorkflowTaskFailure | None = None
