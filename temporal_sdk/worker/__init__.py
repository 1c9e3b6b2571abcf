"""Workers that run workflows and activities, and the replayer that checks determinism."""

from __future__ import annotations

from typing import TYPE_CHECKING

from temporal_sdk._lazy import lazy_getattr
from temporal_sdk._worker_interceptor import (
    ActivityInboundInterceptor,
    ActivityOutboundInterceptor,
    ContinueAsNewInput,
    ExecuteActivityInput,
    ExecuteWorkflowInput,
    HandleQueryInput,
    HandleSignalInput,
    HandleUpdateInput,
    Interceptor,
    SignalChildWorkflowInput,
    SignalExternalWorkflowInput,
    StartActivityInput,
    StartChildWorkflowInput,
    StartLocalActivityInput,
    WorkflowInboundInterceptor,
    WorkflowInterceptorClassInput,
    WorkflowOutboundInterceptor,
)
from temporal_sdk.worker._worker import Worker

if TYPE_CHECKING:
    from temporal_sdk.worker._replayer import (
        Replayer,
        WorkflowReplayResult,
        WorkflowReplayResults,
    )
    from temporal_sdk.worker._shared_state import SharedHeartbeatSender, SharedStateManager
else:
    # Imported on first use: the replayer pulls in the whole workflow runtime, the shared
    # state manager multiprocessing; a plain ``import temporal_sdk.worker`` needs neither.
    __getattr__ = lazy_getattr(
        globals(),
        {
            "Replayer": "temporal_sdk.worker._replayer",
            "WorkflowReplayResult": "temporal_sdk.worker._replayer",
            "WorkflowReplayResults": "temporal_sdk.worker._replayer",
            "SharedHeartbeatSender": "temporal_sdk.worker._shared_state",
            "SharedStateManager": "temporal_sdk.worker._shared_state",
        },
    )

__all__ = [
    "ActivityInboundInterceptor",
    "ActivityOutboundInterceptor",
    "ContinueAsNewInput",
    "ExecuteActivityInput",
    "ExecuteWorkflowInput",
    "HandleQueryInput",
    "HandleSignalInput",
    "HandleUpdateInput",
    "Interceptor",
    "Replayer",
    "SharedHeartbeatSender",
    "SharedStateManager",
    "SignalChildWorkflowInput",
    "SignalExternalWorkflowInput",
    "StartActivityInput",
    "StartChildWorkflowInput",
    "StartLocalActivityInput",
    "Worker",
    "WorkflowInboundInterceptor",
    "WorkflowInterceptorClassInput",
    "WorkflowOutboundInterceptor",
    "WorkflowReplayResult",
    "WorkflowReplayResults",
]
