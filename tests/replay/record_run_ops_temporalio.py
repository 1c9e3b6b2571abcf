"""Record ``data/temporalio_run_ops_*.json`` with the official SDK (patches, upserts, CAN, cancel).

Run in its own process, with a Python that has ``temporalio`` installed (``bench/setup.sh`` makes
one) and never imports ``temporal_sdk`` (both register the same protobuf names)::

    CLI=$(.venv/bin/python -c 'import temporal_sdk.testing._env as e; print(e.find_dev_server())')
    SDK_ROOT=temporalio bench/.venv/bin/python tests/replay/record_run_ops_temporalio.py "$CLI"
"""

from __future__ import annotations

import asyncio
import os
import sys
import uuid
from pathlib import Path

assert os.environ.get("SDK_ROOT") == "temporalio", "run with SDK_ROOT=temporalio"
sys.path.insert(0, str(Path(__file__).parent))

from run_ops_workflows import KEYWORD, XCancel, XRunOps  # noqa: E402
from temporalio.api.enums.v1 import EventType  # noqa: E402
from temporalio.testing import WorkflowEnvironment  # noqa: E402
from temporalio.worker import Worker  # noqa: E402

DATA = Path(__file__).parent / "data"


async def main(cli: str) -> None:
    async with await WorkflowEnvironment.start_local(
        dev_server_existing_path=cli, search_attributes=[KEYWORD]
    ) as env:
        client = env.client
        tq = f"tq-{uuid.uuid4()}"
        async with Worker(client, task_queue=tq, workflows=[XRunOps, XCancel]):
            chain = await client.start_workflow(XRunOps.run, 0, id="x-run-ops", task_queue=tq)
            print(await chain.result())
            first = client.get_workflow_handle("x-run-ops", run_id=chain.result_run_id)
            (DATA / "temporalio_run_ops_first.json").write_text(
                (await first.fetch_history()).to_json() + "\n"
            )
            last = client.get_workflow_handle("x-run-ops")
            (DATA / "temporalio_run_ops_last.json").write_text(
                (await last.fetch_history()).to_json() + "\n"
            )

            cancel = await client.start_workflow(XCancel.run, id="x-cancel", task_queue=tq)
            while True:
                history = await cancel.fetch_history()
                if any(e.event_type == EventType.EVENT_TYPE_TIMER_STARTED for e in history.events):
                    break
                await asyncio.sleep(0.1)
            await cancel.cancel()
            try:
                await cancel.result()
            except Exception as err:
                print("cancelled:", repr(err.__cause__))
            (DATA / "temporalio_run_ops_cancel.json").write_text(
                (await cancel.fetch_history()).to_json() + "\n"
            )


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1]))
