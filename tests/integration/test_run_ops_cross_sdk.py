"""This SDK's patch, upsert, continue-as-new and cancel histories replay in the official Replayer.

The workflow code is shared with ``tests/replay/run_ops_workflows.py``; results must equal what
the official worker produced for it (``tests/replay/data/temporalio_run_ops_*.json``).
"""

from __future__ import annotations

import asyncio
import os
import sys
import uuid
from pathlib import Path

import pytest
from sa_helpers import register

from temporal_sdk.api.enums.v1 import EventType
from temporal_sdk.client import Client, WorkflowFailureError, WorkflowHistory
from temporal_sdk.exceptions import CancelledError
from temporal_sdk.worker import Replayer, Worker

_REPLAY_DIR = Path(__file__).parent.parent / "replay"
_BENCH_PYTHON = Path(__file__).parent.parent.parent / "bench" / ".venv" / "bin" / "python"
sys.path.insert(0, str(_REPLAY_DIR))

from run_ops_workflows import KEYWORD, XCancel, XRunOps  # noqa: E402

_ET = EventType


async def _replay_in_temporalio(history: WorkflowHistory, tmp_path: Path) -> None:
    if not _BENCH_PYTHON.exists():
        pytest.skip("no bench/.venv with temporalio (run bench/setup.sh)")
    path = tmp_path / f"{uuid.uuid4()}.json"
    path.write_text(history.to_json())
    proc = await asyncio.create_subprocess_exec(
        str(_BENCH_PYTHON),
        str(_REPLAY_DIR / "replay_run_ops_in_temporalio.py"),
        str(path),
        history.workflow_id,
        env={**os.environ, "SDK_ROOT": "temporalio"},
        stderr=asyncio.subprocess.PIPE,
    )
    _, err = await asyncio.wait_for(proc.communicate(), timeout=120)
    assert proc.returncode == 0, err.decode()


async def test_run_ops_histories_replay_in_temporalio(
    client: Client, task_queue: str, tmp_path: Path
) -> None:
    await register(client, KEYWORD)
    suffix = uuid.uuid4()
    async with Worker(client, task_queue=task_queue, workflows=[XRunOps, XCancel]):
        chain = await client.start_workflow(
            XRunOps.run, 0, id=f"x-run-ops-{suffix}", task_queue=task_queue
        )
        # The same result the official worker produced for this code.
        assert await chain.result() == "taken=True n=1 memo=1"
        first = await client.get_workflow_handle(
            chain.id, run_id=chain.result_run_id
        ).fetch_history()
        last = await client.get_workflow_handle(chain.id).fetch_history()

        cancel = await client.start_workflow(
            XCancel.run, id=f"x-cancel-{suffix}", task_queue=task_queue
        )
        for _ in range(300):
            events = [e.event_type async for e in cancel.fetch_history_events()]
            if _ET.EVENT_TYPE_TIMER_STARTED in events:
                break
            await asyncio.sleep(0.1)
        await cancel.cancel()
        with pytest.raises(WorkflowFailureError) as info:
            await cancel.result()
        assert isinstance(info.value.cause, CancelledError)
        cancelled = await cancel.fetch_history()
    assert first.events[-1].event_type == _ET.EVENT_TYPE_WORKFLOW_EXECUTION_CONTINUED_AS_NEW
    assert cancelled.events[-1].event_type == _ET.EVENT_TYPE_WORKFLOW_EXECUTION_CANCELED
    for history, wf in ((first, XRunOps), (last, XRunOps), (cancelled, XCancel)):
        await Replayer(workflows=[wf]).replay_workflow(history)
        await _replay_in_temporalio(history, tmp_path)
