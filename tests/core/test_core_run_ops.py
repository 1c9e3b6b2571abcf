"""Core: markers (patches, side effects), upserts, continue-as-new and run-closing events."""

from __future__ import annotations

import json

import pytest
from core_helpers import drive, machines_for, schedule, timer
from history_builder import HistoryBuilder, payload

from temporal_sdk._core.activation import (
    CancelWorkflowExecution,
    CompleteWorkflow,
    ContinueAsNewWorkflow,
    FireTimer,
    InitializeWorkflow,
    ModifyWorkflowProperties,
    NotifyHasPatch,
    NotifySideEffect,
    RecordSideEffect,
    ResolveActivity,
    SetPatchMarker,
    UpsertSearchAttributes,
)
from temporal_sdk._core.determinism import NondeterminismError
from temporal_sdk._core.machines import marker as _marker
from temporal_sdk._core.machines import upsert as _upsert
from temporal_sdk.api.command.v1 import ContinueAsNewWorkflowExecutionCommandAttributes
from temporal_sdk.api.common.v1 import Memo, Payloads, SearchAttributes, WorkflowType
from temporal_sdk.api.enums.v1 import CommandType, EventType, TimeoutType
from temporal_sdk.api.failure.v1 import Failure, TimeoutFailureInfo
from temporal_sdk.api.history.v1 import HistoryEvent

_ET = EventType


def _started() -> HistoryBuilder:
    h = HistoryBuilder()
    h.add_workflow_execution_started("Wf")
    return h


def _add_marker(h: HistoryBuilder, name: str, details: dict[str, Payloads]) -> int:
    event_id = h.add(
        _ET.EVENT_TYPE_MARKER_RECORDED, "marker_recorded_event_attributes", marker_name=name
    )
    for key, value in details.items():
        h.events[-1].marker_recorded_event_attributes.details[key].CopyFrom(value)
    return event_id


def _patch_marker(h: HistoryBuilder, patch_id: str, *, deprecated: bool = False) -> int:
    data = json.dumps({"id": patch_id, "deprecated": deprecated}).encode()
    return _add_marker(
        h,
        "core_patch",
        {"patch-data": Payloads(payloads=[payload(data)])},
    )


def _legacy_patch_marker(h: HistoryBuilder, patch_id: str) -> int:
    raw = Payloads(payloads=[payload(patch_id.encode())])
    raw.payloads[0].metadata.clear()
    flag = Payloads(payloads=[payload(b"\x00")])
    return _add_marker(
        h,
        "core_patch",
        {"patch_id": raw, "deprecated": flag},
    )


def _side_effect_marker(h: HistoryBuilder, seq: int, data: bytes) -> int:
    return _add_marker(
        h,
        "SideEffect",
        {
            "side-effect-id": Payloads(payloads=[payload(str(seq).encode())]),
            "data": Payloads(payloads=[payload(data)]),
        },
    )


def _upserted(h: HistoryBuilder, *names: str) -> int:
    sa = SearchAttributes()
    for name in names:
        sa.indexed_fields[name].CopyFrom(payload(b'["x"]'))
    return h.add(
        _ET.EVENT_TYPE_UPSERT_WORKFLOW_SEARCH_ATTRIBUTES,
        "upsert_workflow_search_attributes_event_attributes",
        search_attributes=sa,
    )


def _can_attrs() -> ContinueAsNewWorkflowExecutionCommandAttributes:
    return ContinueAsNewWorkflowExecutionCommandAttributes(workflow_type=WorkflowType(name="Wf"))


# ------------------------------------------------------------------------------- patches


def test_patch_marker_live_emits_record_marker() -> None:
    h = _started()
    h.add_workflow_task_to_start()
    m = machines_for(h)
    drive(m, [SetPatchMarker("my-change"), timer(1)])
    marker_cmd, timer_cmd = m.take_commands()
    assert marker_cmd.command_type == CommandType.COMMAND_TYPE_RECORD_MARKER
    attrs = marker_cmd.record_marker_command_attributes
    assert attrs.marker_name == "core_patch"
    data = attrs.details["patch-data"].payloads[0]
    assert data.metadata["encoding"] == b"json/plain"
    assert json.loads(data.data) == {"id": "my-change", "deprecated": False}
    assert timer_cmd.command_type == CommandType.COMMAND_TYPE_START_TIMER


