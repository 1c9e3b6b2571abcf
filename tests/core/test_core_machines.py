"""WorkflowMachines driven directly with histories and completions (no server, no runtime)."""

from __future__ import annotations

import time

import pytest
from core_helpers import drive, machines_for, schedule, timer
from history_builder import HistoryBuilder, payload

from temporal_sdk._core.activation import (
    Activation,
    CancelTimer,
    CancelWorkflow,
    CancelWorkflowExecution,
    Command,
    CompleteWorkflow,
    Completion,
    FailWorkflow,
    FireTimer,
    InitializeWorkflow,
    RequestCancelActivity,
    ResolveActivity,
    SignalWorkflow,
    UpdateRandomSeed,
)
from temporal_sdk._core.determinism import NondeterminismError
from temporal_sdk._core.history import HistoryError
from temporal_sdk._core.workflow_machines import WorkflowMachines, randomness_seed
from temporal_sdk.api.common.v1 import Payloads
from temporal_sdk.api.enums.v1 import (
    CommandType,
    EventType,
    RetryState,
    WorkflowTaskFailedCause,
)
from temporal_sdk.api.failure.v1 import ApplicationFailureInfo, Failure

START = 1_700_000_000.0


def _started() -> HistoryBuilder:
    h = HistoryBuilder(start_time=START)
    h.add_workflow_execution_started("Wf", payload(b'"arg"'))
    return h


# ------------------------------------------------------------------ first task / live commands


def test_first_task_initializes_and_emits_commands() -> None:
    h = _started()
    h.add_workflow_task_to_start()
    m = machines_for(h)
    [act] = drive(m, [schedule(1, "greet"), timer(1, 2.5)])
    assert act.is_replaying is False
    assert act.run_id == "run-1"
    assert act.history_length == 3
    assert act.timestamp == START + 2
    [init] = act.jobs
    assert isinstance(init, InitializeWorkflow)
    assert init.workflow_type == "Wf"
    assert init.workflow_id == "wf-1"
    assert [p.data for p in init.arguments] == [b'"arg"']
    assert init.randomness_seed == randomness_seed("run-1")
    cmds = m.take_commands()
    assert [c.command_type for c in cmds] == [
        CommandType.COMMAND_TYPE_SCHEDULE_ACTIVITY_TASK,
        CommandType.COMMAND_TYPE_START_TIMER,
    ]
    assert cmds[0].schedule_activity_task_command_attributes.activity_type.name == "greet"
    st = cmds[1].start_timer_command_attributes
    assert st.timer_id == "1"
    assert (st.start_to_fire_timeout.seconds, st.start_to_fire_timeout.nanos) == (2, 500_000_000)
    assert m.take_commands() == []


def test_randomness_seed_is_stable_and_from_original_run_id() -> None:
    assert randomness_seed("abc") == randomness_seed("abc")
    assert randomness_seed("abc") != randomness_seed("abd")
    assert 0 <= randomness_seed("abc") < 2**64
    h = HistoryBuilder(run_id="first-run")
    h.add_workflow_execution_started()
    h.add_workflow_task_to_start()
    m = WorkflowMachines(namespace="ns", workflow_id="w", run_id="other")
    m.add_events(h.events)
    act = m.next_activation()
    assert act is not None
    assert act.jobs[0].randomness_seed == randomness_seed("first-run")  # type: ignore[union-attr]


def test_sub_millisecond_timer_rounds_up() -> None:
    h = _started()
    h.add_workflow_task_to_start()
    m = machines_for(h)
    drive(m, [timer(1, 0.0001)])
    st = m.take_commands()[0].start_timer_command_attributes.start_to_fire_timeout
    assert (st.seconds, st.nanos) == (0, 1_000_000)


# ------------------------------------------------------------------ activations


