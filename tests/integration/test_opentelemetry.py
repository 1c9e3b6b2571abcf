"""OpenTelemetry tracing through ``TracingInterceptor``, against the dev server.

One trace runs from the client's start call through the parent workflow, its activity, a child
workflow and the child's activity; signals, queries and updates get their own spans. With every
workflow task replayed (``max_cached_workflows=0``) no workflow span appears twice.
"""

from __future__ import annotations

import uuid
from collections import Counter
from datetime import timedelta

import pytest

pytest.importorskip("opentelemetry.sdk")

from opentelemetry.sdk.trace import ReadableSpan, TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import (
    InMemorySpanExporter,
)

from temporal_sdk import activity, workflow
from temporal_sdk.client import Client
from temporal_sdk.contrib.opentelemetry import TracingInterceptor
from temporal_sdk.worker import Worker

_T = timedelta(seconds=30)


@activity.defn
async def traced_step(name: str) -> str:
    return f"step {name}"


@workflow.defn
class TracedChild:
    @workflow.run
    async def run(self) -> str:
        return await workflow.execute_activity(traced_step, "child", start_to_close_timeout=_T)


@workflow.defn
class TracedParent:
    def __init__(self) -> None:
        self.go = False

    @workflow.run
    async def run(self) -> list[str]:
        first = await workflow.execute_activity(traced_step, "parent", start_to_close_timeout=_T)
        child = await workflow.execute_child_workflow(
            TracedChild.run, id=f"{workflow.info().workflow_id}-child"
        )
        await workflow.wait_condition(lambda: self.go)
        return [first, child]

    @workflow.signal
    def proceed(self) -> None:
        self.go = True

    @workflow.query
    def state(self) -> bool:
        return self.go

    @workflow.update
    def poke(self) -> str:
        return "poked"


def _tracer() -> tuple[InMemorySpanExporter, TracingInterceptor]:
    exporter = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    return exporter, TracingInterceptor(provider.get_tracer("test"))


def _by_name(spans: tuple[ReadableSpan, ...]) -> dict[str, ReadableSpan]:
    return {s.name: s for s in spans}


def _parent_name(span: ReadableSpan, spans: tuple[ReadableSpan, ...]) -> str | None:
    if span.parent is None:
        return None
    for other in spans:
        assert other.context is not None
        if other.context.span_id == span.parent.span_id:
            return other.name
    return "?"


async def _run_traced(
    client: Client, task_queue: str, *, max_cached_workflows: int
) -> tuple[ReadableSpan, ...]:
    exporter, interceptor = _tracer()
    traced = Client(client.service_client, namespace=client.namespace, interceptors=[interceptor])
    async with Worker(
        traced,
        task_queue=task_queue,
        workflows=[TracedParent, TracedChild],
        activities=[traced_step],
        max_cached_workflows=max_cached_workflows,
    ):
        handle = await traced.start_workflow(
            TracedParent.run, id=f"otel-{uuid.uuid4()}", task_queue=task_queue
        )
        assert await handle.execute_update(TracedParent.poke) == "poked"
        await handle.query(TracedParent.state)
        await handle.signal(TracedParent.proceed)
        assert await handle.result() == ["step parent", "step child"]
    return exporter.get_finished_spans()


async def test_trace_tree_across_client_workflow_activity_and_child(
    client: Client, task_queue: str
) -> None:
    spans = await _run_traced(client, task_queue, max_cached_workflows=100)
    named = _by_name(spans)

    def parent(name: str) -> str | None:
        return _parent_name(named[name], spans)

    assert parent("StartWorkflow:TracedParent") is None
    assert parent("RunWorkflow:TracedParent") == "StartWorkflow:TracedParent"
    assert parent("StartChildWorkflow:TracedChild") == "RunWorkflow:TracedParent"
    assert parent("RunWorkflow:TracedChild") == "StartChildWorkflow:TracedChild"
    assert parent("HandleSignal:proceed") == "SignalWorkflow:proceed"
    assert parent("HandleUpdateHandler:poke") == "StartWorkflowUpdate:poke"
    assert parent("HandleQuery:state") == "QueryWorkflow:state"
    run_activities = [s for s in spans if s.name == "RunActivity:traced_step"]
    assert len(run_activities) == 2
    assert {_parent_name(s, spans) for s in run_activities} == {"StartActivity:traced_step"}
    starts = [s for s in spans if s.name == "StartActivity:traced_step"]
    assert sorted(_parent_name(s, spans) or "" for s in starts) == [
        "RunWorkflow:TracedChild",
        "RunWorkflow:TracedParent",
    ]
    trace_ids = {s.context.trace_id for s in spans if s.context is not None}
    assert len(trace_ids) == 4  # the start call's trace, then one each for update, query, signal


async def test_no_duplicate_workflow_spans_when_every_task_replays(
    client: Client, task_queue: str
) -> None:
    spans = await _run_traced(client, task_queue, max_cached_workflows=0)
    counts = Counter(s.name for s in spans)
    for name in ("RunWorkflow:TracedParent", "RunWorkflow:TracedChild"):
        assert counts[name] == 1, counts
    assert counts["StartChildWorkflow:TracedChild"] == 1
    assert counts["StartActivity:traced_step"] == 2  # one from the parent, one from the child
    assert counts["RunActivity:traced_step"] == 2
    assert counts["HandleSignal:proceed"] == 1
    assert counts["HandleUpdateHandler:poke"] == 1
    start_trace = _by_name(spans)["StartWorkflow:TracedParent"].context
    assert start_trace is not None
    in_start_trace = {
        s.name
        for s in spans
        if s.context is not None and s.context.trace_id == start_trace.trace_id
    }
    assert {"RunActivity:traced_step", "RunWorkflow:TracedChild"} <= in_start_trace
