"""Updates: change a running workflow's state and get a result back, with validation.

An update is a request the workflow answers: the validator may reject it before anything is
written to history, and the handler's return value goes back to the caller.

Run it with no arguments to start an embedded Temporal dev server for the duration of the
program, or point it at a running server with ``--target host:port``.
"""

from __future__ import annotations

import argparse
import asyncio
import uuid

from temporal_sdk import workflow
from temporal_sdk.client import Client, WorkflowUpdateFailedError
from temporal_sdk.testing import WorkflowEnvironment
from temporal_sdk.worker import Worker


@workflow.defn
class CartWorkflow:
    def __init__(self) -> None:
        self._items: list[str] = []
        self._checked_out = False

    @workflow.run
    async def run(self) -> list[str]:
        await workflow.wait_condition(lambda: self._checked_out)
        # Let any update handler still running finish before the workflow completes.
        await workflow.wait_condition(workflow.all_handlers_finished)
        return self._items

    @workflow.update
    def add_item(self, item: str) -> int:
        self._items.append(item)
        return len(self._items)

    @add_item.validator
    def _validate_item(self, item: str) -> None:
        if not item:
            raise ValueError("an item needs a name")

    @workflow.update
    def checkout(self) -> str:
        self._checked_out = True
        return f"checked out {len(self._items)} items"


async def run_sample(client: Client) -> list[str]:
    task_queue = f"updates-{uuid.uuid4()}"
    async with Worker(client, task_queue=task_queue, workflows=[CartWorkflow]):
        handle = await client.start_workflow(
            CartWorkflow.run, id=f"updates-{uuid.uuid4()}", task_queue=task_queue
        )
        for item in ("apples", "pears"):
            count = await handle.execute_update(CartWorkflow.add_item, item)
            print(f"Cart holds {count} items")
        try:
            await handle.execute_update(CartWorkflow.add_item, "")
        except WorkflowUpdateFailedError as err:
            print(f"Rejected: {err.cause}")
        print(await handle.execute_update(CartWorkflow.checkout))
        return await handle.result()


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
