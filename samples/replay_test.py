"""Replay test: fetch a finished workflow's history and replay it against workflow code.

Replaying against the same code succeeds; replaying against a changed version (one that calls a
different activity) fails with a non-determinism error. Put the first check in CI, with
histories from production, to catch incompatible changes before they ship.

Run it with no arguments to start an embedded Temporal dev server for the duration of the
program, or point it at a running server with ``--target host:port``.
"""

from __future__ import annotations

import argparse
import asyncio
import uuid
from datetime import timedelta

from temporal_sdk import activity, workflow
from temporal_sdk.client import Client
from temporal_sdk.testing import WorkflowEnvironment
from temporal_sdk.worker import Replayer, Worker


@activity.defn
async def say_hello(name: str) -> str:
    return f"Hello, {name}!"


@activity.defn
async def say_goodbye(name: str) -> str:
    return f"Goodbye, {name}!"


@workflow.defn(name="ReplayDemo")
class ReplayDemoWorkflow:
    @workflow.run
    async def run(self, name: str) -> str:
        return await workflow.execute_activity(
            say_hello, name, start_to_close_timeout=timedelta(seconds=10)
        )


@workflow.defn(name="ReplayDemo")
class ChangedReplayDemoWorkflow:
    """The same workflow type after an incompatible change: a different activity."""

    @workflow.run
    async def run(self, name: str) -> str:
        return await workflow.execute_activity(
            say_goodbye, name, start_to_close_timeout=timedelta(seconds=10)
        )


async def run_sample(client: Client) -> list[str]:
    task_queue = f"replay-test-{uuid.uuid4()}"
    async with Worker(
        client, task_queue=task_queue, workflows=[ReplayDemoWorkflow], activities=[say_hello]
    ):
        handle = await client.start_workflow(
            ReplayDemoWorkflow.run, "Ada", id=f"replay-test-{uuid.uuid4()}", task_queue=task_queue
        )
        await handle.result()
    history = await handle.fetch_history()

    outcomes = []
    for cls in (ReplayDemoWorkflow, ChangedReplayDemoWorkflow):
        result = await Replayer(workflows=[cls]).replay_workflow(
            history, raise_on_replay_failure=False
        )
        failure = result.replay_failure
        verdict = "ok" if failure is None else f"failed: {type(failure).__name__}"
        outcomes.append(f"{cls.__name__}: {verdict}")
    return outcomes


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
