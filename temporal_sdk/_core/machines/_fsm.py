"""The one transition function every command state machine uses.

Rule: tables are plain module-level dicts ``(state, input) -> (next_state, action)``; a pair that
is missing is an error, never a silent no-op. This module knows nothing about history or
commands: callers turn a miss caused by a history event into a ``NondeterminismError``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from enum import Enum
from typing import Any, TypeAlias, TypeVar

S = TypeVar("S", bound=Enum)
I = TypeVar("I", bound=Enum)  # noqa: E741
A = TypeVar("A", bound=Enum)

Table: TypeAlias = Mapping[tuple[S, I], tuple[S, A]]

# Called with (table, state, input) on every successful transition when set (tests use it to
# check that every row of every table is exercised). Kept as a module global so the hot path
# costs one ``is None`` test.
_recorder: Callable[[Mapping[Any, Any], Enum, Enum], None] | None = None


class TransitionError(Exception):
    """A machine received an input its table has no transition for in its current state."""

    def __init__(self, state: Enum, input: Enum) -> None:
        super().__init__(f"no transition from {state} on {input}")
        self.state = state
        self.input = input


def fire(table: Mapping[tuple[S, I], tuple[S, A]], state: S, input: I) -> tuple[S, A]:
    """Look up ``(state, input)`` in ``table``; return ``(next_state, action)`` or raise."""
    try:
        result = table[(state, input)]
    except KeyError:
        raise TransitionError(state, input) from None
    if _recorder is not None:
        _recorder(table, state, input)
    return result


def set_recorder(
    recorder: Callable[[Mapping[Any, Any], Enum, Enum], None] | None,
) -> None:
    """Install (or remove, with ``None``) a callback that observes every transition fired."""
    global _recorder
    _recorder = recorder
