"""Measure what a cached, parked workflow run holds, without a server.

Usage (from the repository root)::

    .venv/bin/python bench/mem_profile.py                 # 1,000 runs: bytes per run + top sites
    .venv/bin/python bench/mem_profile.py --rss           # RSS growth per run (no tracemalloc)
    .venv/bin/python bench/mem_profile.py --types         # live objects per run, by type
    .venv/bin/python bench/mem_profile.py --server HOST:PORT   # the real worker, traced

Each run goes through the same sans-IO path as the worker (``apply_task`` on a ``CachedRun``
holding ``WorkflowMachines`` + ``WorkflowInstance``): a first task starts ``BenchParked``, which
schedules an activity; a second task resolves the activity and the workflow parks on
``wait_condition``. Events are built per run and dropped after each task, as the worker drops a
poll response, so the figures are what the sticky cache keeps per run. ``--server`` instead
runs the real worker against a dev server (as the ``memory_cached`` scenario does) and traces
everything the process keeps per parked workflow, client handles included.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import os
import sys
import tracemalloc
import uuid
from collections import Counter
from typing import Any

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.dirname(HERE))
os.environ.setdefault("BENCH_SDK", "temporal_sdk")

from bench_workflows import Parked  # noqa: E402

from temporal_sdk._core.workflow_machines import WorkflowMachines  # noqa: E402
from temporal_sdk._io.workflow_cache import CachedRun  # noqa: E402
from temporal_sdk._io.workflow_task import Outcome, apply_task  # noqa: E402
from temporal_sdk._runtime.definitions import WorkflowDefinition  # noqa: E402
from temporal_sdk._runtime.instance import WorkflowInstance  # noqa: E402
from temporal_sdk.api.workflowservice.v1 import PollWorkflowTaskQueueResponse  # noqa: E402
from temporal_sdk.converter import DataConverter  # noqa: E402
from tests.core.history_builder import HistoryBuilder  # noqa: E402

CONV = DataConverter.default
DEFN = WorkflowDefinition.must_from_class(Parked)
TASK = PollWorkflowTaskQueueResponse()


def park_one(i: int) -> CachedRun:
    """Build one run and drive it through two tasks until it waits for the signal."""
    run_id = f"run-{i:06d}"
    b = HistoryBuilder(run_id=run_id)
    b.add_workflow_execution_started("BenchParked", *CONV.payload_converter.to_payloads([i]))
    b.add_workflow_task_scheduled()
    b.add_workflow_task_started()
    machines = WorkflowMachines(namespace="default", workflow_id=f"wf-{i}", run_id=run_id)
    instance = WorkflowInstance(
        DEFN,
        namespace="default",
        task_queue="tq",
        payload_converter=CONV.payload_converter,
        failure_converter=CONV.failure_converter,
    )
    run = CachedRun(run_id, machines, instance, users=1)
    first = len(b.events)
    _check(apply_task(TASK, run, list(b.events), False, None))
    b.add_workflow_task_completed()
    sched = b.add_activity_task_scheduled("1", "noop")
    started = b.add_activity_task_started(sched)
    b.add_activity_task_completed(sched, started, CONV.payload_converter.to_payloads([i])[0])
    b.add_workflow_task_scheduled()
    b.add_workflow_task_started()
    _check(apply_task(TASK, run, b.events[first:], True, None))
    run.users = 0
    return run


def _check(outcome: object) -> None:
    if not isinstance(outcome, Outcome) or outcome.failure is not None:
        raise RuntimeError(f"unexpected outcome {outcome!r}")


def rss_kb() -> int:
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def live_types() -> Counter[str]:
    counts: Counter[str] = Counter()
    for obj in gc.get_objects():
        t = type(obj)
        counts[f"{t.__module__}.{t.__qualname__}"] += 1
    return counts


async def traced_server_run(target: str, count: int, top: int) -> None:
    """Park ``count`` workflows in a real worker's cache and trace what they keep."""
    from bench_workflows import noop

    from temporal_sdk.client import Client
    from temporal_sdk.worker import Worker

    client = await Client.connect(target)
    task_queue = f"mem-{uuid.uuid4()}"
    worker = Worker(
        client,
        task_queue=task_queue,
        workflows=[Parked],
        activities=[noop],
        max_cached_workflows=count + 100,
    )
    async with worker:
        gc.collect()
        tracemalloc.start(1)
        snap0 = tracemalloc.take_snapshot()
        handles = [
            await client.start_workflow(
                Parked.run, i, id=f"mem-{uuid.uuid4()}", task_queue=task_queue
            )
            for i in range(count)
        ]
        pending = list(handles)
        while pending:
            await asyncio.sleep(0.5)
            pending = [h for h in pending if (await h.describe()).history_length < 10]
        gc.collect()
        snap1 = tracemalloc.take_snapshot()
        tracemalloc.stop()
        _print_stats(snap1.compare_to(snap0, "lineno"), count, top, "lineno")
        for h in handles:
            await h.signal(Parked.release)


def _print_stats(stats: list[Any], count: int, top: int, group: str) -> None:
    total = sum(s.size_diff for s in stats)
    print(f"bytes_per_run {total / count:.0f}  (tracemalloc, {count} runs)")
    for s in stats[:top]:
        where: Any = s.traceback.format()[-1] if group != "traceback" else s.traceback
        print(f"{s.size_diff / count:8.0f} B  {s.count_diff / count:6.2f} blk  {where}")
        if group == "traceback":
            for line in s.traceback.format()[-12:]:
                print("          ", line)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--count", type=int, default=1000)
    parser.add_argument("--top", type=int, default=25)
    parser.add_argument("--rss", action="store_true", help="RSS growth only (no tracemalloc)")
    parser.add_argument("--types", action="store_true", help="live objects per run by type")
    parser.add_argument("--group", default="lineno", choices=["lineno", "filename", "traceback"])
    parser.add_argument("--server", help="trace the real worker against this dev server")
    args = parser.parse_args()
    if args.server:
        asyncio.run(traced_server_run(args.server, args.count, args.top))
        return

    warm = [park_one(-1 - j) for j in range(20)]  # import-time and first-use costs
    del warm
    gc.collect()
    runs: list[CachedRun] = []
    if args.rss:
        before = rss_kb()
        runs.extend(park_one(i) for i in range(args.count))
        gc.collect()
        print(f"rss_kb_per_run {(rss_kb() - before) / args.count:.2f}")
        return
    if args.types:
        before_types = live_types()
        runs.extend(park_one(i) for i in range(args.count))
        gc.collect()
        diff = live_types() - before_types
        for name, n in diff.most_common(args.top):
            print(f"{n / args.count:8.2f}  {name}")
        return
    tracemalloc.start(25 if args.group == "traceback" else 1)
    snap0 = tracemalloc.take_snapshot()
    runs.extend(park_one(i) for i in range(args.count))
    gc.collect()
    snap1 = tracemalloc.take_snapshot()
    _print_stats(snap1.compare_to(snap0, args.group), args.count, args.top, args.group)


if __name__ == "__main__":
    main()
