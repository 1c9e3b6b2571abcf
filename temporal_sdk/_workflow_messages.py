"""Public workflow functions for message handlers registered at run time.

Rule: thin wrappers. Each function reaches the running workflow's handler table through
``_runtime.handlers`` and holds no state of its own; ``temporal_sdk.workflow`` re-exports them.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from temporal_sdk._runtime import handlers as _handlers
from temporal_sdk._runtime.definitions import HandlerUnfinishedPolicy
from temporal_sdk._runtime.handlers import (
    ReadOnlyContextError,
    UnfinishedSignalHandlersWarning,
    UnfinishedUpdateHandlersWarning,
)

__all__ = [
    "ReadOnlyContextError",
    "UnfinishedSignalHandlersWarning",
    "UnfinishedUpdateHandlersWarning",
    "all_handlers_finished",
    "get_dynamic_query_handler",
    "get_dynamic_signal_handler",
    "get_dynamic_update_handler",
    "get_query_handler",
    "get_signal_handler",
    "get_update_handler",
    "set_dynamic_query_handler",
    "set_dynamic_signal_handler",
    "set_dynamic_update_handler",
    "set_query_handler",
    "set_signal_handler",
    "set_update_handler",
]


def get_signal_handler(name: str) -> Callable[..., Any] | None:
    """The callable that handles signal ``name`` now (decorated or set at run time), if any."""
    return _handlers.get_handler("signal", name)


def set_signal_handler(
    name: str,
    handler: Callable[..., Any] | None,
    *,
    description: str | None = None,
    unfinished_policy: HandlerUnfinishedPolicy = HandlerUnfinishedPolicy.WARN_AND_ABANDON,
) -> None:
    """Handle signal ``name`` with ``handler`` from now on (``None`` removes the handler).

    Signals of that name that arrived while no handler existed are delivered to it at once, in
    the order they arrived.
    """
    _handlers.set_handler(
        "signal", name, handler, description=description, unfinished_policy=unfinished_policy
    )


def get_dynamic_signal_handler() -> Callable[..., Any] | None:
    """The handler of signals without their own handler, if any."""
    return _handlers.get_handler("signal", None)


def set_dynamic_signal_handler(
    handler: Callable[..., Any] | None,
    *,
    description: str | None = None,
    unfinished_policy: HandlerUnfinishedPolicy = HandlerUnfinishedPolicy.WARN_AND_ABANDON,
) -> None:
    """Handle every signal without its own handler with ``handler(name, args)``.

    All buffered signals (those that found no handler) are delivered to it at once, in order.
    """
    _handlers.set_handler(
        "signal", None, handler, description=description, unfinished_policy=unfinished_policy
    )


def get_query_handler(name: str) -> Callable[..., Any] | None:
    """The callable that answers query ``name`` now, if any."""
    return _handlers.get_handler("query", name)


def set_query_handler(
    name: str, handler: Callable[..., Any] | None, *, description: str | None = None
) -> None:
    """Answer query ``name`` with ``handler`` (a plain, non-async callable); ``None`` removes."""
    _handlers.set_handler("query", name, handler, description=description)


def get_dynamic_query_handler() -> Callable[..., Any] | None:
    """The handler of queries without their own handler, if any."""
    return _handlers.get_handler("query", None)


def set_dynamic_query_handler(
    handler: Callable[..., Any] | None, *, description: str | None = None
) -> None:
    """Answer every query without its own handler with ``handler(name, args)``."""
    _handlers.set_handler("query", None, handler, description=description)


def get_update_handler(name: str) -> Callable[..., Any] | None:
    """The callable that handles update ``name`` now, if any."""
    return _handlers.get_handler("update", name)


def set_update_handler(
    name: str,
    handler: Callable[..., Any] | None,
    *,
    validator: Callable[..., Any] | None = None,
    description: str | None = None,
    unfinished_policy: HandlerUnfinishedPolicy = HandlerUnfinishedPolicy.WARN_AND_ABANDON,
) -> None:
    """Handle update ``name`` with ``handler`` (sync or async); ``None`` removes the handler.

    ``validator``, if given, receives the same arguments and rejects the update by raising.
    """
    _handlers.set_handler(
        "update",
        name,
        handler,
        validator=validator,
        description=description,
        unfinished_policy=unfinished_policy,
    )


def get_dynamic_update_handler() -> Callable[..., Any] | None:
    """The handler of updates without their own handler, if any."""
    return _handlers.get_handler("update", None)


def set_dynamic_update_handler(
    handler: Callable[..., Any] | None,
    *,
    validator: Callable[..., Any] | None = None,
    description: str | None = None,
    unfinished_policy: HandlerUnfinishedPolicy = HandlerUnfinishedPolicy.WARN_AND_ABANDON,
) -> None:
    """Handle every update without its own handler with ``handler(name, args)``."""
    _handlers.set_handler(
        "update",
        None,
        handler,
        validator=validator,
        description=description,
        unfinished_policy=unfinished_policy,
    )


def all_handlers_finished() -> bool:
    """Whether every signal and update handler started so far has returned.

    Use ``await workflow.wait_condition(workflow.all_handlers_finished)`` before returning from
    the run method so that no handler is abandoned half-way.
    """
    return _handlers.all_handlers_finished()
