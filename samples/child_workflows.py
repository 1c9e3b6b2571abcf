"""Child workflows: a parent fans out to one child per name and gathers their results.

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
class GreetChildWorkflow:
    @workflow.run
    async def run(self, name: str) -> str:
        return f"Hello, {name}!"


@workflow.defn
class GreetParentWorkflow:
    @workflow.run
    async def run(self, names: list[str]) -> list[str]:
        # Start every child first, then await them together: they run in parallel.
        handles = [
            await workflow.start_child_workflow(
                GreetChildWorkflow.run,
                name,
                id=f"{workflow.info().workflow_id}-child-{i}",
                parent_close_policy=workflow.ParentClosePolicy.TERMINATE,
            )
            for i, name in enumerate(names)
        ]
        return list(await asyncio.gather(*handles))


async def run_sample(client: Client) -> list[str]:
    task_queue = f"child-workflows-{uuid.uuid4()}"
    async with Worker(
        client, task_queue=task_queue, workflows=[GreetParentWorkflow, GreetChildWorkflow]
    ):
        return await client.execute_workflow(
            GreetParentWorkflow.run,
            ["Ada", "Grace", "Barbara"],
            id=f"child-workflows-{uuid.uuid4()}",
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
