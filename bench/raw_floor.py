"""The raw floor: hand-written gRPC loops with no SDK, for the cost the server alone imposes.

Workflow tasks are answered with one fixed command (complete, or schedule an activity and then
complete); activity tasks echo their input. With ``--eager`` the activity is requested for eager
dispatch and arrives in the RespondWorkflowTaskCompleted response instead of from a poll.
Prints one JSON line with the same figures as ``driver.py``.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import time
import uuid
from typing import Any

import grpc

from temporal_sdk.api.command.v1 import (
    Command,
    CompleteWorkflowExecutionCommandAttributes,
    ScheduleActivityTaskCommandAttributes,
)
from temporal_sdk.api.common.v1 import (
    ActivityType,
    Payload,
    Payloads,
    WorkflowExecution,
    WorkflowType,
)
from temporal_sdk.api.enums.v1 import CommandType, EventType, HistoryEventFilterType
from temporal_sdk.api.taskqueue.v1 import TaskQueue
from temporal_sdk.api.workflowservice.v1 import (
    GetWorkflowExecutionHistoryRequest,
    PollActivityTaskQueueRequest,
    PollWorkflowTaskQueueRequest,
    RespondActivityTaskCompletedRequest,
    RespondWorkflowTaskCompletedRequest,
    StartWorkflowExecutionRequest,
    WorkflowServiceStub,
)

parser = argparse.ArgumentParser()
parser.add_argument("--scenario", required=True)
parser.add_argument("--target", required=True)
parser.add_argument("--count", type=int, default=500)
parser.add_argument("--concurrency", type=int, default=50)
parser.add_argument("--eager", action="store_true")
ARGS = parser.parse_args()
NS = "default"


class Floor:
    def __init__(self, stub: Any, task_queue: str, with_activity: bool) -> None:
        self.stub = stub
        self.tq = task_queue
        self.with_activity = with_activity
        self.stopping = False

    def _commands(self, task: Any) -> list[Command]:
        events = task.history.events
        done = any(e.event_type == EventType.EVENT_TYPE_ACTIVITY_TASK_COMPLETED for e in events)
        if self.with_activity and not done:
            attrs = ScheduleActivityTaskCommandAttributes(
                activity_id="1",
                activity_type=ActivityType(name="noop"),
                task_queue=TaskQueue(name=self.tq),
                input=events[0].workflow_execution_started_event_attributes.input,
                request_eager_execution=ARGS.eager,
            )
            attrs.start_to_close_timeout.FromSeconds(30)
            return [
                Command(
                    command_type=CommandType.COMMAND_TYPE_SCHEDULE_ACTIVITY_TASK,
                    schedule_activity_task_command_attributes=attrs,
                )
            ]
        result = events[0].workflow_execution_started_event_attributes.input
        return [
            Command(
                command_type=CommandType.COMMAND_TYPE_COMPLETE_WORKFLOW_EXECUTION,
                complete_workflow_execution_command_attributes=(
                    CompleteWorkflowExecutionCommandAttributes(result=result)
                ),
            )
        ]

    async def forever(self, poll: Any) -> None:
        """Keep one poller alive: a failed call (server still warming up) is retried."""
        while not self.stopping:
            try:
                await poll()
            except grpc.aio.AioRpcError:
                await asyncio.sleep(0.1)

    async def workflow_poll(self) -> None:
        task = await self.stub.PollWorkflowTaskQueue(
            PollWorkflowTaskQueueRequest(namespace=NS, task_queue=TaskQueue(name=self.tq)),
            timeout=70,
        )
        if not task.task_token:
            return
        events = list(task.history.events)
        token = task.next_page_token
        while token:
            page = await self.stub.GetWorkflowExecutionHistory(
                GetWorkflowExecutionHistoryRequest(
                    namespace=NS, execution=task.workflow_execution, next_page_token=token
                )
            )
            events.extend(page.history.events)
            token = page.next_page_token
        del task.history.events[:]
        task.history.events.extend(events)
        resp = await self.stub.RespondWorkflowTaskCompleted(
            RespondWorkflowTaskCompletedRequest(
                namespace=NS, task_token=task.task_token, commands=self._commands(task)
            )
        )
        for act in resp.activity_tasks:
            await self._run_activity(act)

    async def _run_activity(self, task: Any) -> None:
        await self.stub.RespondActivityTaskCompleted(
            RespondActivityTaskCompletedRequest(
                namespace=NS, task_token=task.task_token, result=task.input
            )
        )

    async def activity_poll(self) -> None:
        task = await self.stub.PollActivityTaskQueue(
            PollActivityTaskQueueRequest(namespace=NS, task_queue=TaskQueue(name=self.tq)),
            timeout=70,
        )
        if task.task_token:
            await self._run_activity(task)


async def run_many(stub: Any, tq: str, count: int, concurrency: int) -> list[float]:
    sem = asyncio.Semaphore(concurrency)
    latencies: list[float] = []

    async def one(i: int) -> None:
        async with sem:
            start = time.perf_counter()
            wf_id = f"floor-{uuid.uuid4()}"
            await stub.StartWorkflowExecution(
                StartWorkflowExecutionRequest(
                    namespace=NS,
                    workflow_id=wf_id,
                    workflow_type=WorkflowType(name="Floor"),
                    task_queue=TaskQueue(name=tq),
                    input=Payloads(
                        payloads=[Payload(metadata={"encoding": b"json/plain"}, data=b"%d" % i)]
                    ),
                    request_id=str(uuid.uuid4()),
                )
            )
            while True:
                page = await stub.GetWorkflowExecutionHistory(
                    GetWorkflowExecutionHistoryRequest(
                        namespace=NS,
                        execution=WorkflowExecution(workflow_id=wf_id),
                        wait_new_event=True,
                        history_event_filter_type=(
                            HistoryEventFilterType.HISTORY_EVENT_FILTER_TYPE_CLOSE_EVENT
                        ),
                    ),
                    timeout=70,
                )
                if page.history.events:
                    break
            latencies.append(time.perf_counter() - start)

    await asyncio.gather(*(one(i) for i in range(count)))
    return latencies


async def main() -> None:
    channel = grpc.aio.insecure_channel(ARGS.target)
    stub = WorkflowServiceStub(channel)
    tq = f"floor-{uuid.uuid4()}"
    floor = Floor(stub, tq, with_activity=ARGS.scenario != "throughput_minimal")
    pollers = [asyncio.create_task(floor.forever(floor.workflow_poll)) for _ in range(5)]
    pollers += [asyncio.create_task(floor.forever(floor.activity_poll)) for _ in range(5)]
    if ARGS.scenario == "latency_single":
        await run_many(stub, tq, 10, 1)
        lat = sorted(await run_many(stub, tq, ARGS.count, 1))
        figures = {
            "p50_ms": statistics.median(lat) * 1000,
            "p95_ms": lat[int(len(lat) * 0.95) - 1] * 1000,
        }
    else:
        await run_many(stub, tq, 20, ARGS.concurrency)
        cpu, wall = time.process_time(), time.perf_counter()
        await run_many(stub, tq, ARGS.count, ARGS.concurrency)
        cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
        figures = {
            "workflows_per_s": ARGS.count / wall,
            "cpu_ms_per_workflow": cpu * 1000 / ARGS.count,
        }
    print(json.dumps(figures), flush=True)
    floor.stopping = True
    for p in pollers:
        p.cancel()
    await channel.close(grace=None)


if __name__ == "__main__":
    asyncio.run(main())
