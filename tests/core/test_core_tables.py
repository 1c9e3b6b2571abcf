"""Every row of every machine table is exercised by the core scenarios."""

from __future__ import annotations

import inspect
from collections.abc import Mapping
from enum import Enum
from typing import Any

import pytest
import test_core_machines as scenarios

from temporal_sdk._core.machines import _fsm, activity, completion, timer, workflow_task

TABLES: dict[str, Mapping[Any, Any]] = {
    "timer": timer.TABLE,
    "activity": activity.TABLE,
    "completion": completion.TABLE,
    "workflow_task": workflow_task.TABLE,
}


def _run_all_scenarios() -> None:
    for name, fn in vars(scenarios).items():
        if not name.startswith("test_") or not callable(fn):
            continue
        marks = getattr(fn, "pytestmark", [])
        params = [m.args for m in marks if m.name == "parametrize"]
        if params:
            [(_argname, values)] = params
            for value in values:
                _call(fn, value)
        else:
            _call(fn)


def _call(fn: Any, *args: Any) -> None:
    # Scenarios that expect an error assert it themselves; here only transitions matter.
    assert not inspect.signature(fn).parameters or args
    fn(*args)


@pytest.fixture
def fired() -> Any:
    seen: set[tuple[int, Enum, Enum]] = set()

    def record(table: Mapping[Any, Any], state: Enum, input: Enum) -> None:
        seen.add((id(table), state, input))

    _fsm.set_recorder(record)
    try:
        yield seen
    finally:
        _fsm.set_recorder(None)


def test_every_transition_is_exercised(fired: set[tuple[int, Enum, Enum]]) -> None:
    _run_all_scenarios()
    missing = {
        name: sorted(f"{s.name} --{i.name}-->" for s, i in table if (id(table), s, i) not in fired)
        for name, table in TABLES.items()
    }
    assert {k: v for k, v in missing.items() if v} == {}


def test_missing_pair_raises() -> None:
    with pytest.raises(_fsm.TransitionError, match="no transition from"):
        _fsm.fire(timer.TABLE, timer.TimerState.FIRED, timer.TimerInput.FIRED_EVENT)
