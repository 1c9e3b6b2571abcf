"""Translation between Python exceptions and ``temporal.api.failure.v1.Failure`` protos.

Rule: synchronous and IO-free; payloads inside failures go through the payload converter
handed in, never through a codec (the data converter applies the codec afterwards).
"""

from __future__ import annotations

import traceback
from abc import ABC, abstractmethod
from collections.abc import Callable
from enum import IntEnum
from typing import TYPE_CHECKING, Any, ClassVar, TypeVar, cast

from temporal_sdk import exceptions as exc
from temporal_sdk.api.enums import v1 as _enums
from temporal_sdk.api.failure.v1 import Failure

if TYPE_CHECKING:
    from temporal_sdk.converter import PayloadConverter

__all__ = [
    "DefaultFailureConverter",
    "DefaultFailureConverterWithEncodedAttributes",
    "FailureConverter",
]


class FailureConverter(ABC):
    """Turns exceptions into ``Failure`` protos and back.

    Workflow code only has exceptions converted when they are
    :class:`~temporal_sdk.exceptions.FailureError` instances (or types the worker is told to
    treat as workflow failures); subclass :class:`~temporal_sdk.exceptions.ApplicationError`
    for custom workflow errors.
    """

    default: ClassVar[FailureConverter]
    """The failure converter of :attr:`DataConverter.default`."""

    @abstractmethod
    def to_failure(
        self,
        exception: BaseException,
        payload_converter: PayloadConverter,
        failure: Failure,
    ) -> None:
        """Fill ``failure`` in place from ``exception`` (which must not be modified)."""
        raise NotImplementedError

    @abstractmethod
    def from_failure(self, failure: Failure, payload_converter: PayloadConverter) -> BaseException:
        """Build the exception that ``failure`` (which must not be modified) describes."""
        raise NotImplementedError


def _stack_trace(error: BaseException) -> str:
    tb = error.__traceback__
    return "\n".join(traceback.format_tb(tb)) if tb is not None else ""


def _cause_of(error: BaseException) -> BaseException | None:
    # Same rule Python uses when printing a chain: explicit cause, else unsuppressed context.
    if error.__cause__ is not None:
        return error.__cause__
    if not error.__suppress_context__:
        return error.__context__
    return None


class DefaultFailureConverter(FailureConverter):
    """The failure converter that every Temporal SDK understands.

    With ``encode_common_attributes=True`` the message and stack trace move into the
    failure's ``encoded_attributes`` payload (so a codec can encrypt them) and the message
    left in clear text is ``"Encoded failure"``.
    """

    def __init__(self, *, encode_common_attributes: bool = False) -> None:
        """Create the converter."""
        super().__init__()
        self._encode_common_attributes = encode_common_attributes

    def to_failure(
        self,
        exception: BaseException,
        payload_converter: PayloadConverter,
        failure: Failure,
    ) -> None:
        """See :meth:`FailureConverter.to_failure`.

        An exception that is not a :class:`~temporal_sdk.exceptions.FailureError` becomes an
        application failure whose type is the exception's class name.
        """
        if isinstance(exception, exc.FailureError):
            self._error_to_failure(exception, _cause_of(exception), payload_converter, failure)
        else:
            wrapped = exc.ApplicationError(str(exception), type=type(exception).__name__)
            wrapped.__traceback__ = exception.__traceback__
            self._error_to_failure(wrapped, _cause_of(exception), payload_converter, failure)
        if self._encode_common_attributes:
            attrs = {"message": failure.message, "stack_trace": failure.stack_trace}
            failure.encoded_attributes.CopyFrom(payload_converter.to_payload(attrs))
            failure.message = "Encoded failure"
            failure.stack_trace = ""

    def _error_to_failure(
        self,
        error: exc.FailureError,
        cause: BaseException | None,
        payload_converter: PayloadConverter,
        failure: Failure,
    ) -> None:
        if error.failure is not None:
            # Re-raising a decoded error sends the original failure, untouched.
            failure.CopyFrom(error.failure)
            return
        failure.message = error.message
        stack = _stack_trace(error)
        if stack:
            failure.stack_trace = stack
        if cause is not None:
            self.to_failure(cause, payload_converter, failure.cause)
        writer = _WRITERS.get(type(error))
        if writer is None:
            writer = next((w for t, w in _WRITERS.items() if isinstance(error, t)), None)
        if writer is not None:
            writer(error, payload_converter, failure)

    def from_failure(self, failure: Failure, payload_converter: PayloadConverter) -> BaseException:
        """See :meth:`FailureConverter.from_failure`.

        The returned error keeps ``failure`` on ``.failure`` (a copy with message and stack
        trace restored, when they were encoded).
        """
        if failure.HasField("encoded_attributes"):
            failure = _with_decoded_attributes(failure, payload_converter)
        kind = failure.WhichOneof("failure_info")
        reader = _READERS.get(kind) if kind is not None else None
        err: exc.FailureError = (
            reader(failure, payload_converter)
            if reader is not None
            else exc.FailureError(failure.message or "Failure error")
        )
        err._failure = failure
        if failure.HasField("cause"):
            err.__cause__ = self.from_failure(failure.cause, payload_converter)
        return err


