"""Serialization context types and ``with_context`` dispatch on converters and codecs."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from typing import Any

import pytest

from temporal_sdk.api.common.v1 import Payload
from temporal_sdk.converter import (
    ActivitySerializationContext,
    CompositePayloadConverter,
    DataConverter,
    DefaultFailureConverter,
    DefaultPayloadConverter,
    JSONPlainPayloadConverter,
    PayloadCodec,
    SerializationContext,
    WithSerializationContext,
    WorkflowSerializationContext,
)

WF = WorkflowSerializationContext(namespace="ns", workflow_id="wf-1")
ACT = ActivitySerializationContext(
    namespace="ns",
    activity_id="a1",
    activity_type="act",
    activity_task_queue="tq",
    workflow_id="wf-1",
    workflow_type="Wf",
    is_local=False,
)


class TaggingJSON(JSONPlainPayloadConverter, WithSerializationContext):
    """Writes the bound context's workflow ID into each payload's metadata."""

    def __init__(self, context: SerializationContext | None = None) -> None:
        super().__init__()
        self.context = context

    def with_context(self, context: SerializationContext) -> TaggingJSON:
        return TaggingJSON(context)

    def to_payload(self, value: Any) -> Payload | None:
        payload = super().to_payload(value)
        if payload is not None and isinstance(self.context, WorkflowSerializationContext):
            payload.metadata["wf"] = self.context.workflow_id.encode()
        return payload


class TaggingConverter(CompositePayloadConverter):
    def __init__(self) -> None:
        super().__init__(
            *DefaultPayloadConverter.default_encoding_payload_converters[:-1], TaggingJSON()
        )


class RecordingCodec(PayloadCodec, WithSerializationContext):
    def __init__(self, context: SerializationContext | None = None) -> None:
        self.context = context

    def with_context(self, context: SerializationContext) -> RecordingCodec:
        return RecordingCodec(context)

    async def encode(self, payloads: Sequence[Payload]) -> list[Payload]:
        return list(payloads)

    async def decode(self, payloads: Sequence[Payload]) -> list[Payload]:
        return list(payloads)


class ContextFailureConverter(DefaultFailureConverter, WithSerializationContext):
    context: SerializationContext | None = None

    def with_context(self, context: SerializationContext) -> ContextFailureConverter:
        clone = ContextFailureConverter()
        clone.context = context
        return clone


def test_context_types_are_frozen_values() -> None:
    assert WorkflowSerializationContext("ns", "wf-1") == WF
    assert isinstance(ACT, SerializationContext)
    with pytest.raises(dataclasses.FrozenInstanceError):
        WF.workflow_id = "other"  # type: ignore[misc]
    assert {f.name for f in dataclasses.fields(ActivitySerializationContext)} == {
        "namespace",
        "activity_id",
        "activity_type",
        "activity_task_queue",
        "workflow_id",
        "workflow_type",
        "is_local",
    }


def test_default_converters_return_themselves() -> None:
    conv = DataConverter.default
    assert conv.with_context(WF) is conv
    assert conv.payload_converter.with_context(ACT) is conv.payload_converter  # type: ignore[attr-defined]
    assert DataConverter(payload_codec=None).with_context(ACT).payload_codec is None


def test_base_with_context_is_abstract() -> None:
    class Bare(WithSerializationContext):
        pass

    with pytest.raises(NotImplementedError):
        Bare().with_context(WF)


def test_codec_gets_bound_copy() -> None:
    codec = RecordingCodec()
    conv = DataConverter(payload_codec=codec)
    bound = conv.with_context(ACT)
    assert bound is not conv
    assert isinstance(bound.payload_codec, RecordingCodec)
    assert bound.payload_codec.context == ACT
    assert codec.context is None  # the original is untouched
    assert bound.payload_converter is conv.payload_converter
    assert bound.failure_converter is conv.failure_converter
    rebound = bound.with_context(WF)
    assert isinstance(rebound.payload_codec, RecordingCodec)
    assert rebound.payload_codec.context == WF


def test_failure_converter_gets_bound_copy() -> None:
    conv = DataConverter(failure_converter_class=ContextFailureConverter)
    bound = conv.with_context(WF)
    assert isinstance(bound.failure_converter, ContextFailureConverter)
    assert bound.failure_converter.context == WF
    assert conv.failure_converter.context is None  # type: ignore[attr-defined]


async def test_composite_binds_encoding_converters() -> None:
    conv = DataConverter(payload_converter_class=TaggingConverter)
    plain = await conv.encode(["x"])
    assert "wf" not in plain[0].metadata
    bound = conv.with_context(WF)
    assert bound.payload_converter is not conv.payload_converter
    tagged = await bound.encode(["x"])
    assert tagged[0].metadata["wf"] == b"wf-1"
    assert await bound.decode(tagged) == ["x"]
    # Encoding converters that do not take context are shared, not copied.
    old = conv.payload_converter.converters  # type: ignore[attr-defined]
    new = bound.payload_converter.converters  # type: ignore[attr-defined]
    assert new[b"binary/null"] is old[b"binary/null"]
    assert list(new) == list(old)


def test_composite_without_context_converters_returns_self() -> None:
    composite = CompositePayloadConverter(JSONPlainPayloadConverter())
    assert composite.with_context(WF) is composite
    assert composite.get_converters_with_context(WF) is None


class _FakeClient:
    """Just what the client-side helpers read: a namespace and a data converter."""

    def __init__(self, converter: DataConverter) -> None:
        self.namespace = "ns"
        self.data_converter = converter


class StampCodec(RecordingCodec):
    """Records the workflow ID of its context into each payload it encodes."""

    def with_context(self, context: SerializationContext) -> StampCodec:
        return StampCodec(context)

    async def encode(self, payloads: Sequence[Payload]) -> list[Payload]:
        out = []
        for p in payloads:
            q = Payload()
            q.CopyFrom(p)
            wf = getattr(self.context, "workflow_id", None)
            q.metadata["wf"] = (wf or "-").encode()
            out.append(q)
        return out


async def test_schedule_action_binds_workflow_id() -> None:
    from temporal_sdk.client import ScheduleActionStartWorkflow

    client: Any = _FakeClient(DataConverter(payload_codec=StampCodec()))
    action = ScheduleActionStartWorkflow("Wf", "x", id="sched-wf", task_queue="tq")
    proto = await action._to_proto(client)
    assert proto.start_workflow.input.payloads[0].metadata["wf"] == b"sched-wf"


def test_async_activity_handle_with_context() -> None:
    from temporal_sdk.client import AsyncActivityHandle

    plain: Any = _FakeClient(DataConverter.default)
    handle = AsyncActivityHandle(plain, b"token")
    assert handle.with_context(ACT) is handle

    aware: Any = _FakeClient(DataConverter(payload_codec=RecordingCodec()))
    handle = AsyncActivityHandle(aware, b"token")
    bound = handle.with_context(ACT)
    assert bound is not handle
    assert isinstance(bound, AsyncActivityHandle)
    override = bound._override
    assert override is not None
    assert isinstance(override.payload_codec, RecordingCodec)
    assert override.payload_codec.context == ACT

    class Custom(AsyncActivityHandle):
        def __init__(self, client: Any, token: bytes, extra: int) -> None:
            super().__init__(client, token)

    with pytest.raises(TypeError):
        Custom(aware, b"token", 1).with_context(ACT)
