"""One benchmark scenario, run by one SDK in its own process; prints one JSON line of figures.

The same code drives ``temporal_sdk`` and the official ``temporalio``: their public APIs match,
so the import root is the only difference (``--sdk``). Client and worker share this process, so
``process_time`` covers the SDK's whole cost (both sides, every thread, grpc's included).
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import importlib
import json
import os
import statistics
import sys
import time
import uuid
from typing import Any

parser = argparse.ArgumentParser()
parser.add_argument("--sdk", default="temporal_sdk", choices=["temporal_sdk", "temporalio"])
parser.add_argument("--unsandboxed", action="store_true")
parser.add_argument("--scenario", required=True)
parser.add_argument("--target", required=True)
parser.add_argument("--count", type=int, default=500)
parser.add_argument("--concurrency", type=int, default=50)
parser.add_argument("--history", help="JSON history file for the replay scenario")
ARGS = parser.parse_args()

os.environ["BENCH_SDK"] = ARGS.sdk
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from bench_workflows import (  # noqa: E402
    WORKFLOWS,
    Minimal,
    OneActivity,
    OneTimer,
    Parked,
    Sequential,
    noop,
)

client_mod = importlib.import_module(f"{ARGS.sdk}.client")
worker_mod = importlib.import_module(f"{ARGS.sdk}.worker")


def rss_kb() -> int:
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def make_worker(client: Any, task_queue: str, **kwargs: Any) -> Any:
    if ARGS.sdk == "temporalio" and ARGS.unsandboxed:
        kwargs["workflow_runner"] = worker_mod.UnsandboxedWorkflowRunner()
    return worker_mod.Worker(
        client, task_queue=task_queue, workflows=WORKFLOWS, activities=[noop], **kwargs
    )


async def run_many(client: Any, wf_run: Any, task_queue: str, count: int) -> list[float]:
    sem = asyncio.Semaphore(ARGS.concurrency)
    latencies: list[float] = []

    async def one(i: int) -> None:
        async with sem:
            start = time.perf_counter()
            result = await client.execute_workflow(
                wf_run, i, id=f"bench-{uuid.uuid4()}", task_queue=task_queue
            )
            assert result == i, result
            latencies.append(time.perf_counter() - start)

    await asyncio.gather(*(one(i) for i in range(count)))
    return latencies


async def throughput(client: Any, wf_run: Any) -> dict[str, Any]:
    task_queue = f"bench-{uuid.uuid4()}"
    async with make_worker(client, task_queue):
        await run_many(client, wf_run, task_queue, min(20, ARGS.count))  # warm up
        cpu, wall = time.process_time(), time.perf_counter()
        await run_many(client, wf_run, task_queue, ARGS.count)
        cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
    return {
        "workflows_per_s": ARGS.count / wall,
        "cpu_ms_per_workflow": cpu * 1000 / ARGS.count,
    }


async def latency(client: Any) -> dict[str, Any]:
    task_queue = f"bench-{uuid.uuid4()}"
    ARGS.concurrency = 1
    async with make_worker(client, task_queue):
        await run_many(client, OneActivity.run, task_queue, 10)
        lat = sorted(await run_many(client, OneActivity.run, task_queue, ARGS.count))
    return {
        "p50_ms": statistics.median(lat) * 1000,
        "p95_ms": lat[int(len(lat) * 0.95) - 1] * 1000,
    }


async def record_history(client: Any, path: str) -> dict[str, Any]:
    task_queue = f"bench-{uuid.uuid4()}"
    async with make_worker(client, task_queue):
        handle = await client.start_workflow(
            Sequential.run, ARGS.count, id=f"bench-{uuid.uuid4()}", task_queue=task_queue
        )
        await handle.result()
    history = await handle.fetch_history()
    with open(path, "w") as f:
        f.write(history.to_json())
    return {"events": len(history.events)}


async def replay() -> dict[str, Any]:
    with open(ARGS.history) as f:
        text = f.read()
    history = client_mod.WorkflowHistory.from_json("bench-replay", text)
    kwargs: dict[str, Any] = {}
    if ARGS.sdk == "temporalio" and ARGS.unsandboxed:
        kwargs["workflow_runner"] = worker_mod.UnsandboxedWorkflowRunner()
    replayer = worker_mod.Replayer(workflows=WORKFLOWS, **kwargs)
    await replayer.replay_workflow(history)  # warm up
    rounds, start = 0, time.perf_counter()
    while rounds < 3 or time.perf_counter() - start < 2.0:
        await replayer.replay_workflow(history)
        rounds += 1
    elapsed = time.perf_counter() - start
    return {"events_per_s": rounds * len(history.events) / elapsed}


async def memory(client: Any) -> dict[str, Any]:
    task_queue = f"bench-{uuid.uuid4()}"
    async with make_worker(client, task_queue, max_cached_workflows=ARGS.count + 100):
        await run_many(client, Minimal.run, task_queue, 20)
        gc.collect()
        idle = rss_kb()
        handles = []
        sem = asyncio.Semaphore(ARGS.concurrency)

        async def start(i: int) -> None:
            async with sem:
                handles.append(
                    await client.start_workflow(
                        Parked.run, i, id=f"bench-{uuid.uuid4()}", task_queue=task_queue
                    )
                )

        await asyncio.gather(*(start(i) for i in range(ARGS.count)))
        await wait_parked(handles)
        gc.collect()
        parked = rss_kb()
        for h in handles:
            await h.signal(Parked.release)
    return {"idle_rss_mb": idle / 1024, "kb_per_cached_workflow": (parked - idle) / ARGS.count}


async def wait_parked(handles: list[Any]) -> None:
    """Wait until every workflow has completed the task that follows its activity."""
    deadline = time.monotonic() + 120
    pending = list(handles)
    while pending:
        if time.monotonic() > deadline:
            raise TimeoutError(f"{len(pending)} workflows never parked")
        still = []
        for h in pending:
            desc = await h.describe()
            if desc.history_length < 10:
                still.append(h)
        pending = still
        if pending:
            await asyncio.sleep(0.2)


async def first_result(client: Any) -> dict[str, Any]:
    task_queue = f"bench-{uuid.uuid4()}"
    async with make_worker(client, task_queue):
        await client.execute_workflow(
            Minimal.run, 1, id=f"bench-{uuid.uuid4()}", task_queue=task_queue
        )
        # The runner times spawn -> this line; worker shutdown is not part of the figure.
        print(json.dumps({"first_result": True}), flush=True)
    return {}


async def main() -> None:
    figures: dict[str, Any]
    if ARGS.scenario == "replay":
        figures = await replay()
    else:
        client = await client_mod.Client.connect(ARGS.target)
        if ARGS.scenario == "throughput_minimal":
            figures = await throughput(client, Minimal.run)
        elif ARGS.scenario == "throughput_activity":
            figures = await throughput(client, OneActivity.run)
        elif ARGS.scenario == "throughput_timer":
            figures = await throughput(client, OneTimer.run)
        elif ARGS.scenario == "latency_single":
            figures = await latency(client)
        elif ARGS.scenario == "record_history":
            figures = await record_history(client, ARGS.history)
        elif ARGS.scenario == "memory_cached":
            figures = await memory(client)
        elif ARGS.scenario == "first_result":
            figures = await first_result(client)
        else:
            raise SystemExit(f"unknown scenario {ARGS.scenario}")
    print(json.dumps(figures))
    sys.stdout.flush()


if __name__ == "__main__":
    asyncio.run(main())
