"""The terminal work of schedule calls: one input in, the server call(s) out.

Rule: every call goes through ``client.workflow_service`` with retries; pause, unpause, trigger
and backfill are ``PatchSchedule`` calls; ``update`` describes, lets the caller's callback build
the new schedule, and sends it with the description's conflict token.
"""

from __future__ import annotations

import inspect
from collections.abc import Mapping
from datetime import timedelta
from typing import TYPE_CHECKING

from temporal_sdk._ids import random_uuid
from temporal_sdk._search_attributes import encode_typed
from temporal_sdk.api.schedule import v1 as _sched
from temporal_sdk.api.workflowservice import v1 as _ws
from temporal_sdk.client._describe import encode_memo
from temporal_sdk.client._interceptor_inputs import DescribeScheduleInput
from temporal_sdk.client._schedule import ScheduleAlreadyRunningError, _overlap_proto
from temporal_sdk.client._schedule_info import ScheduleDescription, ScheduleUpdateInput
from temporal_sdk.client._schedule_ops import ScheduleAsyncIterator, ScheduleHandle
from temporal_sdk.service import RPCError, RPCStatusCode

if TYPE_CHECKING:
    from temporal_sdk.client import Client
    from temporal_sdk.client._interceptor_inputs import (
        BackfillScheduleInput,
        CreateScheduleInput,
        DeleteScheduleInput,
        ListSchedulesInput,
        PauseScheduleInput,
        TriggerScheduleInput,
        UnpauseScheduleInput,
        UpdateScheduleInput,
    )


async def create_schedule(client: Client, input: CreateScheduleInput) -> ScheduleHandle:
    """Send CreateSchedule; ``ScheduleAlreadyRunningError`` when the id is taken."""
    schedule = input.schedule
    state = schedule.state
    if state.limited_actions != bool(state.remaining_actions):
        raise ValueError("limited_actions must be true exactly when remaining_actions is set")
    req = _ws.CreateScheduleRequest(
        namespace=client.namespace,
        schedule_id=input.id,
        schedule=await schedule._to_proto(client),
        identity=client.identity,
        request_id=random_uuid(),
    )
    if input.trigger_immediately:
        req.initial_patch.trigger_immediately.overlap_policy = _overlap_proto(
            schedule.policy.overlap
        )
    req.initial_patch.backfill_request.extend(b._to_proto() for b in input.backfill)
    await encode_memo(client.data_converter, input.memo or {}, req.memo)
    if input.search_attributes:
        encode_typed(input.search_attributes, req.search_attributes)
    try:
        await client.workflow_service.create_schedule(
            req, retry=True, metadata=input.rpc_metadata, timeout=input.rpc_timeout
        )
    except RPCError as err:
        if err.status == RPCStatusCode.ALREADY_EXISTS:
            raise ScheduleAlreadyRunningError() from err
        raise
    return ScheduleHandle(client, input.id)


def list_schedules(client: Client, input: ListSchedulesInput) -> ScheduleAsyncIterator:
    """An iterator over the namespace's schedules (pages fetched lazily)."""
    return ScheduleAsyncIterator(
        client,
        input.query,
        page_size=input.page_size,
        next_page_token=input.next_page_token,
        rpc_metadata=input.rpc_metadata,
        rpc_timeout=input.rpc_timeout,
    )


async def _patch(
    client: Client,
    id: str,
    patch: _sched.SchedulePatch,
    metadata: Mapping[str, str | bytes],
    timeout: timedelta | None,
) -> None:
    await client.workflow_service.patch_schedule(
        _ws.PatchScheduleRequest(
            namespace=client.namespace,
            schedule_id=id,
            patch=patch,
            identity=client.identity,
            request_id=random_uuid(),
        ),
        retry=True,
        metadata=metadata,
        timeout=timeout,
    )


async def backfill_schedule(client: Client, input: BackfillScheduleInput) -> None:
    """Patch the schedule with backfill requests."""
    patch = _sched.SchedulePatch(backfill_request=[b._to_proto() for b in input.backfills])
    await _patch(client, input.id, patch, input.rpc_metadata, input.rpc_timeout)


async def delete_schedule(client: Client, input: DeleteScheduleInput) -> None:
    """Send DeleteSchedule."""
    await client.workflow_service.delete_schedule(
        _ws.DeleteScheduleRequest(
            namespace=client.namespace, schedule_id=input.id, identity=client.identity
        ),
        retry=True,
        metadata=input.rpc_metadata,
        timeout=input.rpc_timeout,
    )


async def describe_schedule(client: Client, input: DescribeScheduleInput) -> ScheduleDescription:
    """Send DescribeSchedule and decode the answer."""
    resp = await client.workflow_service.describe_schedule(
        _ws.DescribeScheduleRequest(namespace=client.namespace, schedule_id=input.id),
        retry=True,
        metadata=input.rpc_metadata,
        timeout=input.rpc_timeout,
    )
    return ScheduleDescription._from_proto(input.id, resp, client.data_converter)


async def pause_schedule(client: Client, input: PauseScheduleInput) -> None:
    """Patch the schedule paused (with a default note when none is given)."""
    patch = _sched.SchedulePatch(pause=input.note or "Paused via Python SDK")
    await _patch(client, input.id, patch, input.rpc_metadata, input.rpc_timeout)


async def unpause_schedule(client: Client, input: UnpauseScheduleInput) -> None:
    """Patch the schedule unpaused (with a default note when none is given)."""
    patch = _sched.SchedulePatch(unpause=input.note or "Unpaused via Python SDK")
    await _patch(client, input.id, patch, input.rpc_metadata, input.rpc_timeout)


async def trigger_schedule(client: Client, input: TriggerScheduleInput) -> None:
    """Patch the schedule to take its action once now."""
    trigger = _sched.TriggerImmediatelyRequest(overlap_policy=_overlap_proto(input.overlap))
    patch = _sched.SchedulePatch(trigger_immediately=trigger)
    await _patch(client, input.id, patch, input.rpc_metadata, input.rpc_timeout)


async def update_schedule(client: Client, input: UpdateScheduleInput) -> None:
    """Describe, run the updater on the description, and send its result (if any)."""
    desc = await describe_schedule(client, _describe_input(input))
    update = input.updater(ScheduleUpdateInput(description=desc))
    if inspect.isawaitable(update):
        update = await update
    if update is None:
        return
    req = _ws.UpdateScheduleRequest(
        namespace=client.namespace,
        schedule_id=input.id,
        schedule=await update.schedule._to_proto(client),
        conflict_token=desc.raw_description.conflict_token,
        identity=client.identity,
        request_id=random_uuid(),
    )
    if update.search_attributes is not None:
        req.search_attributes.indexed_fields.clear()
        encode_typed(update.search_attributes, req.search_attributes)
    await client.workflow_service.update_schedule(
        req, retry=True, metadata=input.rpc_metadata, timeout=input.rpc_timeout
    )


def _describe_input(input: UpdateScheduleInput) -> DescribeScheduleInput:
    return DescribeScheduleInput(input.id, input.rpc_metadata, input.rpc_timeout)
