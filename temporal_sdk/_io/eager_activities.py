"""Eager activity dispatch: activities come back with the workflow task's answer.

The server hands eagerly requested activities straight back in RespondWorkflowTaskCompleted's
response; they run on this worker's activity worker without a poll.

Rule: a ScheduleActivityTask command is marked eager only with a reserved activity slot behind
it, and every reserved slot is either filled by a returned task or released, whatever happens to
the respond call. Only activities for the worker's own task queue are marked.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING

from temporal_sdk.api.enums.v1 import CommandType

if TYPE_CHECKING:
    from temporal_sdk._io.activity_worker import ActivityWorker
    from temporal_sdk.api.command.v1 import Command
    from temporal_sdk.api.workflowservice.v1 import PollActivityTaskQueueResponse

logger = logging.getLogger(__name__)

_SCHEDULE_ACTIVITY = CommandType.COMMAND_TYPE_SCHEDULE_ACTIVITY_TASK
DEFAULT_MAX_RESERVATIONS = 3


class EagerActivityDispatcher:
    """Marks a workflow task's activity commands eager and runs the tasks the server returns."""

    def __init__(
        self,
        activity_worker: ActivityWorker,
        task_queue: str,
        max_reservations: int = DEFAULT_MAX_RESERVATIONS,
    ) -> None:
        if max_reservations < 1:
            raise ValueError(
                "max_eager_activity_reservations_per_workflow_task must be positive; use "
                "disable_eager_activity_execution=True to disable eager activity execution"
            )
        self._worker = activity_worker
        self._task_queue = task_queue
        self._max = max_reservations
        self.dispatched = 0
        """Eager activity tasks run so far (useful in tests)."""

    async def mark(self, commands: Iterable[Command]) -> int:
        """Request eager execution on eligible commands (in place); return the slots reserved."""
        reserved = 0
        for command in commands:
            if reserved >= self._max:
                break
            if command.command_type != _SCHEDULE_ACTIVITY:
                continue
            attrs = command.schedule_activity_task_command_attributes
            if attrs.task_queue.name not in ("", self._task_queue):
                continue
            if not await self._worker.reserve_eager_slot():
                break
            attrs.request_eager_execution = True
            reserved += 1
        return reserved

    def release(self, reserved: int) -> None:
        """Give back ``reserved`` slots (the respond call failed)."""
        for _ in range(reserved):
            self._worker.release_eager_slot()

    def dispatch(self, tasks: Sequence[PollActivityTaskQueueResponse], reserved: int) -> None:
        """Run the returned tasks in the reserved slots and release the slots left over."""
        used = min(len(tasks), reserved)
        if len(tasks) > reserved:
            # Cannot happen with a well-behaved server; the extra tasks time out and retry.
            logger.warning(
                "Server returned %d eager activity tasks for %d reserved slots",
                len(tasks),
                reserved,
            )
        for task in tasks[:used]:
            self._worker.run_eager(task)
        self.dispatched += used
        self.release(reserved - used)
