"""Record ``data/temporalio_local_activities.json`` with the official SDK.

Run in its own process, with a Python that has ``temporalio`` installed (``bench/setup.sh``) and
never imports ``temporal_sdk`` (both register the same protobuf names)::

    CLI=$(.venv/bin/python -c 'import temporal_sdk.testing._env as e; print(e.find_dev_server())')
    SDK_ROOT=temporalio bench/.venv/bin/python tests/replay/record_local_temporalio.py "$CLI"
"""

from __future__ import annotations

import asyncio
import os
import sys
import uuid
from pathlib import Path

assert os.environ.get("SDK_ROOT") == "temporalio", "run with SDK_ROOT=temporalio"
sys.path.insert(0, str(Path(__file__).parent))

from local_activity_workflows import XLocal, fails_once, refuses, shout  # noqa: E402
from temporalio.testing import WorkflowEnvironment  # noqa: E402
from temporalio.worker import UnsandboxedWorkflowRunner, Worker  # noqa: E402

DATA = Path(__file__).parent / "data"


async def main(cli: str) -> None:
    async with await WorkflowEnvironment.start_local(dev_server_existing_path=cli) as env:
        tq = f"tq-{uuid.uuid4()}"
        async with Worker(
            env.client,
            task_queue=tq,
            workflows=[XLocal],
            activities=[shout, fails_once, refuses],
            workflow_runner=UnsandboxedWorkflowRunner(),
        ):
            handle = await env.client.start_workflow(XLocal.run, "k", id="x-local", task_queue=tq)
            print(await handle.result())
            history = await handle.fetch_history()
    (DATA / "temporalio_local_activities.json").write_text(history.to_json() + "\n")


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1]))
