"""The router of one workflow run: history events in, activations out; commands in, protos out.

Rule: sans-IO. Never imports asyncio, grpc or a clock; time is what history says. The router
holds no per-kind logic beyond dispatch tables: what a timer or an activity does with an event or
a command lives in its machine (``machines/``).

How a history is walked (see ``history`` for the batching rule):

* Events are read in order. Non-command events become jobs (or feed a machine); a
  WorkflowTaskStarted that ends a batch yields an :class:`Activation` and the router waits for
  :meth:`WorkflowMachines.apply_completion`.
* The completion's commands are queued. The command events after the next WorkflowTaskCompleted
  must match that queue head by head (kind and identity); a mismatch, an event with no command
  queued, or a command still queued when a non-command event arrives is non-determinism.
* Commands of the current (not replayed) task are also kept for :meth:`take_commands`.

Randomness seed: the first 8 bytes (big-endian) of the SHA-256 of the run's
``original_execution_run_id`` (falling back to the run id given to the constructor), so every
worker and every replay of a run draw the same numbers, and a continued-as-new run gets new ones.
"""

from __future__ import annotations

import dataclasses
import hashlib
from collections.abc import Callable, Iterable
from typing import TypeVar

from temporal_sdk._core.activation import (
    AcceptUpdate,
    Activation,
    CancelChildWorkflow,
    CancelSignalExternalWorkflow,
    CancelTimer,
    CancelWorkflow,
    CancelWorkflowExecution,
    Command,
    CompleteUpdate,
    CompleteWorkflow,
    Completion,
    ContinueAsNewWorkflow,
    FailWorkflow,
    InitializeWorkflow,
    Job,
    ModifyWorkflowProperties,
    RecordSideEffect,
    RejectUpdate,
    RequestCancelActivity,
    RequestCancelExternalWorkflow,
    ResolveRequestCancelExternalWorkflow,
    ScheduleActivity,
    ScheduleLocalActivity,
    SetPatchMarker,
    SignalExternalWorkflow,
    SignalWorkflow,
    StartChildWorkflow,
    StartTimer,
    UpdateRandomSeed,
    UpsertSearchAttributes,
)
from temporal_sdk._core.determinism import NondeterminismError, describe_event
from temporal_sdk._core.history import (
    HistoryBuffer,
    HistoryError,
    TaskStart,
    classify_task_start,
    event_name,
    event_time,
)
from temporal_sdk._core.machines import EventTarget, PendingCommand
from temporal_sdk._core.machines import activity as _activity
from temporal_sdk._core.machines import cancel_external as _cancel_external
from temporal_sdk._core.machines import child_workflow as _child_workflow
from temporal_sdk._core.machines import completion as _completion
from temporal_sdk._core.machines import local_activity as _local_activity
from temporal_sdk._core.machines import marker as _marker
from temporal_sdk._core.machines import signal_external as _signal_external
from temporal_sdk._core.machines import timer as _timer
from temporal_sdk._core.machines import update as _update
from temporal_sdk._core.machines import upsert as _upsert
from temporal_sdk._core.machines import workflow_task as _workflow_task
from temporal_sdk._core.machines._fsm import TransitionError
from temporal_sdk._core.machines.activity import ActivityMachine
from temporal_sdk._core.machines.cancel_external import CancelExternalMachine
from temporal_sdk._core.machines.child_workflow import ChildWorkflowMachine
from temporal_sdk._core.machines.completion import CompletionMachine
from temporal_sdk._core.machines.marker import MarkerMachine
from temporal_sdk._core.machines.signal_external import SignalExternalMachine
from temporal_sdk._core.machines.timer import TimerMachine
from temporal_sdk._core.machines.upsert import UpsertMachine
from temporal_sdk._core.machines.workflow_task import TaskAction, WorkflowTaskMachine
from temporal_sdk.api.command.v1 import Command as CommandProto
from temporal_sdk.api.enums.v1 import EventType, WorkflowTaskFailedCause
from temporal_sdk.api.history.v1 import HistoryEvent

