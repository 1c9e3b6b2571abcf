"""This SDK's parent/child/external history replays through the official temporalio Replayer."""

from __future__ import annotations

import asyncio
import os
import sys
import uuid
from pathlib import Path

import pytest

from temporal_sdk.client import Client
from temporal_sdk.worker import Replayer, Worker

_REPLAY_DIR = Path(__file__).parent.parent / "replay"
_BENCH_PYTHON = Path(__file__).parent.parent.parent / "bench" / ".venv" / "bin" / "python"
sys.path.insert(0, str(_REPLAY_DIR))

from children_workflows import XChild, XParent  # noqa: E402

EXPECTED = [
    "child:hi",
    "Child Workflow execution failed/no",
    "child:wait",
    "CancelledError",
    "Unable to signal external workflow because it was not found",
    "Unable to cancel external workflow because not found",
]


async def test_children_history_replays_in_temporalio(
    client: Client, task_queue: str, tmp_path: Path
) -> None:
    suffix = uuid.uuid4()
    async with Worker(client, task_queue=task_queue, workflows=[XParent, XChild]):
        target = await client.start_workflow(
            XChild.run, "wait", id=f"x-target-{suffix}", task_queue=task_queue
        )
        parent = await client.start_workflow(
            XParent.run, target.id, id=f"x-parent-{suffix}", task_queue=task_queue
        )
        # The same results the official SDK's worker produces for this code.
        assert await parent.result() == EXPECTED
        assert await target.result() == "child:wait"
        history = await parent.fetch_history()
    await Replayer(workflows=[XParent, XChild]).replay_workflow(history)
    if not _BENCH_PYTHON.exists():
        pytest.skip("no bench/.venv with temporalio (run bench/setup.sh)")
    path = tmp_path / "history.json"
    path.write_text(history.to_json())
    proc = await asyncio.create_subprocess_exec(
        str(_BENCH_PYTHON),
        str(_REPLAY_DIR / "replay_in_temporalio.py"),
        str(path),
        env={**os.environ, "SDK_ROOT": "temporalio"},
        stderr=asyncio.subprocess.PIPE,
    )
    _, err = await asyncio.wait_for(proc.communicate(), timeout=120)
    assert proc.returncode == 0, err.decode()
