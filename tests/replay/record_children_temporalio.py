"""Record the histories in ``data/temporalio_children*.json`` with the official SDK.

Run in its own process, with a Python that has ``temporalio`` installed (``bench/setup.sh`` makes
one) and never imports ``temporal_sdk`` (both register the same protobuf names)::

    CLI=$(.venv/bin/python -c 'import temporal_sdk.testing._env as e; print(e.find_dev_server())')
    SDK_ROOT=temporalio bench/.venv/bin/python tests/replay/record_children_temporalio.py "$CLI"

The argument is the path of a ``temporal`` CLI to run the dev server with.
"""

from __future__ import annotations

import asyncio
import os
import sys
import uuid
from pathlib import Path

assert os.environ.get("SDK_ROOT") == "temporalio", "run with SDK_ROOT=temporalio"
sys.path.insert(0, str(Path(__file__).parent))

from children_workflows import XChild, XParent  # noqa: E402
from temporalio.testing import WorkflowEnvironment  # noqa: E402
from temporalio.worker import Worker  # noqa: E402

DATA = Path(__file__).parent / "data"


async def main(cli: str) -> None:
    async with await WorkflowEnvironment.start_local(dev_server_existing_path=cli) as env:
        tq = f"tq-{uuid.uuid4()}"
        async with Worker(env.client, task_queue=tq, workflows=[XParent, XChild]):
            target = await env.client.start_workflow(
                XChild.run, "wait", id="x-target", task_queue=tq
            )
            parent = await env.client.start_workflow(
                XParent.run, "x-target", id="x-parent", task_queue=tq
            )
            print(await parent.result(), await target.result())
            history = await parent.fetch_history()
    (DATA / "temporalio_children.json").write_text(history.to_json() + "\n")


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1]))
