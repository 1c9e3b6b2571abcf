"""How fast is ``WorkflowTestRunner``? 100 workflow "tests" whose timers add up to hours.

Each test starts a workflow that sleeps an hour, runs a (mocked) activity, waits for a signal
delivered three virtual hours later, sleeps another two hours and returns; the test checks the
result and replays the recorded history with the ``Replayer``. Run from the repository root:

    .venv/bin/python bench/test_runner_speed.py [count]

Prints the wall-clock total and per-test figure (with and without the replay check).
"""

from __future__ import annotations

import asyncio
import sys
import time
from datetime import timedelta

from temporal_sdk import workflow
from temporal_sdk.testing import WorkflowTestRunner
from temporal_sdk.worker import Replayer


@workflow.defn(name="BenchHours")
class Hours:
    def __init__(self) -> None:
        self.go = False

    @workflow.signal
    def proceed(self) -> None:
        self.go = True

    @workflow.run
    async def run(self, n: int) -> int:
        await workflow.sleep(timedelta(hours=1))
        doubled = await workflow.execute_activity(
            "double", n, start_to_close_timeout=timedelta(minutes=5)
        )
        await workflow.wait_condition(lambda: self.go)
        await workflow.sleep(timedelta(hours=2))
        return int(doubled)


async def one_test(n: int, replay: bool) -> None:
    async with WorkflowTestRunner(workflows=[Hours], mocks={"double": lambda x: 2 * x}) as runner:
        handle = await runner.start_workflow(Hours.run, n)
        await runner.sleep(timedelta(hours=3))
        await handle.signal(Hours.proceed)
        assert await handle.result() == 2 * n
        if replay:
            await Replayer(workflows=[Hours]).replay_workflow(handle.history())


async def main(count: int) -> None:
    for replay in (False, True):
        start = time.perf_counter()
        for n in range(count):
            await one_test(n, replay)
        elapsed = time.perf_counter() - start
        label = "with replay check" if replay else "runner only"
        print(
            f"{count} workflow tests, 6 virtual hours each ({label}): "
            f"{elapsed:.3f} s total, {1000 * elapsed / count:.2f} ms per test"
        )


if __name__ == "__main__":
    asyncio.run(main(int(sys.argv[1]) if len(sys.argv) > 1 else 100))
