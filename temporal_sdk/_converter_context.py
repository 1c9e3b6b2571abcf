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


class SerializationContext(ABC):  # noqa: B024 (a marker base, as in temporalio)
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


class WithSerializationContext(ABC):  # noqa: B024 (opt-in mixin, not abstract)
    """Mixin for payload converters, encoding converters, failure converters and codecs.

    Wherever the SDK knows which workflow or activity a payload belongs to, it replaces a component
    implementing this interface with the result of :meth:`with_context` before using it, so that
    ``to_payloads``/``from_payloads``, ``encode``/``decode`` or ``to_failure``/``from_failure``
    can look at the context. Returning ``self`` means "context makes no difference to me".
    """

    def with_context(self, context: SerializationContext) -> Self:
        """Return a copy of this object that uses ``context`` (``self`` if it would not differ)."""
        raise NotImplementedError


def bind(component: _T, context: SerializationContext) -> _T:
    """``component.with_context(context)`` when it takes context, else ``component`` itself."""
    if isinstance(component, WithSerializationContext):
        bound: _T = component.with_context(context)
        return bound
    return component


_AWARE: dict[type, bool] = {}
"""Per class: does it implement :class:`WithSerializationContext` (ABC checks are slow)."""


def takes_context(component: object) -> bool:
    """Whether binding ``component`` to a context could give something other than itself.

    Composite converters and data converters answer with their ``_takes_context`` flag (whether
    any part takes context); other implementers are assumed to.
    """
    cls = type(component)
    aware = _AWARE.get(cls)
    if aware is None:
        aware = _AWARE[cls] = issubclass(cls, WithSerializationContext)
    if not aware:
        return False
    return bool(getattr(component, "_takes_context", True))


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


class RunConverters:
    """The context-free payload and failure converters of one workflow run, bound per target.

    Built by the workflow worker only when one of the converters takes context; the runtime then
    asks it for the converters of each activity, child workflow or signalled workflow. Pure: no
    IO, safe inside the workflow's deterministic loop.
    """

    __slots__ = ("_fc", "_pc", "namespace", "task_queue", "workflow_id", "workflow_type")

    def __init__(
        self,
        payload_converter: Any,
        failure_converter: Any,
        *,
        namespace: str,
        workflow_id: str,
        workflow_type: str,
        task_queue: str,
    ) -> None:
        self._pc = payload_converter
        self._fc = failure_converter
        self.task_queue = task_queue
        self.namespace = namespace
        self.workflow_id = workflow_id
        self.workflow_type = workflow_type

    def bound(self, context: SerializationContext) -> tuple[Any, Any]:
        """Payload and failure converters bound to ``context``."""
        return bind(self._pc, context), bind(self._fc, context)

    def workflow(self, workflow_id: str) -> tuple[Any, Any]:
        """Converters for the payloads of workflow ``workflow_id`` (this one, a child, a target)."""
        return self.bound(WorkflowSerializationContext(self.namespace, workflow_id))

    def activity(
        self,
        activity_type: str,
        activity_id: str | None,
        task_queue: str | None,
        *,
        is_local: bool,
    ) -> tuple[Any, Any]:
        """Converters for an activity this run schedules (``activity_id`` as the code gave it).

        ``task_queue`` defaults to the workflow's own task queue.
        """
        context = ActivitySerializationContext(
            namespace=self.namespace,
            activity_id=activity_id,
            activity_type=activity_type,
            activity_task_queue=task_queue or self.task_queue,
            workflow_id=self.workflow_id,
            workflow_type=self.workflow_type,
            is_local=is_local,
        )
        return self.bound(context)


def run_converters(
    payload_converter: Any,
    failure_converter: Any,
    *,
    namespace: str,
    workflow_id: str,
    workflow_type: str,
    task_queue: str,
) -> RunConverters | None:
    """A :class:`RunConverters`, or ``None`` when neither converter takes context."""
    if not (takes_context(payload_converter) or takes_context(failure_converter)):
        return None
    return RunConverters(
        payload_converter,
        failure_converter,
        namespace=namespace,
        workflow_id=workflow_id,
        workflow_type=workflow_type,
        task_queue=task_queue,
    )


def client_converter(client: Any, workflow_id: str) -> Any:
    """``client.data_converter`` bound to workflow ``workflow_id`` (reads namespace if needed)."""
    converter = client.data_converter
    if not takes_context(converter):
        return converter
    return bind(converter, WorkflowSerializationContext(client.namespace, workflow_id))
