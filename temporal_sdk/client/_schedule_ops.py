"""Schedule operations against the server: create, handle calls (patch/update/delete) and list.

Rule: handle methods build an interceptor input and send it down the client's chain (the RPCs
are made in ``_schedule_calls``); listing pages are fetched here, as iteration reaches them.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from temporal_sdk._search_attributes import (
    TypedSearchAttributes,
    decode_typed,
    decode_untyped,
)
from temporal_sdk.api.schedule import v1 as _sched
from temporal_sdk.api.workflowservice import v1 as _ws
from temporal_sdk.client._describe import decode_memo
from temporal_sdk.client._interceptor_inputs import (
    BackfillScheduleInput,
    DeleteScheduleInput,
    DescribeScheduleInput,
    PauseScheduleInput,
    TriggerScheduleInput,
    UnpauseScheduleInput,
    UpdateScheduleInput,
)
from temporal_sdk.client._schedule import (
    ScheduleBackfill,
    ScheduleOverlapPolicy,
    ScheduleSpec,
    _utc,
)
from temporal_sdk.client._schedule_info import (
    ScheduleActionResult,
    ScheduleDescription,
    ScheduleUpdate,
    ScheduleUpdateInput,
)

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

    async def backfill(
        self,
        *backfill: ScheduleBackfill,
        rpc_metadata: Mapping[str, str | bytes] = {},
        rpc_timeout: timedelta | None = None,
    ) -> None:
        """Take the actions the spec gives for each past range, now."""
        if not backfill:
            raise ValueError("At least one backfill required")
        await self._client._impl.backfill_schedule(
            BackfillScheduleInput(self.id, backfill, rpc_metadata, rpc_timeout)
        )

    async def delete(
        self, *, rpc_metadata: Mapping[str, str | bytes] = {}, rpc_timeout: timedelta | None = None
    ) -> None:
        """Delete the schedule (workflows it started keep running)."""
        await self._client._impl.delete_schedule(
            DeleteScheduleInput(self.id, rpc_metadata, rpc_timeout)
        )

    async def describe(
        self, *, rpc_metadata: Mapping[str, str | bytes] = {}, rpc_timeout: timedelta | None = None
    ) -> ScheduleDescription:
        """Fetch the schedule, its state and its recent and upcoming actions."""
        return await self._client._impl.describe_schedule(
            DescribeScheduleInput(self.id, rpc_metadata, rpc_timeout)
        )

    async def pause(
        self,
        *,
        note: str | None = None,
        rpc_metadata: Mapping[str, str | bytes] = {},
        rpc_timeout: timedelta | None = None,
    ) -> None:
        """Pause the schedule, recording ``note`` (a default note when ``None``)."""
        await self._client._impl.pause_schedule(
            PauseScheduleInput(self.id, note, rpc_metadata, rpc_timeout)
        )

    async def unpause(
        self,
        *,
        note: str | None = None,
        rpc_metadata: Mapping[str, str | bytes] = {},
        rpc_timeout: timedelta | None = None,
    ) -> None:
        """Resume the schedule, recording ``note`` (a default note when ``None``)."""
        await self._client._impl.unpause_schedule(
            UnpauseScheduleInput(self.id, note, rpc_metadata, rpc_timeout)
        )

    async def trigger(
        self,
        *,
        overlap: ScheduleOverlapPolicy | None = None,
        rpc_metadata: Mapping[str, str | bytes] = {},
        rpc_timeout: timedelta | None = None,
    ) -> None:
        """Take the action once now; ``overlap`` overrides the schedule's policy for it."""
        await self._client._impl.trigger_schedule(
            TriggerScheduleInput(self.id, overlap, rpc_metadata, rpc_timeout)
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
        await self._client._impl.update_schedule(
            UpdateScheduleInput(self.id, updater, rpc_metadata, rpc_timeout)
        )


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
