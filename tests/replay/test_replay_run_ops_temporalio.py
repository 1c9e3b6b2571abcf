"""Histories recorded by the official temporalio worker (patches, upserts, CAN, cancel) replay here.

The JSON files come from ``record_run_ops_temporalio.py``; the workflow code is shared
(``run_ops_workflows.py``).
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from run_ops_workflows import XCancel, XRunOps

from temporal_sdk import workflow
from temporal_sdk.api.enums.v1 import EventType
from temporal_sdk.client import WorkflowHistory
from temporal_sdk.worker import Replayer
from temporal_sdk.workflow import NondeterminismError

DATA = Path(__file__).parent / "data"
_ET = EventType


def _history(name: str, workflow_id: str) -> WorkflowHistory:
    text = (DATA / f"temporalio_run_ops_{name}.json").read_text()
    return WorkflowHistory.from_json(workflow_id, text)


def _types(history: WorkflowHistory) -> list[int]:
    return [e.event_type for e in history.events]


@pytest.mark.parametrize("name", ["first", "last"])
async def test_patch_upsert_and_continue_as_new_history_replays(name: str) -> None:
    history = _history(name, "x-run-ops")
    types = _types(history)
    assert types.count(_ET.EVENT_TYPE_MARKER_RECORDED) == 2
    assert _ET.EVENT_TYPE_WORKFLOW_PROPERTIES_MODIFIED in types
    last = (
        _ET.EVENT_TYPE_WORKFLOW_EXECUTION_CONTINUED_AS_NEW
        if name == "first"
        else _ET.EVENT_TYPE_WORKFLOW_EXECUTION_COMPLETED
    )
    assert types[-1] == last
    result = await Replayer(workflows=[XRunOps]).replay_workflow(history)
    assert result.replay_failure is None


async def test_cancel_history_replays() -> None:
    history = _history("cancel", "x-cancel")
    types = _types(history)
    assert _ET.EVENT_TYPE_TIMER_CANCELED in types
    assert types[-1] == _ET.EVENT_TYPE_WORKFLOW_EXECUTION_CANCELED
    await Replayer(workflows=[XCancel]).replay_workflow(history)


async def test_removing_live_patch_is_caught() -> None:
    @workflow.defn(name="XRunOps")
    class NoPatch:
        @workflow.run
        async def run(self, n: int) -> str:
            workflow.deprecate_patch("x-old")  # the live "x-patch" call is gone
            await workflow.sleep(timedelta(milliseconds=10))
            return "unreachable"

    result = await Replayer(workflows=[NoPatch]).replay_workflow(
        _history("last", "x-run-ops"), raise_on_replay_failure=False
    )
    assert isinstance(result.replay_failure, NondeterminismError)
    assert "MarkerRecorded" in str(result.replay_failure)
