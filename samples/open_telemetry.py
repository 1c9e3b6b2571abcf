"""OpenTelemetry tracing: one trace from the client's start call through the workflow, its
activity and a child workflow, printed as an indented tree.

Needs the ``opentelemetry`` extra plus ``opentelemetry-sdk`` (for the exporter). Run it with no
arguments to start an embedded Temporal dev server, or point it at a running server with
``--target host:port``.
"""

from __future__ import annotations

import argparse
import asyncio
import uuid
from datetime import timedelta

from opentelemetry.sdk.trace import ReadableSpan, TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from temporal_sdk import activity, workflow
from temporal_sdk.client import Client
from temporal_sdk.contrib.opentelemetry import TracingInterceptor
from temporal_sdk.testing import WorkflowEnvironment
from temporal_sdk.worker import Worker


@activity.defn
async def charge(order: str) -> str:
    return f"charged {order}"


@workflow.defn
class ShipOrder:
    @workflow.run
    async def run(self, order: str) -> str:
        return f"shipped {order}"


@workflow.defn
class PlaceOrder:
    @workflow.run
    async def run(self, order: str) -> list[str]:
        paid = await workflow.execute_activity(
            charge, order, start_to_close_timeout=timedelta(seconds=10)
        )
        shipped = await workflow.execute_child_workflow(
            ShipOrder.run, order, id=f"{workflow.info().workflow_id}-ship"
        )
        return [paid, shipped]


def span_tree(spans: tuple[ReadableSpan, ...]) -> list[str]:
    """Each span as ``name`` indented under its parent, in start order."""
    by_parent: dict[int | None, list[ReadableSpan]] = {}
    for span in sorted(spans, key=lambda s: s.start_time or 0):
        parent = span.parent.span_id if span.parent is not None else None
        by_parent.setdefault(parent, []).append(span)
    known = {s.context.span_id for s in spans if s.context is not None}
    lines: list[str] = []

    def walk(parent: int | None, depth: int) -> None:
        for span in by_parent.get(parent, []):
            lines.append("  " * depth + span.name)
            if span.context is not None:
                walk(span.context.span_id, depth + 1)

    for root in [None, *(p for p in by_parent if p is not None and p not in known)]:
        walk(root, 0)
    return lines


async def run_sample(client: Client) -> list[str]:
    exporter = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    traced = Client(
        client.service_client,
        namespace=client.namespace,
        interceptors=[TracingInterceptor(provider.get_tracer("sample"))],
    )
    task_queue = f"otel-{uuid.uuid4()}"
    async with Worker(
        traced, task_queue=task_queue, workflows=[PlaceOrder, ShipOrder], activities=[charge]
    ):
        await traced.execute_workflow(
            PlaceOrder.run, "order-7", id=f"otel-{uuid.uuid4()}", task_queue=task_queue
        )
    return span_tree(exporter.get_finished_spans())


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--target", help="address of a running Temporal server (host:port)")
    parser.add_argument("--namespace", default="default")
    args = parser.parse_args()
    if args.target:
        client = await Client.connect(args.target, namespace=args.namespace)
        tree = await run_sample(client)
    else:
        async with await WorkflowEnvironment.start_local(namespace=args.namespace) as env:
            tree = await run_sample(env.client)
    print("\n".join(tree))


if __name__ == "__main__":
    asyncio.run(main())
