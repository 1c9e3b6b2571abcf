"""Schedules on the dev server: create, describe, trigger, backfill, pause, update, list, delete."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from temporal_sdk import workflow
from temporal_sdk.client import (
    Client,
    Schedule,
    ScheduleActionExecutionStartWorkflow,
    ScheduleActionStartWorkflow,
    ScheduleAlreadyRunningError,
    ScheduleBackfill,
    ScheduleCalendarSpec,
    ScheduleDescription,
    ScheduleHandle,
    ScheduleIntervalSpec,
    ScheduleListActionStartWorkflow,
    ScheduleOverlapPolicy,
    SchedulePolicy,
    ScheduleRange,
    ScheduleSpec,
    ScheduleState,
    ScheduleUpdate,
    ScheduleUpdateInput,
)
from temporal_sdk.service import RPCError, RPCStatusCode
from temporal_sdk.worker import Worker


@workflow.defn
class Scheduled:
    @workflow.run
    async def run(self, name: str) -> str:
        previous = workflow.get_last_completion_result(str)
        return f"{name} after {previous}"


async def wait_for(check: Callable[[], Awaitable[bool]], what: str, timeout: float = 30) -> None:
    deadline = asyncio.get_running_loop().time() + timeout
    while not await check():
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        await asyncio.sleep(0.3)


def make_schedule(task_queue: str) -> Schedule:
    return Schedule(
        action=ScheduleActionStartWorkflow(
            Scheduled.run, "tick", id=f"scheduled-{uuid.uuid4()}", task_queue=task_queue
        ),
        spec=ScheduleSpec(
            calendars=[
                ScheduleCalendarSpec(
                    hour=[ScheduleRange(3)],
                    day_of_week=[ScheduleRange(1, 5)],
                    comment="weekdays at three",
                )
            ],
            intervals=[ScheduleIntervalSpec(every=timedelta(days=1), offset=timedelta(hours=7))],
            skip=[
                ScheduleCalendarSpec(month=[ScheduleRange(12)], day_of_month=[ScheduleRange(25)])
            ],
            time_zone_name="Europe/Berlin",
            jitter=timedelta(seconds=1),
        ),
        policy=SchedulePolicy(
            overlap=ScheduleOverlapPolicy.BUFFER_ONE,
            catchup_window=timedelta(minutes=5),
            pause_on_failure=True,
        ),
        state=ScheduleState(note="created by test"),
    )


async def test_schedule_lifecycle(client: Client, task_queue: str) -> None:
    schedule_id = f"sched-{uuid.uuid4()}"
    schedule = make_schedule(task_queue)
    async with Worker(client, task_queue=task_queue, workflows=[Scheduled]):
        handle = await client.create_schedule(schedule_id, schedule, memo={"team": "ops"})
        with pytest.raises(ScheduleAlreadyRunningError):
            await client.create_schedule(schedule_id, schedule)

        desc = await handle.describe()
        await check_description(desc, schedule)

        # Trigger: one run now, completing with no previous result.
        await handle.trigger()
        desc = await wait_actions(handle, 1)
        action = desc.info.recent_actions[-1].action
        assert isinstance(action, ScheduleActionExecutionStartWorkflow)
        assert action.workflow_id.startswith(schedule.action.id)  # type: ignore[attr-defined]
        first = client.get_workflow_handle(action.workflow_id)
        assert await first.result() == "tick after None"

        # Backfill three past days: the interval fires once a day, each run sees the last result.
        now = datetime.now(timezone.utc)
        await handle.backfill(
            ScheduleBackfill(
                start_at=now - timedelta(days=10),
                end_at=now - timedelta(days=7),
                overlap=ScheduleOverlapPolicy.BUFFER_ALL,
            )
        )
        total = 1 + expected_backfill_fires(now - timedelta(days=10), now - timedelta(days=7))
        await wait_actions(handle, total)
        await wait_all_closed(client, handle)
        last = (await handle.describe()).info.recent_actions[-1].action
        assert isinstance(last, ScheduleActionExecutionStartWorkflow)
        result = await client.get_workflow_handle(last.workflow_id).result()
        assert result == "tick after " * total + "None"

        await handle.pause(note="maintenance")
        state = (await handle.describe()).schedule.state
        assert (state.paused, state.note) == (True, "maintenance")
        await handle.unpause()
        state = (await handle.describe()).schedule.state
        assert (state.paused, state.note) == (False, "Unpaused via Python SDK")

        await handle.update(add_cron_and_limit)
        updated = (await handle.describe()).schedule
        assert updated.state.limited_actions and updated.state.remaining_actions == 5
        assert updated.policy.overlap is ScheduleOverlapPolicy.SKIP
        assert len(updated.spec.calendars) == 2  # the cron string became a calendar
        assert updated.action == (await handle.describe()).schedule.action

        async def no_change(_: ScheduleUpdateInput) -> None:
            return None

        await handle.update(no_change)

        async def listed() -> bool:
            async for entry in await client.list_schedules():
                if entry.id == schedule_id:
                    assert entry.schedule is not None
                    action = entry.schedule.action
                    assert isinstance(action, ScheduleListActionStartWorkflow)
                    assert action.workflow == "Scheduled"
                    assert await entry.memo() == {"team": "ops"}
                    return True
            return False

        await wait_for(listed, "the schedule to be listed")

        await handle.delete()
        with pytest.raises(RPCError) as err:
            await handle.describe()
        assert err.value.status is RPCStatusCode.NOT_FOUND


def expected_backfill_fires(start: datetime, end: datetime) -> int:
    """Times in (start, end] matched by make_schedule's interval or calendar (minus skip)."""
    berlin = ZoneInfo("Europe/Berlin")
    fires = set()
    day = start.date() - timedelta(days=1)
    while day <= end.date() + timedelta(days=1):
        fires.add(datetime(day.year, day.month, day.day, 7, tzinfo=timezone.utc))
        local = datetime(day.year, day.month, day.day, 3, tzinfo=berlin)
        if local.weekday() < 5 and (day.month, day.day) != (12, 25):
            fires.add(local.astimezone(timezone.utc))
        day += timedelta(days=1)
    return sum(1 for t in fires if start < t <= end)


