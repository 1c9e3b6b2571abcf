"""Runtime: patches, side effects, upserts and continue-as-new as commands."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from runtime_helpers import Harness, decode, payload

from temporal_sdk import workflow
from temporal_sdk._core.activation import (
    Activation,
    CompleteWorkflow,
    ContinueAsNewWorkflow,
    ModifyWorkflowProperties,
    NotifyHasPatch,
    NotifySideEffect,
    RecordSideEffect,
    SetPatchMarker,
    SignalWorkflow,
    StartTimer,
    UpsertSearchAttributes,
)
from temporal_sdk.common import SearchAttributeKey

KEY = SearchAttributeKey.for_keyword("Kw")


@workflow.defn
class Patching:
    @workflow.run
    async def run(self) -> list[bool]:
        first = workflow.patched("p")
        again = workflow.patched("p")
        workflow.deprecate_patch("d")
        return [first, again]


def test_patched_live_records_marker_once() -> None:
    done = Harness(Patching).start()
    assert done.commands[:2] == (
        SetPatchMarker("p", False, origin=done.commands[0].origin),  # type: ignore[union-attr]
        SetPatchMarker("d", True, origin=done.commands[1].origin),  # type: ignore[union-attr]
    )
    complete = done.commands[2]
    assert isinstance(complete, CompleteWorkflow)
    assert decode(complete.result) == [True, True]


def test_patched_on_replay_follows_history() -> None:
    done = Harness(Patching).start(replaying=True)
    assert not any(isinstance(c, SetPatchMarker) for c in done.commands)
    complete = done.commands[-1]
    assert isinstance(complete, CompleteWorkflow)
    assert decode(complete.result) == [False, False]

    done = Harness(Patching).start(NotifyHasPatch("p"), replaying=True)
    assert [c.patch_id for c in done.commands if isinstance(c, SetPatchMarker)] == ["p"]
    complete = done.commands[-1]
    assert isinstance(complete, CompleteWorkflow)
    assert decode(complete.result) == [True, True]


@workflow.defn
class SideEffect:
    calls = 0

    @workflow.run
    async def run(self) -> int:
        def draw() -> int:
            SideEffect.calls += 1
            return 5

        value: int = workflow.side_effect(draw)
        return value


def test_side_effect_live_and_replayed() -> None:
    SideEffect.calls = 0
    done = Harness(SideEffect).start()
    record = done.commands[0]
    assert isinstance(record, RecordSideEffect) and record.seq == 1
    assert decode(record.result) == 5
    assert SideEffect.calls == 1

    done = Harness(SideEffect).start(NotifySideEffect(1, payload(9)), replaying=True)
    complete = done.commands[-1]
    assert isinstance(complete, CompleteWorkflow) and decode(complete.result) == 9
    assert SideEffect.calls == 1


@workflow.defn
class Upserts:
    @workflow.run
    async def run(self) -> list[Any]:
        workflow.upsert_search_attributes([KEY.value_set("v")])
        workflow.upsert_memo({"m": 1})
        return [workflow.info().typed_search_attributes.get(KEY), dict(workflow.memo())]


def test_upserts_issue_commands_and_update_info() -> None:
    done = Harness(Upserts).start()
    upsert, modify, complete = done.commands
    assert isinstance(upsert, UpsertSearchAttributes)
    assert upsert.attributes.indexed_fields["Kw"].metadata["type"] == b"Keyword"
    assert isinstance(modify, ModifyWorkflowProperties)
    assert decode(modify.memo.fields["m"]) == 1
    assert isinstance(complete, CompleteWorkflow)
    assert decode(complete.result) == ["v", {"m": 1}]


@workflow.defn
class Continuing:
    @workflow.run
    async def run(self, n: int) -> bool:
        if workflow.info().is_continue_as_new_suggested():
            workflow.continue_as_new(n + 1, run_timeout=timedelta(seconds=30))
        await workflow.sleep(1)
        return False


def test_continue_as_new_when_suggested() -> None:
    h = Harness(Continuing, 1)
    done = h.instance.activate(
        Activation(
            run_id="run-1",
            timestamp=h.now,
            is_replaying=False,
            history_length=3,
            jobs=(h.init,),
            continue_as_new_suggested=True,
        )
    )
    [command] = done.commands
    assert isinstance(command, ContinueAsNewWorkflow)
    attrs = command.attributes
    assert attrs.workflow_type.name == "Continuing"
    assert attrs.task_queue.name == "tq"
    assert decode(attrs.input.payloads[0]) == 2
    assert attrs.workflow_run_timeout.seconds == 30

    assert isinstance(Harness(Continuing, 1).start().commands[0], StartTimer)


def test_continue_as_new_error_cannot_be_built_directly() -> None:
    with pytest.raises(RuntimeError):
        workflow.ContinueAsNewError()


@workflow.defn
class BadInput:
    @workflow.run
    async def run(self) -> None:
        workflow.patched("")


def test_bad_patch_id_fails_the_task() -> None:
    done = Harness(BadInput).start()
    assert done.failure is not None
    assert "patch id" in done.failure.failure.message


@workflow.defn
class ContinueFromSignal:
    @workflow.run
    async def run(self) -> None:
        await workflow.wait_condition(lambda: False)

    @workflow.signal
    def restart(self) -> None:
        workflow.continue_as_new()


def test_continue_as_new_from_a_signal_handler() -> None:
    h = Harness(ContinueFromSignal)
    assert h.start().commands == ()
    done = h.activate(SignalWorkflow("restart", ()))
    [command] = done.commands
    assert isinstance(command, ContinueAsNewWorkflow)
    assert command.attributes.workflow_type.name == "ContinueFromSignal"
