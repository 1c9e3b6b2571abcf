"""A local activity history recorded by the official temporalio worker replays here."""

from __future__ import annotations

from pathlib import Path

from local_activity_workflows import ATTEMPTS, XLocal

from temporal_sdk.api.enums.v1 import EventType
from temporal_sdk.client import WorkflowHistory
from temporal_sdk.worker import Replayer

DATA = Path(__file__).parent / "data"


async def test_temporalio_local_activity_history_replays() -> None:
    history = WorkflowHistory.from_json(
        "x-local", (DATA / "temporalio_local_activities.json").read_text()
    )
    kinds = [e.event_type for e in history.events]
    # Four markers (one a durable backoff, followed by its timer) and no activity tasks.
    assert kinds.count(EventType.EVENT_TYPE_MARKER_RECORDED) == 4
    assert EventType.EVENT_TYPE_TIMER_FIRED in kinds
    assert EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED not in kinds
    before = dict(ATTEMPTS)
    result = await Replayer(workflows=[XLocal]).replay_workflow(history)
    assert result.replay_failure is None
    assert before == ATTEMPTS  # replay ran no activity
