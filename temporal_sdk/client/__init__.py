"""Client for starting, signalling, cancelling and awaiting workflows on a Temporal server."""

from __future__ import annotations

from temporal_sdk.client._client import Client
from temporal_sdk.client._workflow import (
    RPCTimeoutOrCancelledError,
    WorkflowContinuedAsNewError,
    WorkflowFailureError,
    WorkflowHandle,
    WorkflowHistory,
    WorkflowHistoryEventFilterType,
)

__all__ = [
    "Client",
    "RPCTimeoutOrCancelledError",
    "WorkflowContinuedAsNewError",
    "WorkflowFailureError",
    "WorkflowHandle",
    "WorkflowHistory",
    "WorkflowHistoryEventFilterType",
]