def test_timer_fired_activation() -> None:
    h = _started()
    h.add_full_workflow_task()
    started = h.add_timer_started("1")
    h.add_timer_fired("1", started)
    h.add_workflow_task_to_start()
    m = machines_for(h)
    first, second = drive(m, [timer(1)], [CompleteWorkflow(None)])
    assert first.is_replaying is True
    assert second.is_replaying is False
    assert second.jobs == (FireTimer(1),)
    [cmd] = m.take_commands()
    assert cmd.command_type == CommandType.COMMAND_TYPE_COMPLETE_WORKFLOW_EXECUTION
    assert not cmd.complete_workflow_execution_command_attributes.HasField("result")


def test_activity_completed_activation() -> None:
    h = _started()
    h.add_full_workflow_task()
    sched = h.add_activity_task_scheduled("1", "greet")
    st = h.add_activity_task_started(sched)
    h.add_activity_task_completed(sched, st, payload(b'"hi"'))
    h.add_workflow_task_to_start()
    m = machines_for(h)
    _, second = drive(m, [schedule(1, "greet")], [CompleteWorkflow(payload(b"1"))])
    [job] = second.jobs
    assert isinstance(job, ResolveActivity)
    assert job.seq == 1 and job.result is not None and job.result.data == b'"hi"'
    assert job.failure is None and not job.cancelled
    [cmd] = m.take_commands()
    res = cmd.complete_workflow_execution_command_attributes.result.payloads
    assert [p.data for p in res] == [b"1"]


def test_activity_completed_without_result() -> None:
    h = _started()
    h.add_full_workflow_task()
    sched = h.add_activity_task_scheduled("1")
    st = h.add_activity_task_started(sched)
    h.add_activity_task_completed(sched, st, None)
    h.add_workflow_task_to_start()
    _, second = drive(machines_for(h), [schedule(1)], [])
    assert second.jobs == (ResolveActivity(1, result=None),)


def test_activity_failed_activation() -> None:
    h = _started()
    h.add_full_workflow_task()
    sched = h.add_activity_task_scheduled("1", "greet")
    st = h.add_activity_task_started(sched)
    cause = Failure(message="oops", application_failure_info=ApplicationFailureInfo(type="E"))
    h.add_activity_task_failed(sched, st, cause)
    h.add_workflow_task_to_start()
    _, second = drive(machines_for(h), [schedule(1, "greet")], [])
    [job] = second.jobs
    assert isinstance(job, ResolveActivity) and job.failure is not None
    f = job.failure
    assert f.message == "Activity task failed"
    assert f.cause == cause
    info = f.activity_failure_info
    assert (info.scheduled_event_id, info.started_event_id) == (sched, st)
    assert info.activity_id == "1" and info.activity_type.name == "greet"
    assert info.identity == "worker-1"
    assert info.retry_state == RetryState.RETRY_STATE_MAXIMUM_ATTEMPTS_REACHED
    assert not job.cancelled


def test_activity_timed_out_before_start() -> None:
    h = _started()
    h.add_full_workflow_task()
    sched = h.add_activity_task_scheduled("1")
    h.add_activity_task_timed_out(sched)
    h.add_workflow_task_to_start()
    _, second = drive(machines_for(h), [schedule(1)], [])
    [job] = second.jobs
    assert isinstance(job, ResolveActivity) and job.failure is not None
    assert job.failure.message == "Activity task timed out"
    assert job.failure.cause.HasField("timeout_failure_info")
    assert job.failure.activity_failure_info.retry_state == RetryState.RETRY_STATE_TIMEOUT


def test_activity_timed_out_after_start() -> None:
    h = _started()
    h.add_full_workflow_task()
    sched = h.add_activity_task_scheduled("1")
    st = h.add_activity_task_started(sched)
    h.add_activity_task_timed_out(sched, st)
    h.add_workflow_task_to_start()
    _, second = drive(machines_for(h), [schedule(1)], [])
    assert second.jobs[0].failure.activity_failure_info.started_event_id == st  # type: ignore[union-attr]


