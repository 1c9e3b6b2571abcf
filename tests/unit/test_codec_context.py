"""The workflow worker binds its codec to each command's and event's serialization context."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from temporal_sdk._io.codec_context import codec_contexts, replay_task
from temporal_sdk.api.command.v1 import Command
from temporal_sdk.api.common.v1 import Payload
from temporal_sdk.api.history.v1 import HistoryEvent
from temporal_sdk.converter import (
    ActivitySerializationContext,
    DataConverter,
    PayloadCodec,
    SerializationContext,
    WithSerializationContext,
    WorkflowSerializationContext,
)


class Codec(PayloadCodec, WithSerializationContext):
    def __init__(self, context: SerializationContext | None = None) -> None:
        self.context = context

    def with_context(self, context: SerializationContext) -> Codec:
        return Codec(context)

    async def encode(self, payloads: Sequence[Payload]) -> list[Payload]:
        return list(payloads)

    async def decode(self, payloads: Sequence[Payload]) -> list[Payload]:
        return list(payloads)


class Plain(PayloadCodec):
    async def encode(self, payloads: Sequence[Payload]) -> list[Payload]:
        return list(payloads)

    async def decode(self, payloads: Sequence[Payload]) -> list[Payload]:
        return list(payloads)


TASK = replay_task("wf", "run", "Wf")
WF = WorkflowSerializationContext("ns", "wf")
ACT = ActivitySerializationContext(
    namespace="ns",
    activity_id="a1",
    activity_type="act",
    activity_task_queue="tq",
    workflow_id="wf",
    workflow_type="Wf",
    is_local=False,
)


def _ctx(codec: Any) -> Any:
    return codec.context


def test_only_context_aware_codecs_get_a_binder() -> None:
    assert codec_contexts(DataConverter(), "ns") is None
    assert codec_contexts(DataConverter(payload_codec=Plain()), "ns") is None
    assert codec_contexts(DataConverter(payload_codec=Codec()), "ns") is not None


def test_commands_use_their_target() -> None:
    contexts = codec_contexts(DataConverter(payload_codec=Codec()), "ns")
    assert contexts is not None
    schedule = Command()
    attrs = schedule.schedule_activity_task_command_attributes
    attrs.activity_id, attrs.activity_type.name, attrs.task_queue.name = "a1", "act", "tq"
    assert _ctx(contexts.for_command(TASK, schedule)) == ACT
    child = Command()
    child.start_child_workflow_execution_command_attributes.workflow_id = "kid"
    assert _ctx(contexts.for_command(TASK, child)) == WorkflowSerializationContext("ns", "kid")
    signal = Command()
    signal.signal_external_workflow_execution_command_attributes.execution.workflow_id = "other"
    assert _ctx(contexts.for_command(TASK, signal)) == WorkflowSerializationContext("ns", "other")
    done = Command()
    done.complete_workflow_execution_command_attributes.SetInParent()
    assert _ctx(contexts.for_command(TASK, done)) == WF


def test_activity_events_recall_the_scheduled_context_across_tasks() -> None:
    contexts = codec_contexts(DataConverter(payload_codec=Codec()), "ns")
    assert contexts is not None
    scheduled = HistoryEvent(event_id=5)
    sattrs = scheduled.activity_task_scheduled_event_attributes
    sattrs.activity_id, sattrs.activity_type.name, sattrs.task_queue.name = "a1", "act", "tq"
    assert _ctx(contexts.for_event(TASK, scheduled)) == ACT
    started = HistoryEvent(event_id=6)
    started.activity_task_started_event_attributes.scheduled_event_id = 5
    assert _ctx(contexts.for_event(TASK, started)) == ACT
    completed = HistoryEvent(event_id=7)
    completed.activity_task_completed_event_attributes.scheduled_event_id = 5
    assert _ctx(contexts.for_event(TASK, completed)) == ACT
    assert contexts._runs == {}  # forgotten once closed
    again = HistoryEvent(event_id=8)
    again.activity_task_completed_event_attributes.scheduled_event_id = 5
    assert _ctx(contexts.for_event(TASK, again)) == WF  # unknown: the workflow's own


def test_child_and_workflow_events() -> None:
    contexts = codec_contexts(DataConverter(payload_codec=Codec()), "ns")
    assert contexts is not None
    done = HistoryEvent(event_id=9)
    done.child_workflow_execution_completed_event_attributes.workflow_execution.workflow_id = "k"
    assert _ctx(contexts.for_event(TASK, done)) == WorkflowSerializationContext("ns", "k")
    signaled = HistoryEvent(event_id=10)
    signaled.workflow_execution_signaled_event_attributes.signal_name = "s"
    assert _ctx(contexts.for_event(TASK, signaled)) == WF
