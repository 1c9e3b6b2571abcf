"""Schedule operations against the server: create, handle calls (patch/update/delete) and list.

Rule: every call goes through ``client.workflow_service`` with retries; pause, unpause, trigger
and backfill are ``PatchSchedule`` calls; ``update`` describes, lets the caller's callback build
the new schedule, and sends it with the description's conflict token.
"""

from __future__ import annotations

import inspect
import uuid
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from temporal_sdk._search_attributes import (
    TypedSearchAttributes,
    decode_typed,
    decode_untyped,
    encode_typed,
)
from temporal_sdk.api.schedule import v1 as _sched
from temporal_sdk.api.workflowservice import v1 as _ws
from temporal_sdk.client._describe import decode_memo, encode_memo
from temporal_sdk.client._schedule import (
    Schedule,
    ScheduleAlreadyRunningError,
    ScheduleBackfill,
    ScheduleOverlapPolicy,
    ScheduleSpec,
    _overlap_proto,
    _utc,
)
from temporal_sdk.client._schedule_info import (
    ScheduleActionResult,
    ScheduleDescription,
    ScheduleUpdate,
    ScheduleUpdateInput,
)
from temporal_sdk.service import RPCError, RPCStatusCode

if TYPE_CHECKING:
    from temporal_sdk.client import Client
    from temporal_sdk.converter import DataConverter

Updater = Callable[
    [ScheduleUpdateInput], "ScheduleUpdate | Awaitable[ScheduleUpdate | None] | None"
]


class ScheduleHandle:
    """A reference to a schedule by id, for describing, changing and deleting it."""

    def __init__(self, client: Client, id: str) -> None:
        """Bind to the schedule ``id`` of ``client``'s namespace (no server call)."""
        self._client = client
        self.id = id
        """The schedule id."""

    async def _patch(
        self,
        patch: _sched.SchedulePatch,
        metadata: Mapping[str, str | bytes],
        timeout: timedelta | None,
    ) -> None:
        client = self._client
        await client.workflow_service.patch_schedule(
            _ws.PatchScheduleRequest(
                namespace=client.namespace,
                schedule_id=self.id,
                patch=patch,
                identity=client.identity,
                request_id=str(uuid.uuid4()),
            ),
            retry=True,
            metadata=metadata,
            timeout=timeout,
        )

    async def backfill(
        self,
        *backfill: ScheduleBackfill,
        rpc_metadata: Mapping[str, str | bytes] = {},
        rpc_timeout: timedelta | None = None,
    ) -> None:
        """Take the actions the spec gives for each past range, now."""
        if not backfill:
            raise ValueError("At least one backfill required")
        patch = _sched.SchedulePatch(backfill_request=[b._to_proto() for b in backfill])
        await self._patch(patch, rpc_metadata, rpc_timeout)

    async def delete(
        self, *, rpc_metadata: Mapping[str, str | bytes] = {}, rpc_timeout: timedelta | None = None
    ) -> None:
        """Delete the schedule (workflows it started keep running)."""
        client = self._client
        await client.workflow_service.delete_schedule(
            _ws.DeleteScheduleRequest(
                namespace=client.namespace, schedule_id=self.id, identity=client.identity
            ),
            retry=True,
            metadata=rpc_metadata,
            timeout=rpc_timeout,
        )

    async def describe(
        self, *, rpc_metadata: Mapping[str, str | bytes] = {}, rpc_timeout: timedelta | None = None
    ) -> ScheduleDescription:
        """Fetch the schedule, its state and its recent and upcoming actions."""
        client = self._client
        resp = await client.workflow_service.describe_schedule(
            _ws.DescribeScheduleRequest(namespace=client.namespace, schedule_id=self.id),
            retry=True,
            metadata=rpc_metadata,
            timeout=rpc_timeout,
        )
        return ScheduleDescription._from_proto(self.id, resp, client.data_converter)

    async def pause(
        self,
        *,
        note: str | None = None,
        rpc_metadata: Mapping[str, str | bytes] = {},
        rpc_timeout: timedelta | None = None,
    ) -> None:
        """Pause the schedule, recording ``note`` (a default note when ``None``)."""
        patch = _sched.SchedulePatch(pause=note or "Paused via Python SDK")
        await self._patch(patch, rpc_metadata, rpc_timeout)

    async def unpause(
        self,
        *,
        note: str | None = None,
        rpc_metadata: Mapping[str, str | bytes] = {},
        rpc_timeout: timedelta | None = None,
    ) -> None:
        """Resume the schedule, recording ``note`` (a default note when ``None``)."""
        patch = _sched.SchedulePatch(unpause=note or "Unpaused via Python SDK")
        await self._patch(patch, rpc_metadata, rpc_timeout)

    async def trigger(
        self,
        *,
        overlap: ScheduleOverlapPolicy | None = None,
        rpc_metadata: Mapping[str, str | bytes] = {},
        rpc_timeout: timedelta | None = None,
    ) -> None:
        """Take the action once now; ``overlap`` overrides the schedule's policy for it."""
        trigger = _sched.TriggerImmediatelyRequest(overlap_policy=_overlap_proto(overlap))
        await self._patch(
            _sched.SchedulePatch(trigger_immediately=trigger), rpc_metadata, rpc_timeout
        )

    async def update(
        self,
        updater: Updater,
        *,
        rpc_metadata: Mapping[str, str | bytes] = {},
        rpc_timeout: timedelta | None = None,
    ) -> None:
        """Change the schedule with a callback (sync or async).

        The callback gets the current description and returns a :class:`ScheduleUpdate`, or
        ``None`` to change nothing. The server rejects the update if the schedule changed since
        it was described.
        """
        desc = await self.describe(rpc_metadata=rpc_metadata, rpc_timeout=rpc_timeout)
        update = updater(ScheduleUpdateInput(description=desc))
        if inspect.isawaitable(update):
            update = await update
        if update is None:
            return
        client = self._client
        req = _ws.UpdateScheduleRequest(
            namespace=client.namespace,
            schedule_id=self.id,
            schedule=await update.schedule._to_proto(client),
            conflict_token=desc.raw_description.conflict_token,
            identity=client.identity,
            request_id=str(uuid.uuid4()),
        )
        if update.search_attributes is not None:
            req.search_attributes.indexed_fields.clear()
            encode_typed(update.search_attributes, req.search_attributes)
        await client.workflow_service.update_schedule(
            req, retry=True, metadata=rpc_metadata, timeout=rpc_timeout
        )