def test_activity_cancel_requested_then_canceled() -> None:
    h = _started()
    h.add_full_workflow_task()
    sched = h.add_activity_task_scheduled("1")
    h.add_signaled("stop")
    h.add_full_workflow_task()
    h.add_activity_task_cancel_requested(sched)
    h.add_activity_task_canceled(sched)
    h.add_workflow_task_to_start()
    m = machines_for(h)
    acts = drive(
        m,
        [schedule(1)],
        [RequestCancelActivity(1), RequestCancelActivity(1)],  # second one is a no-op
        [CancelWorkflowExecution()],
    )
    assert acts[1].jobs == (SignalWorkflow("stop", (), {}, "tester"),)
    [job] = acts[2].jobs
    assert isinstance(job, ResolveActivity) and job.cancelled
    assert job.failure is not None and job.failure.message == "Activity cancelled"
    assert job.failure.cause.HasField("canceled_failure_info")
    info = job.failure.activity_failure_info
    assert info.retry_state == RetryState.RETRY_STATE_CANCEL_REQUESTED
    assert info.scheduled_event_id == sched
    [cmd] = m.take_commands()
    assert cmd.command_type == CommandType.COMMAND_TYPE_CANCEL_WORKFLOW_EXECUTION


def test_started_activity_cancel_with_details() -> None:
    h = _started()
    h.add_full_workflow_task()
    sched = h.add_activity_task_scheduled("1")
    st = h.add_activity_task_started(sched)
    h.add_signaled("stop")
    h.add_full_workflow_task()
    h.add_activity_task_cancel_requested(sched)
    h.add_signaled("again")
    h.add_full_workflow_task()
    h.add_activity_task_canceled(sched, st, Payloads(payloads=[payload(b"d")]))
    h.add_workflow_task_to_start()
    m = machines_for(h)
    cancel = [RequestCancelActivity(1)]
    acts = drive(m, [schedule(1)], cancel, cancel, cancel)
    [job] = acts[3].jobs
    assert isinstance(job, ResolveActivity) and job.cancelled and job.failure is not None
    assert job.failure.cause.canceled_failure_info.details.payloads[0].data == b"d"
    assert job.failure.activity_failure_info.started_event_id == st
    assert m.take_commands() == []


def test_activity_cancel_issues_request_command_live() -> None:
    h = _started()
    h.add_full_workflow_task()
    sched = h.add_activity_task_scheduled("1")
    h.add_signaled("stop")
    h.add_workflow_task_to_start()
    m = machines_for(h)
    drive(m, [schedule(1)], [RequestCancelActivity(1)])
    [cmd] = m.take_commands()
    assert cmd.command_type == CommandType.COMMAND_TYPE_REQUEST_CANCEL_ACTIVITY_TASK
    assert cmd.request_cancel_activity_task_command_attributes.scheduled_event_id == sched


@pytest.mark.parametrize("outcome", ["completed", "failed", "timed_out"])
def test_activity_outcome_after_cancel_request(outcome: str) -> None:
    h = _started()
    h.add_full_workflow_task()
    sched = h.add_activity_task_scheduled("1")
    h.add_signaled("stop")
    h.add_full_workflow_task()
    h.add_activity_task_cancel_requested(sched)
    st = h.add_activity_task_started(sched)
    if outcome == "completed":
        h.add_activity_task_completed(sched, st, payload(b"1"))
    elif outcome == "failed":
        h.add_activity_task_failed(sched, st, Failure(message="x"))
    else:
        h.add_activity_task_timed_out(sched, st)
    h.add_workflow_task_to_start()
    m = machines_for(h)
    acts = drive(m, [schedule(1)], [RequestCancelActivity(1)], [RequestCancelActivity(1)])
    [job] = acts[2].jobs
    assert isinstance(job, ResolveActivity) and not job.cancelled
    assert (job.result is not None) == (outcome == "completed")
    assert m.take_commands() == []  # cancelling a finished activity sends nothing


def test_activity_cancelled_before_sent_resolves_at_once() -> None:
    h = _started()
    h.add_workflow_task_to_start()
    m = machines_for(h)
    first, local = drive(m, [schedule(1), RequestCancelActivity(1)], [CompleteWorkflow(None)])
    assert local.timestamp == first.timestamp and local.is_replaying is False
    [job] = local.jobs
    assert isinstance(job, ResolveActivity) and job.cancelled and job.seq == 1
    assert [c.command_type for c in m.take_commands()] == [
        CommandType.COMMAND_TYPE_COMPLETE_WORKFLOW_EXECUTION
    ]


