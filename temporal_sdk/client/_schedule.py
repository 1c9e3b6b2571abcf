"""Schedule value types: what a schedule does, when, under which policies, and its reported state.

Rule: each type converts itself to and from its ``temporal.api.schedule.v1`` protobuf and nothing
else; payload encoding (which may run a codec) happens only in the async ``_to_proto`` of the
start-workflow action. Server RPCs live in ``_schedule_ops``.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from enum import IntEnum
from typing import TYPE_CHECKING, Any, cast

from google.protobuf.timestamp_pb2 import Timestamp

from temporal_sdk._converter_context import client_converter
from temporal_sdk._search_attributes import TypedSearchAttributes, decode_typed, encode_typed
from temporal_sdk.api.common.v1 import Payload, Payloads, WorkflowType
from temporal_sdk.api.enums import v1 as _enums
from temporal_sdk.api.schedule import v1 as _sched
from temporal_sdk.api.taskqueue.v1 import TaskQueue
from temporal_sdk.api.workflow.v1 import NewWorkflowExecutionInfo
from temporal_sdk.client._describe import encode_memo, encode_user_metadata
from temporal_sdk.common import Priority, RetryPolicy
from temporal_sdk.exceptions import TemporalError

if TYPE_CHECKING:
    from temporal_sdk.client import Client
    from temporal_sdk.converter import DataConverter


def _utc(stamp: Timestamp) -> datetime:
    return stamp.ToDatetime().replace(tzinfo=timezone.utc)


class ScheduleAlreadyRunningError(TemporalError):
    """A schedule with the requested id already exists."""

    def __init__(self) -> None:
        """Create the error (it carries no details)."""
        super().__init__("Schedule already running")


@dataclass(frozen=True)
class ScheduleRange:
    """An inclusive range of values with a step, e.g. hours 9 to 17."""

    start: int
    """First value."""
    end: int = 0
    """Last value (inclusive); a value below ``start`` means ``start``."""
    step: int = 0
    """Distance between values; 0 means 1."""

    def __post_init__(self) -> None:
        """Apply the defaults for ``end`` and ``step``."""
        if self.end < self.start:
            object.__setattr__(self, "end", self.start)
        if self.step == 0:
            object.__setattr__(self, "step", 1)

    def _to_proto(self) -> _sched.Range:
        return _sched.Range(start=self.start, end=self.end, step=self.step)

    @staticmethod
    def _from_protos(ranges: Sequence[_sched.Range]) -> Sequence[ScheduleRange]:
        return tuple(ScheduleRange(r.start, r.end, r.step) for r in ranges)


_CALENDAR_FIELDS = ("second", "minute", "hour", "day_of_month", "month", "year", "day_of_week")


@dataclass
class ScheduleCalendarSpec:
    """Calendar times to act at: every combination of the given ranges (default: daily at 0:00)."""

    second: Sequence[ScheduleRange] = (ScheduleRange(0),)
    """Seconds, 0-59."""
    minute: Sequence[ScheduleRange] = (ScheduleRange(0),)
    """Minutes, 0-59."""
    hour: Sequence[ScheduleRange] = (ScheduleRange(0),)
    """Hours, 0-23."""
    day_of_month: Sequence[ScheduleRange] = (ScheduleRange(1, 31),)
    """Days of the month, 1-31."""
    month: Sequence[ScheduleRange] = (ScheduleRange(1, 12),)
    """Months, 1-12."""
    year: Sequence[ScheduleRange] = ()
    """Years; empty means every year."""
    day_of_week: Sequence[ScheduleRange] = (ScheduleRange(0, 6),)
    """Days of the week, 0 (Sunday) to 6."""
    comment: str | None = None
    """Free-form description."""

    def _to_proto(self) -> _sched.StructuredCalendarSpec:
        proto = _sched.StructuredCalendarSpec(comment=self.comment or "")
        for name in _CALENDAR_FIELDS:
            getattr(proto, name).extend(r._to_proto() for r in getattr(self, name))
        return proto

    @staticmethod
    def _from_proto(proto: _sched.StructuredCalendarSpec) -> ScheduleCalendarSpec:
        ranges = {n: ScheduleRange._from_protos(getattr(proto, n)) for n in _CALENDAR_FIELDS}
        return ScheduleCalendarSpec(**ranges, comment=proto.comment or None)


@dataclass
class ScheduleIntervalSpec:
    """Act at epoch + n * ``every`` + ``offset``."""

    every: timedelta
    """Period."""
    offset: timedelta | None = None
    """Shift of each period's start (the server calls it phase)."""

    def _to_proto(self) -> _sched.IntervalSpec:
        proto = _sched.IntervalSpec()
        proto.interval.FromTimedelta(self.every)
        if self.offset:
            proto.phase.FromTimedelta(self.offset)
        return proto

    @staticmethod
    def _from_proto(proto: _sched.IntervalSpec) -> ScheduleIntervalSpec:
        offset = proto.phase.ToTimedelta() if proto.HasField("phase") else None
        return ScheduleIntervalSpec(every=proto.interval.ToTimedelta(), offset=offset)


