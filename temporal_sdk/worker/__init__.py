"""Workers that run workflows and activities, and the replayer that checks determinism."""

from __future__ import annotations

from temporal_sdk.worker._replayer import Replayer, WorkflowReplayResult, WorkflowReplayResults
from temporal_sdk.worker._shared_state import SharedHeartbeatSender, SharedStateManager
from temporal_sdk.worker._worker import Worker

__all__ = [
    "Replayer",
    "SharedHeartbeatSender",
    "SharedStateManager",
    "Worker",
    "WorkflowReplayResult",
    "WorkflowReplayResults",
]
