"""Activity definitions: what ``@activity.defn`` records, shared by workflows and the worker.

Rule: plain metadata only. Nothing here runs an activity; the workflow API reads the name and
result type to schedule one, the activity worker reads the callable and parameter types to run it.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, get_type_hints

_ATTR = "__temporal_activity_definition"


@dataclass(frozen=True)
class ActivityDefinition:
    """The registered shape of one activity.

    ``name`` is ``None`` for the dynamic activity (it receives every unregistered name).
    ``arg_types`` is ``None`` when the parameters carry no usable type hints.
    """

    name: str | None
    fn: Callable[..., Any]
    is_async: bool
    arg_types: list[Any] | None
    ret_type: Any | None
    no_thread_cancel_exception: bool = False

    @staticmethod
    def from_callable(fn: Callable[..., Any]) -> ActivityDefinition | None:
        """Return the definition ``@activity.defn`` attached to ``fn``, if any."""
        defn = getattr(fn, _ATTR, None)
        if defn is None and not isinstance(fn, type) and not inspect.isroutine(fn):
            # An instance of a class whose ``__call__`` method carries ``@activity.defn``.
            defn = getattr(type(fn).__call__, _ATTR, None)
        return defn if isinstance(defn, ActivityDefinition) else None

    @staticmethod
    def must_from_callable(fn: Callable[..., Any]) -> ActivityDefinition:
        """Like :meth:`from_callable` but raise a clear error for an undecorated callable."""
        defn = ActivityDefinition.from_callable(fn)
        if defn is None:
            name = getattr(fn, "__qualname__", repr(fn))
            raise TypeError(f"activity {name} is missing the @activity.defn decorator")
        return defn

    @staticmethod
    def apply(
        fn: Callable[..., Any],
        *,
        name: str | None = None,
        dynamic: bool = False,
        no_thread_cancel_exception: bool = False,
    ) -> ActivityDefinition:
        """Validate ``fn`` and attach its definition to it (what ``@activity.defn`` does)."""
        if not callable(fn):
            raise TypeError("@activity.defn must decorate a function or callable object")
        if dynamic and name is not None:
            raise ValueError("a dynamic activity cannot also have a name")
        target = fn
        # A callable instance: its __call__ holds the signature.
        if not inspect.isfunction(fn) and not inspect.ismethod(fn):
            target = type(fn).__call__
        default_name = getattr(fn, "__name__", None) or type(fn).__name__
        is_async = inspect.iscoroutinefunction(target) or inspect.iscoroutinefunction(fn)
        arg_types, ret_type = _type_hints(target)
        if dynamic:
            arg_types = None
        defn = ActivityDefinition(
            name=None if dynamic else (name or default_name),
            fn=fn,
            is_async=is_async,
            arg_types=arg_types,
            ret_type=ret_type,
            no_thread_cancel_exception=no_thread_cancel_exception,
        )
        try:
            setattr(fn, _ATTR, defn)
        except AttributeError:
            # Bound methods refuse attributes; set it on the underlying function.
            setattr(fn.__func__, _ATTR, defn)  # type: ignore[attr-defined]
        return defn


def _type_hints(fn: Callable[..., Any]) -> tuple[list[Any] | None, Any | None]:
    try:
        sig = inspect.signature(fn)
        hints = get_type_hints(fn)
    except (TypeError, ValueError, NameError):
        return None, None
    params = [
        p
        for p in sig.parameters.values()
        if p.name != "self"
        and p.kind in (inspect.Parameter.POSITIONAL_ONLY, inspect.Parameter.POSITIONAL_OR_KEYWORD)
    ]
    arg_types: list[Any] | None = [hints.get(p.name, Any) for p in params]
    ret = hints.get("return")
    return arg_types, (None if ret is type(None) else ret)


def activity_name_for(activity: str | Callable[..., Any]) -> str:
    """The activity type name to schedule for a name or a decorated activity callable."""
    if isinstance(activity, str):
        return activity
    defn = ActivityDefinition.must_from_callable(activity)
    if defn.name is None:
        raise TypeError("a dynamic activity cannot be called by reference; use its name")
    return defn.name


def activity_result_type_for(activity: str | Callable[..., Any]) -> Any | None:
    """The declared return type of a decorated activity, or ``None`` for a name."""
    if isinstance(activity, str):
        return None
    defn = ActivityDefinition.from_callable(activity)
    return defn.ret_type if defn is not None else None
