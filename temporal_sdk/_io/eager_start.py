"""Eager workflow start: the first workflow task comes back with the start call.

StartWorkflowExecution's response may carry the first workflow task; it goes straight to a
worker of this process instead of waiting for a poll.

Rule: eager start is requested only when a running workflow worker built on the *same client*
polls the workflow's task queue and a workflow task slot has been reserved on it; the reserved
slot is either filled by the returned task or released, whatever happens to the start call.
"""

from __future__ import annotations

import weakref
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from temporal_sdk.api.workflowservice.v1 import PollWorkflowTaskQueueResponse


class EagerWorkflowTarget(Protocol):
    """What a workflow worker offers to eager start (implemented by ``WorkflowWorker``)."""

    async def reserve_eager_slot(self) -> bool:
        """Reserve a workflow task slot now, or ``False`` when none is free."""
        ...

    def release_eager_slot(self) -> None:
        """Give back a reserved slot."""
        ...

    def run_eager(self, task: PollWorkflowTaskQueueResponse) -> None:
        """Serve ``task`` in the reserved slot."""
        ...


# client -> task queue -> workers, in registration order. Weak on the client so that a dropped
# client does not keep its workers' entries alive.
_registry: weakref.WeakKeyDictionary[object, dict[str, list[EagerWorkflowTarget]]] = (
    weakref.WeakKeyDictionary()
)


def register(client: object, task_queue: str, worker: EagerWorkflowTarget) -> None:
    """Offer ``worker`` for eager starts of ``task_queue`` through ``client`` (once)."""
    workers = _registry.setdefault(client, {}).setdefault(task_queue, [])
    if worker not in workers:
        workers.append(worker)


def unregister(client: object, task_queue: str, worker: EagerWorkflowTarget) -> None:
    """Withdraw ``worker`` (on shutdown); unknown workers are ignored."""
    queues = _registry.get(client)
    if queues is None:
        return
    workers = queues.get(task_queue, [])
    if worker in workers:
        workers.remove(worker)
    if not workers:
        queues.pop(task_queue, None)


@dataclass(slots=True)
class Reservation:
    """A workflow task slot held on one worker for the task a start call may return."""

    worker: EagerWorkflowTarget
    settled: bool = False

    def fill(self, task: PollWorkflowTaskQueueResponse) -> bool:
        """Run ``task`` when the server returned one (``True``), else release the slot."""
        if self.settled:
            return False
        self.settled = True
        if task.task_token:
            self.worker.run_eager(task)
            return True
        self.worker.release_eager_slot()
        return False

    def release(self) -> None:
        """Give the slot back (the start call failed)."""
        if not self.settled:
            self.settled = True
            self.worker.release_eager_slot()


async def reserve(client: object, task_queue: str) -> Reservation | None:
    """A slot on a registered worker for ``task_queue``, or ``None`` when none is free."""
    for worker in list(_registry.get(client, {}).get(task_queue, ())):
        if await worker.reserve_eager_slot():
            return Reservation(worker)
    return None
