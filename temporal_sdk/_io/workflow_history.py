"""Fetch the history a workflow task needs: the rest of the task's pages, or the run's full history.

Rule: every event leaves this module decoded by the payload codec, and never past the task's
``started_event_id`` (events the server appended after the task started belong to the next task).
Each ``GetWorkflowExecutionHistory`` call is counted, so tests can tell a cache hit from a replay.
A codec failure or a history that stops short of the task raises a :class:`TaskHistoryError`,
which the worker reports as a failed workflow task.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from temporal_sdk._core.history import event_name
from temporal_sdk._io.codec_context import codec_contexts
from temporal_sdk._io.header_codec import workflow_codes_headers
from temporal_sdk._io.payload_visitor import visit_payloads
from temporal_sdk._io.workflow_task import Outcome, task_failure
from temporal_sdk.api.history.v1 import HistoryEvent
from temporal_sdk.api.workflowservice.v1 import (
    GetWorkflowExecutionHistoryRequest,
    PollWorkflowTaskQueueResponse,
)

if TYPE_CHECKING:
    from temporal_sdk.client import Client


logger = logging.getLogger(__name__)


class TaskHistoryError(Exception):
    """The events of a workflow task cannot be handed to the core; the task must fail."""


class PayloadCodecError(TaskHistoryError):
    """The payload codec raised; the message names the direction and what it was working on."""

    VERB = "use"

    @classmethod
    def of(cls, err: Exception, what: str) -> PayloadCodecError:
        """The error for a codec failure ``err`` while handling ``what``."""
        error = cls(f"the payload codec failed to {cls.VERB} {what}: {type(err).__name__}: {err}")
        error.__cause__ = err
        return error


class PayloadDecodeError(PayloadCodecError):
    """The payload codec raised while decoding what a task carries."""

    VERB = "decode"


class PayloadEncodeError(PayloadCodecError):
    """The payload codec raised while encoding the commands or answers of a task."""

    VERB = "encode"


def history_failure(task: PollWorkflowTaskQueueResponse, err: TaskHistoryError) -> Outcome:
    """Log ``err`` and return the outcome failing ``task`` with it."""
    logger.warning("Workflow task of %s failed: %s", task.workflow_execution.workflow_id, err)
    return task_failure(err)


class IncompleteHistoryError(TaskHistoryError):
    """The history fetched for a task ends before the task's WorkflowTaskStarted event."""


def ensure_complete(task: PollWorkflowTaskQueueResponse, events: list[HistoryEvent]) -> None:
    """Raise :class:`IncompleteHistoryError` unless ``events`` reach the task's started event."""
    last = task.started_event_id
    reached = events[-1].event_id if events else 0
    if last and reached < last:
        raise IncompleteHistoryError(
            f"the history of workflow {task.workflow_execution.workflow_id} ends at event "
            f"{reached}, before the task's WorkflowTaskStarted event {last}: a history page "
            "is missing or was truncated"
        )


class HistoryFetcher:
    """Pages through workflow histories for one worker and counts the RPCs it makes."""

    def __init__(self, client: Client) -> None:
        self._client = client
        self.codec_contexts = codec_contexts(client.data_converter, client.namespace)
        """Binds the codec to each payload's serialization context (``None``: codec ignores it)."""
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
            contexts = self.codec_contexts
            headers = workflow_codes_headers(self._client)
            for event in events:
                try:
                    bound = codec if contexts is None else contexts.for_event(task, event)
                    await visit_payloads(event, bound.decode, headers=headers)
                except Exception as err:
                    what = f"event {event.event_id} ({event_name(event.event_type)})"
                    raise PayloadDecodeError.of(err, what) from err
        return events
