"""The update machine: one workflow update's accept / reject / complete protocol.

Rules:

* One machine per update id, created when the request reaches the core: from a protocol message
  of a live task, or on replay from the WorkflowExecutionUpdateAccepted event that follows the
  task that accepted it (then the validator is not run again).
* Accepting and completing each send a protocol message *and* a ProtocolMessageCommand naming
  it; the command fixes the message's place among the task's commands and is what replay matches
  (against WorkflowExecutionUpdateAccepted / Completed, by update id).
* Rejecting sends a message only: a rejected update leaves no event in history.
"""

from __future__ import annotations

import enum
from collections.abc import Callable
from typing import Protocol

from google.protobuf.any_pb2 import Any as AnyProto

from temporal_sdk._core.activation import (
    AcceptUpdate,
    CompleteUpdate,
    DoUpdate,
    Job,
    RejectUpdate,
)
from temporal_sdk._core.machines import CommandSink, PendingCommand
from temporal_sdk._core.machines._fsm import Table, fire
from temporal_sdk.api.command.v1 import Command, ProtocolMessageCommandAttributes
from temporal_sdk.api.enums.v1 import CommandType, EventType
from temporal_sdk.api.history.v1 import HistoryEvent
from temporal_sdk.api.protocol.v1 import Message
from temporal_sdk.api.update.v1 import Acceptance, Meta, Outcome, Rejection, Request, Response

_ET = EventType


class UpdateSink(CommandSink, Protocol):
    """A command sink that can also send protocol messages (only in a live task)."""

    def emit_message(self, message: Message) -> None:
        """Send ``message`` with the current task's completion, if the task is live."""
        ...


class UpdateState(enum.Enum):
    """Where an update is in its protocol."""

    REQUESTED = enum.auto()
    REJECTED = enum.auto()
    ACCEPT_SENT = enum.auto()
    ACCEPT_RECORDED = enum.auto()
    RESPONSE_SENT_BEFORE_ACCEPT_RECORDED = enum.auto()
    RESPONSE_SENT = enum.auto()
    COMPLETED = enum.auto()


class UpdateInput(enum.Enum):
    """What can happen to an update."""

    ACCEPT = enum.auto()
    REJECT = enum.auto()
    COMPLETE = enum.auto()
    ACCEPTED_EVENT = enum.auto()
    COMPLETED_EVENT = enum.auto()


class UpdateAction(enum.Enum):
    """What the machine does on a transition."""

    NONE = enum.auto()
    EMIT_ACCEPT = enum.auto()
    EMIT_REJECT = enum.auto()
    EMIT_RESPONSE = enum.auto()


_S, _I, _A = UpdateState, UpdateInput, UpdateAction

TABLE: Table[UpdateState, UpdateInput, UpdateAction] = {
    (_S.REQUESTED, _I.ACCEPT): (_S.ACCEPT_SENT, _A.EMIT_ACCEPT),
    (_S.REQUESTED, _I.REJECT): (_S.REJECTED, _A.EMIT_REJECT),
    (_S.ACCEPT_SENT, _I.ACCEPTED_EVENT): (_S.ACCEPT_RECORDED, _A.NONE),
    (_S.ACCEPT_SENT, _I.COMPLETE): (_S.RESPONSE_SENT_BEFORE_ACCEPT_RECORDED, _A.EMIT_RESPONSE),
    (_S.RESPONSE_SENT_BEFORE_ACCEPT_RECORDED, _I.ACCEPTED_EVENT): (_S.RESPONSE_SENT, _A.NONE),
    (_S.ACCEPT_RECORDED, _I.COMPLETE): (_S.RESPONSE_SENT, _A.EMIT_RESPONSE),
    (_S.RESPONSE_SENT, _I.COMPLETED_EVENT): (_S.COMPLETED, _A.NONE),
}

_EVENT_INPUTS: dict[int, UpdateInput] = {
    _ET.EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_ACCEPTED: _I.ACCEPTED_EVENT,
    _ET.EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_COMPLETED: _I.COMPLETED_EVENT,
}