@dataclass
class ScheduleSpec:
    """When a schedule acts: the union of calendars, intervals and cron strings, minus ``skip``."""

    calendars: Sequence[ScheduleCalendarSpec] = field(default_factory=list)
    """Calendar-based times."""
    intervals: Sequence[ScheduleIntervalSpec] = field(default_factory=list)
    """Fixed-period times."""
    cron_expressions: Sequence[str] = field(default_factory=list)
    """Cron strings; the server turns them into calendars (describe shows calendars)."""
    skip: Sequence[ScheduleCalendarSpec] = field(default_factory=list)
    """Calendar times excluded from all of the above."""
    start_at: datetime | None = None
    """No action before this time."""
    end_at: datetime | None = None
    """No action after this time."""
    jitter: timedelta | None = None
    """Each action is delayed by a random amount up to this."""
    time_zone_name: str | None = None
    """IANA zone the calendars are read in (UTC when unset)."""

    def _to_proto(self) -> _sched.ScheduleSpec:
        proto = _sched.ScheduleSpec(
            structured_calendar=[c._to_proto() for c in self.calendars],
            interval=[i._to_proto() for i in self.intervals],
            cron_string=list(self.cron_expressions),
            exclude_structured_calendar=[c._to_proto() for c in self.skip],
            timezone_name=self.time_zone_name or "",
        )
        if self.start_at:
            proto.start_time.FromDatetime(self.start_at)
        if self.end_at:
            proto.end_time.FromDatetime(self.end_at)
        if self.jitter:
            proto.jitter.FromTimedelta(self.jitter)
        return proto

    @staticmethod
    def _from_proto(proto: _sched.ScheduleSpec) -> ScheduleSpec:
        return ScheduleSpec(
            calendars=[ScheduleCalendarSpec._from_proto(c) for c in proto.structured_calendar],
            intervals=[ScheduleIntervalSpec._from_proto(i) for i in proto.interval],
            cron_expressions=list(proto.cron_string),
            skip=[ScheduleCalendarSpec._from_proto(c) for c in proto.exclude_structured_calendar],
            start_at=_utc(proto.start_time) if proto.HasField("start_time") else None,
            end_at=_utc(proto.end_time) if proto.HasField("end_time") else None,
            jitter=proto.jitter.ToTimedelta() if proto.HasField("jitter") else None,
            time_zone_name=proto.timezone_name or None,
        )


class ScheduleAction:
    """What a schedule does each time it fires (see :class:`ScheduleActionStartWorkflow`)."""

    @staticmethod
    def _from_proto(proto: _sched.ScheduleAction) -> ScheduleAction:
        if not proto.HasField("start_workflow"):
            raise ValueError("Unsupported schedule action")
        return ScheduleActionStartWorkflow._from_raw(proto.start_workflow)

    async def _to_proto(self, client: Client) -> _sched.ScheduleAction:
        raise NotImplementedError


_DURATIONS = (
    ("execution_timeout", "workflow_execution_timeout"),
    ("run_timeout", "workflow_run_timeout"),
    ("task_timeout", "workflow_task_timeout"),
)