__all__ = ["HistoryError", "NondeterminismError", "WorkflowMachines", "randomness_seed"]

_ET = EventType
_WFT_COMPLETED = _ET.EVENT_TYPE_WORKFLOW_TASK_COMPLETED
_WFT_STARTED = _ET.EVENT_TYPE_WORKFLOW_TASK_STARTED
_WFT_FAILED = _ET.EVENT_TYPE_WORKFLOW_TASK_FAILED
_RESET_CAUSE = WorkflowTaskFailedCause.WORKFLOW_TASK_FAILED_CAUSE_RESET_WORKFLOW
# The only event types _read_ahead acts on (markers and update acceptances).
# Stands in for the proto of a command already matched by its history event.
_MATCHED = CommandProto()
_READ_AHEAD_TYPES = frozenset(
    {_ET.EVENT_TYPE_MARKER_RECORDED, _ET.EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_ACCEPTED}
)
_WFT_ABANDONED = frozenset(
    {_ET.EVENT_TYPE_WORKFLOW_TASK_FAILED, _ET.EVENT_TYPE_WORKFLOW_TASK_TIMED_OUT}
)

_COMMAND_EVENT_KEYS: dict[int, Callable[[HistoryEvent], str]] = {
    **_timer.COMMAND_EVENT_KEYS,
    **_activity.COMMAND_EVENT_KEYS,
    **_completion.COMMAND_EVENT_KEYS,
    **_child_workflow.COMMAND_EVENT_KEYS,
    **_signal_external.COMMAND_EVENT_KEYS,
    **_cancel_external.COMMAND_EVENT_KEYS,
    **_marker.COMMAND_EVENT_KEYS,
    **_upsert.COMMAND_EVENT_KEYS,
    **_update.COMMAND_EVENT_KEYS,
}
# Command events replay passes over when they match no command (written by other SDKs' cores).
_SKIPPABLE_EVENTS: dict[int, Callable[[HistoryEvent], bool]] = {
    **_marker.SKIPPABLE_EVENTS,
    **_upsert.SKIPPABLE_EVENTS,
}
_ROUTED_EVENTS: dict[int, Callable[[HistoryEvent], int]] = {
    **_timer.ROUTED_EVENTS,
    **_activity.ROUTED_EVENTS,
    **_child_workflow.ROUTED_EVENTS,
    **_signal_external.ROUTED_EVENTS,
    **_cancel_external.ROUTED_EVENTS,
}


_M = TypeVar("_M")


def randomness_seed(run_id: str) -> int:
    """The workflow's random seed for a run id (see the module docstring)."""
    return int.from_bytes(hashlib.sha256(run_id.encode()).digest()[:8], "big")


