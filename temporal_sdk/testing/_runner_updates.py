"""Workflow updates in the test runner: request messages in, protocol replies to events.

Rule: the server's side of the update protocol. A request becomes a protocol message delivered
with the run's next workflow task; the task's replies become history the way the server writes
it: an acceptance (named by a ProtocolMessageCommand) becomes WorkflowExecutionUpdateAccepted, a
response WorkflowExecutionUpdateCompleted, and a rejection leaves no event, only an outcome.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from google.protobuf.any_pb2 import Any as AnyProto

from temporal_sdk.api.command.v1 import Command as CommandProto
from temporal_sdk.api.common.v1 import Payload, Payloads
from temporal_sdk.api.enums.v1 import EventType
from temporal_sdk.api.history.v1 import HistoryEvent
from temporal_sdk.api.protocol.v1 import Message
from temporal_sdk.api.update.v1 import (
    Acceptance,
    Input,
    Meta,
    Outcome,
    Rejection,
    Request,
    Response,
)

if TYPE_CHECKING:
    from temporal_sdk.testing._runner_server import Run

_ET = EventType


def request_message(update_id: str, name: str, args: Sequence[Payload]) -> Message:
    """The protocol message carrying an update request to the workflow."""
    body = AnyProto()
    body.Pack(
        Request(
            meta=Meta(update_id=update_id, identity="test-runner"),
            input=Input(name=name, args=Payloads(payloads=list(args))),
        )
    )
    return Message(id=f"{update_id}/request", protocol_instance_id=update_id, body=body)


def take_requests(run: Run) -> list[Message]:
    """The requests waiting for ``run``'s task, stamped with the task's sequencing event id."""
    messages, run.update_requests = run.update_requests, []
    for message in messages:
        message.event_id = len(run.history.events)
    return messages


def record_rejections(run: Run, messages: Sequence[Message]) -> None:
    """Rejections write no event: keep their failure as the update's outcome."""
    for message in messages:
        rejection = Rejection()
        if message.body.Unpack(rejection):
            outcome = Outcome()
            outcome.failure.CopyFrom(rejection.failure)
            run.update_outcomes[message.protocol_instance_id] = outcome


def record_protocol_command(
    run: Run, command: CommandProto, messages: dict[str, Message]
) -> HistoryEvent | None:
    """Write the event for a ProtocolMessageCommand (acceptance or response)."""
    message = messages.get(command.protocol_message_command_attributes.message_id)
    if message is None:
        return None
    acceptance, response = Acceptance(), Response()
    if message.body.Unpack(acceptance):
        event = run.history.add(
            _ET.EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_ACCEPTED,
            "workflow_execution_update_accepted_event_attributes",
            protocol_instance_id=message.protocol_instance_id,
            accepted_request_message_id=acceptance.accepted_request_message_id,
            accepted_request_sequencing_event_id=acceptance.accepted_request_sequencing_event_id,
            accepted_request=acceptance.accepted_request,
        )
        run.update_accepted[message.protocol_instance_id] = event.event_id
        return event
    if message.body.Unpack(response):
        update_id = response.meta.update_id
        event = run.history.add(
            _ET.EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_COMPLETED,
            "workflow_execution_update_completed_event_attributes",
            meta=response.meta,
            accepted_event_id=run.update_accepted.get(update_id, 0),
            outcome=response.outcome,
        )
        run.update_outcomes[update_id] = response.outcome
        return event
    return None