COMMAND_EVENT_KEYS: dict[int, Callable[[HistoryEvent], str]] = {
    _ET.EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_ACCEPTED: lambda e: (
        e.workflow_execution_update_accepted_event_attributes.protocol_instance_id
    ),
    _ET.EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_COMPLETED: lambda e: (
        e.workflow_execution_update_completed_event_attributes.meta.update_id
    ),
}


def _pack(body: Acceptance | Rejection | Response) -> AnyProto:
    packed = AnyProto()
    packed.Pack(body)
    return packed


def request_job(request: Request, *, run_validator: bool) -> DoUpdate:
    """The activation job for an update request."""
    return DoUpdate(
        update_id=request.meta.update_id,
        name=request.input.name,
        arguments=tuple(request.input.args.payloads),
        headers=dict(request.input.header.fields),
        run_validator=run_validator,
    )


class UpdateMachine:
    """One update, from request to response."""

    __slots__ = ("_sink", "message_id", "request", "sequencing_event_id", "state", "update_id")

    def __init__(
        self, request: Request, message_id: str, sequencing_event_id: int, sink: UpdateSink
    ) -> None:
        self.update_id = request.meta.update_id
        self.request = request
        self.message_id = message_id
        self.sequencing_event_id = sequencing_event_id
        self.state = UpdateState.REQUESTED
        self._sink = sink

    @staticmethod
    def from_message(message: Message, sink: UpdateSink) -> UpdateMachine:
        """The machine for a live request message (body ``update.v1.Request``)."""
        request = Request()
        if not message.body.Unpack(request):
            raise ValueError(f"protocol message {message.id} does not carry an update request")
        return UpdateMachine(request, message.id, message.event_id, sink)

    @staticmethod
    def from_accepted_event(event: HistoryEvent, sink: UpdateSink) -> UpdateMachine:
        """The machine rebuilt on replay from a WorkflowExecutionUpdateAccepted event."""
        attrs = event.workflow_execution_update_accepted_event_attributes
        return UpdateMachine(
            attrs.accepted_request,
            attrs.accepted_request_message_id,
            attrs.accepted_request_sequencing_event_id,
            sink,
        )

    def describe(self) -> str:
        """Name used in error messages."""
        return f"update {self.update_id!r} (state {self.state.name})"

    def _emit(self, suffix: str, body: Acceptance | Rejection | Response) -> str:
        message_id = f"{self.message_id}/{suffix}"
        self._sink.emit_message(
            Message(id=message_id, protocol_instance_id=self.update_id, body=_pack(body))
        )
        return message_id

    def _emit_command(self, message_id: str, event_type: int, what: str, origin: str) -> None:
        self._sink.emit(
            PendingCommand(
                proto=Command(
                    command_type=CommandType.COMMAND_TYPE_PROTOCOL_MESSAGE,
                    protocol_message_command_attributes=ProtocolMessageCommandAttributes(
                        message_id=message_id
                    ),
                ),
                event_type=event_type,
                key=self.update_id,
                machine=self,
                description=f"{what} update_id={self.update_id}",
                origin=origin,
            )
        )

    def accept(self, command: AcceptUpdate) -> None:
        """The validator passed (or there is none): accept the update."""
        self.state, _ = fire(TABLE, self.state, UpdateInput.ACCEPT)
        message_id = self._emit(
            "accept",
            Acceptance(
                accepted_request_message_id=self.message_id,
                accepted_request_sequencing_event_id=self.sequencing_event_id,
                accepted_request=self.request,
            ),
        )
        self._emit_command(
            message_id,
            _ET.EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_ACCEPTED,
            "AcceptUpdate",
            command.origin,
        )

    def reject(self, command: RejectUpdate) -> None:
        """The validator (or the lookup of a handler) failed: reject, leaving no event."""
        self.state, _ = fire(TABLE, self.state, UpdateInput.REJECT)
        self._emit(
            "reject",
            Rejection(
                rejected_request_message_id=self.message_id,
                rejected_request_sequencing_event_id=self.sequencing_event_id,
                rejected_request=self.request,
                failure=command.failure,
            ),
        )

    def complete(self, command: CompleteUpdate) -> None:
        """The handler returned or raised: send the outcome."""
        self.state, _ = fire(TABLE, self.state, UpdateInput.COMPLETE)
        outcome = Outcome()
        if command.failure is not None:
            outcome.failure.CopyFrom(command.failure)
        else:
            outcome.success.SetInParent()
            if command.result is not None:
                outcome.success.payloads.append(command.result)
        message_id = self._emit(
            "complete",
            Response(meta=Meta(update_id=self.update_id), outcome=outcome),
        )
        self._emit_command(
            message_id,
            _ET.EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_COMPLETED,
            "CompleteUpdate",
            command.origin,
        )

    def on_event(self, event: HistoryEvent) -> Job | None:
        """Apply WorkflowExecutionUpdateAccepted / Completed (matched to our commands)."""
        self.state, _ = fire(TABLE, self.state, _EVENT_INPUTS[event.event_type])
        return None