def test_patch_marker_replay_notifies_before_code_runs_and_matches() -> None:
    h = _started()
    h.add_full_workflow_task()
    _patch_marker(h, "my-change")
    t = h.add_timer_started("1")
    h.add_timer_fired("1", t)
    h.add_workflow_task_to_start()
    m = machines_for(h)
    first, second = drive(m, [SetPatchMarker("my-change"), timer(1)], [])
    assert isinstance(first.jobs[0], NotifyHasPatch)
    assert first.jobs[0].patch_id == "my-change"
    assert isinstance(first.jobs[1], InitializeWorkflow)
    assert first.is_replaying
    assert second.jobs == (FireTimer(1),)


def test_legacy_patch_marker_is_read() -> None:
    h = _started()
    h.add_full_workflow_task()
    _legacy_patch_marker(h, "old-style")
    h.add_workflow_task_to_start()
    m = machines_for(h)
    act, _ = drive(m, [SetPatchMarker("old-style")], [])
    assert NotifyHasPatch("old-style") in act.jobs


def test_patch_marker_with_other_id_is_nondeterminism() -> None:
    h = _started()
    h.add_full_workflow_task()
    _patch_marker(h, "recorded")
    h.add_workflow_task_to_start()
    m = machines_for(h)
    with pytest.raises(NondeterminismError, match="SetPatchMarker patch_id=other") as info:
        drive(m, [SetPatchMarker("other")])
    assert "MarkerRecorded marker_name=core_patch patch_id=recorded" in str(info.value)


def test_deprecated_patch_marker_without_command_is_skipped() -> None:
    h = _started()
    h.add_full_workflow_task()
    _patch_marker(h, "gone", deprecated=True)
    _upserted(h, "TemporalChangeVersion")
    t = h.add_timer_started("1")
    h.add_timer_fired("1", t)
    h.add_workflow_task_to_start()
    m = machines_for(h)
    drive(m, [timer(1)], [])


def test_non_deprecated_patch_marker_without_command_is_nondeterminism() -> None:
    h = _started()
    h.add_full_workflow_task()
    _patch_marker(h, "kept")
    h.add_workflow_task_to_start()
    m = machines_for(h)
    with pytest.raises(NondeterminismError, match="MarkerRecorded"):
        drive(m, [])


def test_change_version_upsert_written_by_other_cores_is_skipped() -> None:
    h = _started()
    h.add_full_workflow_task()
    _patch_marker(h, "p1")
    _upserted(h, "TemporalChangeVersion")
    h.add_workflow_task_to_start()
    m = machines_for(h)
    drive(m, [SetPatchMarker("p1")], [])


# ---------------------------------------------------------------------------- side effects


def test_side_effect_live_and_replay() -> None:
    h = _started()
    h.add_workflow_task_to_start()
    m = machines_for(h)
    drive(m, [RecordSideEffect(1, payload(b"42"))])
    [cmd] = m.take_commands()
    attrs = cmd.record_marker_command_attributes
    assert attrs.marker_name == "SideEffect"
    assert json.loads(attrs.details["side-effect-id"].payloads[0].data) == 1
    assert attrs.details["data"].payloads[0].data == b"42"

    h = _started()
    h.add_full_workflow_task()
    _side_effect_marker(h, 1, b"42")
    h.add_workflow_task_to_start()
    m = machines_for(h)
    act, _ = drive(m, [RecordSideEffect(1, payload(b"42"))], [])
    notify = act.jobs[0]
    assert isinstance(notify, NotifySideEffect)
    assert notify.seq == 1
    assert notify.result is not None and notify.result.data == b"42"


def test_side_effect_missing_on_replay_is_nondeterminism() -> None:
    h = _started()
    h.add_full_workflow_task()
    _side_effect_marker(h, 1, b"42")
    h.add_workflow_task_to_start()
    m = machines_for(h)
    with pytest.raises(NondeterminismError):
        drive(m, [timer(1)])


