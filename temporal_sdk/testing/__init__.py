"""Helpers for testing workflows and activities against a real Temporal server."""

from __future__ import annotations

from temporal_sdk.testing._activity import ActivityEnvironment
from temporal_sdk.testing._env import WorkflowEnvironment

__all__ = ["ActivityEnvironment", "WorkflowEnvironment"]
