"""Serialization contexts: which workflow or activity a payload belongs to.

Rule: this module holds plain value types and pure binding helpers; it never does IO and never
imports the rest of the converter package (``converter.py`` imports it, not the other way round).
A component opts in by implementing :class:`WithSerializationContext`; everything else is passed
through untouched, and the check for opting in is made once per component, not once per payload.
"""

from __future__ import annotations

from abc import ABC
from contextvars import ContextVar
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeVar

if TYPE_CHECKING:
    from typing_extensions import Self

__all__ = [
    "ActivitySerializationContext",
    "NexusSerializationContext",
    "SerializationContext",
    "WithSerializationContext",
    "WorkflowSerializationContext",
]

_T = TypeVar("_T")


class SerializationContext(ABC):
    """Base class of the facts a converter or codec may receive about the payloads it handles.

    Client calls on a workflow (start, signal, query, update, result, describe) and the workflow
    worker's handling of a workflow's own values use :class:`WorkflowSerializationContext` with
    that workflow's ID. Values sent to or received from a child or external workflow use the
    *target* workflow's ID. Values of activities (arguments, results, heartbeat details, failures),
    on both the workflow side and the activity worker, use :class:`ActivitySerializationContext`.
    """


@dataclass(frozen=True)
class WorkflowSerializationContext(SerializationContext):
    """Context for payloads that are inputs or outputs of one workflow."""

    namespace: str
    """Namespace of the workflow."""

    workflow_id: str
    """ID of the workflow the payload belongs to (for schedules: the configured workflow ID)."""


@dataclass(frozen=True)
class ActivitySerializationContext(SerializationContext):
    """Context for payloads that are inputs or outputs of one activity."""

    namespace: str
    """Namespace of the activity."""

    activity_id: str | None
    """ID of the activity; in workflow code, only set when the workflow chose one."""

    activity_type: str | None
    """Activity type name (may be unset in some paths; do not depend on it)."""

    activity_task_queue: str | None
    """Task queue of the activity (may be unset in some paths; do not depend on it)."""

    workflow_id: str | None
    """ID of the workflow that scheduled the activity, if any."""

    workflow_type: str | None
    """Type of the workflow that scheduled the activity, if any."""

    is_local: bool
    """Whether the activity is a local activity."""


@dataclass(frozen=True)
class NexusSerializationContext(SerializationContext):
    """Context for Nexus operation payloads (defined for API parity; Nexus is not supported)."""

    endpoint: str
    """Nexus endpoint name."""

    service: str
    """Nexus service name."""

    operation: str
    """Nexus operation name."""


class WithSerializationContext(ABC):
    """Mixin for payload converters, encoding converters, failure converters and codecs.

    Wherever the SDK knows which workflow or activity a payload belongs to, it replaces a component
    implementing this interface with the result of :meth:`with_context` before using it, so that
    ``to_payloads``/``from_payloads``, ``encode``/``decode`` or ``to_failure``/``from_failure``
    can look at the context. Returning ``self`` means "context makes no difference to me".
    """

    def with_context(self, context: SerializationContext) -> Self:
        """Return a copy of this object that uses ``context`` (or ``self`` if it would not differ)."""
        raise NotImplementedError


def bind(component: _T, context: SerializationContext) -> _T:
    """``component.with_context(context)`` when it takes context, else ``component`` itself."""
    if isinstance(component, WithSerializationContext):
        bound: _T = component.with_context(context)
        return bound
    return component


def takes_context(component: object) -> bool:
    """Whether binding ``component`` to a context could give something other than itself."""
    if not isinstance(component, WithSerializationContext):
        return False
    probe = getattr(component, "_takes_context", None)
    return bool(probe) if probe is not None else True


def for_workflow(component: _T, namespace: str, workflow_id: str) -> _T:
    """``component`` bound to :class:`WorkflowSerializationContext` (no allocation if unneeded)."""
    if not takes_context(component):
        return component
    return bind(component, WorkflowSerializationContext(namespace, workflow_id))


def for_activity_task(
    component: _T, task: Any, namespace: str, task_queue: str, *, is_local: bool = False
) -> _T:
    """``component`` bound to the context of an activity task (a poll response or alike).

    ``task`` needs ``workflow_namespace``, ``workflow_execution.workflow_id``,
    ``workflow_type.name``, ``activity_type.name`` and ``activity_id``.
    """
    if not takes_context(component):
        return component
    context = ActivitySerializationContext(
        namespace=task.workflow_namespace or namespace,
        activity_id=task.activity_id,
        activity_type=task.activity_type.name,
        activity_task_queue=task_queue,
        workflow_id=task.workflow_execution.workflow_id or None,
        workflow_type=task.workflow_type.name or None,
        is_local=is_local,
    )
    return bind(component, context)


TASK_CONVERTER: ContextVar[Any] = ContextVar("temporal_sdk_task_converter", default=None)
"""The data converter bound to the activity task the current asyncio task is handling."""