class WorkflowMachines:
    """All state machines of one workflow run, and the routing between history and them."""

    def __init__(self, *, namespace: str, workflow_id: str, run_id: str) -> None:
        self.namespace = namespace
        self.workflow_id = workflow_id
        self.run_id = run_id
        self.workflow_type = ""
        """The workflow type name, known once WorkflowExecutionStarted was read."""
        self._history = HistoryBuffer()
        self._task = WorkflowTaskMachine()
        self._run = CompletionMachine(self)
        self._timers: dict[int, TimerMachine] = {}
        self._activities: dict[int, ActivityMachine] = {}
        self._children: dict[int, ChildWorkflowMachine] = {}
        self._signals: dict[int, SignalExternalMachine] = {}
        self._cancel_requests: dict[int, CancelExternalMachine] = {}
        # Id of an initiating event (ActivityTaskScheduled, TimerStarted) -> its machine.
        self._by_event_id: dict[int, EventTarget] = {}
        # A list, not a deque: it holds a task's few commands, and an idle deque keeps a
        # 0.5 KB block per cached run.
        self._queue: list[PendingCommand] = []
        self._outgoing: list[PendingCommand] = []
        self._jobs: list[Job] = []
        self._local_jobs: list[Job] = []
        self._awaiting = False
        self._live = False
        self._initialized = False
        self._last: Activation | None = None
        self.updates = _update.UpdateRegistry(self, self.is_live)
        """Update machines; the worker feeds request messages in and takes replies out."""
        self.local_activities = _local_activity.LocalActivities(
            self, self.is_live, self.add_local_job
        )
        """Local activity requests for the worker and markers read ahead from history."""

    # ---------------------------------------------------------------- public API

    def add_events(self, events: Iterable[HistoryEvent]) -> None:
        """Add history events: the whole history, or (later) the events that follow."""
        first_chunk = self._history.received == 0
        self._history.extend(events)
        if first_chunk and self._history.received:
            self._history_must_start()

    def next_activation(self) -> Activation | None:
        """Return the next activation, or ``None`` when more events or a completion are needed."""
        if self._awaiting:
            return None
        if self._local_jobs:
            jobs, self._local_jobs = tuple(self._local_jobs), []
            if self._run.is_open and self._last is not None:
                return self._activate(dataclasses.replace(self._last, jobs=jobs))
        history = self._history
        handlers = _HANDLERS
        while not self._run.is_closed:
            event = history.take()
            if event is None:
                return None
            handler = handlers.get(event.event_type)
            if handler is None:
                if event.worker_may_ignore:
                    continue
                raise HistoryError(
                    f"history event {describe_event(event)}: event type "
                    f"{event_name(event.event_type)} is not supported yet"
                )
            activation = handler(self, event)
            if activation is not None:
                return self._activate(activation)
        return None

    def apply_completion(self, completion: Completion) -> None:
        """Apply the runtime's commands for the activation last returned."""
        if not self._awaiting:
            raise RuntimeError("apply_completion() called with no activation outstanding")
        if completion.failure is not None:
            raise ValueError("a workflow task failure is reported to the server, not applied")
        self._awaiting = False
        last = self._last
        if last is not None and last.jobs:
            # Keep only the header for follow-up activations: the jobs hold payloads, and a
            # payload keeps its whole poll response alive while the run sits in the cache.
            self._last = dataclasses.replace(last, jobs=())
        run = self._run
        for cmd in completion.commands:
            if not run.is_open:
                # The run is closing: anything issued after the close command is moot.
                break
            try:
                _COMMAND_HANDLERS[type(cmd)](self, cmd)
            except TransitionError as err:
                raise RuntimeError(f"command {cmd!r} is not valid now: {err}") from err
        self.local_activities.flush()

    def is_live(self) -> bool:
        """Whether the current activation runs a new task (not replaying history)."""
        return self._live

    def take_commands(self) -> list[CommandProto]:
        """Return the commands to send for the current task, in order, and forget them."""
        protos = [pending.proto for pending in self._outgoing]
        self._outgoing.clear()
        return protos

    # ------------------------------------------------------- CommandSink protocol

    def emit(self, pending: PendingCommand) -> None:
        """Queue a command for replay matching and, in a live task, for sending."""
        self._queue.append(pending)
        if self._live:
            self._outgoing.append(pending)

    def retract(self, pending: PendingCommand) -> bool:
        """Withdraw a command that was neither matched nor handed out yet."""
        try:
            self._queue.remove(pending)
        except ValueError:
            return False
        if pending in self._outgoing:
            self._outgoing.remove(pending)
        return True

    def add_local_job(self, job: Job) -> None:
        """Deliver ``job`` in a follow-up activation of the current task."""
        self._local_jobs.append(job)

    # ----------------------------------------------------------------- internals

    def _activate(self, activation: Activation) -> Activation:
        self._awaiting = True
        self._live = not activation.is_replaying
        self._last = activation
        return activation

    def _history_must_start(self) -> None:
        first = self._history.peek_type()
        if first != _ET.EVENT_TYPE_WORKFLOW_EXECUTION_STARTED:
            raise HistoryError(
                f"a history must begin with WorkflowExecutionStarted, not {event_name(first or 0)}"
            )

    def _on_command_event(self, event: HistoryEvent) -> Activation | None:
        queue = self._queue
        head = queue[0] if queue else None
        if (
            head is None
            or head.event_type != event.event_type
            or head.key != (_COMMAND_EVENT_KEYS[event.event_type](event))
        ):
            skippable = _SKIPPABLE_EVENTS.get(event.event_type)
            if skippable is not None and skippable(event):
                return None
            if head is None:
                raise NondeterminismError.unexpected_event(event)
            raise NondeterminismError.mismatch(event, head.description, head.origin)
        del queue[0]
        if self._outgoing and head in self._outgoing:
            self._outgoing.remove(head)
        # Recorded in history: the proto (with the command's input payloads) is never sent or
        # read again, and a machine outlives it for the rest of the run.
        head.proto = _MATCHED
        self._deliver(head.machine, event)
        if head.registers:
            self._by_event_id[event.event_id] = head.machine
        return None

    def _check_no_leftover(self, event: HistoryEvent) -> None:
        """Commands still queued when a non-command event arrives were never recorded."""
        head = self._queue[0]
        if event.event_type in _WFT_ABANDONED:
            raise HistoryError(
                f"history event {describe_event(event)}: the workflow task whose commands this "
                "run produced was not completed; the run must be replayed from the beginning"
            )
        raise NondeterminismError.missing_event(head.description, head.origin, event)

    def _deliver(self, machine: EventTarget, event: HistoryEvent) -> None:
        try:
            job = machine.on_event(event)
        except TransitionError as err:
            raise NondeterminismError.invalid_event(event, machine.describe(), str(err)) from None
        if job is not None:
            self._jobs.append(job)

    def _on_routed_event(self, event: HistoryEvent) -> Activation | None:
        if self._queue:
            self._check_no_leftover(event)
        initiator = _ROUTED_EVENTS[event.event_type](event)
        machine = self._by_event_id.get(initiator)
        if machine is None:
            raise HistoryError(
                f"history event {describe_event(event)} refers to event {initiator}, "
                "which no command of this run produced"
            )
        self._deliver(machine, event)
        return None

    def _on_task_event(self, event: HistoryEvent) -> Activation | None:
        if self._queue and event.event_type != _WFT_COMPLETED:
            self._check_no_leftover(event)
        try:
            action = self._task.on_task_event(event.event_type)
        except TransitionError as err:
            raise HistoryError(f"history event {describe_event(event)}: {err}") from None
        if event.event_type == _WFT_FAILED:
            self._on_task_failed(event)
        if action is not TaskAction.END_BATCH:
            return None
        kind = classify_task_start(self._history.peek_type())
        if kind is TaskStart.DISCARDED:
            return None
        if kind is TaskStart.REPLAYED:
            self._read_ahead()
        else:
            self._jobs.extend(self.updates.take_live_jobs())
        jobs, self._jobs = tuple(self._jobs), []
        if not self._run.is_open:
            return None
        return Activation(
            run_id=self.run_id,
            timestamp=event_time(event),
            is_replaying=kind is TaskStart.REPLAYED,
            history_length=event.event_id,
            jobs=jobs,
            continue_as_new_suggested=(
                event.workflow_task_started_event_attributes.suggest_continue_as_new
            ),
        )

    def _on_task_failed(self, event: HistoryEvent) -> None:
        """A reset leaves WorkflowTaskFailed(RESET_WORKFLOW) in the new run: reseed random."""
        attrs = event.workflow_task_failed_event_attributes
        if attrs.cause == _RESET_CAUSE and attrs.new_run_id:
            self._jobs.append(UpdateRandomSeed(randomness_seed(attrs.new_run_id)))

    def _read_ahead(self) -> None:
        """Tell the code about markers its replayed task recorded, before the code runs."""
        for upcoming in self._history.unread():
            kind = upcoming.event_type
            if kind == _WFT_STARTED:
                break
            if kind not in _READ_AHEAD_TYPES:
                continue  # the common case: nothing to tell the code ahead of time
            job = _marker.lookahead_jobs(upcoming)
            if job is not None:
                self._jobs.insert(0, job)
            self.local_activities.read_ahead(upcoming)
            update = self.updates.read_ahead(upcoming)
            if update is not None:
                self._jobs.append(update)

    def _on_started(self, event: HistoryEvent) -> Activation | None:
        if self._initialized:
            raise HistoryError(f"history event {describe_event(event)}: the run started twice")
        self._initialized = True
        attrs = event.workflow_execution_started_event_attributes
        self.workflow_type = attrs.workflow_type.name
        self._jobs.append(
            InitializeWorkflow(
                workflow_id=self.workflow_id,
                run_id=self.run_id,
                workflow_type=attrs.workflow_type.name,
                arguments=tuple(attrs.input.payloads),
                headers=dict(attrs.header.fields),
                randomness_seed=randomness_seed(attrs.original_execution_run_id or self.run_id),
                start=attrs,
            )
        )
        return None

    def _on_signaled(self, event: HistoryEvent) -> Activation | None:
        if self._queue:
            self._check_no_leftover(event)
        attrs = event.workflow_execution_signaled_event_attributes
        self._jobs.append(
            SignalWorkflow(
                signal_name=attrs.signal_name,
                arguments=tuple(attrs.input.payloads),
                headers=dict(attrs.header.fields),
                identity=attrs.identity,
            )
        )
        return None

    def _on_cancel_requested(self, event: HistoryEvent) -> Activation | None:
        if self._queue:
            self._check_no_leftover(event)
        attrs = event.workflow_execution_cancel_requested_event_attributes
        self._jobs.append(CancelWorkflow(reason=attrs.cause))
        return None

    def _on_closed_externally(self, event: HistoryEvent) -> Activation | None:
        if self._queue:
            self._check_no_leftover(event)
        self._run.closed_externally()
        self._jobs.clear()
        return None

    def _start_timer(self, cmd: StartTimer) -> None:
        if cmd.seq in self._timers:
            raise ValueError(f"timer seq={cmd.seq} was started twice")
        self._timers[cmd.seq] = TimerMachine(cmd, self)

    def _cancel_timer(self, cmd: CancelTimer) -> None:
        self._machine(self._timers, cmd.seq, "timer").cancel(cmd)

    def _schedule_activity(self, cmd: ScheduleActivity) -> None:
        if cmd.seq in self._activities:
            raise ValueError(f"activity seq={cmd.seq} was scheduled twice")
        self._activities[cmd.seq] = ActivityMachine(cmd, self)

    def _cancel_activity(self, cmd: RequestCancelActivity) -> None:
        self._machine(self._activities, cmd.seq, "activity").request_cancel(cmd)

    def _start_child(self, cmd: StartChildWorkflow) -> None:
        if cmd.seq in self._children:
            raise ValueError(f"child workflow seq={cmd.seq} was started twice")
        self._children[cmd.seq] = ChildWorkflowMachine(cmd, self)

    def _cancel_child(self, cmd: CancelChildWorkflow) -> None:
        self._machine(self._children, cmd.seq, "child workflow").cancel(cmd)

    def _signal_external(self, cmd: SignalExternalWorkflow) -> None:
        if cmd.seq in self._signals:
            raise ValueError(f"external signal seq={cmd.seq} was sent twice")
        self._signals[cmd.seq] = SignalExternalMachine(cmd, self)

    def _cancel_signal(self, cmd: CancelSignalExternalWorkflow) -> None:
        self._machine(self._signals, cmd.seq, "external signal").cancel(cmd)

    def _cancel_external(self, cmd: RequestCancelExternalWorkflow) -> None:
        if cmd.seq in self._cancel_requests:
            raise ValueError(f"external cancel seq={cmd.seq} was requested twice")
        seq = cmd.seq
        self._cancel_requests[seq] = CancelExternalMachine(
            cmd.attributes,
            self,
            lambda failure: ResolveRequestCancelExternalWorkflow(seq, failure=failure),
            origin=cmd.origin,
        )

    def _close(
        self,
        cmd: CompleteWorkflow | FailWorkflow | CancelWorkflowExecution | ContinueAsNewWorkflow,
    ) -> None:
        self._run.close(cmd)

    def _set_patch_marker(self, cmd: SetPatchMarker) -> None:
        MarkerMachine.for_patch(cmd, self)

    def _record_side_effect(self, cmd: RecordSideEffect) -> None:
        MarkerMachine.for_side_effect(cmd, self)

    def _upsert(self, cmd: UpsertSearchAttributes | ModifyWorkflowProperties) -> None:
        UpsertMachine(cmd, self)

    @staticmethod
    def _machine(machines: dict[int, _M], seq: int, kind: str) -> _M:
        try:
            return machines[seq]
        except KeyError:
            raise ValueError(f"no {kind} with seq={seq} was started in this run") from None


