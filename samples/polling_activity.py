"""Polling activity: poll a slow service from inside one activity, heartbeating progress.

The activity heartbeats after every poll with the number of polls made so far. The first attempt
"crashes" part way; the retry reads the last heartbeat details and resumes counting from there,
so the work done before the crash is not repeated. (The worker logs the simulated crash.)

Run it with no arguments to start an embedded Temporal dev server for the duration of the
program, or point it at a running server with ``--target host:port``.
"""

from __future__ import annotations

import argparse
import asyncio
import uuid
from datetime import timedelta

from temporal_sdk import activity, workflow
from temporal_sdk.client import Client
from temporal_sdk.common import RetryPolicy
from temporal_sdk.testing import WorkflowEnvironment
from temporal_sdk.worker import Worker

READY_AFTER_POLLS = 5
CRASH_AFTER_POLLS = 3


@activity.defn
async def poll_until_ready(service: str) -> str:
    info = activity.info()
    polls = int(info.heartbeat_details[0]) if info.heartbeat_details else 0
    while polls < READY_AFTER_POLLS:
        polls += 1
        await asyncio.sleep(0.1)  # stands in for a call to the slow service
        activity.heartbeat(polls)
        if info.attempt == 1 and polls == CRASH_AFTER_POLLS:
            raise RuntimeError("connection reset (simulated crash)")
    return f"{service} ready after {polls} polls, on attempt {info.attempt}"


@workflow.defn
class PollingWorkflow:
    @workflow.run
    async def run(self, service: str) -> str:
        return await workflow.execute_activity(
            poll_until_ready,
            service,
            start_to_close_timeout=timedelta(seconds=30),
            heartbeat_timeout=timedelta(seconds=5),
            retry_policy=RetryPolicy(initial_interval=timedelta(milliseconds=500)),
        )


async def run_sample(client: Client) -> str:
    task_queue = f"polling-activity-{uuid.uuid4()}"
    async with Worker(
        client, task_queue=task_queue, workflows=[PollingWorkflow], activities=[poll_until_ready]
    ):
        return await client.execute_workflow(
            PollingWorkflow.run,
            "inventory",
            id=f"polling-activity-{uuid.uuid4()}",
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