def test_timer_cancelled_before_sent_drops_both() -> None:
    h = _started()
    h.add_workflow_task_to_start()
    m = machines_for(h)
    drive(m, [timer(1), timer(2), CancelTimer(1)])
    cmds = m.take_commands()
    assert [c.start_timer_command_attributes.timer_id for c in cmds] == ["2"]


def test_timer_cancel_after_start_live_and_replayed() -> None:
    h = _started()
    h.add_full_workflow_task()
    started = h.add_timer_started("1")
    h.add_signaled("s")
    h.add_workflow_task_to_start()
    m = machines_for(h)
    drive(m, [timer(1)], [CancelTimer(1), CancelTimer(1)])
    [cmd] = m.take_commands()
    assert cmd.command_type == CommandType.COMMAND_TYPE_CANCEL_TIMER
    assert cmd.cancel_timer_command_attributes.timer_id == "1"
    # The same run, replayed further: TimerCanceled confirms the command.
    h2 = _started()
    h2.add_full_workflow_task()
    started = h2.add_timer_started("1")
    h2.add_signaled("s")
    h2.add_full_workflow_task()
    h2.add_timer_canceled("1", started)
    h2.add_signaled("s2")
    h2.add_workflow_task_to_start()
    m2 = machines_for(h2)
    drive(m2, [timer(1)], [CancelTimer(1)], [CancelTimer(1)])
    assert m2.take_commands() == []


def test_cancel_of_fired_timer_is_a_no_op() -> None:
    h = _started()
    h.add_full_workflow_task()
    started = h.add_timer_started("1")
    h.add_timer_fired("1", started)
    h.add_workflow_task_to_start()
    m = machines_for(h)
    drive(m, [timer(1)], [CancelTimer(1)])
    assert m.take_commands() == []


def test_signal_and_cancel_request_jobs_in_history_order() -> None:
    h = _started()
    h.add_signaled("first", payload(b"1"))
    h.add_full_workflow_task()
    h.add_cancel_requested("because")
    h.add_signaled("second")
    h.add_workflow_task_to_start()
    m = machines_for(h)
    first, second = drive(m, [], [])
    assert isinstance(first.jobs[0], InitializeWorkflow)
    assert first.jobs[1] == SignalWorkflow("first", (payload(b"1"),), {}, "tester")
    assert second.jobs == (CancelWorkflow("because"), SignalWorkflow("second", (), {}, "tester"))


# ------------------------------------------------------------------ replay


def _multi_task_history() -> HistoryBuilder:
    h = _started()
    h.add_full_workflow_task()
    sched = h.add_activity_task_scheduled("1", "greet")
    st = h.add_activity_task_started(sched)
    h.add_activity_task_completed(sched, st, payload(b'"hi"'))
    h.add_full_workflow_task()
    t = h.add_timer_started("1", 5)
    h.add_timer_fired("1", t)
    h.add_full_workflow_task()
    h.add_workflow_execution_completed(payload(b'"done"'))
    return h


def test_replay_of_multi_task_history_matches() -> None:
    m = machines_for(_multi_task_history())
    acts = drive(
        m,
        [schedule(1, "greet")],
        [timer(1, 5)],
        [CompleteWorkflow(payload(b'"done"'))],
    )
    assert all(a.is_replaying for a in acts)
    assert [a.history_length for a in acts] == [3, 9, 14]
    assert acts[1].jobs[0].result.data == b'"hi"'  # type: ignore[union-attr]
    assert acts[2].jobs == (FireTimer(1),)
    assert m.take_commands() == []


def test_replay_of_failed_workflow() -> None:
    h = _started()
    h.add_full_workflow_task()
    h.add_workflow_execution_failed(Failure(message="bad"))
    m = machines_for(h)
    drive(m, [FailWorkflow(Failure(message="bad")), timer(9)])  # commands after close: dropped
    assert m.take_commands() == []


