"""Read-side workflow client operations: describe, list (visibility) and count.

Rule: these types are plain views over the server's ``WorkflowExecutionInfo``; the raw protobuf is
always kept, memo and user metadata payloads are decoded lazily through the client's data
converter (so codecs apply), and search attributes are decoded eagerly (they never pass a codec).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from enum import IntEnum
from typing import TYPE_CHECKING, Any

from google.protobuf.timestamp_pb2 import Timestamp

from temporal_sdk._converter_context import for_workflow
from temporal_sdk._search_attributes import (
    SearchAttributeValue,
    TypedSearchAttributes,
    decode_typed,
    decode_untyped,
)
from temporal_sdk.api.common.v1 import Memo, Payload
from temporal_sdk.api.common.v1 import WorkflowExecution as WorkflowExecution_
from temporal_sdk.api.enums import v1 as _enums
from temporal_sdk.api.sdk.v1 import UserMetadata
from temporal_sdk.api.workflow.v1 import WorkflowExecutionInfo
from temporal_sdk.api.workflowservice.v1 import (
    CountWorkflowExecutionsRequest,
    CountWorkflowExecutionsResponse,
    DescribeWorkflowExecutionRequest,
    DescribeWorkflowExecutionResponse,
    ListWorkflowExecutionsRequest,
)

if TYPE_CHECKING:
    from temporal_sdk.client import Client
    from temporal_sdk.client._history import WorkflowHistory
    from temporal_sdk.converter import DataConverter

_UNSET: Any = object()


class WorkflowExecutionStatus(IntEnum):
    """Where a workflow run is in its life: running or one of the ways it closed."""

    RUNNING = int(_enums.WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_RUNNING)
    COMPLETED = int(_enums.WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_COMPLETED)
    FAILED = int(_enums.WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_FAILED)
    CANCELED = int(_enums.WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_CANCELED)
    TERMINATED = int(_enums.WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_TERMINATED)
    CONTINUED_AS_NEW = int(
        _enums.WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_CONTINUED_AS_NEW
    )
    TIMED_OUT = int(_enums.WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_TIMED_OUT)


def _time(proto: Any, field: str) -> datetime | None:
    if not proto.HasField(field):
        return None
    stamp: Timestamp = getattr(proto, field)
    return stamp.ToDatetime().replace(tzinfo=timezone.utc)


async def decode_memo(converter: DataConverter, memo: Memo) -> dict[str, Any]:
    """Decode every memo field without type hints."""
    keys = list(memo.fields)
    values = await converter.decode([memo.fields[k] for k in keys]) if keys else []
    return dict(zip(keys, values, strict=True))


async def encode_memo(converter: DataConverter, memo: Mapping[str, Any], proto: Memo) -> None:
    """Encode ``memo`` (one payload per key) into ``proto``."""
    keys = list(memo)
    payloads = await converter.encode([memo[k] for k in keys]) if keys else []
    for key, payload in zip(keys, payloads, strict=True):
        proto.fields[key].CopyFrom(payload)


async def encode_user_metadata(
    converter: DataConverter, summary: str | None, details: str | None
) -> UserMetadata | None:
    """Encode a static summary and details; ``None`` when neither is given."""
    if summary is None and details is None:
        return None
    meta = UserMetadata()
    if summary is not None:
        meta.summary.CopyFrom((await converter.encode([summary]))[0])
    if details is not None:
        meta.details.CopyFrom((await converter.encode([details]))[0])
    return meta


async def _decode_optional(converter: DataConverter, payload: Payload, present: bool) -> Any:
    return (await converter.decode([payload]))[0] if present else None


@dataclass
class WorkflowExecution:
    """One workflow run as visibility (list) or describe reports it."""

    close_time: datetime | None
    """When the run closed, if it has."""
    execution_time: datetime | None
    """When the run started (or will start, after a start delay or cron wait) executing."""
    history_length: int
    """Number of events in the run's history."""
    id: str
    """Workflow id."""
    namespace: str
    """Namespace of the run."""
    parent_id: str | None
    """Parent workflow id, for a child workflow."""
    parent_run_id: str | None
    """Parent run id, for a child workflow."""
    root_id: str | None
    """Workflow id at the root of the parent chain, if reported."""
    root_run_id: str | None
    """Run id at the root of the parent chain, if reported."""
    raw_info: WorkflowExecutionInfo
    """The protobuf this view was built from."""
    run_id: str
    """Run id."""
    start_time: datetime
    """When the run was created."""
    status: WorkflowExecutionStatus | None
    """Run status, ``None`` if the server gave none."""
    task_queue: str
    """Task queue the run's workflow tasks go to."""
    typed_search_attributes: TypedSearchAttributes
    """Search attributes whose type the server reported."""
    workflow_type: str
    """Workflow type name."""
    data_converter: DataConverter
    """Converter used to decode the memo."""

    @classmethod
    def _from_raw_info(
        cls, info: WorkflowExecutionInfo, namespace: str, converter: DataConverter, **extra: Any
    ) -> Any:
        parent = info.parent_execution if info.HasField("parent_execution") else None
        root = info.root_execution if info.HasField("root_execution") else None
        return cls(
            close_time=_time(info, "close_time"),
            execution_time=_time(info, "execution_time"),
            history_length=info.history_length,
            id=info.execution.workflow_id,
            namespace=namespace,
            parent_id=parent.workflow_id if parent else None,
            parent_run_id=parent.run_id if parent else None,
            root_id=root.workflow_id if root else None,
            root_run_id=root.run_id if root else None,
            raw_info=info,
            run_id=info.execution.run_id,
            start_time=_time(info, "start_time") or datetime.fromtimestamp(0, timezone.utc),
            status=WorkflowExecutionStatus(info.status) if info.status else None,
            task_queue=info.task_queue,
            typed_search_attributes=decode_typed(info.search_attributes),
            workflow_type=info.type.name,
            data_converter=for_workflow(converter, namespace, info.execution.workflow_id),
            **extra,
        )

    @property
    def search_attributes(self) -> Mapping[str, Sequence[Any]]:
        """Search attributes in the older untyped form (prefer :attr:`typed_search_attributes`)."""
        return decode_untyped(self.raw_info.search_attributes)

    async def memo(self) -> Mapping[str, Any]:
        """Every memo value, decoded without type hints (dataclasses come back as dicts)."""
        return await decode_memo(self.data_converter, self.raw_info.memo)

    async def memo_value(self, key: str, default: Any = _UNSET, *, type_hint: Any = None) -> Any:
        """One memo value decoded to ``type_hint``; ``default`` (or ``KeyError``) when absent."""
        fields = self.raw_info.memo.fields
        if key not in fields:
            if default is _UNSET:
                raise KeyError(f"Memo does not have a value for key {key}")
            return default
        hints = [type_hint] if type_hint is not None else None
        return (await self.data_converter.decode([fields[key]], hints))[0]


