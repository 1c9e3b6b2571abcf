"""Builds a run's :class:`Info` from its InitializeWorkflow job.

Rule: pure; everything comes from the start event attributes, the activation timestamp and the
worker's namespace and task queue (the fallback when the event names none).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta, timezone
from typing import Any

from temporal_sdk._core.activation import InitializeWorkflow
from temporal_sdk._runtime.context import Info, ParentInfo
from temporal_sdk._search_attributes import decode_typed, decode_untyped
from temporal_sdk.api.common.v1 import Payload
from temporal_sdk.common import RetryPolicy


def _duration(proto: Any, field: str) -> timedelta | None:
    if not proto.HasField(field):
        return None
    value: timedelta = getattr(proto, field).ToTimedelta()
    return value or None


def _detached(payloads: Mapping[str, Payload]) -> dict[str, Payload]:
    """Standalone copies of ``payloads``.

    The run keeps its Info, and a payload held from the start event would keep the whole poll
    response it arrived in (its protobuf arena) alive.
    """
    if not payloads:
        return {}
    copies: dict[str, Payload] = {}
    for key, value in payloads.items():
        copy = Payload()
        copy.CopyFrom(value)
        copies[key] = copy
    return copies


def build_info(
    init: InitializeWorkflow, timestamp: float, *, namespace: str, task_queue: str
) -> Info:
    """The :class:`Info` of the run ``init`` starts, at activation time ``timestamp``."""
    start = init.start
    parent = None
    if start.HasField("parent_workflow_execution"):
        parent = ParentInfo(
            namespace=start.parent_workflow_namespace,
            run_id=start.parent_workflow_execution.run_id,
            workflow_id=start.parent_workflow_execution.workflow_id,
        )
    retry = RetryPolicy.from_proto(start.retry_policy) if start.HasField("retry_policy") else None
    return Info(
        attempt=start.attempt or 1,
        continued_run_id=start.continued_execution_run_id or None,
        cron_schedule=start.cron_schedule or None,
        execution_timeout=_duration(start, "workflow_execution_timeout"),
        first_execution_run_id=start.first_execution_run_id or init.run_id,
        headers=_detached(init.headers),
        namespace=namespace,
        original_execution_run_id=start.original_execution_run_id or init.run_id,
        parent=parent,
        raw_memo=_detached(start.memo.fields),
        retry_policy=retry,
        run_id=init.run_id,
        run_timeout=_duration(start, "workflow_run_timeout"),
        start_time=datetime.fromtimestamp(timestamp, timezone.utc),
        task_queue=start.task_queue.name or task_queue,
        task_timeout=_duration(start, "workflow_task_timeout") or timedelta(seconds=10),
        workflow_id=init.workflow_id,
        workflow_type=init.workflow_type,
        typed_search_attributes=decode_typed(start.search_attributes),
        search_attributes=decode_untyped(start.search_attributes),
    )