def test_terminated_history_ends_the_run() -> None:
    h = _started()
    h.add_full_workflow_task()
    t = h.add_timer_started("1", 100)
    h.add_workflow_execution_terminated()
    m = machines_for(h)
    drive(m, [timer(1)])
    assert t == 5


def test_pagination_in_two_chunks() -> None:
    events = _multi_task_history().events
    for split in (3, 4, 7, 9, 10, 12, 14, 15):
        m = machines_for(events[:split])
        acts: list[Activation] = []
        responses: list[tuple[Command, ...]] = [
            (schedule(1, "greet"),),
            (timer(1, 5),),
            (CompleteWorkflow(None),),
        ]
        while (act := m.next_activation()) is not None:
            acts.append(act)
            m.apply_completion(Completion(commands=responses[len(acts) - 1]))
        m.add_events(events[split:])
        while (act := m.next_activation()) is not None:
            acts.append(act)
            m.apply_completion(Completion(commands=responses[len(acts) - 1]))
        assert [a.history_length for a in acts] == [3, 9, 14], split
        # A chunk that ended right after a WorkflowTaskStarted looked like the current task.
        assert [a.is_replaying for a in acts][:2] == [split != 3, split != 9]


def test_sticky_style_continuation_matches_sent_commands() -> None:
    h = _started()
    h.add_workflow_task_to_start()
    m = machines_for(h)
    drive(m, [schedule(1)])
    assert len(m.take_commands()) == 1
    h.add_workflow_task_completed()
    sched = h.add_activity_task_scheduled("1")
    st = h.add_activity_task_started(sched)
    h.add_activity_task_completed(sched, st, payload(b"2"))
    h.add_workflow_task_to_start()
    m.add_events(h.events[3:])
    [act] = drive(m, [CompleteWorkflow(None)])
    assert act.is_replaying is False and act.jobs[0].seq == 1  # type: ignore[union-attr]


def test_failed_workflow_task_batch_is_skipped() -> None:
    h = _started()
    h.add_workflow_task_scheduled()
    h.add_workflow_task_started()
    h.add_workflow_task_failed()
    h.add_signaled("s")
    h.add_workflow_task_scheduled()
    h.add_workflow_task_started()
    h.add_workflow_task_timed_out()
    h.add_workflow_task_scheduled()
    h.add_workflow_task_timed_out()  # schedule-to-start
    h.add_workflow_task_scheduled()
    started = h.add_workflow_task_started()
    m = machines_for(h)
    [act] = drive(m, [])
    assert act.history_length == started
    assert act.is_replaying is False
    assert isinstance(act.jobs[0], InitializeWorkflow)
    assert act.jobs[1] == SignalWorkflow("s", (), {}, "tester")


# ------------------------------------------------------------------ non-determinism


def test_nondeterminism_different_activity_type() -> None:
    m = machines_for(_multi_task_history())
    with pytest.raises(NondeterminismError) as info:
        drive(m, [schedule(1, "other", origin="wf.py:12 in run")])
    msg = str(info.value)
    assert "5 ActivityTaskScheduled activity_id=1 activity_type=greet" in msg
    assert "ScheduleActivity activity_id=1 activity_type=other" in msg
    assert "wf.py:12 in run" in msg
    assert info.value.origin == "wf.py:12 in run"


def test_nondeterminism_timer_instead_of_activity() -> None:
    m = machines_for(_multi_task_history())
    with pytest.raises(NondeterminismError) as info:
        drive(m, [timer(1, origin="wf.py:7 in run")])
    msg = str(info.value)
    assert "ActivityTaskScheduled" in msg and "StartTimer timer_id=1" in msg
    assert "wf.py:7 in run" in msg


def test_nondeterminism_missing_command() -> None:
    m = machines_for(_multi_task_history())
    with pytest.raises(NondeterminismError, match="issued no command"):
        drive(m, [])