async def create_schedule(
    client: Client,
    id: str,
    schedule: Schedule,
    *,
    trigger_immediately: bool,
    backfill: Sequence[ScheduleBackfill],
    memo: Mapping[str, Any] | None,
    search_attributes: TypedSearchAttributes | None,
    rpc_metadata: Mapping[str, str | bytes],
    rpc_timeout: timedelta | None,
) -> ScheduleHandle:
    """Create a schedule (see ``Client.create_schedule``)."""
    state = schedule.state
    if state.limited_actions != bool(state.remaining_actions):
        raise ValueError("limited_actions must be true exactly when remaining_actions is set")
    req = _ws.CreateScheduleRequest(
        namespace=client.namespace,
        schedule_id=id,
        schedule=await schedule._to_proto(client),
        identity=client.identity,
        request_id=str(uuid.uuid4()),
    )
    if trigger_immediately:
        req.initial_patch.trigger_immediately.overlap_policy = _overlap_proto(
            schedule.policy.overlap
        )
    req.initial_patch.backfill_request.extend(b._to_proto() for b in backfill)
    await encode_memo(client.data_converter, memo or {}, req.memo)
    if search_attributes:
        encode_typed(search_attributes, req.search_attributes)
    try:
        await client.workflow_service.create_schedule(
            req, retry=True, metadata=rpc_metadata, timeout=rpc_timeout
        )
    except RPCError as err:
        if err.status == RPCStatusCode.ALREADY_EXISTS:
            raise ScheduleAlreadyRunningError() from err
        raise
    return ScheduleHandle(client, id)


class ScheduleListAction:
    """What a listed schedule does (see :class:`ScheduleListActionStartWorkflow`)."""


@dataclass
class ScheduleListActionStartWorkflow(ScheduleListAction):
    """A listed schedule's action: starting a workflow of this type."""

    workflow: str
    """Workflow type name."""


@dataclass
class ScheduleListState:
    """Pause state of a listed schedule."""

    note: str | None
    """Note set with the last pause or unpause."""
    paused: bool
    """Whether the schedule is paused."""


@dataclass
class ScheduleListSchedule:
    """The parts of a schedule that visibility reports."""

    action: ScheduleListAction
    """What it does (a :class:`ScheduleListActionStartWorkflow`)."""
    spec: ScheduleSpec
    """When it fires."""
    state: ScheduleListState
    """Pause state."""