@dataclass
class WorkflowExecutionDescription(WorkflowExecution):
    """A run as ``describe()`` reports it, with the full response kept in ``raw_description``."""

    raw_description: DescribeWorkflowExecutionResponse
    """The protobuf response (pending activities, children, config, ...)."""

    @property
    def pending_activity_count(self) -> int:
        """Number of activities scheduled or running in this run."""
        return len(self.raw_description.pending_activities)

    @property
    def pending_child_workflow_count(self) -> int:
        """Number of child workflows started and not yet closed."""
        return len(self.raw_description.pending_children)

    async def static_summary(self) -> str | None:
        """The single-line summary given at start, if any."""
        meta = self.raw_description.execution_config.user_metadata
        found = await _decode_optional(self.data_converter, meta.summary, meta.HasField("summary"))
        return str(found) if found is not None else None

    async def static_details(self) -> str | None:
        """The longer details text given at start, if any."""
        meta = self.raw_description.execution_config.user_metadata
        found = await _decode_optional(self.data_converter, meta.details, meta.HasField("details"))
        return str(found) if found is not None else None


@dataclass
class WorkflowExecutionCountAggregationGroup:
    """One group of a ``GROUP BY`` count."""

    count: int
    """Approximate number of runs in this group."""
    group_values: Sequence[SearchAttributeValue]
    """The search attribute values identifying this group."""


@dataclass
class WorkflowExecutionCount:
    """Result of :meth:`Client.count_workflows`."""

    count: int
    """Approximate number of matching runs (the sum of the groups when grouped)."""
    groups: Sequence[WorkflowExecutionCountAggregationGroup]
    """Groups for a ``GROUP BY`` query, otherwise empty."""

    @staticmethod
    def _from_raw(raw: CountWorkflowExecutionsResponse) -> WorkflowExecutionCount:
        import json

        groups = [
            WorkflowExecutionCountAggregationGroup(
                count=g.count,
                group_values=[json.loads(v.data) for v in g.group_values if v.data],
            )
            for g in raw.groups
        ]
        return WorkflowExecutionCount(count=raw.count, groups=groups)


