"""The update machine through the router: live requests, rejection, replay, every table row."""

from __future__ import annotations

from collections.abc import Mapping
from enum import Enum
from typing import Any

import pytest
from core_helpers import drive, machines_for, timer
from history_builder import HistoryBuilder

from temporal_sdk._core.activation import (
    AcceptUpdate,
    CompleteUpdate,
    DoUpdate,
    RejectUpdate,
)
from temporal_sdk._core.determinism import NondeterminismError
from temporal_sdk._core.machines import _fsm, update
from temporal_sdk.api.common.v1 import Payload
from temporal_sdk.api.enums.v1 import CommandType, EventType
from temporal_sdk.api.failure.v1 import Failure
from temporal_sdk.api.protocol.v1 import Message
from temporal_sdk.api.update.v1 import Acceptance, Input, Meta, Rejection, Request, Response

_ET = EventType
_RESULT = Payload(data=b"42")


def _request(update_id: str, name: str = "set") -> Request:
    return Request(meta=Meta(update_id=update_id), input=Input(name=name))


def _message(update_id: str, event_id: int) -> Message:
    msg = Message(id=f"msg-{update_id}", protocol_instance_id=update_id, event_id=event_id)
    msg.body.Pack(_request(update_id))
    return msg


def _live_history() -> HistoryBuilder:
    h = HistoryBuilder()
    h.add_workflow_execution_started()
    h.add_workflow_task_to_start()
    return h


def test_live_update_accepted_and_completed_in_one_task() -> None:
    h = _live_history()
    machines = machines_for(h)
    machines.updates.add_messages([_message("u1", 3)])
    (act,) = drive(machines, [AcceptUpdate("u1"), CompleteUpdate("u1", result=_RESULT)])
    assert DoUpdate("u1", "set", (), run_validator=True) in act.jobs
    commands = machines.take_commands()
    assert [c.command_type for c in commands] == [CommandType.COMMAND_TYPE_PROTOCOL_MESSAGE] * 2
    messages = machines.updates.take_messages()
    assert [c.protocol_message_command_attributes.message_id for c in commands] == [
        m.id for m in messages
    ]
    acceptance, response = Acceptance(), Response()
    assert (
        messages[0].body.Unpack(acceptance) and acceptance.accepted_request.meta.update_id == "u1"
    )
    assert acceptance.accepted_request_message_id == "msg-u1"
    assert messages[1].body.Unpack(response) and response.outcome.success.payloads[0] == _RESULT


def test_rejection_sends_a_message_and_no_command() -> None:
    machines = machines_for(_live_history())
    machines.updates.add_messages([_message("u1", 3), _message("u1", 3)])  # repeat is ignored
    drive(machines, [RejectUpdate("u1", Failure(message="no"))])
    assert machines.take_commands() == []
    (message,) = machines.updates.take_messages()
    rejection = Rejection()
    assert message.body.Unpack(rejection) and rejection.failure.message == "no"


def _replay_history(*, completed_key: str = "u1") -> HistoryBuilder:
    h = HistoryBuilder()
    h.add_workflow_execution_started()
    h.add_full_workflow_task()
    h.add(
        _ET.EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_ACCEPTED,
        "workflow_execution_update_accepted_event_attributes",
        protocol_instance_id="u1",
        accepted_request_message_id="msg-u1",
        accepted_request_sequencing_event_id=2,
        accepted_request=_request("u1"),
    )
    h.add(
        _ET.EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_COMPLETED,
        "workflow_execution_update_completed_event_attributes",
        meta=Meta(update_id=completed_key),
        accepted_event_id=5,
    )
    h.add_workflow_task_to_start()
    return h


def test_replay_rebuilds_the_request_without_the_validator() -> None:
    machines = machines_for(_replay_history())
    first, _ = drive(machines, [AcceptUpdate("u1"), CompleteUpdate("u1", result=_RESULT)], [])
    assert first.is_replaying
    assert DoUpdate("u1", "set", (), run_validator=False) in first.jobs
    assert machines.take_commands() == [] and machines.updates.take_messages() == []


def test_replay_mismatch_is_nondeterminism() -> None:
    machines = machines_for(_replay_history(completed_key="other"))
    with pytest.raises(NondeterminismError):
        drive(machines, [AcceptUpdate("u1"), CompleteUpdate("u1", result=_RESULT)], [])


def test_update_completed_in_a_later_task_replays() -> None:
    h = HistoryBuilder()
    h.add_workflow_execution_started()
    h.add_full_workflow_task()
    h.add(
        _ET.EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_ACCEPTED,
        "workflow_execution_update_accepted_event_attributes",
        protocol_instance_id="u1",
        accepted_request_message_id="msg-u1",
        accepted_request=_request("u1"),
    )
    started = h.add_timer_started("1")
    h.add_timer_fired("1", started)
    h.add_full_workflow_task()
    h.add(
        _ET.EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_COMPLETED,
        "workflow_execution_update_completed_event_attributes",
        meta=Meta(update_id="u1"),
    )
    h.add_workflow_task_to_start()
    machines = machines_for(h)
    drive(
        machines,
        [AcceptUpdate("u1"), timer(1)],
        [CompleteUpdate("u1", result=_RESULT)],
        [],
    )


def test_every_update_transition_is_exercised() -> None:
    seen: set[tuple[Enum, Enum]] = set()

    def record(table: Mapping[Any, Any], state: Enum, input: Enum) -> None:
        if table is update.TABLE:
            seen.add((state, input))

    _fsm.set_recorder(record)
    try:
        test_live_update_accepted_and_completed_in_one_task()
        test_rejection_sends_a_message_and_no_command()
        test_replay_rebuilds_the_request_without_the_validator()
        test_update_completed_in_a_later_task_replays()
    finally:
        _fsm.set_recorder(None)
    assert set(update.TABLE) - seen == set()
