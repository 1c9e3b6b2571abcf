"""Workflow functions acting on the run itself (re-exported by ``workflow``).

Rule: thin wrappers. Each function validates its arguments, then hands over to the running
workflow's :class:`~temporal_sdk._runtime.run_ops.RunOps`; nothing here keeps state.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import timedelta
from typing import Any, NoReturn, TypeVar, overload

from temporal_sdk._runtime import context as _context
from temporal_sdk._runtime.external import ARG_UNSET, one_or_many
from temporal_sdk._runtime.run_ops import ContinueAsNewError
from temporal_sdk._search_attributes import SearchAttributeUpdate, TypedSearchAttributes
from temporal_sdk.common import RetryPolicy

__all__ = [
    "ContinueAsNewError",
    "continue_as_new",
    "deprecate_patch",
    "patched",
    "side_effect",
    "upsert_memo",
    "upsert_search_attributes",
]

_T = TypeVar("_T")


def continue_as_new(
    arg: Any = ARG_UNSET,
    *,
    args: Sequence[Any] = (),
    workflow: Callable[..., Any] | str | None = None,
    task_queue: str | None = None,
    run_timeout: timedelta | None = None,
    task_timeout: timedelta | None = None,
    backoff_start_interval: timedelta | None = None,
    retry_policy: RetryPolicy | None = None,
    memo: Mapping[str, Any] | None = None,
    search_attributes: TypedSearchAttributes | None = None,
    versioning_intent: Any | None = None,
) -> NoReturn:
    """End this run now and start a fresh run of the workflow with new arguments.

    The new run keeps the workflow id and gets a new run id and an empty history. ``workflow``
    (a run method or a name) switches to another workflow type; by default the task queue, memo
    and search attributes carry over. Always raises :class:`ContinueAsNewError`: let it
    propagate out of the run method.
    """
    del versioning_intent  # worker versioning is not supported; accepted for compatibility
    _context.current().run_ops().continue_as_new(
        one_or_many(arg, args),
        workflow=workflow,
        task_queue=task_queue,
        run_timeout=run_timeout,
        task_timeout=task_timeout,
        backoff_start_interval=backoff_start_interval,
        retry_policy=retry_policy,
        memo=memo,
        search_attributes=search_attributes,
    )


def patched(id: str) -> bool:
    """Whether this run takes the new code path of change ``id``.

    True for runs that reach this call on new code (a marker is recorded in history); on
    replay, true exactly when history recorded that marker, so runs started on old code keep
    following the old path. The answer for an ``id`` never changes within a run.
    """
    return _context.current().run_ops().patch(id, deprecated=False)


def deprecate_patch(id: str) -> None:
    """Mark change ``id`` as deprecated: every run still open took the new code path.

    Call it where ``patched(id)`` used to be once the old path is gone; runs that recorded the
    patch replay, and later the call can be removed too.
    """
    _context.current().run_ops().patch(id, deprecated=True)


@overload
def side_effect(fn: Callable[[], _T]) -> _T: ...


@overload
def side_effect(fn: Callable[[], Any], *, result_type: type[_T]) -> _T: ...


def side_effect(fn: Callable[[], Any], *, result_type: Any | None = None) -> Any:
    """Run ``fn`` once and record its value in history; on replay return the recorded value.

    Use it for small non-deterministic values (an id, a random choice) that need no activity.
    ``fn`` must be synchronous and must not fail; its value goes through the payload converter
    (``result_type`` decodes it, as on replay).
    """
    if not callable(fn):
        raise TypeError(f"side_effect takes a function, not {type(fn).__name__}")
    return _context.current().run_ops().side_effect(fn, result_type)


def upsert_search_attributes(
    attributes: Sequence[SearchAttributeUpdate[Any]] | Mapping[str, Sequence[Any]],
) -> None:
    """Set or remove search attributes of this workflow.

    Pass updates made with ``SearchAttributeKey.value_set(value)`` and ``.value_unset()``;
    ``workflow.info().typed_search_attributes`` reflects them at once. The deprecated dict form
    (name → list of values) is accepted too and reflected in ``info().search_attributes``.
    """
    if not attributes:
        return
    if isinstance(attributes, TypedSearchAttributes):
        raise TypeError(
            "upsert_search_attributes takes a sequence of SearchAttributeKey.value_set() / "
            "value_unset() updates"
        )
    _context.current().run_ops().upsert_search_attributes(attributes)


def upsert_memo(updates: Mapping[str, Any]) -> None:
    """Add, replace or (with a ``None`` value) remove memo entries of this workflow.

    Keys not named in ``updates`` stay as they are; ``workflow.memo()`` reflects the change at
    once.
    """
    _context.current().run_ops().upsert_memo(updates)