# --------------------------------------------------------------------------------- upserts


def test_upsert_and_memo_live_and_replay() -> None:
    sa = SearchAttributes()
    sa.indexed_fields["CustomKeywordField"].CopyFrom(payload(b'"v"'))
    memo = Memo()
    memo.fields["k"].CopyFrom(payload(b'"m"'))
    commands = [UpsertSearchAttributes(sa), ModifyWorkflowProperties(memo)]

    h = _started()
    h.add_workflow_task_to_start()
    m = machines_for(h)
    drive(m, commands)
    upsert, modify = m.take_commands()
    assert upsert.command_type == CommandType.COMMAND_TYPE_UPSERT_WORKFLOW_SEARCH_ATTRIBUTES
    assert modify.command_type == CommandType.COMMAND_TYPE_MODIFY_WORKFLOW_PROPERTIES
    assert modify.modify_workflow_properties_command_attributes.upserted_memo == memo

    h = _started()
    h.add_full_workflow_task()
    h.add(
        _ET.EVENT_TYPE_UPSERT_WORKFLOW_SEARCH_ATTRIBUTES,
        "upsert_workflow_search_attributes_event_attributes",
        search_attributes=sa,
    )
    h.add(
        _ET.EVENT_TYPE_WORKFLOW_PROPERTIES_MODIFIED,
        "workflow_properties_modified_event_attributes",
        upserted_memo=memo,
    )
    h.add_workflow_task_to_start()
    drive(machines_for(h), commands, [])


def test_missing_upsert_is_nondeterminism() -> None:
    h = _started()
    h.add_full_workflow_task()
    _upserted(h, "CustomKeywordField")
    h.add_workflow_task_to_start()
    with pytest.raises(NondeterminismError, match="UpsertWorkflowSearchAttributes"):
        drive(machines_for(h), [])


# ---------------------------------------------------------------------------- continue-as-new


def test_continue_as_new_live_command() -> None:
    h = _started()
    h.add_workflow_task_to_start()
    m = machines_for(h)
    drive(m, [ContinueAsNewWorkflow(_can_attrs())])
    [cmd] = m.take_commands()
    assert cmd.command_type == CommandType.COMMAND_TYPE_CONTINUE_AS_NEW_WORKFLOW_EXECUTION
    assert cmd.continue_as_new_workflow_execution_command_attributes.workflow_type.name == "Wf"


def test_continued_as_new_is_the_terminal_event_on_replay() -> None:
    h = _started()
    h.add_full_workflow_task()
    h.add(
        _ET.EVENT_TYPE_WORKFLOW_EXECUTION_CONTINUED_AS_NEW,
        "workflow_execution_continued_as_new_event_attributes",
        new_execution_run_id="run-2",
        workflow_type=WorkflowType(name="Wf"),
    )
    m = machines_for(h)
    drive(m, [ContinueAsNewWorkflow(_can_attrs())])


def test_continued_as_new_where_code_completed_is_nondeterminism() -> None:
    h = _started()
    h.add_full_workflow_task()
    h.add(
        _ET.EVENT_TYPE_WORKFLOW_EXECUTION_CONTINUED_AS_NEW,
        "workflow_execution_continued_as_new_event_attributes",
        new_execution_run_id="run-2",
    )
    m = machines_for(h)
    with pytest.raises(NondeterminismError, match="CompleteWorkflowExecution"):
        drive(m, [CompleteWorkflow(None)])


def test_suggest_continue_as_new_reaches_the_activation() -> None:
    h = _started()
    h.add_workflow_task_scheduled()
    h.add(
        _ET.EVENT_TYPE_WORKFLOW_TASK_STARTED,
        "workflow_task_started_event_attributes",
        scheduled_event_id=2,
        suggest_continue_as_new=True,
    )
    [act] = drive(machines_for(h), [])
    assert act.continue_as_new_suggested is True


# ------------------------------------------------------------------------- other run events


