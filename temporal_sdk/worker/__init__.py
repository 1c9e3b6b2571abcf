"""Workers that run workflows and activities, and the replayer that checks determinism."""

from __future__ import annotations

from typing import TYPE_CHECKING

from temporal_sdk._lazy import lazy_getattr
from temporal_sdk.worker._worker import Worker

if TYPE_CHECKING:
    from temporal_sdk._versioning import WorkerDeploymentVersion
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
    from temporal_sdk.worker._config import WorkerConfig
    from temporal_sdk.worker._deployment import WorkerDeploymentConfig
    from temporal_sdk.worker._plugin import Plugin, ReplayerConfig
    from temporal_sdk.worker._replayer import (
        Replayer,
        WorkflowReplayResult,
        WorkflowReplayResults,
    )
    from temporal_sdk.worker._runners import UnsandboxedWorkflowRunner, WorkflowRunner
    from temporal_sdk.worker._shared_state import SharedHeartbeatSender, SharedStateManager
else:
    # Imported on first use (PEP 562): the replayer pulls in the whole workflow runtime, the
    # shared state manager multiprocessing, the interceptor API a dozen dataclasses; a plain
    # ``import temporal_sdk.worker`` needs none of them.
    __getattr__ = lazy_getattr(
        globals(),
        {
            "ActivityInboundInterceptor": "temporal_sdk._worker_interceptor",
            "ActivityOutboundInterceptor": "temporal_sdk._worker_interceptor",
            "ContinueAsNewInput": "temporal_sdk._worker_interceptor",
            "ExecuteActivityInput": "temporal_sdk._worker_interceptor",
            "ExecuteWorkflowInput": "temporal_sdk._worker_interceptor",
            "HandleQueryInput": "temporal_sdk._worker_interceptor",
            "HandleSignalInput": "temporal_sdk._worker_interceptor",
            "HandleUpdateInput": "temporal_sdk._worker_interceptor",
            "Interceptor": "temporal_sdk._worker_interceptor",
            "SignalChildWorkflowInput": "temporal_sdk._worker_interceptor",
            "SignalExternalWorkflowInput": "temporal_sdk._worker_interceptor",
            "StartActivityInput": "temporal_sdk._worker_interceptor",
            "StartChildWorkflowInput": "temporal_sdk._worker_interceptor",
            "StartLocalActivityInput": "temporal_sdk._worker_interceptor",
            "WorkflowInboundInterceptor": "temporal_sdk._worker_interceptor",
            "WorkflowInterceptorClassInput": "temporal_sdk._worker_interceptor",
            "WorkflowOutboundInterceptor": "temporal_sdk._worker_interceptor",
            "Plugin": "temporal_sdk.worker._plugin",
            "ReplayerConfig": "temporal_sdk.worker._plugin",
            "Replayer": "temporal_sdk.worker._replayer",
            "WorkflowReplayResult": "temporal_sdk.worker._replayer",
            "WorkflowReplayResults": "temporal_sdk.worker._replayer",
            "SharedHeartbeatSender": "temporal_sdk.worker._shared_state",
            "SharedStateManager": "temporal_sdk.worker._shared_state",
            "WorkerDeploymentConfig": "temporal_sdk.worker._deployment",
            "WorkerConfig": "temporal_sdk.worker._config",
            "UnsandboxedWorkflowRunner": "temporal_sdk.worker._runners",
            "WorkflowRunner": "temporal_sdk.worker._runners",
            "WorkerDeploymentVersion": "temporal_sdk._versioning",
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
    "Plugin",
    "Replayer",
    "ReplayerConfig",
    "SharedHeartbeatSender",
    "SharedStateManager",
    "SignalChildWorkflowInput",
    "SignalExternalWorkflowInput",
    "StartActivityInput",
    "StartChildWorkflowInput",
    "StartLocalActivityInput",
    "UnsandboxedWorkflowRunner",
    "Worker",
    "WorkerConfig",
    "WorkerDeploymentConfig",
    "WorkerDeploymentVersion",
    "WorkflowInboundInterceptor",
    "WorkflowInterceptorClassInput",
    "WorkflowOutboundInterceptor",
    "WorkflowReplayResult",
    "WorkflowReplayResults",
    "WorkflowRunner",
]
