"""Signals and queries: feed a running workflow with signals and read its state with a query.

Run it with no arguments to start an embedded Temporal dev server for the duration of the
program, or point it at a running server with ``--target host:port``.
"""

from __future__ import annotations

import argparse
import asyncio
import uuid

from temporal_sdk import workflow
from temporal_sdk.client import Client
from temporal_sdk.testing import WorkflowEnvironment
from temporal_sdk.worker import Worker


@workflow.defn
class GreetingListWorkflow:
    def __init__(self) -> None:
        self._names: list[str] = []
        self._done = False

    @workflow.run
    async def run(self) -> str:
        # Wait durably until the `finish` signal arrives (signals are delivered in order).
        await workflow.wait_condition(lambda: self._done)
        return ", ".join(f"Hello, {name}!" for name in self._names)

    @workflow.signal
    async def add_name(self, name: str) -> None:
        self._names.append(name)

    @workflow.signal
    def finish(self) -> None:
        self._done = True

    @workflow.query
    def names(self) -> list[str]:
        return list(self._names)


async def run_sample(client: Client) -> str:
    task_queue = f"signals-queries-{uuid.uuid4()}"
    async with Worker(client, task_queue=task_queue, workflows=[GreetingListWorkflow]):
        handle = await client.start_workflow(
            GreetingListWorkflow.run, id=f"signals-queries-{uuid.uuid4()}", task_queue=task_queue
        )
        for name in ("Ada", "Grace"):
            await handle.signal(GreetingListWorkflow.add_name, name)
        # Queries read state without changing it; they are answered by the worker.
        names = await handle.query(GreetingListWorkflow.names)
        print(f"Names so far: {names}")
        await handle.signal(GreetingListWorkflow.finish)
        return await handle.result()


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--target", help="address of a running Temporal server (host:port)")
    parser.add_argument("--namespace", default="default")
    args = parser.parse_args()
    if args.target:
        client = await Client.connect(args.target, namespace=args.namespace)
        result = await run_sample(client)
    else:
        async with await WorkflowEnvironment.start_local(namespace=args.namespace) as env:
            result = await run_sample(env.client)
    print(f"Workflow result: {result}")


if __name__ == "__main__":
    asyncio.run(main())
