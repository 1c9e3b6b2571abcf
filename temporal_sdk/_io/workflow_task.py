"""Apply one workflow task's events to a run and turn the result into an outcome to send.

Rule: this code runs in the workflow task executor's thread, never on the worker's event loop, and
it is the one place that turns errors into a workflow *task* failure (bad payload, non-determinism,
SDK error). A history the core refuses while continuing a *cached* run is not a failure: it
yields :data:`REPLAY`, and the worker rebuilds the run from the full history.
"""

from __future__ import annotations

import logging
import traceback
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Final

from temporal_sdk._core.activation import ScheduleLocalActivity, WorkflowTaskFailure
from temporal_sdk._core.determinism import NondeterminismError
from temporal_sdk._core.history import HistoryError
from temporal_sdk._core.machines.local_activity import LocalActivityOutcome
from temporal_sdk._io import queries as _queries
from temporal_sdk._runtime.driver import ActivationHooks, run_activations
from temporal_sdk.api.command.v1 import Command
from temporal_sdk.api.enums.v1 import CommandType, WorkflowTaskFailedCause
from temporal_sdk.api.failure.v1 import ApplicationFailureInfo, Failure
from temporal_sdk.api.history.v1 import HistoryEvent
from temporal_sdk.api.protocol.v1 import Message
from temporal_sdk.api.query.v1 import WorkflowQueryResult
from temporal_sdk.api.workflowservice.v1 import PollWorkflowTaskQueueResponse

if TYPE_CHECKING:
    from temporal_sdk._io.workflow_cache import CachedRun

logger = logging.getLogger(__name__)

CAUSE_NONDETERMINISM = WorkflowTaskFailedCause.WORKFLOW_TASK_FAILED_CAUSE_NON_DETERMINISTIC_ERROR
CAUSE_UNHANDLED = (
    WorkflowTaskFailedCause.WORKFLOW_TASK_FAILED_CAUSE_WORKFLOW_WORKER_UNHANDLED_FAILURE
)

_CLOSING_COMMANDS = frozenset(
    {
        CommandType.COMMAND_TYPE_COMPLETE_WORKFLOW_EXECUTION,
        CommandType.COMMAND_TYPE_FAIL_WORKFLOW_EXECUTION,
        CommandType.COMMAND_TYPE_CANCEL_WORKFLOW_EXECUTION,
        CommandType.COMMAND_TYPE_CONTINUE_AS_NEW_WORKFLOW_EXECUTION,
    }
)


@dataclass(frozen=True, slots=True)
class Outcome:
    """What to answer for a workflow task: commands (and query answers), or a task failure."""

    commands: Sequence[Command]
    failure: WorkflowTaskFailure | None
    queries: dict[str, WorkflowQueryResult] = field(default_factory=dict)
    messages: list[Message] = field(default_factory=list)
    """Protocol messages (update accept / reject / complete) to send with the commands."""

    @property
    def closes_run(self) -> bool:
        """Whether the commands end the run (nothing left worth caching)."""
        return any(cmd.command_type in _CLOSING_COMMANDS for cmd in self.commands)


REPLAY: Final = object()
"""Returned by :func:`apply_task` when a cached run cannot take the new events."""


def failure_from_exception(
    exc: BaseException, type_name: str | None = None, stack: str | None = None
) -> Failure:
    """A Temporal ``Failure`` for an SDK-side error (type name, message, stack)."""
    return Failure(
        message=str(exc) or type(exc).__name__,
        stack_trace=stack if stack is not None else "".join(traceback.format_exception(exc)),
        source="temporal-sdk-python",
        application_failure_info=ApplicationFailureInfo(type=type_name or type(exc).__name__),
    )


def task_failure(
    exc: BaseException, cause: int = CAUSE_UNHANDLED, type_name: str | None = None
) -> Outcome:
    """An outcome failing the task with ``exc``."""
    return Outcome((), WorkflowTaskFailure(failure_from_exception(exc, type_name), cause))


def apply_task(
    task: PollWorkflowTaskQueueResponse,
    run: CachedRun,
    events: list[HistoryEvent],
    cached: bool,
    hooks: ActivationHooks | None,
) -> Outcome | object:
    """Add ``events`` to ``run``, run every activation they complete, and collect the answer."""
    machines, instance = run.machines, run.instance
    try:
        machines.add_events(events)
        machines.updates.add_messages(list(task.messages))
        if events:
            run.last_event_id = events[-1].event_id
        failure = run_activations(machines, instance, hooks)
    except HistoryError as err:
        if cached:
            logger.debug("Cached run %s cannot continue (%s); replaying", run.run_id, err)
            return REPLAY
        logger.exception("Workflow task of %s has a bad history", machines.workflow_id)
        return task_failure(err)
    except NondeterminismError as err:
        logger.warning("%s", err)
        return task_failure(err, CAUSE_NONDETERMINISM)
    except Exception as err:
        logger.exception("Workflow task of %s failed in the SDK", machines.workflow_id)
        return task_failure(err)
    return _collect(task, run, failure)


@dataclass(frozen=True, slots=True)
class LocalWork:
    """The task cannot be answered yet: the worker must run these local activities first."""

    requests: list[ScheduleLocalActivity]


def resume_task(
    task: PollWorkflowTaskQueueResponse,
    run: CachedRun,
    outcomes: Sequence[LocalActivityOutcome],
    hooks: ActivationHooks | None,
) -> Outcome | LocalWork:
    """Resolve finished local activities in ``run`` and run the activations they unblock."""
    machines = run.machines
    try:
        for outcome in outcomes:
            machines.local_activities.resolve(outcome)
        failure = run_activations(machines, run.instance, hooks)
    except NondeterminismError as err:
        logger.warning("%s", err)
        return task_failure(err, CAUSE_NONDETERMINISM)
    except Exception as err:
        logger.exception("Workflow task of %s failed in the SDK", machines.workflow_id)
        return task_failure(err)
    return _collect(task, run, failure)


def _collect(
    task: PollWorkflowTaskQueueResponse, run: CachedRun, failure: WorkflowTaskFailure | None
) -> Outcome | LocalWork:
    machines = run.machines
    if failure is not None:
        return Outcome((), failure)
    if machines.local_activities.has_requests:
        return LocalWork(machines.local_activities.take_requests())
    answers = _queries.answer_queries(run.instance, task)
    return Outcome(machines.take_commands(), None, answers, machines.updates.take_messages())