class DefaultFailureConverterWithEncodedAttributes(DefaultFailureConverter):
    """:class:`DefaultFailureConverter` with ``encode_common_attributes`` switched on."""

    def __init__(self) -> None:
        """Create the converter."""
        super().__init__(encode_common_attributes=True)


def _with_decoded_attributes(failure: Failure, payload_converter: PayloadConverter) -> Failure:
    copy = Failure()
    copy.CopyFrom(failure)
    try:
        attrs = payload_converter.from_payloads([failure.encoded_attributes])[0]
    except Exception:
        return copy  # undecodable attributes leave the clear-text fields as they are
    if isinstance(attrs, dict):
        message = attrs.get("message")
        if isinstance(message, str):
            copy.message = message
        stack_trace = attrs.get("stack_trace")
        if isinstance(stack_trace, str):
            copy.stack_trace = stack_trace
    return copy


# --- exception -> proto, one writer per error type -------------------------------------------

_Writer = Callable[[Any, "PayloadConverter", Failure], None]


def _write_application(
    error: exc.ApplicationError, conv: PayloadConverter, failure: Failure
) -> None:
    info = failure.application_failure_info
    info.SetInParent()
    if error.type:
        info.type = error.type
    info.non_retryable = error.non_retryable
    if error.details:
        info.details.CopyFrom(conv.to_payloads_wrapper(error.details))
    if error.next_retry_delay:
        info.next_retry_delay.FromTimedelta(error.next_retry_delay)
    if error.category:
        info.category = cast(_enums.ApplicationErrorCategory, int(error.category))


def _write_timeout(error: exc.TimeoutError, conv: PayloadConverter, failure: Failure) -> None:
    info = failure.timeout_failure_info
    info.SetInParent()
    info.timeout_type = cast(_enums.TimeoutType, int(error.type or 0))
    if error.last_heartbeat_details:
        info.last_heartbeat_details.CopyFrom(conv.to_payloads_wrapper(error.last_heartbeat_details))


def _write_cancelled(error: exc.CancelledError, conv: PayloadConverter, failure: Failure) -> None:
    failure.canceled_failure_info.SetInParent()
    if error.details:
        failure.canceled_failure_info.details.CopyFrom(conv.to_payloads_wrapper(error.details))


def _write_terminated(error: exc.TerminatedError, conv: PayloadConverter, failure: Failure) -> None:
    failure.terminated_failure_info.SetInParent()


def _write_server(error: exc.ServerError, conv: PayloadConverter, failure: Failure) -> None:
    failure.server_failure_info.SetInParent()
    failure.server_failure_info.non_retryable = error.non_retryable


def _write_activity(error: exc.ActivityError, conv: PayloadConverter, failure: Failure) -> None:
    info = failure.activity_failure_info
    info.SetInParent()
    info.scheduled_event_id = error.scheduled_event_id
    info.started_event_id = error.started_event_id
    info.identity = error.identity
    info.activity_type.name = error.activity_type
    info.activity_id = error.activity_id
    info.retry_state = cast(_enums.RetryState, int(error.retry_state or 0))


