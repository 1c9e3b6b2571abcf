"""A worker for the fault workload in its own process, so a test can SIGKILL it.

Run as a script: ``python tests/faults/fault_worker.py --target HOST:PORT --task-queue Q
--exec-log PATH``. It prints ``READY`` once its pollers run and then serves until killed or
until SIGTERM/SIGINT (a graceful shutdown). ``WorkerProcess`` starts, kills and restarts it
from the driver's side and always cleans up after itself.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import signal
import sys
from pathlib import Path

_SCRIPT = Path(__file__).resolve()

# Every WorkerProcess with a live child, so a test session can kill strays whatever happened.
_LIVE: set[WorkerProcess] = set()


def kill_strays() -> int:
    """SIGKILL every fault worker this process started and has not reaped; return how many."""
    strays = list(_LIVE)
    for proc in strays:
        proc.kill_now()
    return len(strays)


class WorkerProcess:
    """One fault worker subprocess at a time; ``kill`` is SIGKILL, nothing graceful."""

    def __init__(self, target: str, task_queue: str, exec_log: Path) -> None:
        self._args = [
            str(_SCRIPT),
            "--target",
            target,
            "--task-queue",
            task_queue,
            "--exec-log",
            str(exec_log),
        ]
        self._proc: asyncio.subprocess.Process | None = None
        self.starts = 0
        self.kills = 0

    async def start(self, ready_timeout: float = 60.0) -> None:
        """Start a worker and wait until it says its pollers run."""
        if self._proc is not None and self._proc.returncode is None:
            raise RuntimeError("a fault worker is already running")
        proc = await asyncio.create_subprocess_exec(
            sys.executable, *self._args, stdout=asyncio.subprocess.PIPE
        )
        self._proc = proc
        _LIVE.add(self)
        self.starts += 1
        assert proc.stdout is not None
        try:
            line = await asyncio.wait_for(proc.stdout.readline(), ready_timeout)
        except BaseException:
            await self.kill()
            raise
        if line.strip() != b"READY":
            await self.kill()
            raise RuntimeError(f"fault worker did not start (said {line!r})")

    async def kill(self) -> None:
        """SIGKILL the worker (if it runs) and reap it."""
        proc, self._proc = self._proc, None
        _LIVE.discard(self)
        if proc is None:
            return
        if proc.returncode is None:
            proc.kill()
            self.kills += 1
        await proc.wait()

    async def stop(self, timeout: float = 30.0) -> None:
        """Ask the worker to shut down gracefully; SIGKILL it if it takes too long."""
        proc = self._proc
        if proc is None:
            return
        if proc.returncode is None:
            proc.terminate()
            with contextlib.suppress(asyncio.TimeoutError):
                await asyncio.wait_for(proc.wait(), timeout)
        if proc.returncode is None:
            await self.kill()
        self._proc = None
        _LIVE.discard(self)

    def kill_now(self) -> None:
        """Synchronous last-resort cleanup (for finalizers that run outside the event loop)."""
        proc = self._proc
        _LIVE.discard(self)
        if proc is not None and proc.returncode is None:
            with contextlib.suppress(ProcessLookupError):
                proc.kill()


async def _serve(target: str, task_queue: str, exec_log: Path) -> None:
    from faults_workload import FaultWorkflow, fault_step, use_log

    from temporal_sdk.client import Client
    from temporal_sdk.worker import Worker

    use_log(exec_log)
    client = await Client.connect(target)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    orphan_watch = asyncio.create_task(_exit_when_orphaned(stop))
    worker = Worker(
        client, task_queue=task_queue, workflows=[FaultWorkflow], activities=[fault_step]
    )
    async with worker:
        print("READY", flush=True)
        await stop.wait()
    orphan_watch.cancel()


async def _exit_when_orphaned(stop: asyncio.Event) -> None:
    """Stop when the driver that started us is gone (it may have been killed itself)."""
    parent = os.getppid()
    while os.getppid() == parent:
        await asyncio.sleep(1.0)
    stop.set()


def main() -> None:
    """Parse the command line and serve until told to stop."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--target", required=True)
    parser.add_argument("--task-queue", required=True)
    parser.add_argument("--exec-log", required=True, type=Path)
    args = parser.parse_args()
    asyncio.run(_serve(args.target, args.task_queue, args.exec_log))


if __name__ == "__main__":
    main()
