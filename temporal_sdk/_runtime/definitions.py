"""Workflow definitions: what ``@workflow.defn`` and the handler decorators record.

Rule: plain metadata, validated when the decorator runs so that mistakes surface at import time
with a message naming the class and method. Nothing here runs workflow code.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from enum import Enum
from typing import Any, Literal, get_type_hints

_DEFN_ATTR = "__temporal_workflow_definition"
_RUN_ATTR = "__temporal_workflow_run"
_HANDLER_ATTR = "__temporal_handler_definition"

HandlerKind = Literal["signal", "query", "update"]


class HandlerUnfinishedPolicy(Enum):
    """What to do about signal or update handlers still running when the workflow finishes."""

    WARN_AND_ABANDON = 1
    """Log a warning, then abandon the handler."""
    ABANDON = 2
    """Abandon the handler silently."""


@dataclass(frozen=True)
class HandlerDefinition:
    """A signal, query or update handler method. ``name`` is ``None`` for a dynamic handler."""

    kind: HandlerKind
    name: str | None
    fn: Callable[..., Any]
    is_async: bool
    arg_types: list[Any] | None
    ret_type: Any | None
    unfinished_policy: HandlerUnfinishedPolicy = HandlerUnfinishedPolicy.WARN_AND_ABANDON
    description: str | None = None
    validator: Callable[..., Any] | None = None

    @staticmethod
    def from_callable(fn: Any) -> HandlerDefinition | None:
        """The definition a handler decorator attached to ``fn``, if any."""
        defn = getattr(fn, _HANDLER_ATTR, None)
        return defn if isinstance(defn, HandlerDefinition) else None


@dataclass(frozen=True)
class WorkflowDefinition:
    """The registered shape of a workflow class. ``name`` is ``None`` for the dynamic workflow."""

    name: str | None
    cls: type
    run_fn: Callable[..., Any]
    arg_types: list[Any] | None
    ret_type: Any | None
    signals: Mapping[str | None, HandlerDefinition] = field(default_factory=dict)
    queries: Mapping[str | None, HandlerDefinition] = field(default_factory=dict)
    updates: Mapping[str | None, HandlerDefinition] = field(default_factory=dict)
    sandboxed: bool = True
    failure_exception_types: tuple[type[BaseException], ...] = ()
    versioning_behavior: int = 0
    """A ``common.VersioningBehavior`` value (0: unspecified, the worker's default applies)."""

    @staticmethod
    def from_class(cls: type) -> WorkflowDefinition | None:
        """The definition ``@workflow.defn`` put on exactly this class (not on a base class)."""
        defn = cls.__dict__.get(_DEFN_ATTR)
        return defn if isinstance(defn, WorkflowDefinition) else None

    @staticmethod
    def must_from_class(cls: type) -> WorkflowDefinition:
        """Like :meth:`from_class` but raise a clear error for an undecorated class."""
        defn = WorkflowDefinition.from_class(cls) if isinstance(cls, type) else None
        if defn is None:
            name = getattr(cls, "__qualname__", repr(cls))
            raise ValueError(f"workflow class {name} is missing the @workflow.defn decorator")
        return defn

    @staticmethod
    def from_run_fn(fn: Any) -> WorkflowDefinition | None:
        """The definition of the class whose ``@workflow.run`` method is ``fn``, if any."""
        defn = getattr(fn, _DEFN_ATTR, None)
        return defn if isinstance(defn, WorkflowDefinition) else None

    @staticmethod
    def must_from_run_fn(fn: Any) -> WorkflowDefinition:
        """Like :meth:`from_run_fn` but raise a clear error when ``fn`` is not a run method."""
        defn = WorkflowDefinition.from_run_fn(fn)
        if defn is None:
            name = getattr(fn, "__qualname__", repr(fn))
            raise ValueError(
                f"{name} is not a @workflow.run method of a class decorated with @workflow.defn"
            )
        return defn

    @staticmethod
    def apply(
        cls: type,
        *,
        name: str | None,
        dynamic: bool,
        sandboxed: bool,
        failure_exception_types: Sequence[type[BaseException]],
        versioning_behavior: int = 0,
    ) -> WorkflowDefinition:
        """Validate ``cls`` and attach its definition (what ``@workflow.defn`` does)."""
        if not isinstance(cls, type):
            raise TypeError("@workflow.defn must decorate a class")
        if dynamic and name is not None:
            raise ValueError(f"workflow class {cls.__qualname__}: dynamic cannot also have a name")
        if WorkflowDefinition.from_class(cls) is not None:
            raise ValueError(f"workflow class {cls.__qualname__} is decorated twice")
        issues: list[str] = []
        run_fn = _find_run(cls, issues)
        handlers = _find_handlers(cls, issues)
        if issues:
            raise ValueError(f"invalid workflow class {cls.__qualname__}: " + "; ".join(issues))
        assert run_fn is not None
        arg_types, ret_type = type_hints(run_fn)
        defn = WorkflowDefinition(
            name=None if dynamic else (name or cls.__name__),
            cls=cls,
            run_fn=run_fn,
            arg_types=None if dynamic else arg_types,
            ret_type=ret_type,
            signals=handlers["signal"],
            queries=handlers["query"],
            updates=handlers["update"],
            sandboxed=sandboxed,
            failure_exception_types=tuple(failure_exception_types),
            versioning_behavior=int(versioning_behavior),
        )
        setattr(cls, _DEFN_ATTR, defn)
        setattr(run_fn, _DEFN_ATTR, defn)
        return defn


def _find_run(cls: type, issues: list[str]) -> Callable[..., Any] | None:
    own = [(n, m) for n, m in vars(cls).items() if getattr(m, _RUN_ATTR, False)]
    if len(own) > 1:
        names = ", ".join(n for n, _ in own)
        issues.append(f"more than one @workflow.run method ({names})")
        return None
    if own:
        return own[0][1]  # type: ignore[no-any-return]
    for base in cls.__mro__[1:]:
        for attr, member in vars(base).items():
            if getattr(member, _RUN_ATTR, False):
                issues.append(
                    f"@workflow.run method {attr} is defined on base class {base.__name__}; "
                    f"override it on {cls.__name__} and decorate the override"
                )
                return None
    issues.append("missing @workflow.run method")
    return None


def _find_handlers(
    cls: type, issues: list[str]
) -> dict[HandlerKind, dict[str | None, HandlerDefinition]]:
    found: dict[HandlerKind, dict[str | None, HandlerDefinition]] = {
        "signal": {},
        "query": {},
        "update": {},
    }
    seen: set[str] = set()
    for klass in cls.__mro__:
        for attr, member in vars(klass).items():
            if attr in seen:
                continue
            seen.add(attr)
            handler = HandlerDefinition.from_callable(member)
            if handler is None:
                continue
            table = found[handler.kind]
            if handler.name in table:
                label = handler.name or "<dynamic>"
                issues.append(f"more than one {handler.kind} handler named {label}")
            else:
                table[handler.name] = handler
    return found


def type_hints(fn: Callable[..., Any]) -> tuple[list[Any] | None, Any | None]:
    """Positional parameter types (after ``self``) and return type of ``fn``, when resolvable."""
    try:
        sig = inspect.signature(fn)
        hints = get_type_hints(fn)
    except (TypeError, ValueError, NameError):
        return None, None
    params = [
        p
        for p in list(sig.parameters.values())[1:]
        if p.kind in (inspect.Parameter.POSITIONAL_ONLY, inspect.Parameter.POSITIONAL_OR_KEYWORD)
    ]
    arg_types: list[Any] = [hints.get(p.name, Any) for p in params]
    ret = hints.get("return")
    return arg_types, (None if ret is type(None) else ret)


def mark_run(fn: Callable[..., Any]) -> None:
    """Validate and mark ``fn`` as a workflow run method (what ``@workflow.run`` does)."""
    if not inspect.iscoroutinefunction(fn):
        name = getattr(fn, "__qualname__", repr(fn))
        raise ValueError(f"@workflow.run method {name} must be an async def method")
    setattr(fn, _RUN_ATTR, True)


def mark_handler(
    kind: HandlerKind,
    fn: Callable[..., Any],
    *,
    name: str | None,
    dynamic: bool,
    unfinished_policy: HandlerUnfinishedPolicy = HandlerUnfinishedPolicy.WARN_AND_ABANDON,
    description: str | None = None,
) -> HandlerDefinition:
    """Validate ``fn`` and attach a handler definition to it."""
    if not callable(fn):
        raise TypeError(f"@workflow.{kind} must decorate a method")
    if dynamic and name is not None:
        raise ValueError(f"@workflow.{kind} on {fn.__qualname__}: dynamic cannot also have a name")
    is_async = inspect.iscoroutinefunction(fn)
    if kind == "query" and is_async:
        raise ValueError(f"@workflow.query method {fn.__qualname__} must not be async")
    arg_types, ret_type = type_hints(fn)
    defn = HandlerDefinition(
        kind=kind,
        name=None if dynamic else (name or fn.__name__),
        fn=fn,
        is_async=is_async,
        arg_types=None if dynamic else arg_types,
        ret_type=ret_type,
        unfinished_policy=unfinished_policy,
        description=description,
    )
    setattr(fn, _HANDLER_ATTR, defn)
    return defn


def set_update_validator(update_fn: Callable[..., Any], validator: Callable[..., Any]) -> None:
    """Record ``validator`` on the update definition of ``update_fn``."""
    defn = HandlerDefinition.from_callable(update_fn)
    if defn is None or defn.kind != "update":
        raise TypeError("a validator can only be attached to an @workflow.update method")
    object.__setattr__(defn, "validator", validator)


def workflow_name_for(workflow: str | type | Callable[..., Any]) -> str:
    """The workflow type name for a name, a workflow class or its ``@workflow.run`` method."""
    if isinstance(workflow, str):
        return workflow
    if isinstance(workflow, type):
        defn = WorkflowDefinition.must_from_class(workflow)
    else:
        defn = WorkflowDefinition.must_from_run_fn(workflow)
    if defn.name is None:
        raise ValueError("a dynamic workflow cannot be started by reference; use a type name")
    return defn.name


def workflow_result_type_for(workflow: str | type | Callable[..., Any]) -> Any | None:
    """The declared return type of a workflow's run method, or ``None`` for a name."""
    if isinstance(workflow, str):
        return None
    if isinstance(workflow, type):
        defn = WorkflowDefinition.from_class(workflow)
    else:
        defn = WorkflowDefinition.from_run_fn(workflow)
    return defn.ret_type if defn is not None else None


def signal_name_for(signal: str | Callable[..., Any]) -> str:
    """The signal name for a name or an ``@workflow.signal`` method."""
    return _handler_name_for("signal", signal)


def query_name_for(query: str | Callable[..., Any]) -> str:
    """The query name for a name or an ``@workflow.query`` method."""
    return _handler_name_for("query", query)


def update_name_for(update: str | Callable[..., Any]) -> str:
    """The update name for a name or an ``@workflow.update`` method."""
    return _handler_name_for("update", update)


def _handler_name_for(kind: HandlerKind, target: str | Callable[..., Any]) -> str:
    if isinstance(target, str):
        return target
    defn = HandlerDefinition.from_callable(target)
    if defn is None or defn.kind != kind:
        name = getattr(target, "__qualname__", repr(target))
        raise ValueError(f"{name} is not decorated with @workflow.{kind}")
    if defn.name is None:
        raise ValueError(f"a dynamic {kind} handler cannot be called by reference; use a name")
    return defn.name
