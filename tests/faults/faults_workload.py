"""The fault-injection workload: one workflow kind, its activity, and an execution log.

Each ``FaultWorkflow(n)`` runs an activity, sleeps on a durable timer, waits for its ``bonus``
signal, runs a second activity, sleeps again and returns ``expected(n)``: the result depends on
both activity results and the signal, so any lost or doubled step shows up as a wrong answer.

Every activity execution appends one line to an append-only side channel (``ExecutionLog``)
before doing its work, so a run can count how often each activity was executed: at least once,
and never more often than the retry policy allows.

Rule: nothing here depends on pytest; ``faults_scenarios`` and ``scripts/faults_report.py``
drive the same code with different counts.
"""

from __future__ import annotations

import asyncio
import os
import random
from collections import Counter
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

from temporal_sdk import activity, workflow
from temporal_sdk.common import RetryPolicy

MAX_ATTEMPTS = 10
"""The activities' retry limit: no activity may execute more often than this."""

ACTIVITY_RETRY = RetryPolicy(
    initial_interval=timedelta(seconds=1),
    backoff_coefficient=1.5,
    maximum_interval=timedelta(seconds=3),
    maximum_attempts=MAX_ATTEMPTS,
)
# Short enough that an execution lost with its worker is retried soon, long enough for a loaded
# machine to finish a step that takes a few hundred milliseconds.
ACTIVITY_TIMEOUT = timedelta(seconds=5)

_LOG_ENV = "TEMPORAL_FAULTS_EXEC_LOG"


def expected(n: int) -> int:
    """The result ``FaultWorkflow`` must return for input ``n``."""
    return ((n * 10 + 1) * 10 + 2) + bonus_for(n)


def bonus_for(n: int) -> int:
    """The value the driver sends as workflow ``n``'s ``bonus`` signal."""
    return 1000 + n


class ExecutionLog:
    """An append-only file with one line per activity execution: ``workflow_id step attempt``.

    Each record is a single ``write`` on an ``O_APPEND`` descriptor, so records from several
    processes (and from a process killed at any moment) never interleave.
    """

    def __init__(self, path: Path) -> None:
        self.path = path

    def record(self, workflow_id: str, step: int, attempt: int) -> None:
        """Append one execution record."""
        line = f"{workflow_id} {step} {attempt} {os.getpid()}\n".encode()
        fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
        try:
            os.write(fd, line)
        finally:
            os.close(fd)

    def executions(self) -> Counter[tuple[str, int]]:
        """How many times each ``(workflow_id, step)`` activity was executed."""
        counts: Counter[tuple[str, int]] = Counter()
        if not self.path.exists():
            return counts
        for line in self.path.read_text().splitlines():
            parts = line.split()
            if len(parts) == 4:
                counts[(parts[0], int(parts[1]))] += 1
        return counts

    def max_attempt(self) -> int:
        """The highest attempt number any execution reported (0 when the log is empty)."""
        if not self.path.exists():
            return 0
        attempts = [int(line.split()[2]) for line in self.path.read_text().splitlines() if line]
        return max(attempts, default=0)


def use_log(path: Path) -> None:
    """Make this process's activities record their executions in ``path``."""
    os.environ[_LOG_ENV] = str(path)


@dataclass
class StepInput:
    """One activity call: fold ``step`` into ``value``."""

    value: int
    step: int


@activity.defn
async def fault_step(arg: StepInput) -> int:
    """Record the execution, take a little while (so kills land mid-activity), compute."""
    info = activity.info()
    path = os.environ.get(_LOG_ENV)
    if path:
        ExecutionLog(Path(path)).record(info.workflow_id or "-", arg.step, info.attempt)
    await asyncio.sleep(random.uniform(0.05, 0.4))
    return arg.value * 10 + arg.step


@workflow.defn
class FaultWorkflow:
    """Activity, timer, signal, activity, timer; the result proves every step ran once."""

    def __init__(self) -> None:
        self._bonus: int | None = None

    @workflow.signal
    def bonus(self, value: int) -> None:
        """Deliver the bonus the workflow waits for."""
        self._bonus = value

    @workflow.run
    async def run(self, n: int) -> int:
        """Run the steps for input ``n``."""
        first = await self._step(n, 1)
        await workflow.sleep(timedelta(seconds=1))
        await workflow.wait_condition(lambda: self._bonus is not None)
        second = await self._step(first, 2)
        await workflow.sleep(timedelta(seconds=1))
        assert self._bonus is not None
        return second + self._bonus

    async def _step(self, value: int, step: int) -> int:
        return await workflow.execute_activity(
            fault_step,
            StepInput(value, step),
            start_to_close_timeout=ACTIVITY_TIMEOUT,
            retry_policy=ACTIVITY_RETRY,
        )
