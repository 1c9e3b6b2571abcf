from __future__ import annotations

import asyncio
from datetime import timedelta
from typing import Any

import pytest

from temporal_sdk.api.common.v1 import RetryPolicy as RetryPolicyProto
from temporal_sdk.api.enums import v1 as enums
from temporal_sdk.api.failure.v1 import Failure
from temporal_sdk.common import (
    QueryRejectCondition,
    RetryPolicy,
    WorkflowIDConflictPolicy,
    WorkflowIDReusePolicy,
)
from temporal_sdk.converter import (
    DataConverter,
    DefaultFailureConverter,
    FailureConverter,
)
from temporal_sdk.exceptions import (
    ActivityError,
    ApplicationError,
    ApplicationErrorCategory,
    CancelledError,
    ChildWorkflowError,
    FailureError,
    RetryState,
    ServerError,
    TemporalError,
    TerminatedError,
    TimeoutError,
    TimeoutType,
    WorkflowAlreadyStartedError,
    is_cancelled_exception,
)

payload_converter = DataConverter.default.payload_converter
failure_converter = DefaultFailureConverter()


def to_failure(exc: BaseException, converter: FailureConverter = failure_converter) -> Failure:
    failure = Failure()
    converter.to_failure(exc, payload_converter, failure)
    return failure


def from_failure(failure: Failure) -> BaseException:
    return failure_converter.from_failure(failure, payload_converter)


def raised(exc: BaseException) -> BaseException:
    """Return ``exc`` after raising it, so that it carries a traceback."""
    try:
        raise exc
    except BaseException as caught:
        return caught


# --- error types -------------------------------------------------------------------------------


def test_application_error_properties_and_str() -> None:
    err = ApplicationError(
        "boom",
        1,
        "two",
        type="MyType",
        non_retryable=True,
        next_retry_delay=timedelta(seconds=3),
        category=ApplicationErrorCategory.BENIGN,
    )
    assert isinstance(err, FailureError)
    assert isinstance(err, TemporalError)
    assert err.message == "boom"
    assert str(err) == "MyType: boom"
    assert err.details == (1, "two")
    assert err.type == "MyType"
    assert err.non_retryable
    assert err.next_retry_delay == timedelta(seconds=3)
    assert err.category is ApplicationErrorCategory.BENIGN
    assert err.failure is None
    assert str(ApplicationError("plain")) == "plain"


def test_other_error_constructors() -> None:
    assert CancelledError().message == "Cancelled"
    assert CancelledError("c", 1).details == (1,)
    assert TerminatedError("t", "d").details == ("d",)
    timeout = TimeoutError("t", type=TimeoutType.HEARTBEAT, last_heartbeat_details=[5])
    assert timeout.type is TimeoutType.HEARTBEAT
    assert timeout.last_heartbeat_details == [5]
    assert ServerError("s", non_retryable=True).non_retryable
    started = WorkflowAlreadyStartedError("wid", "Wf", run_id="rid")
    assert (started.workflow_id, started.workflow_type, started.run_id) == ("wid", "Wf", "rid")
    assert started.first_run_id is None


def test_enum_values_match_proto() -> None:
    pairs: list[tuple[int, int]] = [
        (TimeoutType.START_TO_CLOSE, enums.TimeoutType.TIMEOUT_TYPE_START_TO_CLOSE),
        (TimeoutType.HEARTBEAT, enums.TimeoutType.TIMEOUT_TYPE_HEARTBEAT),
        (RetryState.CANCEL_REQUESTED, enums.RetryState.RETRY_STATE_CANCEL_REQUESTED),
        (RetryState.IN_PROGRESS, 1),
        (ApplicationErrorCategory.BENIGN, 1),
        (WorkflowIDReusePolicy.ALLOW_DUPLICATE, 1),
        (WorkflowIDReusePolicy.TERMINATE_IF_RUNNING, 4),
        (WorkflowIDConflictPolicy.UNSPECIFIED, 0),
        (WorkflowIDConflictPolicy.TERMINATE_EXISTING, 3),
        (QueryRejectCondition.NOT_COMPLETED_CLEANLY, 3),
    ]
    for ours, proto in pairs:
        assert int(ours) == int(proto)


def test_is_cancelled_exception() -> None:
    assert is_cancelled_exception(asyncio.CancelledError())
    assert is_cancelled_exception(CancelledError())
    act = activity_error()
    assert not is_cancelled_exception(act)
    act.__cause__ = CancelledError()
    assert is_cancelled_exception(act)
    child = child_error()
    child.__cause__ = CancelledError()
    assert is_cancelled_exception(child)
    assert not is_cancelled_exception(ApplicationError("x"))
    assert not is_cancelled_exception(ValueError())


# --- retry policy ------------------------------------------------------------------------------