class ScheduleActionStartWorkflow(ScheduleAction):
    """Start a workflow. Arguments take the same meaning as in ``Client.start_workflow``.

    A described schedule holds its arguments and memo as raw payloads; they are sent back
    unchanged on update.
    """

    workflow: str
    args: Sequence[Any]
    id: str
    task_queue: str
    execution_timeout: timedelta | None
    run_timeout: timedelta | None
    task_timeout: timedelta | None
    retry_policy: RetryPolicy | None
    memo: Mapping[str, Any] | None
    typed_search_attributes: TypedSearchAttributes
    static_summary: str | Payload | None
    static_details: str | Payload | None
    priority: Priority

    def __init__(
        self,
        workflow: str | Callable[..., Awaitable[Any]],
        arg: Any = ...,
        *,
        args: Sequence[Any] = (),
        id: str,
        task_queue: str,
        execution_timeout: timedelta | None = None,
        run_timeout: timedelta | None = None,
        task_timeout: timedelta | None = None,
        retry_policy: RetryPolicy | None = None,
        memo: Mapping[str, Any] | None = None,
        typed_search_attributes: TypedSearchAttributes = TypedSearchAttributes.empty,
        static_summary: str | Payload | None = None,
        static_details: str | Payload | None = None,
        priority: Priority = Priority.default,
    ) -> None:
        """Describe the workflow each firing starts; ``id`` and ``task_queue`` are required."""
        from temporal_sdk.client._start import _args, workflow_type_name

        if not id:
            raise ValueError("ID required")
        if not task_queue:
            raise ValueError("Task queue required")
        self.workflow = workflow_type_name(workflow)
        self.args = _args(arg, args)
        self.id = id
        self.task_queue = task_queue
        self.execution_timeout = execution_timeout
        self.run_timeout = run_timeout
        self.task_timeout = task_timeout
        self.retry_policy = retry_policy
        self.memo = memo
        self.typed_search_attributes = typed_search_attributes
        self.static_summary = static_summary
        self.static_details = static_details
        self.priority = priority

    def __eq__(self, other: object) -> bool:
        """Equal when every field is equal."""
        return isinstance(other, ScheduleActionStartWorkflow) and vars(self) == vars(other)

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        """Show the workflow type, id and task queue."""
        return (
            f"ScheduleActionStartWorkflow({self.workflow!r}, id={self.id!r}, "
            f"task_queue={self.task_queue!r})"
        )

    @staticmethod
    def _from_raw(info: NewWorkflowExecutionInfo) -> ScheduleActionStartWorkflow:
        times = {
            ours: getattr(info, theirs).ToTimedelta() if info.HasField(theirs) else None
            for ours, theirs in _DURATIONS
        }
        meta = info.user_metadata
        return ScheduleActionStartWorkflow(
            info.workflow_type.name,
            args=list(info.input.payloads),
            id=info.workflow_id,
            task_queue=info.task_queue.name,
            retry_policy=(
                RetryPolicy.from_proto(info.retry_policy) if info.HasField("retry_policy") else None
            ),
            memo=dict(info.memo.fields) if info.memo.fields else None,
            typed_search_attributes=decode_typed(info.search_attributes),
            static_summary=meta.summary if meta.HasField("summary") else None,
            static_details=meta.details if meta.HasField("details") else None,
            priority=(
                Priority._from_proto(info.priority)
                if info.HasField("priority")
                else Priority.default
            ),
            **times,
        )

    async def _to_proto(self, client: Client) -> _sched.ScheduleAction:
        conv: DataConverter = client_converter(client, self.id)
        info = NewWorkflowExecutionInfo(
            workflow_id=self.id,
            workflow_type=WorkflowType(name=self.workflow),
            task_queue=TaskQueue(name=self.task_queue),
        )
        if self.args:
            info.input.CopyFrom(Payloads(payloads=await _payloads(conv, self.args)))
        for ours, theirs in _DURATIONS:
            if (value := getattr(self, ours)) is not None:
                getattr(info, theirs).FromTimedelta(value)
        if self.retry_policy is not None:
            self.retry_policy.apply_to_proto(info.retry_policy)
        await _encode_memo_values(conv, self.memo or {}, info)
        encode_typed(self.typed_search_attributes, info.search_attributes)
        summary, details = self.static_summary, self.static_details
        if isinstance(summary, Payload) or isinstance(details, Payload):
            _raw_metadata(info, summary, details)
        elif (meta := await encode_user_metadata(conv, summary, details)) is not None:
            info.user_metadata.CopyFrom(meta)
        if self.priority != Priority.default:
            info.priority.CopyFrom(self.priority._to_proto())
        return _sched.ScheduleAction(start_workflow=info)


async def _payloads(conv: DataConverter, values: Sequence[Any]) -> list[Payload]:
    if all(isinstance(v, Payload) for v in values):
        return list(values)
    return [v if isinstance(v, Payload) else (await conv.encode([v]))[0] for v in values]


async def _encode_memo_values(
    conv: DataConverter, memo: Mapping[str, Any], info: NewWorkflowExecutionInfo
) -> None:
    raw = {k: v for k, v in memo.items() if isinstance(v, Payload)}
    await encode_memo(conv, {k: v for k, v in memo.items() if k not in raw}, info.memo)
    for key, payload in raw.items():
        info.memo.fields[key].CopyFrom(payload)


def _raw_metadata(info: NewWorkflowExecutionInfo, summary: Any, details: Any) -> None:
    if isinstance(summary, Payload):
        info.user_metadata.summary.CopyFrom(summary)
    if isinstance(details, Payload):
        info.user_metadata.details.CopyFrom(details)


