"""Replay a history of ``local_activity_workflows.XLocal`` through the official SDK's Replayer.

Run with ``SDK_ROOT=temporalio`` and a Python that has ``temporalio`` (``bench/setup.sh``); exits
non-zero with the replay failure on stderr when replay fails.
"""

from __future__ import annotations

import asyncio
import os
import sys
from pathlib import Path

assert os.environ.get("SDK_ROOT") == "temporalio", "run with SDK_ROOT=temporalio"
sys.path.insert(0, str(Path(__file__).parent))

from local_activity_workflows import XLocal  # noqa: E402
from temporalio.client import WorkflowHistory  # noqa: E402
from temporalio.worker import Replayer  # noqa: E402


async def main(path: str) -> int:
    history = WorkflowHistory.from_json("x-local", Path(path).read_text())
    result = await Replayer(workflows=[XLocal]).replay_workflow(
        history, raise_on_replay_failure=False
    )
    if result.replay_failure is not None:
        print(f"replay failed: {result.replay_failure!r}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main(sys.argv[1])))
