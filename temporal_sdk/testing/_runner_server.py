"""The test runner's in-memory server: runs, their histories, a virtual clock and an agenda.

Rule: this module plays the server. It writes events only in the order a server would (command
events right after WorkflowTaskCompleted, in command order; anything the commands cause after
them), and hands each run's new events to the same core and runtime the worker uses
(``WorkflowMachines`` + ``WorkflowInstance`` + ``run_activations``), one workflow task at a
time. Virtual time moves only in :meth:`Server.advance`, to the next agenda item.
"""

from __future__ import annotations

import heapq
import itertools
import uuid
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import temporal_sdk.testing._runner_effects as _effects
import temporal_sdk.testing._runner_updates as _updates
from temporal_sdk._core.determinism import NondeterminismError
from temporal_sdk._core.history import HistoryError
from temporal_sdk._core.workflow_machines import WorkflowMachines
from temporal_sdk._runtime.definitions import WorkflowDefinition
from temporal_sdk._runtime.driver import run_activations
from temporal_sdk._runtime.instance import WorkflowInstance
from temporal_sdk.api.common.v1 import Payloads, WorkflowType
from temporal_sdk.api.enums.v1 import EventType
from temporal_sdk.api.history.v1 import HistoryEvent, WorkflowExecutionStartedEventAttributes
from temporal_sdk.api.protocol.v1 import Message
from temporal_sdk.api.taskqueue.v1 import TaskQueue
from temporal_sdk.api.update.v1 import Outcome as UpdateOutcome
from temporal_sdk.converter import DataConverter
from temporal_sdk.testing._runner_activities import ActivityRunner
from temporal_sdk.testing._runner_errors import WorkflowStuckError, WorkflowTaskFailedError
from temporal_sdk.testing._runner_history import RunHistory

__all__ = ["Run", "Server", "WorkflowStuckError", "WorkflowTaskFailedError"]

_ET = EventType
CLOSE_EVENTS = frozenset(
    {
        _ET.EVENT_TYPE_WORKFLOW_EXECUTION_COMPLETED,
        _ET.EVENT_TYPE_WORKFLOW_EXECUTION_FAILED,
        _ET.EVENT_TYPE_WORKFLOW_EXECUTION_CANCELED,
        _ET.EVENT_TYPE_WORKFLOW_EXECUTION_TERMINATED,
        _ET.EVENT_TYPE_WORKFLOW_EXECUTION_TIMED_OUT,
        _ET.EVENT_TYPE_WORKFLOW_EXECUTION_CONTINUED_AS_NEW,
    }
)


@dataclass
class AgendaItem:
    """Something due at a virtual time: fire a timer, run an activity attempt, ..."""

    due: float
    action: Callable[[], Awaitable[None]]
    cancelled: bool = False
    label: str = ""


@dataclass(eq=False)
class Run:
    """One workflow run: its history, its core and runtime, and what the server tracks for it."""

    workflow_id: str
    run_id: str
    defn: WorkflowDefinition
    task_queue: str
    history: RunHistory
    machines: WorkflowMachines
    instance: WorkflowInstance
    fed: int = 0
    needs_task: bool = False
    close_event: HistoryEvent | None = None
    next_run_id: str = ""
    parent: _effects.ParentLink | None = None
    children: list[Run] = field(default_factory=list)
    timers: dict[str, AgendaItem] = field(default_factory=dict)
    timer_started_ids: dict[str, int] = field(default_factory=dict)
    activities: dict[int, AgendaItem] = field(default_factory=dict)
    update_requests: list[Message] = field(default_factory=list)
    update_accepted: dict[str, int] = field(default_factory=dict)
    update_outcomes: dict[str, UpdateOutcome] = field(default_factory=dict)

    @property
    def is_open(self) -> bool:
        """Whether the run has not closed yet."""
        return self.close_event is None

    def schedule_task(self) -> None:
        """A new event needs the workflow's attention: schedule a workflow task."""
        if self.is_open:
            self.needs_task = True


