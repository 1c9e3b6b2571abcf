"""The benchmark's workflows and activity, importable by either SDK (``BENCH_SDK`` picks which).

Kept apart from the driver so that the official SDK's sandbox can re-import this module cleanly.
"""

from __future__ import annotations

import asyncio
import importlib
import os
from datetime import timedelta

_SDK = os.environ.get("BENCH_SDK", "temporal_sdk")
activity = importlib.import_module(f"{_SDK}.activity")
workflow = importlib.import_module(f"{_SDK}.workflow")


@activity.defn
async def noop(n: int) -> int:
    return n


@workflow.defn(name="BenchMinimal")
class Minimal:
    @workflow.run
    async def run(self, n: int) -> int:
        return n


@workflow.defn(name="BenchActivity")
class OneActivity:
    @workflow.run
    async def run(self, n: int) -> int:
        result: int = await workflow.execute_activity(
            noop, n, start_to_close_timeout=timedelta(seconds=30)
        )
        return result


@workflow.defn(name="BenchTimer")
class OneTimer:
    @workflow.run
    async def run(self, n: int) -> int:
        await asyncio.sleep(0.1)
        return n


@workflow.defn(name="BenchSequential")
class Sequential:
    @workflow.run
    async def run(self, n: int) -> int:
        total = 0
        for i in range(n):
            total += await workflow.execute_activity(
                noop, i, start_to_close_timeout=timedelta(seconds=30)
            )
        return total


@workflow.defn(name="BenchParked")
class Parked:
    def __init__(self) -> None:
        self.released = False

    @workflow.run
    async def run(self, n: int) -> int:
        await workflow.execute_activity(noop, n, start_to_close_timeout=timedelta(seconds=30))
        await workflow.wait_condition(lambda: self.released)
        return n

    @workflow.signal
    def release(self) -> None:
        self.released = True


WORKFLOWS = [Minimal, OneActivity, OneTimer, Sequential, Parked]
