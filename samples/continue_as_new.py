"""Continue-as-new: a workflow that keeps its history short by starting a fresh run.

Each run adds one to a counter and continues as new until the counter reaches the limit; the
last run returns the total and how many runs it took.

Run it with no arguments to start an embedded Temporal dev server for the duration of the
program, or point it at a running server with ``--target host:port``.
"""

from __future__ import annotations

import argparse
import asyncio
import uuid
from dataclasses import dataclass

from temporal_sdk import workflow
from temporal_sdk.client import Client
from temporal_sdk.testing import WorkflowEnvironment
from temporal_sdk.worker import Worker


@dataclass
class LoopState:
    count: int
    limit: int


@workflow.defn
class LoopingWorkflow:
    @workflow.run
    async def run(self, state: LoopState) -> str:
        state.count += 1
        if state.count < state.limit:
            # Ends this run; the server starts a new run of the same workflow id with `state`.
            workflow.continue_as_new(state)
        return f"finished at count {state.count}"


async def run_sample(client: Client) -> str:
    task_queue = f"continue-as-new-{uuid.uuid4()}"
    async with Worker(client, task_queue=task_queue, workflows=[LoopingWorkflow]):
        return await client.execute_workflow(
            LoopingWorkflow.run,
            LoopState(count=0, limit=3),
            id=f"continue-as-new-{uuid.uuid4()}",
            task_queue=task_queue,
        )


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