_Handler = Callable[[WorkflowMachines, HistoryEvent], "Activation | None"]

_HANDLERS: dict[int, _Handler] = {
    _ET.EVENT_TYPE_WORKFLOW_EXECUTION_STARTED: WorkflowMachines._on_started,
    _ET.EVENT_TYPE_WORKFLOW_EXECUTION_SIGNALED: WorkflowMachines._on_signaled,
    _ET.EVENT_TYPE_WORKFLOW_EXECUTION_CANCEL_REQUESTED: WorkflowMachines._on_cancel_requested,
    # Admitted requests are delivered from their Accepted event (read ahead) instead.
    _ET.EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_ADMITTED: lambda m, e: None,
    **dict.fromkeys(_workflow_task.EVENT_INPUTS, WorkflowMachines._on_task_event),
    **dict.fromkeys(_COMMAND_EVENT_KEYS, WorkflowMachines._on_command_event),
    **dict.fromkeys(_ROUTED_EVENTS, WorkflowMachines._on_routed_event),
    **dict.fromkeys(_completion.EXTERNAL_CLOSE_EVENTS, WorkflowMachines._on_closed_externally),
}

_COMMAND_HANDLERS: dict[type[Command], Callable[[WorkflowMachines, Command], None]] = {
    StartTimer: WorkflowMachines._start_timer,  # type: ignore[dict-item]
    CancelTimer: WorkflowMachines._cancel_timer,  # type: ignore[dict-item]
    ScheduleActivity: WorkflowMachines._schedule_activity,  # type: ignore[dict-item]
    RequestCancelActivity: WorkflowMachines._cancel_activity,  # type: ignore[dict-item]
    CompleteWorkflow: WorkflowMachines._close,  # type: ignore[dict-item]
    FailWorkflow: WorkflowMachines._close,  # type: ignore[dict-item]
    CancelWorkflowExecution: WorkflowMachines._close,  # type: ignore[dict-item]
    StartChildWorkflow: WorkflowMachines._start_child,  # type: ignore[dict-item]
    CancelChildWorkflow: WorkflowMachines._cancel_child,  # type: ignore[dict-item]
    SignalExternalWorkflow: WorkflowMachines._signal_external,  # type: ignore[dict-item]
    CancelSignalExternalWorkflow: WorkflowMachines._cancel_signal,  # type: ignore[dict-item]
    RequestCancelExternalWorkflow: WorkflowMachines._cancel_external,  # type: ignore[dict-item]
    ContinueAsNewWorkflow: WorkflowMachines._close,  # type: ignore[dict-item]
    SetPatchMarker: WorkflowMachines._set_patch_marker,  # type: ignore[dict-item]
    RecordSideEffect: WorkflowMachines._record_side_effect,  # type: ignore[dict-item]
    ScheduleLocalActivity: lambda m, c: m.local_activities.schedule(c),  # type: ignore[arg-type]
    UpsertSearchAttributes: WorkflowMachines._upsert,  # type: ignore[dict-item]
    ModifyWorkflowProperties: WorkflowMachines._upsert,  # type: ignore[dict-item]
    AcceptUpdate: lambda m, c: m.updates.accept(c),  # type: ignore[arg-type]
    RejectUpdate: lambda m, c: m.updates.reject(c),  # type: ignore[arg-type]
    CompleteUpdate: lambda m, c: m.updates.complete(c),  # type: ignore[arg-type]
}