def _write_child(error: exc.ChildWorkflowError, conv: PayloadConverter, failure: Failure) -> None:
    info = failure.child_workflow_execution_failure_info
    info.SetInParent()
    info.namespace = error.namespace
    info.workflow_execution.workflow_id = error.workflow_id
    info.workflow_execution.run_id = error.run_id
    info.workflow_type.name = error.workflow_type
    info.initiated_event_id = error.initiated_event_id
    info.started_event_id = error.started_event_id
    info.retry_state = cast(_enums.RetryState, int(error.retry_state or 0))


_WRITERS: dict[type[exc.FailureError], _Writer] = {
    exc.ApplicationError: _write_application,
    exc.TimeoutError: _write_timeout,
    exc.CancelledError: _write_cancelled,
    exc.TerminatedError: _write_terminated,
    exc.ServerError: _write_server,
    exc.ActivityError: _write_activity,
    exc.ChildWorkflowError: _write_child,
}


# --- proto -> exception, one reader per failure_info kind ------------------------------------

_Reader = Callable[[Failure, "PayloadConverter"], exc.FailureError]
_E = TypeVar("_E", bound=IntEnum)


def _member(enum_cls: type[_E], value: int) -> _E | None:
    """The member for a proto enum value; None for 0 and for values newer than this SDK."""
    try:
        return enum_cls(int(value)) if value else None
    except ValueError:
        return None


def _read_application(failure: Failure, conv: PayloadConverter) -> exc.FailureError:
    info = failure.application_failure_info
    return exc.ApplicationError(
        failure.message or "Application error",
        *conv.from_payloads_wrapper(info.details),
        type=info.type or None,
        non_retryable=info.non_retryable,
        next_retry_delay=(
            info.next_retry_delay.ToTimedelta() if info.HasField("next_retry_delay") else None
        ),
        category=_member(exc.ApplicationErrorCategory, info.category)
        or exc.ApplicationErrorCategory.UNSPECIFIED,
    )


def _read_timeout(failure: Failure, conv: PayloadConverter) -> exc.FailureError:
    info = failure.timeout_failure_info
    return exc.TimeoutError(
        failure.message or "Timeout",
        type=_member(exc.TimeoutType, info.timeout_type),
        last_heartbeat_details=conv.from_payloads_wrapper(info.last_heartbeat_details),
    )


def _read_cancelled(failure: Failure, conv: PayloadConverter) -> exc.FailureError:
    details = conv.from_payloads_wrapper(failure.canceled_failure_info.details)
    return exc.CancelledError(failure.message or "Cancelled", *details)


def _read_terminated(failure: Failure, conv: PayloadConverter) -> exc.FailureError:
    return exc.TerminatedError(failure.message or "Terminated")


def _read_server(failure: Failure, conv: PayloadConverter) -> exc.FailureError:
    return exc.ServerError(
        failure.message or "Server error",
        non_retryable=failure.server_failure_info.non_retryable,
    )


def _read_activity(failure: Failure, conv: PayloadConverter) -> exc.FailureError:
    info = failure.activity_failure_info
    return exc.ActivityError(
        failure.message or "Activity error",
        scheduled_event_id=info.scheduled_event_id,
        started_event_id=info.started_event_id,
        identity=info.identity,
        activity_type=info.activity_type.name,
        activity_id=info.activity_id,
        retry_state=_member(exc.RetryState, info.retry_state),
    )


def _read_child(failure: Failure, conv: PayloadConverter) -> exc.FailureError:
    info = failure.child_workflow_execution_failure_info
    return exc.ChildWorkflowError(
        failure.message or "Child workflow error",
        namespace=info.namespace,
        workflow_id=info.workflow_execution.workflow_id,
        run_id=info.workflow_execution.run_id,
        workflow_type=info.workflow_type.name,
        initiated_event_id=info.initiated_event_id,
        started_event_id=info.started_event_id,
        retry_state=_member(exc.RetryState, info.retry_state),
    )


_READERS: dict[str, _Reader] = {
    "application_failure_info": _read_application,
    "timeout_failure_info": _read_timeout,
    "canceled_failure_info": _read_cancelled,
    "terminated_failure_info": _read_terminated,
    "server_failure_info": _read_server,
    "activity_failure_info": _read_activity,
    "child_workflow_execution_failure_info": _read_child,
}
