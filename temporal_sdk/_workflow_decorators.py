"""Workflow class and handler decorators (re-exported by ``workflow``).

Rule: decorators only record metadata on the class or method (through
:mod:`temporal_sdk._runtime.definitions`) and return the target; nothing here runs a workflow.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, ParamSpec, Protocol, TypeVar, overload

from temporal_sdk._runtime.definitions import (
    HandlerUnfinishedPolicy,
    WorkflowDefinition,
    mark_handler,
    mark_run,
    set_update_validator,
)
from temporal_sdk._versioning import VersioningBehavior

__all__ = [
    "UpdateMethod",
    "UpdateMethodMultiParam",
    "defn",
    "init",
    "query",
    "run",
    "signal",
    "update",
]

_C = TypeVar("_C", bound=type)
_F = TypeVar("_F", bound=Callable[..., Any])
_V = TypeVar("_V", bound=Callable[..., None])


@overload
def defn(cls: _C) -> _C: ...


@overload
def defn(
    *,
    name: str | None = None,
    dynamic: bool = False,
    sandboxed: bool = True,
    failure_exception_types: Sequence[type[BaseException]] = (),
    versioning_behavior: VersioningBehavior = VersioningBehavior.UNSPECIFIED,
) -> Callable[[_C], _C]: ...


def defn(
    cls: _C | None = None,
    *,
    name: str | None = None,
    dynamic: bool = False,
    sandboxed: bool = True,
    failure_exception_types: Sequence[type[BaseException]] = (),
    versioning_behavior: VersioningBehavior = VersioningBehavior.UNSPECIFIED,
) -> _C | Callable[[_C], _C]:
    """Mark a class as a workflow; it needs exactly one ``@workflow.run`` method.

    ``name`` is the workflow type (default: the class name); ``dynamic=True`` makes the class
    handle every workflow type not otherwise registered (its run method receives one
    ``Sequence[RawValue]``). Exceptions of ``failure_exception_types`` fail the workflow instead
    of the workflow task. ``sandboxed=False`` switches the determinism guard off for this workflow
    (see docs/determinism.md). ``versioning_behavior`` tells a worker that uses worker
    versioning whether runs of this workflow stay on their deployment version (``PINNED``) or
    move to the current one (``AUTO_UPGRADE``); see docs/worker-versioning.md.
    """

    def decorate(target: _C) -> _C:
        WorkflowDefinition.apply(
            target,
            name=name,
            dynamic=dynamic,
            sandboxed=sandboxed,
            failure_exception_types=failure_exception_types,
            versioning_behavior=versioning_behavior,
        )
        return target

    return decorate(cls) if cls is not None else decorate


def run(fn: _F) -> _F:
    """Mark the ``async def`` method that runs the workflow (one per workflow class)."""
    mark_run(fn)
    return fn


def init(fn: _F) -> _F:
    """Mark ``__init__`` as taking the same arguments as the ``@workflow.run`` method."""
    if getattr(fn, "__name__", None) != "__init__":
        raise ValueError("@workflow.init can only decorate __init__")
    setattr(fn, "__temporal_workflow_init", True)
    return fn


@overload
def signal(fn: _F) -> _F: ...


@overload
def signal(
    *,
    name: str | None = None,
    dynamic: bool = False,
    unfinished_policy: HandlerUnfinishedPolicy = HandlerUnfinishedPolicy.WARN_AND_ABANDON,
    description: str | None = None,
) -> Callable[[_F], _F]: ...


def signal(
    fn: _F | None = None,
    *,
    name: str | None = None,
    dynamic: bool = False,
    unfinished_policy: HandlerUnfinishedPolicy = HandlerUnfinishedPolicy.WARN_AND_ABANDON,
    description: str | None = None,
) -> Any:
    """Mark a method (sync or async) as the handler of a signal (default name: method name).

    A ``dynamic`` handler receives every signal without its own handler as
    ``(self, name, args: Sequence[RawValue])``.
    """

    def decorate(target: _F) -> _F:
        mark_handler(
            "signal",
            target,
            name=name,
            dynamic=dynamic,
            unfinished_policy=unfinished_policy,
            description=description,
        )
        return target

    return decorate(fn) if fn is not None else decorate


@overload
def query(fn: _F) -> _F: ...


@overload
def query(
    *, name: str | None = None, dynamic: bool = False, description: str | None = None
) -> Callable[[_F], _F]: ...


def query(
    fn: _F | None = None,
    *,
    name: str | None = None,
    dynamic: bool = False,
    description: str | None = None,
) -> Any:
    """Mark a non-async method as the handler of a query (its name and types are recorded)."""

    def decorate(target: _F) -> _F:
        mark_handler("query", target, name=name, dynamic=dynamic, description=description)
        return target

    return decorate(fn) if fn is not None else decorate


class UpdateMethod(Protocol):
    """An ``@workflow.update`` method: callable as before, plus ``validator`` to register one."""

    __name__: str

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        """Call the update method itself."""
        ...

    def validator(self, fn: _V) -> _V:
        """Register ``fn`` (same parameters, returns ``None``, raises to reject) as validator."""
        ...


_UP = ParamSpec("_UP")
_UR = TypeVar("_UR", covariant=True)


class UpdateMethodMultiParam(UpdateMethod, Protocol[_UP, _UR]):
    """temporalio's name for an ``@workflow.update`` method, generic in parameters and result.

    Structurally the same as :class:`UpdateMethod`; use whichever name reads better.
    """


@overload
def update(fn: Callable[..., Any]) -> UpdateMethod: ...


@overload
def update(
    *,
    name: str | None = None,
    dynamic: bool = False,
    unfinished_policy: HandlerUnfinishedPolicy = HandlerUnfinishedPolicy.WARN_AND_ABANDON,
    description: str | None = None,
) -> Callable[[Callable[..., Any]], UpdateMethod]: ...


def update(
    fn: _F | None = None,
    *,
    name: str | None = None,
    dynamic: bool = False,
    unfinished_policy: HandlerUnfinishedPolicy = HandlerUnfinishedPolicy.WARN_AND_ABANDON,
    description: str | None = None,
) -> Any:
    """Mark a method as the handler of an update (its name and types are recorded).

    The decorated method gains a ``validator`` decorator to register a validator method.
    """

    def decorate(target: _F) -> _F:
        mark_handler(
            "update",
            target,
            name=name,
            dynamic=dynamic,
            unfinished_policy=unfinished_policy,
            description=description,
        )

        def validator(vfn: Callable[..., None]) -> Callable[..., None]:
            set_update_validator(target, vfn)
            return vfn

        setattr(target, "validator", validator)  # noqa: B010
        return target

    return decorate(fn) if fn is not None else decorate