def test_retry_policy_to_and_from_proto() -> None:
    policy = RetryPolicy(
        initial_interval=timedelta(seconds=2),
        backoff_coefficient=1.5,
        maximum_attempts=4,
        non_retryable_error_types=["Bad"],
    )
    proto = RetryPolicyProto()
    policy.apply_to_proto(proto)
    assert proto.initial_interval.ToTimedelta() == timedelta(seconds=2)
    assert proto.maximum_interval.ToTimedelta() == timedelta(seconds=200)  # 100 x initial
    assert proto.backoff_coefficient == 1.5
    assert proto.maximum_attempts == 4
    assert list(proto.non_retryable_error_types) == ["Bad"]
    back = RetryPolicy.from_proto(proto)
    assert back == RetryPolicy(
        initial_interval=timedelta(seconds=2),
        backoff_coefficient=1.5,
        maximum_interval=timedelta(seconds=200),
        maximum_attempts=4,
        non_retryable_error_types=["Bad"],
    )
    assert RetryPolicy.from_proto(RetryPolicyProto()).maximum_interval is None


@pytest.mark.parametrize(
    ("policy", "message"),
    [
        (RetryPolicy(initial_interval=timedelta(seconds=-1)), "Initial interval"),
        (RetryPolicy(backoff_coefficient=0.5), "Backoff coefficient"),
        (RetryPolicy(maximum_interval=timedelta(milliseconds=1)), "less than initial"),
        (RetryPolicy(maximum_attempts=-1), "Maximum attempts"),
    ],
)
def test_retry_policy_validation(policy: RetryPolicy, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        policy.apply_to_proto(RetryPolicyProto())


def test_retry_policy_single_attempt_skips_validation() -> None:
    RetryPolicy(maximum_attempts=1, backoff_coefficient=0.1).apply_to_proto(RetryPolicyProto())


# --- failure converter -------------------------------------------------------------------------


def activity_error() -> ActivityError:
    return ActivityError(
        "Activity task failed",
        scheduled_event_id=5,
        started_event_id=6,
        identity="worker@host",
        activity_type="do_it",
        activity_id="1",
        retry_state=RetryState.MAXIMUM_ATTEMPTS_REACHED,
    )


def child_error() -> ChildWorkflowError:
    return ChildWorkflowError(
        "Child Workflow execution failed",
        namespace="default",
        workflow_id="child",
        run_id="run",
        workflow_type="ChildWf",
        initiated_event_id=7,
        started_event_id=8,
        retry_state=RetryState.NON_RETRYABLE_FAILURE,
    )


def test_application_error_to_failure_and_back() -> None:
    err = raised(
        ApplicationError(
            "boom",
            {"k": 1},
            type="MyType",
            non_retryable=True,
            next_retry_delay=timedelta(seconds=3),
            category=ApplicationErrorCategory.BENIGN,
        )
    )
    failure = to_failure(err)
    assert failure.message == "boom"
    assert "raise exc" in failure.stack_trace
    info = failure.application_failure_info
    assert info.type == "MyType"
    assert info.non_retryable
    assert info.next_retry_delay.ToTimedelta() == timedelta(seconds=3)
    assert info.category == enums.ApplicationErrorCategory.APPLICATION_ERROR_CATEGORY_BENIGN
    assert info.details.payloads[0].data == b'{"k":1}'
    assert not failure.HasField("cause")

    back = from_failure(failure)
    assert isinstance(back, ApplicationError)
    assert back.message == "boom"
    assert back.details == ({"k": 1},)
    assert back.type == "MyType"
    assert back.non_retryable
    assert back.next_retry_delay == timedelta(seconds=3)
    assert back.category is ApplicationErrorCategory.BENIGN
    assert back.failure is failure


def test_unset_application_fields_stay_unset() -> None:
    failure = to_failure(ApplicationError("m"))
    info = failure.application_failure_info
    assert failure.HasField("application_failure_info")
    assert info.type == ""
    assert not info.HasField("details")
    assert not info.HasField("next_retry_delay")
    assert failure.stack_trace == ""
    back = from_failure(failure)
    assert isinstance(back, ApplicationError)
    assert back.type is None
    assert back.details == ()
    assert back.next_retry_delay is None


def test_foreign_exception_becomes_application_failure() -> None:
    failure = to_failure(raised(KeyError("missing")))
    assert failure.message == "'missing'"
    assert failure.application_failure_info.type == "KeyError"
    assert not failure.application_failure_info.non_retryable
    assert failure.stack_trace
    back = from_failure(failure)
    assert isinstance(back, ApplicationError)
    assert back.type == "KeyError"


@pytest.mark.parametrize(
    ("error", "field"),
    [
        (TimeoutError("t", type=TimeoutType.HEARTBEAT, last_heartbeat_details=[7]), "timeout"),
        (CancelledError("c", "why"), "canceled"),
        (TerminatedError("term"), "terminated"),
        (ServerError("srv", non_retryable=True), "server"),
    ],
)
def test_simple_kinds_roundtrip(error: FailureError, field: str) -> None:
    failure = to_failure(error)
    assert failure.WhichOneof("failure_info") == f"{field}_failure_info"
    back = from_failure(failure)
    assert type(back) is type(error)
    assert isinstance(back, FailureError)
    assert back.message == error.message
    expected_attrs: dict[str, dict[str, Any]] = {
        "timeout": {"type": TimeoutType.HEARTBEAT, "last_heartbeat_details": [7]},
        "canceled": {"details": ("why",)},
        "terminated": {},
        "server": {"non_retryable": True},
    }
    for name, expected in expected_attrs[field].items():
        assert getattr(back, name) == expected


def test_activity_error_with_application_cause() -> None:
    act = activity_error()
    act.__cause__ = ApplicationError("inner", "d", type="Bad", non_retryable=True)
    failure = to_failure(act)
    info = failure.activity_failure_info
    assert (info.scheduled_event_id, info.started_event_id) == (5, 6)
    assert info.identity == "worker@host"
    assert info.activity_type.name == "do_it"
    assert info.activity_id == "1"
    assert info.retry_state == enums.RetryState.RETRY_STATE_MAXIMUM_ATTEMPTS_REACHED
    assert failure.cause.application_failure_info.type == "Bad"

    back = from_failure(failure)
    assert isinstance(back, ActivityError)
    assert back.scheduled_event_id == 5
    assert back.started_event_id == 6
    assert back.identity == "worker@host"
    assert back.activity_type == "do_it"
    assert back.activity_id == "1"
    assert back.retry_state is RetryState.MAXIMUM_ATTEMPTS_REACHED
    cause = back.cause
    assert isinstance(cause, ApplicationError)
    assert cause.message == "inner"
    assert cause.details == ("d",)
    assert cause.non_retryable
    assert cause.failure is failure.cause


def test_child_workflow_error_roundtrip() -> None:
    child = child_error()
    child.__cause__ = TimeoutError("t", type=TimeoutType.START_TO_CLOSE, last_heartbeat_details=[])
    back = from_failure(to_failure(child))
    assert isinstance(back, ChildWorkflowError)
    assert back.namespace == "default"
    assert back.workflow_id == "child"
    assert back.run_id == "run"
    assert back.workflow_type == "ChildWf"
    assert back.initiated_event_id == 7
    assert back.started_event_id == 8
    assert back.retry_state is RetryState.NON_RETRYABLE_FAILURE
    assert isinstance(back.cause, TimeoutError)
    assert back.cause.type is TimeoutType.START_TO_CLOSE


def test_cause_chain_explicit_and_implicit() -> None:
    try:
        try:
            try:
                raise ValueError("root")
            except ValueError:
                raise ApplicationError("middle")  # implicit context  # noqa: B904
        except ApplicationError as mid:
            raise RuntimeError("top") from mid
    except RuntimeError as top:
        failure = to_failure(top)
    assert failure.application_failure_info.type == "RuntimeError"
    assert failure.cause.message == "middle"
    assert failure.cause.cause.application_failure_info.type == "ValueError"
    assert not failure.cause.cause.HasField("cause")
    back = from_failure(failure)
    assert isinstance(back.__cause__, ApplicationError)
    assert isinstance(back.__cause__.__cause__, ApplicationError)
    assert back.__cause__.__cause__.type == "ValueError"


def test_suppressed_context_is_not_a_cause() -> None:
    try:
        try:
            raise ValueError("hidden")
        except ValueError:
            raise ApplicationError("shown") from None
    except ApplicationError as err:
        failure = to_failure(err)
    assert not failure.HasField("cause")


def test_decoded_error_reencodes_to_original_failure() -> None:
    original = to_failure(activity_error())
    original.source = "GoSDK"
    decoded = from_failure(original)
    assert to_failure(decoded) == original


def test_unknown_failure_info_gives_failure_error() -> None:
    failure = Failure(message="odd")
    failure.reset_workflow_failure_info.SetInParent()
    back = from_failure(failure)
    assert type(back) is FailureError
    assert back.message == "odd"
    assert type(from_failure(Failure())) is FailureError


def test_encode_common_attributes() -> None:
    converter = DefaultFailureConverter(encode_common_attributes=True)
    failure = to_failure(raised(ApplicationError("secret", type="T")), converter)
    assert failure.message == "Encoded failure"
    assert failure.stack_trace == ""
    attrs = payload_converter.from_payload(failure.encoded_attributes)
    assert attrs["message"] == "secret"
    assert "raise exc" in attrs["stack_trace"]
    back = converter.from_failure(failure, payload_converter)
    assert isinstance(back, FailureError)
    assert back.message == "secret"
    assert back.failure is not None
    assert back.failure.message == "secret"
    assert failure.message == "Encoded failure"  # the input is left alone


def test_enum_values_unknown_to_this_sdk_are_tolerated() -> None:
    failure = Failure(message="m")
    failure.application_failure_info.category = 99  # type: ignore[assignment]
    back = from_failure(failure)
    assert isinstance(back, ApplicationError)
    assert back.category is ApplicationErrorCategory.UNSPECIFIED
    failure = Failure(message="m")
    failure.activity_failure_info.retry_state = 99  # type: ignore[assignment]
    back = from_failure(failure)
    assert isinstance(back, ActivityError)
    assert back.retry_state is None