class UpdateRegistry:
    """The run's update machines, pending live requests and outgoing protocol messages.

    The router owns one; it forwards update commands here, asks for the jobs of a task's
    requests when it builds an activation, and hands the messages to the worker with the
    commands. Acts as the machines' :class:`UpdateSink`, passing commands on to the router.
    """

    def __init__(self, sink: CommandSink, is_live: Callable[[], bool]) -> None:
        self._sink = sink
        self._is_live = is_live
        self._machines: dict[str, UpdateMachine] = {}
        self._pending: list[UpdateMachine] = []
        self._messages: list[Message] = []

    # -- UpdateSink
    def emit(self, pending: PendingCommand) -> None:
        """Pass a command on to the router."""
        self._sink.emit(pending)

    def retract(self, pending: PendingCommand) -> bool:
        """Pass a retraction on to the router."""
        return self._sink.retract(pending)

    def add_local_job(self, job: Job) -> None:
        """Pass a local job on to the router."""
        self._sink.add_local_job(job)

    def emit_message(self, message: Message) -> None:
        """Keep ``message`` for the completion, when the task is live."""
        if self._is_live():
            self._messages.append(message)

    # -- requests
    def add_messages(self, messages: list[Message]) -> None:
        """Take a live task's update request messages (delivered with its last activation)."""
        for message in messages:
            machine = UpdateMachine.from_message(message, self)
            if machine.update_id in self._machines:
                continue  # the server may repeat a request it has not seen answered yet
            self._machines[machine.update_id] = machine
            self._pending.append(machine)

    def take_live_jobs(self) -> list[Job]:
        """Jobs for the requests that arrived with the live task, in arrival order."""
        jobs: list[Job] = [request_job(m.request, run_validator=True) for m in self._pending]
        self._pending.clear()
        return jobs

    def read_ahead(self, event: HistoryEvent) -> Job | None:
        """On replay: the job for an update whose acceptance the next task recorded."""
        if event.event_type != _ET.EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_ACCEPTED:
            return None
        machine = UpdateMachine.from_accepted_event(event, self)
        if machine.update_id in self._machines:
            return None
        self._machines[machine.update_id] = machine
        return request_job(machine.request, run_validator=False)

    def take_messages(self) -> list[Message]:
        """The protocol messages to send with the current task's completion, in order."""
        messages, self._messages = self._messages, []
        return messages

    # -- commands
    def _machine(self, update_id: str) -> UpdateMachine:
        try:
            return self._machines[update_id]
        except KeyError:
            raise ValueError(f"no update with id {update_id!r} was requested") from None

    def accept(self, command: AcceptUpdate) -> None:
        """Route an AcceptUpdate command."""
        self._machine(command.update_id).accept(command)

    def reject(self, command: RejectUpdate) -> None:
        """Route a RejectUpdate command; the rejected id may be requested again later."""
        self._machine(command.update_id).reject(command)
        del self._machines[command.update_id]

    def complete(self, command: CompleteUpdate) -> None:
        """Route a CompleteUpdate command."""
        self._machine(command.update_id).complete(command)
