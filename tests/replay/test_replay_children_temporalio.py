"""A parent/child/external history recorded by the official temporalio worker replays here."""

from __future__ import annotations

from pathlib import Path

from children_workflows import XChild, XParent

from temporal_sdk.api.enums.v1 import EventType
from temporal_sdk.client import WorkflowHistory
from temporal_sdk.worker import Replayer

DATA = Path(__file__).parent / "data"


def _history() -> WorkflowHistory:
    return WorkflowHistory.from_json("x-parent", (DATA / "temporalio_children.json").read_text())


async def test_temporalio_children_history_replays() -> None:
    history = _history()
    kinds = {EventType.Name(e.event_type) for e in history.events}
    # The recording covers every child and external command and outcome this test is about.
    for name in (
        "START_CHILD_WORKFLOW_EXECUTION_INITIATED",
        "CHILD_WORKFLOW_EXECUTION_STARTED",
        "CHILD_WORKFLOW_EXECUTION_COMPLETED",
        "CHILD_WORKFLOW_EXECUTION_FAILED",
        "SIGNAL_EXTERNAL_WORKFLOW_EXECUTION_INITIATED",
        "EXTERNAL_WORKFLOW_EXECUTION_SIGNALED",
        "SIGNAL_EXTERNAL_WORKFLOW_EXECUTION_FAILED",
        "REQUEST_CANCEL_EXTERNAL_WORKFLOW_EXECUTION_INITIATED",
        "REQUEST_CANCEL_EXTERNAL_WORKFLOW_EXECUTION_FAILED",
    ):
        assert f"EVENT_TYPE_{name}" in kinds
    result = await Replayer(workflows=[XParent, XChild]).replay_workflow(history)
    assert result.replay_failure is None


async def test_removed_child_is_caught() -> None:
    from temporal_sdk import workflow

    @workflow.defn(name="XParent")
    class NoChildren:
        @workflow.run
        async def run(self, target_id: str) -> list[str]:
            return []

    result = await Replayer(workflows=[NoChildren, XChild]).replay_workflow(
        _history(), raise_on_replay_failure=False
    )
    assert result.replay_failure is not None
    assert "StartChildWorkflowExecutionInitiated" in str(result.replay_failure)
