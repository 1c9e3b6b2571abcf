"""Schedules: have the server start a workflow on a timetable, trigger it once, then delete it.

Run it with no arguments to start an embedded Temporal dev server for the duration of the
program, or point it at a running server with ``--target host:port``.
"""

from __future__ import annotations

import argparse
import asyncio
import uuid
from datetime import timedelta

from temporal_sdk import workflow
from temporal_sdk.client import (
    Client,
    Schedule,
    ScheduleActionExecutionStartWorkflow,
    ScheduleActionStartWorkflow,
    ScheduleHandle,
    ScheduleIntervalSpec,
    ScheduleSpec,
    ScheduleState,
)
from temporal_sdk.testing import WorkflowEnvironment
from temporal_sdk.worker import Worker


@workflow.defn
class ReportWorkflow:
    @workflow.run
    async def run(self, region: str) -> str:
        return f"report for {region} at {workflow.now():%Y-%m-%d}"


async def run_sample(client: Client) -> str:
    task_queue = f"schedules-{uuid.uuid4()}"
    schedule_id = f"schedules-{uuid.uuid4()}"
    async with Worker(client, task_queue=task_queue, workflows=[ReportWorkflow]):
        handle = await client.create_schedule(
            schedule_id,
            Schedule(
                action=ScheduleActionStartWorkflow(
                    ReportWorkflow.run, "eu", id=f"{schedule_id}-report", task_queue=task_queue
                ),
                spec=ScheduleSpec(intervals=[ScheduleIntervalSpec(every=timedelta(hours=1))]),
                # Paused, so only the explicit trigger below starts a run.
                state=ScheduleState(paused=True, note="sample schedule"),
            ),
        )
        try:
            await handle.trigger()
            workflow_id = await _first_started_workflow(handle)
            result: str = await client.get_workflow_handle(workflow_id).result()
            return result
        finally:
            await handle.delete()


async def _first_started_workflow(handle: ScheduleHandle) -> str:
    """Poll the schedule's description until it reports the run it started."""
    for _ in range(100):
        description = await handle.describe()
        for action in description.info.recent_actions:
            if isinstance(action.action, ScheduleActionExecutionStartWorkflow):
                return action.action.workflow_id
        await asyncio.sleep(0.1)
    raise TimeoutError("the schedule did not start a workflow within 10 seconds")


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
