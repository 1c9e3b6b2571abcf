"""Cancellation: cancel a running workflow, which cancels its activity and cleans up.

The activity heartbeats, which is how it learns of the cancel. The workflow catches the
cancellation, runs a cleanup activity shielded from further cancels, and ends as cancelled.

Run it with no arguments to start an embedded Temporal dev server for the duration of the
program, or point it at a running server with ``--target host:port``.
"""

from __future__ import annotations

import argparse
import asyncio
import uuid
from datetime import timedelta

from temporal_sdk import activity, workflow
from temporal_sdk.client import Client, WorkflowFailureError
from temporal_sdk.exceptions import ActivityError
from temporal_sdk.testing import WorkflowEnvironment
from temporal_sdk.worker import Worker


class Steps:
    """Activities sharing the sample's state: when the long task started, what ran."""

    def __init__(self) -> None:
        self.started = asyncio.Event()
        self.log: list[str] = []

    @activity.defn
    async def long_task(self) -> str:
        self.started.set()
        try:
            while True:
                activity.heartbeat()
                await asyncio.sleep(0.2)
        except asyncio.CancelledError:
            self.log.append("long task saw the cancel")
            raise

    @activity.defn
    async def cleanup(self) -> str:
        self.log.append("cleanup ran")
        return "cleaned up"


@workflow.defn
class CancellableWorkflow:
    @workflow.run
    async def run(self) -> str:
        try:
            return await workflow.execute_activity(
                Steps.long_task,
                start_to_close_timeout=timedelta(minutes=5),
                heartbeat_timeout=timedelta(seconds=2),
                cancellation_type=workflow.ActivityCancellationType.WAIT_CANCELLATION_COMPLETED,
            )
        except ActivityError:
            # The activity call fails with a cancelled cause; clean up, then end as cancelled.
            await asyncio.shield(
                workflow.execute_activity(
                    Steps.cleanup, start_to_close_timeout=timedelta(seconds=10)
                )
            )
            raise


async def run_sample(client: Client) -> list[str]:
    task_queue = f"cancellation-{uuid.uuid4()}"
    steps = Steps()
    async with Worker(
        client,
        task_queue=task_queue,
        workflows=[CancellableWorkflow],
        activities=[steps.long_task, steps.cleanup],
    ):
        handle = await client.start_workflow(
            CancellableWorkflow.run, id=f"cancellation-{uuid.uuid4()}", task_queue=task_queue
        )
        await asyncio.wait_for(steps.started.wait(), timeout=30)
        await handle.cancel()
        try:
            await handle.result()
        except WorkflowFailureError as err:
            steps.log.append(f"workflow ended: {type(err.cause).__name__}")
    return steps.log


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
