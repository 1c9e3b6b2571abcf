"""The workflow side of local activities: schedule, await the resolution, back off durably.

Rule: no IO. Each attempt series is one coroutine: it issues ``ScheduleLocalActivity``, waits for
``ResolveLocalActivity``, and when the worker asked for a durable backoff it sleeps on a workflow
timer (``asyncio.sleep`` on the workflow loop) and schedules the next attempt with a new ``seq``
but the same activity id and original schedule time.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace
from datetime import timedelta
from typing import Any

from temporal_sdk._converter_context import RunConverters
from temporal_sdk._core.activation import Command, ResolveLocalActivity, ScheduleLocalActivity
from temporal_sdk._runtime.activity_defn import activity_name_for, activity_result_type_for
from temporal_sdk._runtime.context import ActivityHandle
from temporal_sdk._runtime.loop import WorkflowEventLoop
from temporal_sdk.api.common.v1 import Payload
from temporal_sdk.api.common.v1 import RetryPolicy as RetryPolicyProto
from temporal_sdk.common import RetryPolicy

DEFAULT_LOCAL_RETRY_THRESHOLD = timedelta(minutes=1)


def _seconds(value: timedelta | None) -> float | None:
    return value.total_seconds() if value else None


class LocalActivityRuntime:
    """Local activities of one workflow instance."""

    def __init__(
        self,
        *,
        add: Callable[[Command], None],
        loop: WorkflowEventLoop,
        payload_converter: Any,
        failure_converter: Any,
        origin: Callable[[], str],
        now: Callable[[], float],
        converters: RunConverters | None = None,
    ) -> None:
        self._add = add
        self._loop = loop
        self._pc = payload_converter
        self._fc = failure_converter
        self._conv = converters
        self._origin = origin
        self._now = now
        self._seq = 0
        self._waiting: dict[int, asyncio.Future[ResolveLocalActivity]] = {}

    def start(
        self,
        activity: Any,
        args: Sequence[Any],
        *,
        result_type: Any | None,
        schedule_to_close_timeout: timedelta | None,
        schedule_to_start_timeout: timedelta | None,
        start_to_close_timeout: timedelta | None,
        retry_policy: RetryPolicy | None,
        local_retry_threshold: timedelta | None,
        activity_id: str | None,
        headers: Mapping[str, Payload] | None = None,
    ) -> ActivityHandle[Any]:
        """Schedule the first attempt and return a handle resolving to the result."""
        if not schedule_to_close_timeout and not start_to_close_timeout:
            raise ValueError(
                "local activity needs start_to_close_timeout or schedule_to_close_timeout"
            )
        name = activity_name_for(activity)
        ret_type = result_type if result_type is not None else activity_result_type_for(activity)
        bound = (self._pc, self._fc)
        if self._conv is not None:
            bound = self._conv.activity(name, activity_id, None, is_local=True)
        policy: RetryPolicyProto | None = None
        if retry_policy is not None:
            policy = RetryPolicyProto()
            retry_policy.apply_to_proto(policy)
        template = ScheduleLocalActivity(
            seq=0,
            activity_id=activity_id or "",
            activity_type=name,
            arguments=tuple(bound[0].to_payloads(list(args))) if args else (),
            schedule_to_close_timeout=_seconds(schedule_to_close_timeout),
            schedule_to_start_timeout=_seconds(schedule_to_start_timeout),
            start_to_close_timeout=_seconds(start_to_close_timeout),
            retry_policy=policy,
            local_retry_threshold=(
                local_retry_threshold or DEFAULT_LOCAL_RETRY_THRESHOLD
            ).total_seconds(),
            headers=dict(headers) if headers else {},
            origin=self._origin(),
        )
        first = self._schedule(template)
        handle: ActivityHandle[Any] = ActivityHandle(
            self._attempts(template, first, ret_type, self._now(), bound),
            loop=self._loop,
            name=f"local {name}",
        )
        self._loop.track(handle)
        return handle

    def _schedule(self, template: ScheduleLocalActivity) -> asyncio.Future[ResolveLocalActivity]:
        """Issue one attempt's command now (so it keeps the caller's command order)."""
        self._seq += 1
        seq = self._seq
        # Like core-based SDKs: without an explicit id each scheduling is named by its seq.
        cmd = replace(template, seq=seq, activity_id=template.activity_id or str(seq))
        future: asyncio.Future[ResolveLocalActivity] = self._loop.create_future()
        self._waiting[seq] = future
        self._add(cmd)
        return future

    async def _attempts(
        self,
        template: ScheduleLocalActivity,
        first: asyncio.Future[ResolveLocalActivity],
        ret_type: Any | None,
        scheduled_at: float,
        converters: tuple[Any, Any],
    ) -> Any:
        pc, fc = converters
        future = first
        while True:
            job = await future
            if job.backoff is not None:
                await asyncio.sleep(job.backoff)
                template = replace(
                    template, attempt=job.attempt, original_schedule_time=scheduled_at
                )
                future = self._schedule(template)
                continue
            if job.failure is not None:
                raise fc.from_failure(job.failure, pc)
            if job.result is None:
                return None
            hints = [ret_type] if ret_type is not None else None
            return pc.from_payloads([job.result], hints)[0]

    def resolve(self, job: ResolveLocalActivity) -> None:
        """Hand the resolution to the attempt waiting for it."""
        future = self._waiting.pop(job.seq, None)
        if future is not None and not future.done():
            future.set_result(job)
