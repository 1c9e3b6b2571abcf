"""Fetch the history a workflow task needs: the rest of the task's pages, or the run's full history.

Rule: every event leaves this module decoded by the payload codec, and never past the task's
``started_event_id`` (events the server appended after the task started belong to the next task).
Each ``GetWorkflowExecutionHistory`` call is counted, so tests can tell a cache hit from a replay.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from temporal_sdk._io.payload_visitor import visit_payloads
from temporal_sdk.api.history.v1 import HistoryEvent
from temporal_sdk.api.workflowservice.v1 import (
    GetWorkflowExecutionHistoryRequest,
    PollWorkflowTaskQueueResponse,
)

if TYPE_CHECKING:
    from temporal_sdk.client import Client


class HistoryFetcher:
    """Pages through workflow histories for one worker and counts the RPCs it makes."""

    def __init__(self, client: Client) -> None:
        self._client = client
        self.fetches = 0
        """``GetWorkflowExecutionHistory`` calls made so far."""

    async def task_events(self, task: PollWorkflowTaskQueueResponse) -> list[HistoryEvent]:
        """The events the poll response carries, following ``next_page_token`` to the end."""
        events = list(task.history.events)
        if task.next_page_token:
            events.extend(await self._pages(task, task.next_page_token))
        return await self._finish(task, events)

    async def full_history(
        self, task: PollWorkflowTaskQueueResponse, known: list[HistoryEvent]
    ) -> list[HistoryEvent]:
        """The run's whole history from event 1 up to the task's started event.

        ``known`` are the (decoded) events the task itself carried; those past the fetched
        history's end are kept, because a retried (transient) workflow task's Scheduled and
        Started events may exist only in the poll response.
        """
        events = await self._finish(task, await self._pages(task, b""))
        last = events[-1].event_id if events else 0
        return events + [event for event in known if event.event_id > last]

    async def _pages(self, task: PollWorkflowTaskQueueResponse, token: bytes) -> list[HistoryEvent]:
        client = self._client
        events: list[HistoryEvent] = []
        while True:
            self.fetches += 1
            resp = await client.workflow_service.get_workflow_execution_history(
                GetWorkflowExecutionHistoryRequest(
                    namespace=client.namespace,
                    execution=task.workflow_execution,
                    next_page_token=token,
                ),
                retry=True,
            )
            events.extend(resp.history.events)
            token = resp.next_page_token
            last = task.started_event_id
            if not token or (last and events and events[-1].event_id >= last):
                return events

    async def _finish(
        self, task: PollWorkflowTaskQueueResponse, events: list[HistoryEvent]
    ) -> list[HistoryEvent]:
        last = task.started_event_id
        if last and events and events[-1].event_id > last:
            events = [event for event in events if event.event_id <= last]
        codec = self._client.data_converter.payload_codec
        if codec is not None:
            for event in events:
                await visit_payloads(event, codec.decode)
        return events