@pytest.mark.parametrize(
    "timeout_type",
    [
        TimeoutType.TIMEOUT_TYPE_START_TO_CLOSE,
        TimeoutType.TIMEOUT_TYPE_SCHEDULE_TO_CLOSE,
        TimeoutType.TIMEOUT_TYPE_SCHEDULE_TO_START,
        TimeoutType.TIMEOUT_TYPE_HEARTBEAT,
    ],
)
def test_activity_timed_out_carries_its_timeout_type(timeout_type: int) -> None:
    h = _started()
    h.add_full_workflow_task()
    s = h.add_activity_task_scheduled("1")
    h.add(
        _ET.EVENT_TYPE_ACTIVITY_TASK_TIMED_OUT,
        "activity_task_timed_out_event_attributes",
        scheduled_event_id=s,
        failure=Failure(
            message="timed out",
            timeout_failure_info=TimeoutFailureInfo(timeout_type=timeout_type),  # type: ignore[arg-type]
        ),
    )
    h.add_workflow_task_to_start()
    _, second = drive(machines_for(h), [schedule(1)], [])
    [job] = second.jobs
    assert isinstance(job, ResolveActivity)
    assert job.failure is not None
    assert job.failure.message == "Activity task timed out"
    assert job.failure.cause.timeout_failure_info.timeout_type == timeout_type


@pytest.mark.parametrize("abandon", ["failed", "timed_out"])
def test_failed_or_timed_out_workflow_task_is_retried_on_replay(abandon: str) -> None:
    h = _started()
    h.add_workflow_task_scheduled()
    h.add_workflow_task_started()
    getattr(h, f"add_workflow_task_{abandon}")()
    h.add_full_workflow_task()
    t = h.add_timer_started("1")
    h.add_timer_fired("1", t)
    h.add_workflow_task_to_start()
    first, second = drive(machines_for(h), [timer(1)], [])
    assert first.is_replaying and not second.is_replaying
    assert isinstance(first.jobs[0], InitializeWorkflow)
    assert second.jobs == (FireTimer(1),)


@pytest.mark.parametrize(
    "event_type, attr",
    [
        (
            _ET.EVENT_TYPE_WORKFLOW_EXECUTION_TERMINATED,
            "workflow_execution_terminated_event_attributes",
        ),
        (
            _ET.EVENT_TYPE_WORKFLOW_EXECUTION_TIMED_OUT,
            "workflow_execution_timed_out_event_attributes",
        ),
    ],
)
def test_terminated_or_timed_out_run_ends_without_a_command(event_type: int, attr: str) -> None:
    h = _started()
    h.add_full_workflow_task()
    t = h.add_timer_started("1")
    h.add(event_type, attr)
    m = machines_for(h)
    drive(m, [timer(1)])
    assert m.next_activation() is None
    del t


def test_cancel_requested_then_canceled_on_replay() -> None:
    h = _started()
    h.add_full_workflow_task()
    t = h.add_timer_started("1")
    h.add_cancel_requested("stop")
    h.add_full_workflow_task()
    h.add_timer_canceled("1", t)
    h.add_workflow_execution_canceled()
    m = machines_for(h)
    from temporal_sdk._core.activation import CancelTimer, CancelWorkflow

    _, second = drive(m, [timer(1)], [CancelTimer(1), CancelWorkflowExecution()])
    assert second.jobs == (CancelWorkflow(reason="stop"),)


def test_marker_and_upsert_module_keys() -> None:
    event = HistoryEvent(event_type=_ET.EVENT_TYPE_MARKER_RECORDED)
    event.marker_recorded_event_attributes.marker_name = "SomethingElse"
    assert _marker.COMMAND_EVENT_KEYS[_ET.EVENT_TYPE_MARKER_RECORDED](event) == "SomethingElse"
    assert _marker.lookahead_jobs(event) is None
    assert not _upsert.SKIPPABLE_EVENTS[_ET.EVENT_TYPE_UPSERT_WORKFLOW_SEARCH_ATTRIBUTES](
        HistoryEvent(event_type=_ET.EVENT_TYPE_UPSERT_WORKFLOW_SEARCH_ATTRIBUTES)
    )