class Server:
    """The runs of one test runner and the virtual clock they share."""

    def __init__(
        self,
        *,
        workflows: dict[str | None, WorkflowDefinition],
        activities: ActivityRunner,
        converter: DataConverter,
        namespace: str,
        task_queue: str,
        start_time: float,
        child_mocks: Mapping[str, Any],
        failure_exception_types: Sequence[type[BaseException]],
    ) -> None:
        self.definitions = workflows
        self.child_mocks = dict(child_mocks)
        self.activity_attempt_limit = 100
        """Attempts after which an activity retried without limit stops the runner."""
        self.failure_exception_types = tuple(failure_exception_types)
        self.activities = activities
        self.converter = converter
        self.namespace = namespace
        self.task_queue = task_queue
        self.now = start_time
        self.runs: dict[str, Run] = {}
        self.latest: dict[str, Run] = {}
        self._agenda: list[tuple[float, int, AgendaItem]] = []
        self._order = itertools.count()

    # -- agenda and clock

    def at(self, due: float, action: Callable[[], Awaitable[None]], label: str) -> AgendaItem:
        """Put ``action`` on the agenda at virtual time ``due``."""
        item = AgendaItem(max(due, self.now), action, label=label)
        heapq.heappush(self._agenda, (item.due, next(self._order), item))
        return item

    def next_due(self) -> float | None:
        """The time of the next live agenda item, if any."""
        while self._agenda and self._agenda[0][2].cancelled:
            heapq.heappop(self._agenda)
        return self._agenda[0][0] if self._agenda else None

    async def settle(self) -> None:
        """Run every workflow task and every agenda item due now; never move the clock."""
        while True:
            run = next((r for r in self.runs.values() if r.needs_task and r.is_open), None)
            if run is not None:
                self.run_task(run)
                continue
            due = self.next_due()
            if due is None or due > self.now:
                return
            _, _, item = heapq.heappop(self._agenda)
            await item.action()

    async def advance(self, limit: float | None = None) -> bool:
        """Settle, then move the clock to the next agenda item (not past ``limit``).

        Returns whether anything was due; when nothing is, the clock moves to ``limit``.
        """
        await self.settle()
        due = self.next_due()
        if due is None or (limit is not None and due > limit):
            if limit is not None:
                self.now = max(self.now, limit)
            return False
        self.now = due
        await self.settle()
        return True

    # -- runs

    def definition(self, workflow_type: str) -> WorkflowDefinition:
        """The registered workflow class for a type name (or the dynamic one)."""
        defn = self.definitions.get(workflow_type) or self.definitions.get(None)
        if defn is None:
            raise ValueError(f"workflow type {workflow_type!r} is not registered with the runner")
        return defn

    def start_run(
        self,
        workflow_id: str,
        start: WorkflowExecutionStartedEventAttributes,
        *,
        run_id: str | None = None,
    ) -> Run:
        """Create a run, record WorkflowExecutionStarted and schedule its first task."""
        run_id = run_id or str(uuid.uuid4())
        defn = self.definition(start.workflow_type.name)
        task_queue = start.task_queue.name or self.task_queue
        start.task_queue.CopyFrom(TaskQueue(name=task_queue))
        start.original_execution_run_id = run_id
        if not start.first_execution_run_id:
            start.first_execution_run_id = run_id
        start.attempt = start.attempt or 1
        history = RunHistory(lambda: self.now)
        history.add(
            _ET.EVENT_TYPE_WORKFLOW_EXECUTION_STARTED,
            "workflow_execution_started_event_attributes",
            **{f.name: v for f, v in start.ListFields()},
        )
        converter = self.converter
        run = Run(
            workflow_id=workflow_id,
            run_id=run_id,
            defn=defn,
            task_queue=task_queue,
            history=history,
            machines=WorkflowMachines(
                namespace=self.namespace, workflow_id=workflow_id, run_id=run_id
            ),
            instance=WorkflowInstance(
                defn,
                namespace=self.namespace,
                task_queue=task_queue,
                payload_converter=converter.payload_converter,
                failure_converter=converter.failure_converter,
                failure_exception_types=self.failure_exception_types,
            ),
        )
        self.runs[run_id] = run
        self.latest[workflow_id] = run
        run.schedule_task()
        return run

    def open_run(self, workflow_id: str) -> Run | None:
        """The open run of ``workflow_id``, if there is one."""
        run = self.latest.get(workflow_id)
        return run if run is not None and run.is_open else None

    def run_task(self, run: Run) -> None:
        """One workflow task: record its start, run the code, record its completion and commands."""
        run.needs_task = False
        run.history.schedule_and_start_task(run.task_queue)
        new = run.history.take_new(run.fed)
        run.fed = len(run.history.events)
        try:
            run.machines.add_events(new)
            run.machines.updates.add_messages(_updates.take_requests(run))
            failure = run_activations(run.machines, run.instance)
        except (NondeterminismError, HistoryError) as err:
            raise WorkflowTaskFailedError(f"workflow {run.workflow_id}: {err}") from err
        if failure is not None:
            raise WorkflowTaskFailedError(
                f"workflow task of {run.workflow_id} failed: {failure.failure.message}\n"
                f"{failure.failure.stack_trace}"
            )
        run.history.complete_task()
        self._record_commands(run)

    def _record_commands(self, run: Run) -> None:
        """Write the events of the task's commands, then what they cause (in that order)."""
        commands = run.machines.take_commands()
        messages = run.machines.updates.take_messages()
        _updates.record_rejections(run, messages)
        by_id = {message.id: message for message in messages}
        followups: list[tuple[Callable[[Server, Run, HistoryEvent], None], HistoryEvent]] = []
        for command in commands:
            if command.HasField("protocol_message_command_attributes"):
                _updates.record_protocol_command(run, command, by_id)
                continue
            event = run.history.record_command(command)
            react = _REACTIONS.get(event.event_type) if event is not None else None
            if event is not None and react is not None:
                followups.append((react, event))
        for react, event in followups:
            react(self, run, event)

    def close(self, run: Run, event: HistoryEvent) -> None:
        """The run closed with ``event``: tell its parent, end its children per their policy."""
        run.close_event = event
        run.needs_task = False
        for item in [*run.timers.values(), *run.activities.values()]:
            item.cancelled = True
        for child in run.children:
            _effects.apply_parent_close_policy(self, child)
        if event.event_type != _ET.EVENT_TYPE_WORKFLOW_EXECUTION_CONTINUED_AS_NEW:
            _effects.report_close(self, run, event)

    def terminate(self, run: Run, reason: str) -> None:
        """Terminate an open run (records WorkflowExecutionTerminated)."""
        if not run.is_open:
            return
        event = run.history.add(
            _ET.EVENT_TYPE_WORKFLOW_EXECUTION_TERMINATED,
            "workflow_execution_terminated_event_attributes",
            reason=reason,
            identity="test-runner",
        )
        self.close(run, event)

    def stack_traces(self) -> str:
        """``__stack_trace`` of every open run, for a stuck-runner error."""
        blocks = []
        pc = self.converter.payload_converter
        for run in self.runs.values():
            if not run.is_open:
                continue
            answer = run.instance.query("__stack_trace", [])
            text = pc.from_payload(answer.answer) if answer.answer is not None else ""
            blocks.append(f"workflow {run.workflow_id} (run {run.run_id}):\n{text}")
        return "\n".join(blocks) or "(no open runs)"

    def discard(self) -> None:
        """Unwind every run's blocked coroutines (the runner is done)."""
        for run in self.runs.values():
            run.instance.close()


