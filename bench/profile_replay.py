"""Profile in-process replay of a ~3,000-event history and print the hottest functions.

Usage (from the repository root)::

    bench/.venv/bin/python bench/profile_replay.py                      # synthetic history
    bench/.venv/bin/python bench/profile_replay.py --history h.json     # a recorded one
    bench/.venv/bin/python bench/profile_replay.py --no-profile         # timing only

Without ``--history`` the script builds the same shape the ``replay`` scenario records (the
``BenchSequential`` workflow running 500 sequential activities) with the test suite's
``HistoryBuilder``, so it needs neither a server nor a recording. Nothing is written to disk.
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import json
import os
import pstats
import statistics
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.dirname(HERE))
os.environ.setdefault("BENCH_SDK", "temporal_sdk")

from bench_workflows import WORKFLOWS  # noqa: E402

from temporal_sdk.client import WorkflowHistory  # noqa: E402
from temporal_sdk.converter import DataConverter  # noqa: E402
from temporal_sdk.worker import Replayer  # noqa: E402


def synthetic_history(activities: int) -> WorkflowHistory:
    """The history ``BenchSequential.run(activities)`` produces, built without a server."""
    from tests.core.history_builder import HistoryBuilder

    conv = DataConverter.default.payload_converter
    b = HistoryBuilder()
    b.add_workflow_execution_started("BenchSequential", *conv.to_payloads([activities]))
    b.add_full_workflow_task()
    total = 0
    for i in range(activities):
        sched = b.add_activity_task_scheduled(str(i + 1), "noop")
        started = b.add_activity_task_started(sched)
        b.add_activity_task_completed(sched, started, conv.to_payloads([i])[0])
        b.add_full_workflow_task()
        total += i
    b.add_workflow_execution_completed(conv.to_payloads([total])[0])
    return WorkflowHistory("bench-replay", b.history().events)


def load(path: str | None, activities: int) -> WorkflowHistory:
    if path is None:
        return synthetic_history(activities)
    with open(path) as f:
        return WorkflowHistory.from_json("bench-replay", f.read())


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--history", help="a JSON history recorded by driver.py record_history")
    parser.add_argument("--activities", type=int, default=500)
    parser.add_argument("--rounds", type=int, default=9)
    parser.add_argument("--top", type=int, default=35)
    parser.add_argument("--sort", default="tottime")
    parser.add_argument("--no-profile", action="store_true")
    args = parser.parse_args()

    history = load(args.history, args.activities)
    replayer = Replayer(workflows=WORKFLOWS)

    async def rounds(n: int) -> None:
        for _ in range(n):
            await replayer.replay_workflow(history)

    asyncio.run(rounds(1))  # warm up, and prove the history replays cleanly
    times = []
    for _ in range(args.rounds):
        start = time.process_time()
        asyncio.run(rounds(1))
        times.append(time.process_time() - start)
    # CPU time, best and median round: the machine is shared, so wall time and the mean drift.
    n = len(history.events)
    figures = {"best": n / min(times), "median": n / statistics.median(times)}
    print(json.dumps({"events": n, **{f"events_per_s_{k}": round(v) for k, v in figures.items()}}))
    if args.no_profile:
        return
    prof = cProfile.Profile()
    prof.enable()
    asyncio.run(rounds(args.rounds))
    prof.disable()
    pstats.Stats(prof).strip_dirs().sort_stats(args.sort).print_stats(args.top)


if __name__ == "__main__":
    main()
