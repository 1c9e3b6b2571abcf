"""The workflow side of (remote) activities: schedule, await, cancel, resolve.

Rule: no IO. ``start`` issues ``ScheduleActivity`` and returns a handle; a cancel of the handle
becomes a ``RequestCancelActivity`` shaped by the activity's cancellation type, and
``ResolveActivity`` settles the handle with a value or the converted failure.
"""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from temporal_sdk._converter_context import RunConverters
from temporal_sdk._core.activation import (
    Command,
    RequestCancelActivity,
    ResolveActivity,
    ScheduleActivity,
)
from temporal_sdk._runtime.activity_defn import activity_name_for, activity_result_type_for
from temporal_sdk._runtime.context import ActivityCancellationType, ActivityHandle
from temporal_sdk._runtime.loop import WorkflowEventLoop
from temporal_sdk.api.command.v1 import ScheduleActivityTaskCommandAttributes
from temporal_sdk.api.common.v1 import ActivityType, Payload
from temporal_sdk.api.enums.v1 import RetryState, TaskQueueKind
from temporal_sdk.api.failure.v1 import ActivityFailureInfo, CanceledFailureInfo, Failure
from temporal_sdk.common import Priority, RetryPolicy

_TQ_NORMAL = TaskQueueKind.TASK_QUEUE_KIND_NORMAL


@dataclass(slots=True)
class _Activity:
    seq: int
    name: str
    activity_id: str
    cancellation_type: ActivityCancellationType
    ret_type: Any | None
    future: asyncio.Future[Any]
    scheduled_in: int
    started: bool = False
    cancel_requested: bool = False
    converters: tuple[Any, Any] | None = None  # bound to the activity's context, if any


class _ActivityTask(ActivityHandle[Any]):
    """The runtime's activity handle; a cancel before its first step still cancels the activity."""

    def __init__(
        self,
        runtime: ActivityRuntime,
        state: _Activity,
        loop: WorkflowEventLoop,
    ) -> None:
        super().__init__(runtime._await(state), loop=loop, name=f"activity {state.name}")
        # Not ``_state``: asyncio futures use that name for their own state.
        self._runtime = runtime
        self._activity = state
        self._log_destroy_pending = False
        loop.track(self)

    def cancel(self, msg: Any | None = None) -> bool:
        if not self._activity.started and not self.done():
            self._runtime._request_cancel(self._activity)
        return super().cancel(msg)


