"""Bind the workflow worker's payload codec to the context of each command, event or answer.

Rule: built only when the codec implements ``WithSerializationContext`` (see
:func:`codec_contexts`); with any other codec the worker never reaches this module. The choice
follows temporalio: payloads of an activity (its arguments, result, failure, heartbeat details)
use that activity's :class:`ActivitySerializationContext`; payloads of a child workflow or of a
signal to another workflow use the *target* workflow's :class:`WorkflowSerializationContext`;
everything else (workflow input and result, signals, queries, updates, memo, markers) uses the
workflow's own. An activity's completion event names only its scheduled event, which a cached run
saw in an earlier task, so the activity contexts of each run are remembered until the
activity's closing event (or until the run's whole history is decoded again).
"""

from __future__ import annotations

import logging
from collections import OrderedDict
from typing import Any

from temporal_sdk._converter_context import (
    ActivitySerializationContext,
    RunConverters,
    WorkflowSerializationContext,
    bind,
    run_converters,
    takes_context,
)
from temporal_sdk.api.command.v1 import Command
from temporal_sdk.api.history.v1 import HistoryEvent
from temporal_sdk.api.workflowservice.v1 import PollWorkflowTaskQueueResponse

logger = logging.getLogger(__name__)

_MAX_RUNS = 10_000
"""Runs whose open activities are remembered; the least recently seen are dropped beyond it."""

_ACTIVITY_CLOSED = (
    "activity_task_completed_event_attributes",
    "activity_task_failed_event_attributes",
    "activity_task_timed_out_event_attributes",
    "activity_task_canceled_event_attributes",
)
_ACTIVITY_OPEN = (
    "activity_task_started_event_attributes",
    "activity_task_cancel_requested_event_attributes",
)
_CHILD = (
    "child_workflow_execution_started_event_attributes",
    "child_workflow_execution_completed_event_attributes",
    "child_workflow_execution_failed_event_attributes",
    "child_workflow_execution_canceled_event_attributes",
    "child_workflow_execution_timed_out_event_attributes",
    "child_workflow_execution_terminated_event_attributes",
    "signal_external_workflow_execution_initiated_event_attributes",
)


def codec_contexts(converter: Any, namespace: str) -> CodecContexts | None:
    """The per-worker context binder, or ``None`` when the codec ignores context."""
    codec = converter.payload_codec
    if codec is None or not takes_context(codec):
        return None
    return CodecContexts(codec, namespace)


class CodecContexts:
    """Gives the codec bound to the right context for a workflow task's payloads."""

    def __init__(self, codec: Any, namespace: str) -> None:
        self._codec = codec
        self._namespace = namespace
        self._runs: OrderedDict[str, dict[int, ActivitySerializationContext]] = OrderedDict()

    def workflow(self, workflow_id: str) -> Any:
        """The codec for the payloads of workflow ``workflow_id`` itself."""
        return bind(self._codec, WorkflowSerializationContext(self._namespace, workflow_id))

    def _activity(
        self, task: PollWorkflowTaskQueueResponse, activity_id: str, type_: str, queue: str
    ) -> ActivitySerializationContext:
        return ActivitySerializationContext(
            namespace=self._namespace,
            activity_id=activity_id,
            activity_type=type_,
            activity_task_queue=queue,
            workflow_id=task.workflow_execution.workflow_id,
            workflow_type=task.workflow_type.name,
            is_local=False,
        )

    def for_command(self, task: PollWorkflowTaskQueueResponse, command: Command) -> Any:
        """The codec for the payloads of one outgoing command."""
        kind = command.WhichOneof("attributes")
        if kind == "schedule_activity_task_command_attributes":
            attrs = command.schedule_activity_task_command_attributes
            queue = attrs.task_queue.name or task.workflow_execution_task_queue.name
            ctx = self._activity(task, attrs.activity_id, attrs.activity_type.name, queue)
            return bind(self._codec, ctx)
        if kind == "start_child_workflow_execution_command_attributes":
            return self.workflow(
                command.start_child_workflow_execution_command_attributes.workflow_id
            )
        if kind == "signal_external_workflow_execution_command_attributes":
            attrs_s = command.signal_external_workflow_execution_command_attributes
            return self.workflow(attrs_s.execution.workflow_id)
        return self.workflow(task.workflow_execution.workflow_id)

    def for_event(self, task: PollWorkflowTaskQueueResponse, event: HistoryEvent) -> Any:
        """The codec for the payloads of one history event (events must come in order)."""
        run_id = task.workflow_execution.run_id
        if event.event_id == 1:
            self._runs.pop(run_id, None)  # the whole history is being decoded again
        kind = event.WhichOneof("attributes")
        if kind == "activity_task_scheduled_event_attributes":
            attrs = event.activity_task_scheduled_event_attributes
            ctx = self._activity(
                task, attrs.activity_id, attrs.activity_type.name, attrs.task_queue.name
            )
            self._remember(run_id)[event.event_id] = ctx
            return bind(self._codec, ctx)
        if kind in _ACTIVITY_CLOSED or kind in _ACTIVITY_OPEN:
            scheduled = getattr(event, kind).scheduled_event_id
            ctx_or_none = self._recall(run_id, scheduled, pop=kind in _ACTIVITY_CLOSED)
            if ctx_or_none is not None:
                return bind(self._codec, ctx_or_none)
            logger.debug("No activity context for event %s of run %s", event.event_id, run_id)
        elif kind == "start_child_workflow_execution_initiated_event_attributes":
            return self.workflow(
                event.start_child_workflow_execution_initiated_event_attributes.workflow_id
            )
        elif kind in _CHILD:
            return self.workflow(getattr(event, kind).workflow_execution.workflow_id)
        return self.workflow(task.workflow_execution.workflow_id)

    def _remember(self, run_id: str) -> dict[int, ActivitySerializationContext]:
        known = self._runs.get(run_id)
        if known is None:
            known = self._runs[run_id] = {}
            while len(self._runs) > _MAX_RUNS:
                self._runs.popitem(last=False)
        else:
            self._runs.move_to_end(run_id)
        return known

    def _recall(
        self, run_id: str, scheduled: int, *, pop: bool
    ) -> ActivitySerializationContext | None:
        known = self._runs.get(run_id)
        if known is None:
            return None
        ctx = known.pop(scheduled, None) if pop else known.get(scheduled)
        if not known:
            del self._runs[run_id]
        return ctx


def bind_run_converters(
    converter: Any, namespace: str, task: PollWorkflowTaskQueueResponse, task_queue: str
) -> tuple[Any, Any, RunConverters | None]:
    """A new run's payload and failure converters (bound to the workflow) and per-target ones."""
    pc, fc = converter.payload_converter, converter.failure_converter
    run_conv = run_converters(
        pc,
        fc,
        namespace=namespace,
        workflow_id=task.workflow_execution.workflow_id,
        workflow_type=task.workflow_type.name,
        task_queue=task_queue,
    )
    if run_conv is None:
        return pc, fc, None
    wf_pc, wf_fc = run_conv.workflow(task.workflow_execution.workflow_id)
    return wf_pc, wf_fc, run_conv


def replay_task(workflow_id: str, run_id: str, workflow_type: str) -> PollWorkflowTaskQueueResponse:
    """A stand-in workflow task naming a replayed run, for the binders above."""
    task = PollWorkflowTaskQueueResponse()
    task.workflow_execution.workflow_id = workflow_id
    task.workflow_execution.run_id = run_id
    task.workflow_type.name = workflow_type
    return task
