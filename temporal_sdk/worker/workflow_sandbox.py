"""Names from ``temporalio.worker.workflow_sandbox`` that this SDK's determinism guard provides.

There is no import sandbox here: workflows run in the worker's own interpreter, watched by a cheap
guard (see docs/determinism.md). Only the guard's error type lives under this module path, so
``except RestrictedWorkflowAccessError`` written for temporalio keeps working.
"""

from __future__ import annotations

from temporal_sdk._runtime.guard import RestrictedWorkflowAccessError
from temporal_sdk.worker._runners import (
    SandboxedWorkflowRunner,
    SandboxMatcher,
    SandboxRestrictions,
)

__all__ = [
    "RestrictedWorkflowAccessError",
    "SandboxMatcher",
    "SandboxRestrictions",
    "SandboxedWorkflowRunner",
]
