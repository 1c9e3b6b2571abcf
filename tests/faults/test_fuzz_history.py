"""Property tests: mutated and generated histories never hang the core or escape with an untyped
error. Budget and profiles: see fuzz_histories.py (``TEMPORAL_FUZZ_PROFILE=long`` for a long run).
"""

from __future__ import annotations

import logging

import pytest
from fuzz_histories import (
    HANG_SECONDS,
    SEEDS,
    Mutation,
    apply_mutations,
    drive,
    drive_in_tasks,
    fuzz_settings,
    mutations,
)
from hypothesis import given
from hypothesis import strategies as st

from temporal_sdk.api.enums.v1 import EventType
from temporal_sdk.api.history.v1 import HistoryEvent
from temporal_sdk.workflow import NondeterminismError


@pytest.mark.parametrize("index", range(len(SEEDS)))
def test_seed_histories_replay_cleanly(index: int) -> None:
    assert drive(SEEDS[index]) in ("ok", "task failure")
    if index not in LOCAL_SEEDS:
        assert drive_in_tasks(SEEDS[index]) in ("ok", "task failure")


@fuzz_settings(ci_examples=800)
@given(seed=st.integers(0, len(SEEDS) - 1), edits=mutations())
def test_mutated_histories_fail_typed(seed: int, edits: list[Mutation]) -> None:
    drive(apply_mutations(SEEDS[seed], edits, renumber=True))


# Fed task by task, a live task's local activities would have to run before the next task: the
# driver does not run them, so histories with local activities are fuzzed whole only.
LOCAL_SEEDS = {
    i
    for i, seed in enumerate(SEEDS)
    if seed[0].workflow_execution_started_event_attributes.workflow_type.name == "XLocal"
}
_TASK_SEEDS = [i for i in range(len(SEEDS)) if i not in LOCAL_SEEDS]


@fuzz_settings(ci_examples=300)
@given(seed=st.sampled_from(_TASK_SEEDS), edits=mutations())
def test_mutated_histories_fed_task_by_task_fail_typed(seed: int, edits: list[Mutation]) -> None:
    drive_in_tasks(apply_mutations(SEEDS[seed], edits, renumber=True))


@fuzz_settings(ci_examples=200)
@given(seed=st.integers(0, len(SEEDS) - 1), edits=mutations())
def test_mutated_histories_without_renumbering_fail_typed(seed: int, edits: list[Mutation]) -> None:
    drive(apply_mutations(SEEDS[seed], edits, renumber=False))


_TYPES = [*sorted(v for v in EventType.values() if v), 999]
# EVENT_TYPE_TIMER_FIRED -> "timer_fired_event_attributes", for the types that have attributes.
_ATTRS = {
    value: name.removeprefix("EVENT_TYPE_").lower() + "_event_attributes"
    for name, value in EventType.items()
    if name.removeprefix("EVENT_TYPE_").lower() + "_event_attributes"
    in HistoryEvent.DESCRIPTOR.fields_by_name
}


@st.composite
def generated_history(draw: st.DrawFn) -> list[HistoryEvent]:
    """A started event, then random event types with random small references between them."""
    first = SEEDS[draw(st.integers(0, len(SEEDS) - 1))][0]
    events = [first]
    for _ in range(draw(st.integers(0, 25))):
        event_type = draw(st.sampled_from(_TYPES))
        event = HistoryEvent(event_id=len(events) + 1, event_type=event_type)  # type: ignore[arg-type]
        attrs = _ATTRS.get(event_type)
        if attrs is not None:
            getattr(event, attrs).SetInParent()
        events.append(event)
    edits = draw(
        st.lists(st.builds(Mutation, st.just("scalar"), st.integers(), st.integers(-3, 40)))
    )
    return apply_mutations(events, edits, renumber=True)


@fuzz_settings(ci_examples=400)
@given(history=generated_history())
def test_generated_histories_fail_typed(history: list[HistoryEvent]) -> None:
    drive(history)


def test_discarding_a_run_with_a_pending_local_activity_logs_no_error(
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Found by fuzzing: a dropped run's pending local activity logged 'Task was destroyed'."""
    import gc

    local = next(
        s
        for s in SEEDS
        if s[0].workflow_execution_started_event_attributes.workflow_type.name == "XLocal"
    )
    first_task = local[:3]  # started, task scheduled, task started: the code runs live
    with caplog.at_level(logging.DEBUG):
        assert drive(first_task) == "ok"
        gc.collect()
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]


@fuzz_settings(ci_examples=100)
@given(seed=st.integers(0, len(SEEDS) - 1), edits=mutations())
def test_replayer_reports_mutated_histories_without_raising(
    seed: int, edits: list[Mutation]
) -> None:
    """The public Replayer turns every problem into a ``replay_failure``, never an exception."""
    import asyncio

    from fuzz_histories import WORKFLOWS

    from temporal_sdk.client import WorkflowHistory
    from temporal_sdk.worker import Replayer

    history = WorkflowHistory("x-parent", apply_mutations(SEEDS[seed], edits, renumber=True))
    replayer = Replayer(workflows=list(WORKFLOWS))

    async def replay() -> Exception | None:
        result = await replayer.replay_workflow(history, raise_on_replay_failure=False)
        return result.replay_failure

    failure = asyncio.run(asyncio.wait_for(replay(), HANG_SECONDS))
    if failure is not None:
        assert isinstance(failure, (NondeterminismError, RuntimeError, ValueError)), failure
        assert str(failure)
