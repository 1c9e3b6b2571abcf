"""Helpers for testing workflows and activities: against a real server, or fully in-process."""

from __future__ import annotations

from temporal_sdk.testing._activity import ActivityEnvironment
from temporal_sdk.testing._env import WorkflowEnvironment
from temporal_sdk.testing._runner import (
    ActivityCall,
    WorkflowStuckError,
    WorkflowTestHandle,
    WorkflowTestRunner,
)
from temporal_sdk.testing._runner_activities import SimulatedTimeout
from temporal_sdk.testing._runner_server import WorkflowTaskFailedError

__all__ = [
    "ActivityCall",
    "ActivityEnvironment",
    "SimulatedTimeout",
    "WorkflowEnvironment",
    "WorkflowStuckError",
    "WorkflowTaskFailedError",
    "WorkflowTestHandle",
    "WorkflowTestRunner",
]
