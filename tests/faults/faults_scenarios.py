"""The fault scenarios: run the workload while breaking things, then account for every workflow.

Each scenario returns a ``FaultReport``: how many workflows started, completed with the right
result, were lost (failed, wrong result, gone) or stuck (not closed by the deadline), which
faults were injected, and how often activities ran (from the execution log).

Rule: a scenario owns every process, server, proxy and client it creates and releases them in
``finally``; it never sleeps to synchronise, only to let a fault last or to space faults out.
Waiting is always on a condition (a result, a READY line) under a deadline.
"""

from __future__ import annotations

import asyncio
import os
import random
import socket
import time
import uuid
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

from fault_proxy import FaultProxy
from fault_worker import WorkerProcess
from faults_workload import (
    MAX_ATTEMPTS,
    ExecutionLog,
    FaultWorkflow,
    bonus_for,
    expected,
    fault_step,
    use_log,
)

from temporal_sdk.client import (
    Client,
    RPCTimeoutOrCancelledError,
    WorkflowFailureError,
    WorkflowHandle,
)
from temporal_sdk.service import RPCError, RPCStatusCode
from temporal_sdk.testing import WorkflowEnvironment
from temporal_sdk.worker import Worker

Handles = dict[int, WorkflowHandle[Any, int]]


@dataclass
class FaultReport:
    """What one scenario run did and what became of its workflows."""

    scenario: str
    workflows: int
    started: int = 0
    completed: int = 0
    lost: int = 0
    stuck: int = 0
    faults: list[str] = field(default_factory=list)
    executions: int = 0
    reexecuted: int = 0
    max_executions: int = 0
    max_attempt: int = 0
    client_retries: int = 0
    seconds: float = 0.0
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """Every workflow completed correctly and no activity ran more than the policy allows."""
        return (
            self.completed == self.started == self.workflows
            and self.lost == 0
            and self.stuck == 0
            and self.max_executions <= MAX_ATTEMPTS
            and not self.problems
        )

    def summary(self) -> str:
        """A one-paragraph account, for assertion messages."""
        return (
            f"{self.scenario}: started={self.started} completed={self.completed} "
            f"lost={self.lost} stuck={self.stuck} executions={self.executions} "
            f"reexecuted={self.reexecuted} max_executions={self.max_executions} "
            f"client_retries={self.client_retries} faults={self.faults} "
            f"problems={self.problems[:10]}"
        )