class ActivityRuntime:
    """Activities of one workflow instance."""

    def __init__(
        self,
        *,
        add: Callable[[Command], None],
        loop: WorkflowEventLoop,
        payload_converter: Any,
        failure_converter: Any,
        origin: Callable[[], str],
        default_task_queue: Callable[[], str],
        activation_no: Callable[[], int],
        converters: RunConverters | None = None,
    ) -> None:
        self._add = add
        self._loop = loop
        self._pc = payload_converter
        self._fc = failure_converter
        self._conv = converters
        self._origin = origin
        self._default_task_queue = default_task_queue
        self._activation_no = activation_no
        self._seq = 0
        self._activities: dict[int, _Activity] = {}

    def start(
        self,
        activity: Any,
        args: Sequence[Any],
        *,
        task_queue: str | None,
        result_type: Any | None,
        schedule_to_close_timeout: timedelta | None,
        schedule_to_start_timeout: timedelta | None,
        start_to_close_timeout: timedelta | None,
        heartbeat_timeout: timedelta | None,
        retry_policy: RetryPolicy | None,
        cancellation_type: ActivityCancellationType,
        activity_id: str | None,
        priority: Any | None,
        headers: Mapping[str, Payload] | None = None,
    ) -> ActivityHandle[Any]:
        """Issue ScheduleActivity and return a handle resolved by ResolveActivity."""
        if not schedule_to_close_timeout and not start_to_close_timeout:
            raise ValueError("activity needs start_to_close_timeout or schedule_to_close_timeout")
        name = activity_name_for(activity)
        ret_type = result_type if result_type is not None else activity_result_type_for(activity)
        bound = None
        if self._conv is not None:
            queue_name = task_queue or self._default_task_queue()
            bound = self._conv.activity(name, activity_id, queue_name, is_local=False)
        pc = self._pc if bound is None else bound[0]
        payloads = pc.to_payloads(list(args)) if args else []
        self._seq += 1
        seq = self._seq
        # Sub-messages are filled in place: building them separately and copying costs twice.
        attrs = ScheduleActivityTaskCommandAttributes(activity_id=activity_id or str(seq))
        attrs.activity_type.name = name
        queue = attrs.task_queue
        queue.name = task_queue or self._default_task_queue()
        queue.kind = _TQ_NORMAL
        if payloads:
            attrs.input.payloads.extend(payloads)
        if schedule_to_close_timeout:
            attrs.schedule_to_close_timeout.FromTimedelta(schedule_to_close_timeout)
        if schedule_to_start_timeout:
            attrs.schedule_to_start_timeout.FromTimedelta(schedule_to_start_timeout)
        if start_to_close_timeout:
            attrs.start_to_close_timeout.FromTimedelta(start_to_close_timeout)
        if heartbeat_timeout:
            attrs.heartbeat_timeout.FromTimedelta(heartbeat_timeout)
        if retry_policy is not None:
            retry_policy.apply_to_proto(attrs.retry_policy)
        if isinstance(priority, Priority) and priority != Priority.default:
            attrs.priority.CopyFrom(priority._to_proto())
        for key, value in (headers or {}).items():
            attrs.header.fields[key].CopyFrom(value)
        state = _Activity(
            seq=seq,
            name=name,
            activity_id=attrs.activity_id,
            cancellation_type=ActivityCancellationType(cancellation_type),
            ret_type=ret_type,
            future=self._loop.create_future(),
            scheduled_in=self._activation_no(),
            converters=bound,
        )
        self._activities[seq] = state
        self._add(ScheduleActivity(seq, attrs, origin=self._origin()))
        return _ActivityTask(self, state, self._loop)

    async def _await(self, state: _Activity) -> Any:
        state.started = True
        while True:
            try:
                # Shielded: a task cancel must become a cancel *request*, not drop the result.
                return await asyncio.shield(state.future)
            except asyncio.CancelledError:
                if state.future.done():
                    raise
                self._request_cancel(state)
                task = asyncio.current_task()
                if sys.version_info >= (3, 11) and task is not None:
                    task.uncancel()

    def _request_cancel(self, state: _Activity) -> None:
        if state.cancel_requested or self._activities.get(state.seq) is not state:
            return
        state.cancel_requested = True
        unsent = state.scheduled_in == self._activation_no()
        kind = state.cancellation_type
        if kind != ActivityCancellationType.ABANDON or unsent:
            self._add(RequestCancelActivity(state.seq, origin=self._origin()))
        if kind == ActivityCancellationType.WAIT_CANCELLATION_COMPLETED and not unsent:
            return  # resolved by the core when the server confirms
        del self._activities[state.seq]
        if state.started:
            state.future.set_exception(self._cancelled(state))

    def _cancelled(self, state: _Activity) -> BaseException:
        failure = Failure(
            message="Activity cancelled",
            cause=Failure(
                message="Activity cancelled", canceled_failure_info=CanceledFailureInfo()
            ),
            activity_failure_info=ActivityFailureInfo(
                activity_type=ActivityType(name=state.name),
                activity_id=state.activity_id,
                retry_state=RetryState.RETRY_STATE_CANCEL_REQUESTED,
            ),
        )
        pc, fc = state.converters or (self._pc, self._fc)
        err: BaseException = fc.from_failure(failure, pc)
        return err

    def resolve(self, job: ResolveActivity) -> None:
        """Settle the activity's handle with ``job``'s result, failure or cancellation."""
        state = self._activities.pop(job.seq, None)
        if state is None or state.future.done():
            return  # already resolved here (a cancel that did not wait)
        bound = state.converters
        pc = self._pc if bound is None else bound[0]
        if job.failure is not None:
            fc = self._fc if bound is None else bound[1]
            state.future.set_exception(fc.from_failure(job.failure, pc))
        elif job.cancelled:
            state.future.set_exception(self._cancelled(state))
        elif job.result is None:
            state.future.set_result(None)
        else:
            hints = [state.ret_type] if state.ret_type is not None else None
            state.future.set_result(pc.from_payloads([job.result], hints)[0])