def add_cron_and_limit(update_input: ScheduleUpdateInput) -> ScheduleUpdate:
    schedule = update_input.description.schedule
    schedule.spec.cron_expressions = ["0 12 * * 6"]
    schedule.state.limited_actions = True
    schedule.state.remaining_actions = 5
    schedule.policy.overlap = ScheduleOverlapPolicy.SKIP
    return ScheduleUpdate(schedule=schedule)


async def check_description(desc: ScheduleDescription, schedule: Schedule) -> None:
    spec = desc.schedule.spec
    assert spec.calendars[0].hour == (ScheduleRange(3),)
    assert spec.calendars[0].day_of_week == (ScheduleRange(1, 5),)
    assert spec.calendars[0].comment == "weekdays at three"
    assert spec.intervals == [ScheduleIntervalSpec(timedelta(days=1), timedelta(hours=7))]
    assert spec.skip[0].month == (ScheduleRange(12),)
    assert spec.time_zone_name == "Europe/Berlin"
    assert spec.jitter == timedelta(seconds=1)
    assert desc.schedule.policy == schedule.policy
    assert desc.schedule.state.note == "created by test"
    assert not desc.schedule.state.paused
    action = desc.schedule.action
    assert isinstance(action, ScheduleActionStartWorkflow)
    assert (action.workflow, action.task_queue) == ("Scheduled", schedule.action.task_queue)  # type: ignore[attr-defined]
    assert desc.info.next_action_times and desc.info.num_actions == 0
    assert await desc.memo() == {"team": "ops"}


async def wait_actions(handle: ScheduleHandle, count: int) -> ScheduleDescription:
    found: list[ScheduleDescription] = []

    async def enough() -> bool:
        found[:] = [await handle.describe()]
        return found[0].info.num_actions >= count

    await wait_for(enough, f"{count} schedule actions")
    return found[0]


async def wait_all_closed(client: Client, handle: ScheduleHandle) -> None:
    async def closed() -> bool:
        return not (await handle.describe()).info.running_actions

    await wait_for(closed, "scheduled workflows to finish")
