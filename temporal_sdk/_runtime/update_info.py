"""Which update the running code serves: a context variable set while an update is dispatched.

Rule: set only around the dispatch of one update; asyncio tasks created meanwhile (the handler's)
copy the context, so the value follows the handler and the tasks it starts, and nothing else.
"""

from __future__ import annotations

import contextvars
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class UpdateInfo:
    """The update whose handler (or a task it started) is running now."""

    id: str
    """The update's id."""
    name: str
    """The update's name, as the caller sent it."""

    @property
    def _logger_details(self) -> Mapping[str, Any]:
        return {"update_id": self.id, "update_name": self.name}


_current: contextvars.ContextVar[UpdateInfo | None] = contextvars.ContextVar(
    "temporal_sdk_update_info", default=None
)


def current_update_info() -> UpdateInfo | None:
    """The update being handled by the calling code, or ``None`` outside update handlers."""
    return _current.get()


def set_update_info(update_id: str, name: str) -> contextvars.Token[UpdateInfo | None]:
    """Mark the current context as serving update ``update_id``; undo with the returned token."""
    return _current.set(UpdateInfo(id=update_id, name=name))


def reset_update_info(token: contextvars.Token[UpdateInfo | None]) -> None:
    """Undo :func:`set_update_info`."""
    _current.reset(token)