@dataclass
class ScheduleListInfo:
    """Recent and upcoming actions of a listed schedule (may be fewer than describe gives)."""

    recent_actions: Sequence[ScheduleActionResult]
    """Latest actions, oldest first."""
    next_action_times: Sequence[datetime]
    """Upcoming action times."""


@dataclass
class ScheduleListDescription:
    """One schedule as ``Client.list_schedules`` reports it."""

    id: str
    """Schedule id."""
    schedule: ScheduleListSchedule | None
    """Action, spec and state, when visibility has them."""
    info: ScheduleListInfo | None
    """Recent and next actions, when visibility has them."""
    typed_search_attributes: TypedSearchAttributes
    """Search attributes of the schedule."""
    data_converter: DataConverter
    """Converter for :meth:`memo`."""
    raw_entry: _sched.ScheduleListEntry
    """The protobuf entry."""

    @staticmethod
    def _from_proto(
        entry: _sched.ScheduleListEntry, conv: DataConverter
    ) -> ScheduleListDescription:
        info = entry.info if entry.HasField("info") else None
        return ScheduleListDescription(
            id=entry.schedule_id,
            schedule=(
                ScheduleListSchedule(
                    action=ScheduleListActionStartWorkflow(info.workflow_type.name),
                    spec=ScheduleSpec._from_proto(info.spec),
                    state=ScheduleListState(note=info.notes or None, paused=info.paused),
                )
                if info is not None
                else None
            ),
            info=(
                ScheduleListInfo(
                    recent_actions=[
                        ScheduleActionResult._from_proto(r) for r in info.recent_actions
                    ],
                    next_action_times=[_utc(t) for t in info.future_action_times],
                )
                if info is not None
                else None
            ),
            typed_search_attributes=decode_typed(entry.search_attributes),
            data_converter=conv,
            raw_entry=entry,
        )

    @property
    def search_attributes(self) -> Mapping[str, Sequence[Any]]:
        """Search attributes in the older untyped form (prefer ``typed_search_attributes``)."""
        return decode_untyped(self.raw_entry.search_attributes)

    async def memo(self) -> Mapping[str, Any]:
        """The schedule's memo, decoded without type hints."""
        return await decode_memo(self.data_converter, self.raw_entry.memo)


class ScheduleAsyncIterator:
    """Async iterator over listed schedules, fetching pages as it goes."""

    def __init__(
        self,
        client: Client,
        query: str | None,
        *,
        page_size: int,
        next_page_token: bytes | None,
        rpc_metadata: Mapping[str, str | bytes],
        rpc_timeout: timedelta | None,
    ) -> None:
        self._client = client
        self._query = query or ""
        self._page_size = page_size
        self._next_page_token = next_page_token
        self._rpc_metadata = rpc_metadata
        self._rpc_timeout = rpc_timeout
        self._current_page: list[ScheduleListDescription] | None = None
        self._index = 0

    @property
    def current_page_index(self) -> int:
        """Index in the current page of the entry the next step returns."""
        return self._index

    @property
    def current_page(self) -> Sequence[ScheduleListDescription] | None:
        """The page being iterated, once fetched."""
        return self._current_page

    @property
    def next_page_token(self) -> bytes | None:
        """Token of the next page, ``None`` after the last one."""
        return self._next_page_token

    async def fetch_next_page(self, *, page_size: int | None = None) -> None:
        """Fetch the next page of schedules."""
        client = self._client
        resp = await client.workflow_service.list_schedules(
            _ws.ListSchedulesRequest(
                namespace=client.namespace,
                maximum_page_size=page_size or self._page_size,
                next_page_token=self._next_page_token or b"",
                query=self._query,
            ),
            retry=True,
            metadata=self._rpc_metadata,
            timeout=self._rpc_timeout,
        )
        conv = client.data_converter
        self._current_page = [ScheduleListDescription._from_proto(e, conv) for e in resp.schedules]
        self._index = 0
        self._next_page_token = resp.next_page_token or None

    def __aiter__(self) -> ScheduleAsyncIterator:
        """Return self: the iterator is its own iterable."""
        return self

    async def __anext__(self) -> ScheduleListDescription:
        """The next schedule, fetching another page when needed."""
        while self._current_page is None or self._index >= len(self._current_page):
            if self._current_page is not None and self._next_page_token is None:
                raise StopAsyncIteration
            await self.fetch_next_page()
        entry = self._current_page[self._index]
        self._index += 1
        return entry