# -- reactions to command events ------------------------------------------------------------


def _closed(server: Server, run: Run, event: HistoryEvent) -> None:
    server.close(run, event)


def _continued(server: Server, run: Run, event: HistoryEvent) -> None:
    attrs = event.workflow_execution_continued_as_new_event_attributes
    first = run.history.events[0].workflow_execution_started_event_attributes
    new_run_id = str(uuid.uuid4())
    attrs.new_execution_run_id = new_run_id
    run.next_run_id = new_run_id
    server.close(run, event)
    start = WorkflowExecutionStartedEventAttributes(
        workflow_type=WorkflowType(name=attrs.workflow_type.name or first.workflow_type.name),
        task_queue=TaskQueue(name=attrs.task_queue.name or run.task_queue),
        input=Payloads(payloads=list(attrs.input.payloads)),
        continued_execution_run_id=run.run_id,
        first_execution_run_id=first.first_execution_run_id,
        initiator=attrs.initiator,
        identity="test-runner",
    )
    for name in ("header", "memo", "search_attributes", "workflow_run_timeout"):
        if attrs.HasField(name):
            getattr(start, name).CopyFrom(getattr(attrs, name))
    for name in ("parent_workflow_execution", "workflow_execution_timeout"):
        if first.HasField(name):
            getattr(start, name).CopyFrom(getattr(first, name))
    start.parent_workflow_namespace = first.parent_workflow_namespace
    start.parent_initiated_event_id = first.parent_initiated_event_id
    new_run = server.start_run(run.workflow_id, start, run_id=new_run_id)
    new_run.parent = run.parent
    if run.parent is not None:
        run.parent.swap_child(run, new_run)