class WorkflowExecutionAsyncIterator:
    """Async iterator over the runs a visibility query matches, fetching pages as needed."""

    def __init__(
        self,
        client: Client,
        query: str | None,
        *,
        limit: int | None,
        page_size: int,
        next_page_token: bytes | None,
        rpc_metadata: Mapping[str, str | bytes],
        rpc_timeout: timedelta | None,
    ) -> None:
        self._client = client
        self._query = query or ""
        self._limit = limit
        self._page_size = page_size
        self._next_page_token = next_page_token
        self._rpc_metadata = rpc_metadata
        self._rpc_timeout = rpc_timeout
        self._current_page: list[WorkflowExecution] | None = None
        self._index = 0
        self._yielded = 0

    @property
    def current_page_index(self) -> int:
        """Index in the current page of the run the next step returns."""
        return self._index

    @property
    def current_page(self) -> Sequence[WorkflowExecution] | None:
        """The page being iterated, once fetched."""
        return self._current_page

    @property
    def next_page_token(self) -> bytes | None:
        """Token of the next page, ``None`` after the last one."""
        return self._next_page_token

    async def fetch_next_page(self, *, page_size: int | None = None) -> None:
        """Fetch the next page (at most ``page_size`` runs, and no more than the limit allows)."""
        size = page_size or self._page_size
        if self._limit is not None:
            size = min(size, self._limit - self._yielded)
        client = self._client
        resp = await client.workflow_service.list_workflow_executions(
            ListWorkflowExecutionsRequest(
                namespace=client.namespace,
                page_size=size,
                next_page_token=self._next_page_token or b"",
                query=self._query,
            ),
            retry=True,
            metadata=self._rpc_metadata,
            timeout=self._rpc_timeout,
        )
        self._current_page = [
            WorkflowExecution._from_raw_info(info, client.namespace, client.data_converter)
            for info in resp.executions
        ]
        self._index = 0
        self._next_page_token = resp.next_page_token or None

    async def map_histories(
        self,
        *,
        event_filter_type: Any = None,
        skip_archival: bool = False,
        rpc_metadata: Mapping[str, str | bytes] = {},
        rpc_timeout: timedelta | None = None,
    ) -> AsyncIterator[WorkflowHistory]:
        """Fetch the full history of each listed run, in listing order."""
        from temporal_sdk.client._history import WorkflowHistoryEventFilterType

        async for execution in self:
            handle = self._client.get_workflow_handle(execution.id, run_id=execution.run_id)
            yield await handle.fetch_history(
                event_filter_type=event_filter_type or WorkflowHistoryEventFilterType.ALL_EVENT,
                skip_archival=skip_archival,
                rpc_metadata=rpc_metadata,
                rpc_timeout=rpc_timeout,
            )

    def __aiter__(self) -> WorkflowExecutionAsyncIterator:
        """Return self: the iterator is its own iterable."""
        return self

    async def __anext__(self) -> WorkflowExecution:
        """The next matching run, fetching the next page when the current one is used up."""
        if self._limit is not None and self._yielded >= self._limit:
            raise StopAsyncIteration
        while self._current_page is None or self._index >= len(self._current_page):
            if self._current_page is not None and self._next_page_token is None:
                raise StopAsyncIteration
            await self.fetch_next_page()
        execution = self._current_page[self._index]
        self._index += 1
        self._yielded += 1
        return execution


async def describe_workflow(
    client: Client,
    workflow_id: str,
    run_id: str | None,
    rpc_metadata: Mapping[str, str | bytes],
    rpc_timeout: timedelta | None,
) -> WorkflowExecutionDescription:
    """Describe a run (the latest when ``run_id`` is ``None``); see ``WorkflowHandle.describe``."""
    resp = await client.workflow_service.describe_workflow_execution(
        DescribeWorkflowExecutionRequest(
            namespace=client.namespace,
            execution=WorkflowExecution_(workflow_id=workflow_id, run_id=run_id or ""),
        ),
        retry=True,
        metadata=rpc_metadata,
        timeout=rpc_timeout,
    )
    return WorkflowExecutionDescription._from_raw_info(  # type: ignore[no-any-return]
        resp.workflow_execution_info,
        client.namespace,
        client.data_converter,
        raw_description=resp,
    )


async def count_workflows(
    client: Client,
    query: str | None,
    rpc_metadata: Mapping[str, str | bytes],
    rpc_timeout: timedelta | None,
) -> WorkflowExecutionCount:
    """Ask visibility how many runs match ``query`` (see ``Client.count_workflows``)."""
    resp = await client.workflow_service.count_workflow_executions(
        CountWorkflowExecutionsRequest(namespace=client.namespace, query=query or ""),
        retry=True,
        metadata=rpc_metadata,
        timeout=rpc_timeout,
    )
    return WorkflowExecutionCount._from_raw(resp)