def free_port() -> int:
    """A loopback port nobody listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


# ---------------------------------------------------------------------- driving the workload


async def start_workflows(
    client: Client, task_queue: str, prefix: str, numbers: Sequence[int], handles: Handles
) -> None:
    """Start ``FaultWorkflow(n)`` for each ``n``, adding the handles as they are made."""
    for n in numbers:
        handles[n] = await client.start_workflow(
            FaultWorkflow.run, n, id=f"{prefix}-{n}", task_queue=task_queue
        )


async def signal_workflows(handles: Handles, numbers: Sequence[int]) -> None:
    """Send each workflow its bonus."""
    for n in numbers:
        await handles[n].signal(FaultWorkflow.bonus, bonus_for(n))


async def feed(
    client: Client, task_queue: str, prefix: str, count: int, spread: float, handles: Handles
) -> None:
    """Start ``count`` workflows over ``spread`` seconds; signal each one a little later."""
    signals: list[asyncio.Task[None]] = []

    async def later(n: int) -> None:
        await asyncio.sleep(random.uniform(0.5, 2.0))
        await signal_workflows(handles, [n])

    for n in range(count):
        await start_workflows(client, task_queue, prefix, [n], handles)
        signals.append(asyncio.create_task(later(n)))
        await asyncio.sleep(spread / count)
    await asyncio.gather(*signals)


async def _outcome(
    n: int, handle: WorkflowHandle[Any, int], deadline: float, rep: FaultReport
) -> str:
    loop = asyncio.get_running_loop()
    while True:
        remaining = deadline - loop.time()
        if remaining <= 0:
            return "stuck"
        try:
            result = await asyncio.wait_for(handle.result(), remaining)
        except asyncio.TimeoutError:
            return "stuck"
        except WorkflowFailureError as err:
            rep.problems.append(f"{handle.id} failed: {err.cause!r}")
            return "lost"
        except RPCError as err:
            if err.status == RPCStatusCode.NOT_FOUND:
                rep.problems.append(f"{handle.id} is gone: {err.message}")
                return "lost"
            # The client gave up on a retryable failure; a caller would ask again.
            rep.client_retries += 1
            rep.problems.append(f"result() of {handle.id} raised {err.status.name}: {err}")
            await asyncio.sleep(1.0)
            continue
        except RPCTimeoutOrCancelledError as err:
            rep.client_retries += 1
            rep.problems.append(f"result() of {handle.id} timed out: {err}")
            await asyncio.sleep(1.0)
            continue
        if result != expected(n):
            rep.problems.append(f"{handle.id} returned {result}, expected {expected(n)}")
            return "lost"
        return "completed"


async def collect(handles: Handles, rep: FaultReport, deadline: float) -> None:
    """Wait (until the loop time ``deadline``) for every workflow and count the outcomes."""
    outcomes = await asyncio.gather(
        *(_outcome(n, handle, deadline, rep) for n, handle in sorted(handles.items()))
    )
    rep.started = len(handles)
    rep.completed = outcomes.count("completed")
    rep.lost = outcomes.count("lost")
    rep.stuck = outcomes.count("stuck")


def account_executions(log: ExecutionLog, handles: Handles, rep: FaultReport) -> None:
    """Fill in the activity execution counts; every activity must have run at least once."""
    counts = log.executions()
    rep.executions = sum(counts.values())
    rep.reexecuted = sum(1 for c in counts.values() if c > 1)
    rep.max_executions = max(counts.values(), default=0)
    rep.max_attempt = log.max_attempt()
    for handle in handles.values():
        for step in (1, 2):
            if counts[(handle.id, step)] == 0:
                rep.problems.append(f"activity {step} of {handle.id} never ran")


def _deadline(timeout: float) -> float:
    return asyncio.get_running_loop().time() + timeout


# ---------------------------------------------------------------------- worker crash


async def worker_crash(
    target: str, workflows: int, kills: int, work_dir: Path, timeout: float
) -> FaultReport:
    """SIGKILL the (subprocess) worker ``kills`` times at random moments while work flows."""
    rep = FaultReport("worker crash (SIGKILL)", workflows)
    log = ExecutionLog(work_dir / f"crash-{uuid.uuid4().hex[:8]}.log")
    task_queue, prefix = f"faults-crash-{uuid.uuid4()}", f"crash-{uuid.uuid4().hex[:8]}"
    client = await Client.connect(target)
    proc = WorkerProcess(target, task_queue, log.path)
    handles: Handles = {}
    began = time.monotonic()
    try:
        await proc.start()
        spread = min(0.15 * workflows, 20.0)
        feeder = asyncio.create_task(feed(client, task_queue, prefix, workflows, spread, handles))
        for k in range(kills):
            await asyncio.sleep(random.uniform(1.0, 4.0))
            await proc.kill()
            rep.faults.append(f"SIGKILL #{k + 1} at {time.monotonic() - began:.1f}s")
            await asyncio.sleep(random.uniform(0.0, 1.0))
            await proc.start()
        await feeder
        await collect(handles, rep, _deadline(timeout))
    finally:
        await proc.stop()
        await client.service_client.close()
    rep.seconds = time.monotonic() - began
    account_executions(log, handles, rep)
    return rep


# ---------------------------------------------------------------------- server restart


async def _dev_server(port: int, db: Path) -> WorkflowEnvironment:
    return await WorkflowEnvironment.start_local(
        port=port,
        dev_server_database_filename=str(db),
        dev_server_startup_timeout=timedelta(seconds=60),
    )


@asynccontextmanager
async def in_process_worker(
    client: Client, task_queue: str, log: ExecutionLog
) -> AsyncIterator[None]:
    """Run a fault worker in this process, its activities recording in ``log``."""
    previous = os.environ.get("TEMPORAL_FAULTS_EXEC_LOG")
    use_log(log.path)
    try:
        worker = Worker(
            client, task_queue=task_queue, workflows=[FaultWorkflow], activities=[fault_step]
        )
        async with worker:
            yield
    finally:
        if previous is None:
            os.environ.pop("TEMPORAL_FAULTS_EXEC_LOG", None)
        else:
            os.environ["TEMPORAL_FAULTS_EXEC_LOG"] = previous


async def server_restart(
    workflows: int, restarts: int, work_dir: Path, timeout: float
) -> FaultReport:
    """Restart our own dev server (SQLite file, fixed port) ``restarts`` times mid-run.

    The worker and the client are the same objects throughout; nothing reconnects them but
    the SDK itself.
    """
    rep = FaultReport("server restart", workflows)
    log = ExecutionLog(work_dir / f"restart-{uuid.uuid4().hex[:8]}.log")
    port, db = free_port(), work_dir / f"restart-{uuid.uuid4().hex[:8]}.db"
    task_queue, prefix = f"faults-restart-{uuid.uuid4()}", f"restart-{uuid.uuid4().hex[:8]}"
    server = await _dev_server(port, db)
    handles: Handles = {}
    began = time.monotonic()
    try:
        client = await Client.connect(f"127.0.0.1:{port}")
        async with in_process_worker(client, task_queue, log):
            await start_workflows(client, task_queue, prefix, range(workflows), handles)
            signalled = False
            for r in range(restarts):
                await asyncio.sleep(random.uniform(1.0, 3.0))
                await server.shutdown()
                await asyncio.sleep(2.0)
                server = await _dev_server(port, db)
                rep.faults.append(f"restart #{r + 1} at {time.monotonic() - began:.1f}s")
                if not signalled:
                    await signal_workflows(handles, range(workflows))
                    signalled = True
            if not signalled:
                await signal_workflows(handles, range(workflows))
            await collect(handles, rep, _deadline(timeout))
        await client.service_client.close()
    finally:
        await server.shutdown()
    rep.seconds = time.monotonic() - began
    account_executions(log, handles, rep)
    return rep


# ---------------------------------------------------------------------- network faults


async def _expect_not_found(client: Client, rep: FaultReport) -> None:
    """A non-retryable failure must surface at once as an RPCError, faults or not."""
    handle = client.get_workflow_handle(f"faults-missing-{uuid.uuid4()}")
    began = time.monotonic()
    try:
        await handle.describe()
    except RPCError as err:
        if err.status != RPCStatusCode.NOT_FOUND:
            rep.problems.append(f"describe of a missing workflow raised {err.status.name}")
        rep.faults.append(f"NOT_FOUND surfaced in {time.monotonic() - began:.2f}s")
        return
    rep.problems.append("describe of a missing workflow succeeded")


# Healthy seconds between two faults. Each fault is shorter than the client's retry budget
# (RetryConfig: 10 retries, 10 s); back to back they would add up to one longer outage, which
# by design ends in RPCError (see test_a_call_outlasting_its_retry_budget_raises_unavailable).
_RECOVERY = 2.0


async def _fault_rounds(
    proxy: FaultProxy, client: Client, handles: Handles, rounds: int, rep: FaultReport
) -> None:
    """Delay, black hole, resets, refused connections, a flaky link; signals go out meanwhile."""
    numbers = sorted(handles)
    parts = [numbers[i :: 3 * rounds] for i in range(3 * rounds)]
    for r in range(rounds):
        first, second, third = parts[3 * r : 3 * r + 3]
        async with proxy.delaying(3.0, per_chunk=0.05):
            await _expect_not_found(client, rep)
            await signal_workflows(handles, first)
        async with proxy.black_hole(4.0):
            pending = asyncio.create_task(signal_workflows(handles, second))
        await pending
        await asyncio.sleep(_RECOVERY)
        for _ in range(2):
            proxy.reset_all()
            await asyncio.sleep(_RECOVERY)
        async with proxy.dropping(3.0):
            pending = asyncio.create_task(signal_workflows(handles, third))
        await pending
        await asyncio.sleep(_RECOVERY)
        proxy.reset_after_bytes = 64 * 1024
        proxy.stats.faults.append("reset each connection after 64 KiB for 3s")
        await asyncio.sleep(3.0)
        proxy.reset_after_bytes = None
        await asyncio.sleep(_RECOVERY)


async def network_faults(
    upstream: str, workflows: int, rounds: int, work_dir: Path, timeout: float
) -> FaultReport:
    """Run the workload through a ``FaultProxy`` and break the network ``rounds`` times.

    Results are awaited from the start, so the client's long polls live through every fault.
    """
    rep = FaultReport("network faults (proxy)", workflows)
    log = ExecutionLog(work_dir / f"net-{uuid.uuid4().hex[:8]}.log")
    task_queue, prefix = f"faults-net-{uuid.uuid4()}", f"net-{uuid.uuid4().hex[:8]}"
    handles: Handles = {}
    began = time.monotonic()
    async with FaultProxy(upstream) as proxy:
        client = await Client.connect(proxy.target)
        try:
            async with in_process_worker(client, task_queue, log):
                await start_workflows(client, task_queue, prefix, range(workflows), handles)
                results = asyncio.create_task(collect(handles, rep, _deadline(timeout)))
                try:
                    await _fault_rounds(proxy, client, handles, rounds, rep)
                except BaseException:
                    results.cancel()
                    raise
                finally:
                    proxy.set_drop(False)
                    proxy.set_black_hole(False)
                    proxy.reset_after_bytes = None
                    await asyncio.gather(results, return_exceptions=True)
                await results
        finally:
            await client.service_client.close()
        rep.faults = [*proxy.stats.faults, *rep.faults, f"{proxy.stats.resets} resets"]
    rep.seconds = time.monotonic() - began
    account_executions(log, handles, rep)
    return rep


async def long_partition(
    upstream: str, workflows: int, seconds: float, work_dir: Path, timeout: float
) -> FaultReport:
    """Black-hole the network for longer than the keep-alive timeout, then signal everything.

    Calls and polls under way see no error while the hole lasts; only the HTTP/2 keep-alive
    (30 s interval, 15 s timeout by default) notices the dead connection. Nothing may hang.
    """
    rep = FaultReport(f"partition {seconds:g}s", workflows)
    log = ExecutionLog(work_dir / f"partition-{uuid.uuid4().hex[:8]}.log")
    task_queue, prefix = f"faults-part-{uuid.uuid4()}", f"part-{uuid.uuid4().hex[:8]}"
    handles: Handles = {}
    began = time.monotonic()
    async with FaultProxy(upstream) as proxy:
        client = await Client.connect(proxy.target)
        try:
            async with in_process_worker(client, task_queue, log):
                await start_workflows(client, task_queue, prefix, range(workflows), handles)
                results = asyncio.create_task(collect(handles, rep, _deadline(timeout)))
                try:
                    async with proxy.black_hole(seconds):
                        pass
                    await signal_workflows(handles, sorted(handles))
                except BaseException:
                    results.cancel()
                    raise
                await results
        finally:
            await client.service_client.close()
        rep.faults = [*proxy.stats.faults, f"{proxy.stats.accepted} connections accepted"]
    rep.seconds = time.monotonic() - began
    account_executions(log, handles, rep)
    return rep