def _timer_started(server: Server, run: Run, event: HistoryEvent) -> None:
    attrs = event.timer_started_event_attributes
    timer_id, started_id = attrs.timer_id, event.event_id
    timeout = attrs.start_to_fire_timeout
    seconds = timeout.seconds + timeout.nanos / 1e9

    async def fire() -> None:
        run.timers.pop(timer_id, None)
        run.history.add(
            _ET.EVENT_TYPE_TIMER_FIRED,
            "timer_fired_event_attributes",
            timer_id=timer_id,
            started_event_id=started_id,
        )
        run.schedule_task()

    run.timer_started_ids[timer_id] = started_id
    run.timers[timer_id] = server.at(server.now + seconds, fire, f"timer {timer_id}")


def _timer_canceled(server: Server, run: Run, event: HistoryEvent) -> None:
    attrs = event.timer_canceled_event_attributes
    item = run.timers.pop(attrs.timer_id, None)
    if item is not None:
        item.cancelled = True
    attrs.started_event_id = run.timer_started_ids.get(attrs.timer_id, 0)


def _external(kind: str) -> Callable[[Server, Run, HistoryEvent], None]:
    def react(server: Server, run: Run, event: HistoryEvent) -> None:
        getattr(_effects, kind)(server, run, event)

    return react


_REACTIONS: dict[int, Callable[[Server, Run, HistoryEvent], None]] = {
    **dict.fromkeys(
        (
            _ET.EVENT_TYPE_WORKFLOW_EXECUTION_COMPLETED,
            _ET.EVENT_TYPE_WORKFLOW_EXECUTION_FAILED,
            _ET.EVENT_TYPE_WORKFLOW_EXECUTION_CANCELED,
        ),
        _closed,
    ),
    _ET.EVENT_TYPE_WORKFLOW_EXECUTION_CONTINUED_AS_NEW: _continued,
    _ET.EVENT_TYPE_TIMER_STARTED: _timer_started,
    _ET.EVENT_TYPE_TIMER_CANCELED: _timer_canceled,
    _ET.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED: _external("schedule_activity"),
    _ET.EVENT_TYPE_ACTIVITY_TASK_CANCEL_REQUESTED: _external("cancel_activity"),
    _ET.EVENT_TYPE_START_CHILD_WORKFLOW_EXECUTION_INITIATED: _external("start_child"),
    _ET.EVENT_TYPE_SIGNAL_EXTERNAL_WORKFLOW_EXECUTION_INITIATED: _external("signal_external"),
    _ET.EVENT_TYPE_REQUEST_CANCEL_EXTERNAL_WORKFLOW_EXECUTION_INITIATED: _external(
        "cancel_external"
    ),
}
