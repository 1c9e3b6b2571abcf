"""Replay a history of ``run_ops_workflows`` through the official SDK's Replayer.

Run in its own process with ``SDK_ROOT=temporalio`` and a Python that has ``temporalio``
(``bench/setup.sh``); exits non-zero with the replay failure on stderr when replay fails::

    SDK_ROOT=temporalio bench/.venv/bin/python tests/replay/replay_run_ops_in_temporalio.py \
        history.json workflow-id
"""

from __future__ import annotations

import asyncio
import os
import sys
from pathlib import Path

assert os.environ.get("SDK_ROOT") == "temporalio", "run with SDK_ROOT=temporalio"
sys.path.insert(0, str(Path(__file__).parent))

from run_ops_workflows import XCancel, XRunOps  # noqa: E402
from temporalio.client import WorkflowHistory  # noqa: E402
from temporalio.worker import Replayer  # noqa: E402


async def main(path: str, workflow_id: str) -> int:
    history = WorkflowHistory.from_json(workflow_id, Path(path).read_text())
    result = await Replayer(workflows=[XRunOps, XCancel]).replay_workflow(
        history, raise_on_replay_failure=False
    )
    if result.replay_failure is not None:
        print(f"replay failed: {result.replay_failure!r}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main(sys.argv[1], sys.argv[2])))
