"""Converters and codecs receive the serialization context temporalio would give them.

A recording JSON converter notes the context of every string it converts, and a stamping codec
writes the (stable part of the) encoding context into each payload and checks, when decoding,
that it was given the same one. The expected contexts follow temporalio's worker and client:
the workflow's own ID for its values, the *target's* ID for child workflows and signals to other
workflows, and an activity context for activity values (``activity_id`` unset on the workflow side
when the workflow did not choose one; the real ID on the activity worker).
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Sequence
from datetime import timedelta
from typing import Any

import pytest

from temporal_sdk import activity, workflow
from temporal_sdk.api.common.v1 import Payload
from temporal_sdk.client import Client
from temporal_sdk.converter import (
    ActivitySerializationContext,
    CompositePayloadConverter,
    DataConverter,
    DefaultPayloadConverter,
    JSONPlainPayloadConverter,
    PayloadCodec,
    SerializationContext,
    WithSerializationContext,
    WorkflowSerializationContext,
)
from temporal_sdk.worker import Replayer, Worker

CONVERTED: list[tuple[str, str, SerializationContext | None]] = []
DECODED: list[tuple[str, str]] = []
ACTIVITY_IDS: dict[bool, str] = {}
ACTIVITY_PC_CONTEXTS: dict[bool, SerializationContext | None] = {}


class RecordingJSON(JSONPlainPayloadConverter, WithSerializationContext):
    """JSON converter that records (direction, string value, context) for every string."""

    def __init__(self, context: SerializationContext | None = None) -> None:
        super().__init__()
        self.context = context

    def with_context(self, context: SerializationContext) -> RecordingJSON:
        return RecordingJSON(context)

    def to_payload(self, value: Any) -> Payload | None:
        if isinstance(value, str):
            CONVERTED.append(("to", value, self.context))
        return super().to_payload(value)

    def from_payload(self, payload: Payload, type_hint: Any = None) -> Any:
        value = super().from_payload(payload, type_hint)
        if isinstance(value, str):
            CONVERTED.append(("from", value, self.context))
        return value


class RecordingConverter(CompositePayloadConverter):
    def __init__(self) -> None:
        defaults = DefaultPayloadConverter.default_encoding_payload_converters[:-1]
        super().__init__(*defaults, RecordingJSON())


def _key(context: SerializationContext | None) -> str:
    """The part of a context both ends of a payload agree on (not the activity ID)."""
    if isinstance(context, WorkflowSerializationContext):
        return json.dumps(["workflow", context.workflow_id])
    if isinstance(context, ActivitySerializationContext):
        return json.dumps(
            ["activity", context.workflow_id, context.activity_type, context.is_local]
        )
    return json.dumps(None)


class StampingCodec(PayloadCodec, WithSerializationContext):
    """Wraps payloads with the encoding context; records (stamp, own context) on decode."""

    def __init__(self, context: SerializationContext | None = None) -> None:
        self.context = context

    def with_context(self, context: SerializationContext) -> StampingCodec:
        return StampingCodec(context)

    async def encode(self, payloads: Sequence[Payload]) -> list[Payload]:
        stamp = _key(self.context).encode()
        return [
            Payload(
                metadata={"encoding": b"binary/stamped", "ctx": stamp},
                data=p.SerializeToString(),
            )
            for p in payloads
        ]

    async def decode(self, payloads: Sequence[Payload]) -> list[Payload]:
        out = []
        for p in payloads:
            assert p.metadata["encoding"] == b"binary/stamped", p
            DECODED.append((p.metadata["ctx"].decode(), _key(self.context)))
            out.append(Payload.FromString(p.data))
        return out


@activity.defn
async def ctx_activity(arg: str) -> str:
    info = activity.info()
    ACTIVITY_IDS[info.is_local] = info.activity_id
    json_converter = activity.payload_converter().converters[b"json/plain"]  # type: ignore[attr-defined]
    ACTIVITY_PC_CONTEXTS[info.is_local] = json_converter.context
    return "la-result" if info.is_local else "act-result"


@workflow.defn
class CtxChild:
    def __init__(self) -> None:
        self.poked = False

    @workflow.run
    async def run(self, arg: str) -> str:
        await workflow.wait_condition(lambda: self.poked)
        return "child-result"

    @workflow.signal
    def poke(self, value: str) -> None:
        self.poked = True


@workflow.defn
class CtxWorkflow:
    def __init__(self) -> None:
        self.signals: list[str] = []

    @workflow.run
    async def run(self, arg: str) -> str:
        timeout = timedelta(seconds=30)
        await workflow.execute_activity(ctx_activity, "act-arg", start_to_close_timeout=timeout)
        await workflow.execute_local_activity(
            ctx_activity, "la-arg", start_to_close_timeout=timeout
        )
        child = await workflow.start_child_workflow(
            CtxChild.run, "child-arg", id=f"{workflow.info().workflow_id}-child"
        )
        await child.signal(CtxChild.poke, "ext-signal-arg")
        await child
        await workflow.wait_condition(lambda: bool(self.signals))
        return "wf-result"

    @workflow.signal
    def sig(self, value: str) -> None:
        self.signals.append(value)

    @workflow.query
    def q(self, value: str) -> str:
        return "query-result"

    @workflow.update
    def upd(self, value: str) -> str:
        return "update-result"


def _contexts(direction: str, value: str) -> set[SerializationContext | None]:
    return {ctx for d, v, ctx in CONVERTED if d == direction and v == value}


@pytest.mark.parametrize("cached", [True, False], ids=["sticky", "replay-every-task"])
async def test_contexts_across_client_workflow_activity_child(
    client: Client, task_queue: str, cached: bool
) -> None:
    CONVERTED.clear()
    DECODED.clear()
    ACTIVITY_IDS.clear()
    ACTIVITY_PC_CONTEXTS.clear()
    ctx_client = Client(
        client.service_client,
        namespace=client.namespace,
        data_converter=DataConverter(
            payload_converter_class=RecordingConverter, payload_codec=StampingCodec()
        ),
    )
    ns = client.namespace
    wf_id = f"ctx-{uuid.uuid4()}"
    child_id = f"{wf_id}-child"
    async with Worker(
        ctx_client,
        task_queue=task_queue,
        workflows=[CtxWorkflow, CtxChild],
        activities=[ctx_activity],
        max_cached_workflows=100 if cached else 0,
    ):
        handle = await ctx_client.start_workflow(
            CtxWorkflow.run, "start-arg", id=wf_id, task_queue=task_queue, memo={"m": "memo-val"}
        )
        assert await handle.query(CtxWorkflow.q, "query-arg") == "query-result"
        assert await handle.execute_update(CtxWorkflow.upd, "update-arg") == "update-result"
        await handle.signal(CtxWorkflow.sig, "client-signal-arg")
        assert await handle.result() == "wf-result"
        assert await (await handle.describe()).memo() == {"m": "memo-val"}

    wf = WorkflowSerializationContext(ns, wf_id)
    child = WorkflowSerializationContext(ns, child_id)

    def act(activity_id: str | None, *, is_local: bool) -> ActivitySerializationContext:
        return ActivitySerializationContext(
            namespace=ns,
            activity_id=activity_id,
            activity_type="ctx_activity",
            activity_task_queue=task_queue,
            workflow_id=wf_id,
            workflow_type="CtxWorkflow",
            is_local=is_local,
        )

    remote = act(ACTIVITY_IDS[False], is_local=False)
    local = act(ACTIVITY_IDS[True], is_local=True)
    expected: dict[tuple[str, str], set[SerializationContext | None]] = {
        # Client calls on the handle, and the workflow's own values.
        ("to", "start-arg"): {wf},
        ("from", "start-arg"): {wf},
        ("to", "memo-val"): {wf},
        ("from", "memo-val"): {wf},
        ("to", "query-arg"): {wf},
        ("from", "query-arg"): {wf},
        ("to", "query-result"): {wf},
        ("from", "query-result"): {wf},
        ("to", "update-arg"): {wf},
        ("from", "update-arg"): {wf},
        ("to", "update-result"): {wf},
        ("from", "update-result"): {wf},
        ("to", "client-signal-arg"): {wf},
        ("from", "client-signal-arg"): {wf},
        ("to", "wf-result"): {wf},
        ("from", "wf-result"): {wf},
        # Activities: workflow side without an ID (none was chosen), worker side with it.
        ("to", "act-arg"): {act(None, is_local=False)},
        ("from", "act-arg"): {remote},
        ("to", "act-result"): {remote},
        ("from", "act-result"): {act(None, is_local=False)},
        ("to", "la-arg"): {act(None, is_local=True)},
        ("from", "la-arg"): {local},
        ("to", "la-result"): {local},
        ("from", "la-result"): {act(None, is_local=True)},
        # Child workflow and the signal sent to it: the child's ID on both sides.
        ("to", "child-arg"): {child},
        ("from", "child-arg"): {child},
        ("to", "ext-signal-arg"): {child},
        ("from", "ext-signal-arg"): {child},
        ("to", "child-result"): {child},
        ("from", "child-result"): {child},
    }
    actual = {key: _contexts(*key) for key in expected}
    assert actual == expected
    # activity.payload_converter() is bound to the running activity's context.
    assert dict(ACTIVITY_PC_CONTEXTS) == {False: remote, True: local}

    # Replaying the history decodes every event with the same contexts it was encoded with.
    replayer = Replayer(
        workflows=[CtxWorkflow, CtxChild], namespace=ns, data_converter=ctx_client.data_converter
    )
    before = len(DECODED)
    await replayer.replay_workflow(await handle.fetch_history())
    assert len(DECODED) > before

    # The codec always decodes with the context the payload was encoded with.
    assert DECODED
    mismatched = [(stamp, own) for stamp, own in DECODED if stamp != own]
    assert mismatched == []
    kinds = {json.loads(own)[0] for _, own in DECODED}
    assert kinds == {"workflow", "activity"}
    decoded_for = {own for _, own in DECODED}
    assert _key(child) in decoded_for
    assert _key(remote) in decoded_for
    assert _key(local) in decoded_for