def test_nondeterminism_extra_command() -> None:
    m = machines_for(_multi_task_history())
    with pytest.raises(NondeterminismError) as info:
        drive(m, [schedule(1, "greet"), timer(1, origin="wf.py:9 in run")])
    msg = str(info.value)
    assert "StartTimer timer_id=1" in msg and "wf.py:9 in run" in msg
    assert "6 ActivityTaskStarted" in msg


def test_nondeterminism_completing_early() -> None:
    m = machines_for(_multi_task_history())
    with pytest.raises(NondeterminismError, match="CompleteWorkflowExecution"):
        drive(m, [CompleteWorkflow(None)])


# ------------------------------------------------------------------ errors and limits


def test_unsupported_event_type_is_reported() -> None:
    h = _started()
    h.add_full_workflow_task()
    h.add(
        EventType.EVENT_TYPE_NEXUS_OPERATION_SCHEDULED, "nexus_operation_scheduled_event_attributes"
    )
    m = machines_for(h)
    with pytest.raises(HistoryError, match="NexusOperationScheduled is not supported yet"):
        drive(m, [])


def test_ignorable_unknown_event_is_skipped() -> None:
    h = _started()
    h.add(EventType.EVENT_TYPE_WORKFLOW_EXECUTION_OPTIONS_UPDATED)
    h.events[-1].worker_may_ignore = True
    h.add_workflow_task_to_start()
    drive(machines_for(h), [])


def test_history_must_start_with_started_and_be_contiguous() -> None:
    h = HistoryBuilder()
    h.add_workflow_task_scheduled()
    with pytest.raises(HistoryError, match="must begin with WorkflowExecutionStarted"):
        machines_for(h)
    h = _started()
    h.add_full_workflow_task()
    m = machines_for(h.events[:2])
    with pytest.raises(HistoryError, match="not consecutive"):
        m.add_events(h.events[3:])


def test_apply_completion_without_activation() -> None:
    h = _started()
    m = machines_for(h)
    with pytest.raises(RuntimeError):
        m.apply_completion(Completion())


def test_replay_of_1000_events_is_fast() -> None:
    h = _started()
    h.add_full_workflow_task()
    seq = 0
    while len(h.events) < 1000:
        seq += 1
        t = h.add_timer_started(str(seq))
        h.add_timer_fired(str(seq), t)
        h.add_full_workflow_task()
    h.add_workflow_execution_completed()
    begin = time.perf_counter()
    m = machines_for(h)
    n = 0
    while m.next_activation() is not None:
        n += 1
        cmd = timer(n) if n <= seq else CompleteWorkflow(None)
        m.apply_completion(Completion(commands=(cmd,)))
    elapsed = time.perf_counter() - begin
    assert n == seq + 1
    assert elapsed < 0.25, f"replay of {len(h.events)} events took {elapsed:.3f}s"


def test_reset_task_failure_reseeds_random_with_the_new_run_id() -> None:
    h = _started()
    h.add_full_workflow_task()
    h.add_signaled("poke")
    h.add_workflow_task_scheduled()
    h.add_workflow_task_started()
    failed = h.add_workflow_task_failed()
    attrs = h.events[failed - 1].workflow_task_failed_event_attributes
    attrs.cause = WorkflowTaskFailedCause.WORKFLOW_TASK_FAILED_CAUSE_RESET_WORKFLOW
    attrs.new_run_id = "reset-run"
    h.add_workflow_task_to_start()
    m = machines_for(h)
    _, act = drive(m, [], [])
    seeds = [j for j in act.jobs if isinstance(j, UpdateRandomSeed)]
    assert seeds == [UpdateRandomSeed(randomness_seed("reset-run"))]


def test_plain_task_failure_keeps_the_seed() -> None:
    h = _started()
    h.add_full_workflow_task()
    h.add_signaled("poke")
    h.add_workflow_task_scheduled()
    h.add_workflow_task_started()
    h.add_workflow_task_failed()
    h.add_workflow_task_to_start()
    _, act = drive(machines_for(h), [], [])
    assert not [j for j in act.jobs if isinstance(j, UpdateRandomSeed)]