class ScheduleOverlapPolicy(IntEnum):
    """What to do when a firing comes while the previous workflow is still running."""

    SKIP = int(_enums.ScheduleOverlapPolicy.SCHEDULE_OVERLAP_POLICY_SKIP)
    """Drop this firing."""
    BUFFER_ONE = int(_enums.ScheduleOverlapPolicy.SCHEDULE_OVERLAP_POLICY_BUFFER_ONE)
    """Start once the running one closes; keep at most one such firing waiting."""
    BUFFER_ALL = int(_enums.ScheduleOverlapPolicy.SCHEDULE_OVERLAP_POLICY_BUFFER_ALL)
    """Queue every firing and run them one after another."""
    CANCEL_OTHER = int(_enums.ScheduleOverlapPolicy.SCHEDULE_OVERLAP_POLICY_CANCEL_OTHER)
    """Cancel the running one, then start when it has closed."""
    TERMINATE_OTHER = int(_enums.ScheduleOverlapPolicy.SCHEDULE_OVERLAP_POLICY_TERMINATE_OTHER)
    """Terminate the running one and start at once."""
    ALLOW_ALL = int(_enums.ScheduleOverlapPolicy.SCHEDULE_OVERLAP_POLICY_ALLOW_ALL)
    """Run concurrently (no last completion result or failure is passed on)."""


def _overlap_proto(overlap: ScheduleOverlapPolicy | None) -> _enums.ScheduleOverlapPolicy:
    return cast(_enums.ScheduleOverlapPolicy, int(overlap or 0))


@dataclass
class ScheduleBackfill:
    """A past time range to act on now, as if the schedule had been running then."""

    start_at: datetime
    """Start of the range (exclusive)."""
    end_at: datetime
    """End of the range (inclusive)."""
    overlap: ScheduleOverlapPolicy | None = None
    """Overlap policy for these actions; the schedule's own when ``None``."""

    def _to_proto(self) -> _sched.BackfillRequest:
        proto = _sched.BackfillRequest(overlap_policy=_overlap_proto(self.overlap))
        proto.start_time.FromDatetime(self.start_at)
        proto.end_time.FromDatetime(self.end_at)
        return proto


@dataclass
class SchedulePolicy:
    """Policies that apply to every action of a schedule."""

    overlap: ScheduleOverlapPolicy = ScheduleOverlapPolicy.SKIP
    """What to do on overlap."""
    catchup_window: timedelta | None = None
    """How far back missed actions are still taken after an outage (server default if None)."""
    pause_on_failure: bool = False
    """Pause the schedule when a workflow fails (after its retries) or times out."""

    def _to_proto(self) -> _sched.SchedulePolicies:
        proto = _sched.SchedulePolicies(
            overlap_policy=_overlap_proto(self.overlap), pause_on_failure=self.pause_on_failure
        )
        if self.catchup_window is not None:
            proto.catchup_window.FromTimedelta(self.catchup_window)
        return proto

    @staticmethod
    def _from_proto(proto: _sched.SchedulePolicies) -> SchedulePolicy:
        window = proto.catchup_window.ToTimedelta() if proto.HasField("catchup_window") else None
        return SchedulePolicy(
            overlap=ScheduleOverlapPolicy(int(proto.overlap_policy) or 1),
            catchup_window=window,
            pause_on_failure=proto.pause_on_failure,
        )


@dataclass
class ScheduleState:
    """Mutable state of a schedule: notes, pause, and an optional budget of actions."""

    note: str | None = None
    """Human-readable note (the server may replace it, e.g. when pausing on failure)."""
    paused: bool = False
    """Whether the schedule is paused."""
    limited_actions: bool = False
    """Whether ``remaining_actions`` counts down (on create: exactly when it is non-zero)."""
    remaining_actions: int = 0
    """Actions left when limited; at 0 the schedule stops acting on its own."""

    def _to_proto(self) -> _sched.ScheduleState:
        return _sched.ScheduleState(
            notes=self.note or "",
            paused=self.paused,
            limited_actions=self.limited_actions,
            remaining_actions=self.remaining_actions,
        )

    @staticmethod
    def _from_proto(proto: _sched.ScheduleState) -> ScheduleState:
        return ScheduleState(
            note=proto.notes or None,
            paused=proto.paused,
            limited_actions=proto.limited_actions,
            remaining_actions=proto.remaining_actions,
        )


@dataclass
class Schedule:
    """A complete schedule: action, spec, policies and state."""

    action: ScheduleAction
    """What happens on each firing."""
    spec: ScheduleSpec
    """When it fires."""
    policy: SchedulePolicy = field(default_factory=SchedulePolicy)
    """How firings interact."""
    state: ScheduleState = field(default_factory=ScheduleState)
    """Pause, notes and action budget."""

    async def _to_proto(self, client: Client) -> _sched.Schedule:
        return _sched.Schedule(
            spec=self.spec._to_proto(),
            action=await self.action._to_proto(client),
            policies=self.policy._to_proto(),
            state=self.state._to_proto(),
        )

    @staticmethod
    def _from_proto(proto: _sched.Schedule) -> Schedule:
        return Schedule(
            action=ScheduleAction._from_proto(proto.action),
            spec=ScheduleSpec._from_proto(proto.spec),
            policy=SchedulePolicy._from_proto(proto.policies),
            state=ScheduleState._from_proto(proto.state),
        )
