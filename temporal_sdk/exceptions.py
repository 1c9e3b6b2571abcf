"""Errors raised by workflows, activities and clients, and carried in Temporal failures.

Every :class:`FailureError` maps to one kind of ``temporal.api.failure.v1.Failure``; the
:mod:`temporal_sdk.converter` failure converter translates between them in both directions.
An error decoded from a failure keeps that proto on :attr:`FailureError.failure`.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta
from enum import IntEnum
from typing import Any

from temporal_sdk.api.enums import v1 as _enums
from temporal_sdk.api.failure.v1 import Failure

__all__ = [
    "ActivityError",
    "ApplicationError",
    "ApplicationErrorCategory",
    "CancelledError",
    "ChildWorkflowError",
    "FailureError",
    "RetryState",
    "ServerError",
    "TemporalError",
    "TerminatedError",
    "TimeoutError",
    "TimeoutType",
    "WorkflowAlreadyStartedError",
    "is_cancelled_exception",
]


class TemporalError(Exception):
    """Root of every error type this SDK defines."""

    @property
    def cause(self) -> BaseException | None:
        """The error this one was raised from (its ``__cause__``), if any."""
        return self.__cause__


class FailureError(TemporalError):
    """An error that travels through Temporal as a ``Failure`` proto.

    Raise a subclass (normally :class:`ApplicationError`) from workflow code to fail the
    workflow rather than the workflow task.
    """

    def __init__(
        self,
        message: str,
        *,
        failure: Failure | None = None,
        exc_args: tuple[Any, ...] | None = None,
    ) -> None:
        """Build the error from its message.

        ``failure`` is the proto this error was decoded from, when there is one;
        ``exc_args`` overrides the arguments shown by ``str()``/``repr()``.
        """
        super().__init__(*(exc_args if exc_args is not None else (message,)))
        self._message = message
        self._failure = failure

    @property
    def message(self) -> str:
        """The failure message, without any type prefix."""
        return self._message

    @property
    def failure(self) -> Failure | None:
        """The ``Failure`` proto this error was decoded from, or ``None`` if raised locally."""
        return self._failure


class WorkflowAlreadyStartedError(FailureError):
    """A workflow with the requested id is already running (or the reuse policy forbids reuse).

    Attributes:
        workflow_id: Id of the existing workflow.
        workflow_type: Workflow type name of the existing workflow.
        run_id: Run id of the existing workflow, when the server reported it.
        first_run_id: First execution run id of the existing workflow, when known.

    """

    def __init__(
        self,
        workflow_id: str,
        workflow_type: str,
        *,
        run_id: str | None = None,
        first_run_id: str | None = None,
    ) -> None:
        """Record the id and type of the workflow that already exists."""
        super().__init__("Workflow execution already started")
        self.workflow_id = workflow_id
        self.workflow_type = workflow_type
        self.run_id = run_id
        self.first_run_id = first_run_id


class ApplicationErrorCategory(IntEnum):
    """How an application error should be treated by logging and metrics."""

    UNSPECIFIED = int(_enums.ApplicationErrorCategory.APPLICATION_ERROR_CATEGORY_UNSPECIFIED)
    BENIGN = int(_enums.ApplicationErrorCategory.APPLICATION_ERROR_CATEGORY_BENIGN)
    """An expected error: logged at DEBUG level and not counted in failure metrics."""


class ApplicationError(FailureError):
    """An error raised by user code in a workflow or activity.

    ``type`` names the error kind (matched against a retry policy's non-retryable error types);
    ``details`` are extra values carried through the payload converter.
    """

    def __init__(
        self,
        message: str,
        *details: Any,
        type: str | None = None,
        non_retryable: bool = False,
        next_retry_delay: timedelta | None = None,
        category: ApplicationErrorCategory = ApplicationErrorCategory.UNSPECIFIED,
    ) -> None:
        """Build an application error; ``str()`` shows ``"<type>: <message>"`` when typed."""
        super().__init__(message, exc_args=(f"{type}: {message}" if type else message,))
        self._details = details
        self._type = type
        self._non_retryable = non_retryable
        self._next_retry_delay = next_retry_delay
        self._category = category

    @property
    def details(self) -> Sequence[Any]:
        """Extra values attached by the code that raised the error."""
        return self._details

    @property
    def type(self) -> str | None:
        """The error kind, or ``None`` when not set."""
        return self._type

    @property
    def non_retryable(self) -> bool:
        """True when the raiser marked this error as never worth retrying.

        A retry policy may still stop retries for other reasons; this only reflects the flag.
        """
        return self._non_retryable

    @property
    def next_retry_delay(self) -> timedelta | None:
        """Delay the raiser asked for before the next activity attempt, if any."""
        return self._next_retry_delay

    @property
    def category(self) -> ApplicationErrorCategory:
        """The category used by logging and metrics."""
        return self._category


class CancelledError(FailureError):
    """A workflow, activity or child workflow was cancelled."""

    def __init__(self, message: str = "Cancelled", *details: Any) -> None:
        """Build a cancellation error with optional detail values."""
        super().__init__(message)
        self._details = details

    @property
    def details(self) -> Sequence[Any]:
        """Values attached to the cancellation."""
        return self._details


class TerminatedError(FailureError):
    """A workflow was terminated."""

    def __init__(self, message: str, *details: Any) -> None:
        """Build a termination error with the reason and optional detail values."""
        super().__init__(message)
        self._details = details

    @property
    def details(self) -> Sequence[Any]:
        """Values attached to the termination."""
        return self._details


class TimeoutType(IntEnum):
    """Which timeout fired, for :class:`TimeoutError`."""

    START_TO_CLOSE = int(_enums.TimeoutType.TIMEOUT_TYPE_START_TO_CLOSE)
    SCHEDULE_TO_START = int(_enums.TimeoutType.TIMEOUT_TYPE_SCHEDULE_TO_START)
    SCHEDULE_TO_CLOSE = int(_enums.TimeoutType.TIMEOUT_TYPE_SCHEDULE_TO_CLOSE)
    HEARTBEAT = int(_enums.TimeoutType.TIMEOUT_TYPE_HEARTBEAT)


class TimeoutError(FailureError):
    """A workflow or activity timed out."""

    def __init__(
        self,
        message: str,
        *,
        type: TimeoutType | None,
        last_heartbeat_details: Sequence[Any],
    ) -> None:
        """Build a timeout error of the given kind."""
        super().__init__(message)
        self._type = type
        self._last_heartbeat_details = last_heartbeat_details

    @property
    def type(self) -> TimeoutType | None:
        """Which timeout fired, if known."""
        return self._type

    @property
    def last_heartbeat_details(self) -> Sequence[Any]:
        """Details of the activity's last heartbeat (empty when there were none)."""
        return self._last_heartbeat_details


class ServerError(FailureError):
    """An error reported by the Temporal server itself."""

    def __init__(self, message: str, *, non_retryable: bool = False) -> None:
        """Build a server error."""
        super().__init__(message)
        self._non_retryable = non_retryable

    @property
    def non_retryable(self) -> bool:
        """True when the server said retrying will not help."""
        return self._non_retryable


class RetryState(IntEnum):
    """Where the retry policy stood when a workflow or activity failed."""

    IN_PROGRESS = int(_enums.RetryState.RETRY_STATE_IN_PROGRESS)
    NON_RETRYABLE_FAILURE = int(_enums.RetryState.RETRY_STATE_NON_RETRYABLE_FAILURE)
    TIMEOUT = int(_enums.RetryState.RETRY_STATE_TIMEOUT)
    MAXIMUM_ATTEMPTS_REACHED = int(_enums.RetryState.RETRY_STATE_MAXIMUM_ATTEMPTS_REACHED)
    RETRY_POLICY_NOT_SET = int(_enums.RetryState.RETRY_STATE_RETRY_POLICY_NOT_SET)
    INTERNAL_SERVER_ERROR = int(_enums.RetryState.RETRY_STATE_INTERNAL_SERVER_ERROR)
    CANCEL_REQUESTED = int(_enums.RetryState.RETRY_STATE_CANCEL_REQUESTED)


class ActivityError(FailureError):
    """An activity called from a workflow failed; the reason is in :attr:`cause`."""

    def __init__(
        self,
        message: str,
        *,
        scheduled_event_id: int,
        started_event_id: int,
        identity: str,
        activity_type: str,
        activity_id: str,
        retry_state: RetryState | None,
    ) -> None:
        """Build an activity error from the activity's history coordinates."""
        super().__init__(message)
        self._scheduled_event_id = scheduled_event_id
        self._started_event_id = started_event_id
        self._identity = identity
        self._activity_type = activity_type
        self._activity_id = activity_id
        self._retry_state = retry_state

    @property
    def scheduled_event_id(self) -> int:
        """Id of the ActivityTaskScheduled event."""
        return self._scheduled_event_id

    @property
    def started_event_id(self) -> int:
        """Id of the ActivityTaskStarted event (0 if it never started)."""
        return self._started_event_id

    @property
    def identity(self) -> str:
        """Identity of the worker that ran the last attempt."""
        return self._identity

    @property
    def activity_type(self) -> str:
        """Activity type name."""
        return self._activity_type

    @property
    def activity_id(self) -> str:
        """Activity id."""
        return self._activity_id

    @property
    def retry_state(self) -> RetryState | None:
        """Why retrying stopped, if known."""
        return self._retry_state


class ChildWorkflowError(FailureError):
    """A child workflow failed; the reason is in :attr:`cause`."""

    def __init__(
        self,
        message: str,
        *,
        namespace: str,
        workflow_id: str,
        run_id: str,
        workflow_type: str,
        initiated_event_id: int,
        started_event_id: int,
        retry_state: RetryState | None,
    ) -> None:
        """Build a child workflow error from the child's identity and history coordinates."""
        super().__init__(message)
        self._namespace = namespace
        self._workflow_id = workflow_id
        self._run_id = run_id
        self._workflow_type = workflow_type
        self._initiated_event_id = initiated_event_id
        self._started_event_id = started_event_id
        self._retry_state = retry_state

    @property
    def namespace(self) -> str:
        """Namespace of the child workflow."""
        return self._namespace

    @property
    def workflow_id(self) -> str:
        """Workflow id of the child."""
        return self._workflow_id

    @property
    def run_id(self) -> str:
        """Run id of the child."""
        return self._run_id

    @property
    def workflow_type(self) -> str:
        """Workflow type name of the child."""
        return self._workflow_type

    @property
    def initiated_event_id(self) -> int:
        """Id of the StartChildWorkflowExecutionInitiated event."""
        return self._initiated_event_id

    @property
    def started_event_id(self) -> int:
        """Id of the ChildWorkflowExecutionStarted event."""
        return self._started_event_id

    @property
    def retry_state(self) -> RetryState | None:
        """Why retrying stopped, if known."""
        return self._retry_state


def is_cancelled_exception(exception: BaseException) -> bool:
    """Tell whether ``exception`` means "cancelled" to Temporal.

    True for :class:`asyncio.CancelledError`, for :class:`CancelledError`, and for an
    :class:`ActivityError` or :class:`ChildWorkflowError` whose cause is a
    :class:`CancelledError`.
    """
    if isinstance(exception, CancelledError):
        return True
    if isinstance(exception, (ActivityError, ChildWorkflowError)):
        return isinstance(exception.cause, CancelledError)
    # Imported here so that importing this module never loads asyncio.
    import asyncio

    return isinstance(exception, asyncio.CancelledError)
