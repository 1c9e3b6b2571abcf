"""Activities in the test runner: run one attempt (real function or mock) and apply retry rules.

Rule: an attempt takes no virtual time unless it times out (then it takes its start-to-close
timeout). Retry decisions follow the server's rules: the schedule's retry policy (server
defaults when unset), non-retryable errors, the attempt limit and the schedule-to-close budget.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta, timezone
from typing import Any

from temporal_sdk import activity
from temporal_sdk._runtime.activity_defn import ActivityDefinition
from temporal_sdk.api.command.v1 import ScheduleActivityTaskCommandAttributes
from temporal_sdk.api.enums.v1 import RetryState, TimeoutType
from temporal_sdk.api.failure.v1 import Failure, TimeoutFailureInfo
from temporal_sdk.common import Priority
from temporal_sdk.converter import DataConverter
from temporal_sdk.exceptions import ApplicationError
from temporal_sdk.testing._activity import ActivityEnvironment


class SimulatedTimeout:
    """A mock outcome: the attempt runs past its start-to-close timeout.

    Use it as a mock value (every attempt times out), or return it from a mock callable for the
    attempts that should time out. The runner advances virtual time by the timeout, then retries
    per the retry policy or records ActivityTaskTimedOut.
    """


@dataclass(frozen=True)
class ActivityCall:
    """One attempt of an activity, as the test runner ran it."""

    name: str
    """The activity type name."""
    args: tuple[Any, ...]
    """The decoded arguments."""
    attempt: int
    """The attempt number, from 1."""
    workflow_id: str
    """The workflow that scheduled the activity."""


@dataclass
class AttemptOutcome:
    """What one attempt produced: a result payload list, a failure, or a time-out."""

    result: list[Any] = field(default_factory=list)
    failure: Failure | None = None
    timed_out: bool = False
    non_retryable: bool = False


def _seconds(attrs: Any, name: str) -> float:
    if not attrs.HasField(name):
        return 0.0
    value = getattr(attrs, name)
    return float(value.seconds + value.nanos / 1e9)


@dataclass
class RetryRules:
    """The retry policy of one scheduled activity, with the server's defaults filled in."""

    initial: float = 1.0
    coefficient: float = 2.0
    maximum_interval: float = 100.0
    maximum_attempts: int = 0
    non_retryable_types: frozenset[str] = frozenset()

    @staticmethod
    def of(attrs: ScheduleActivityTaskCommandAttributes) -> RetryRules:
        """Rules from the schedule command (server defaults for unset fields)."""
        rules = RetryRules()
        if not attrs.HasField("retry_policy"):
            return rules
        policy = attrs.retry_policy
        initial = _seconds(policy, "initial_interval") or 1.0
        return RetryRules(
            initial=initial,
            coefficient=policy.backoff_coefficient or 2.0,
            maximum_interval=_seconds(policy, "maximum_interval") or 100.0 * initial,
            maximum_attempts=policy.maximum_attempts,
            non_retryable_types=frozenset(policy.non_retryable_error_types),
        )

    def backoff(self, attempt: int) -> float:
        """The wait after failed attempt ``attempt`` (1-based)."""
        return float(min(self.initial * self.coefficient ** (attempt - 1), self.maximum_interval))

    def retry_state(self, outcome: AttemptOutcome, attempt: int) -> int:
        """``RETRY_STATE_IN_PROGRESS`` if another attempt is due, else why not."""
        failure = outcome.failure
        if outcome.non_retryable or (
            failure is not None
            and failure.HasField("application_failure_info")
            and (
                failure.application_failure_info.non_retryable
                or failure.application_failure_info.type in self.non_retryable_types
            )
        ):
            return RetryState.RETRY_STATE_NON_RETRYABLE_FAILURE
        if self.maximum_attempts and attempt >= self.maximum_attempts:
            return RetryState.RETRY_STATE_MAXIMUM_ATTEMPTS_REACHED
        return RetryState.RETRY_STATE_IN_PROGRESS


def timeout_failure(kind: int = TimeoutType.TIMEOUT_TYPE_START_TO_CLOSE) -> Failure:
    """The failure the server records for an activity time-out of ``kind``."""
    names: dict[int, str] = {
        TimeoutType.TIMEOUT_TYPE_START_TO_CLOSE: "StartToClose",
        TimeoutType.TIMEOUT_TYPE_SCHEDULE_TO_CLOSE: "ScheduleToClose",
    }
    name = names.get(kind, "activity")
    return Failure(
        message=f"activity {name} timeout",
        timeout_failure_info=TimeoutFailureInfo(timeout_type=kind),  # type: ignore[arg-type]
    )


class ActivityRunner:
    """Runs activity attempts for the test runner: mocks first, then registered functions."""

    def __init__(
        self,
        activities: Mapping[str | None, ActivityDefinition],
        mocks: Mapping[str, Any],
        converter: DataConverter,
    ) -> None:
        self._defs: dict[str | None, ActivityDefinition] = dict(activities)
        self._mocks = dict(mocks)
        self._converter = converter
        self.calls: list[ActivityCall] = []

    def knows(self, name: str) -> bool:
        """Whether an activity of this name can be run (mocked or registered)."""
        return name in self._mocks or name in self._defs or None in self._defs

    async def attempt(
        self,
        attrs: ScheduleActivityTaskCommandAttributes,
        attempt: int,
        info: activity.Info,
    ) -> AttemptOutcome:
        """Run attempt ``attempt`` of the scheduled activity and report its outcome."""
        name = attrs.activity_type.name
        defn = self._defs.get(name) or self._defs.get(None)
        hints = defn.arg_types if defn is not None and defn.name is not None else None
        pc = self._converter.payload_converter
        args = pc.from_payloads(list(attrs.input.payloads), hints)
        self.calls.append(ActivityCall(name, tuple(args), attempt, info.workflow_id or ""))
        try:
            value = await self._invoke(name, defn, args, info)
        except Exception as err:  # the activity failed: convert like a worker would
            failure = Failure()
            self._converter.failure_converter.to_failure(err, pc, failure)
            return AttemptOutcome(failure=failure)
        if isinstance(value, SimulatedTimeout):
            return AttemptOutcome(timed_out=True)
        return AttemptOutcome(result=pc.to_payloads([value]))

    async def _invoke(
        self, name: str, defn: ActivityDefinition | None, args: list[Any], info: activity.Info
    ) -> Any:
        if name in self._mocks:
            mock = self._mocks[name]
            if isinstance(mock, BaseException):
                raise mock
            if isinstance(mock, SimulatedTimeout) or not callable(mock):
                return mock
            fn: Callable[..., Any] = mock
        elif defn is not None:
            fn = defn.fn
            if defn.name is None:  # dynamic: gets the raw payloads as a sequence
                args = [args]
        else:
            raise ApplicationError(
                f"activity {name!r} is neither registered nor mocked in the test runner",
                type="NotFoundError",
                non_retryable=True,
            )
        env = ActivityEnvironment()
        env.info = info
        env.payload_converter = self._converter.payload_converter
        value = env.run(fn, *args)
        if inspect.isawaitable(value):
            value = await value
        return value


def attempt_info(
    attrs: ScheduleActivityTaskCommandAttributes,
    *,
    attempt: int,
    now: float,
    scheduled: float,
    workflow: tuple[str, str, str, str],
) -> activity.Info:
    """The ``activity.info()`` an attempt sees (workflow: namespace, id, run id, type)."""

    def td(field_name: str) -> timedelta | None:
        secs = _seconds(attrs, field_name)
        return timedelta(seconds=secs) if secs else None

    when = datetime.fromtimestamp(now, timezone.utc)
    info = ActivityEnvironment.default_info()
    return replace(
        info,
        activity_id=attrs.activity_id,
        activity_type=attrs.activity_type.name,
        attempt=attempt,
        current_attempt_scheduled_time=when,
        scheduled_time=datetime.fromtimestamp(scheduled, timezone.utc),
        started_time=when,
        heartbeat_timeout=td("heartbeat_timeout"),
        schedule_to_close_timeout=td("schedule_to_close_timeout"),
        start_to_close_timeout=td("start_to_close_timeout"),
        task_queue=attrs.task_queue.name,
        task_token=f"{workflow[1]}/{attrs.activity_id}/{attempt}".encode(),
        workflow_namespace=workflow[0],
        namespace=workflow[0],
        workflow_id=workflow[1],
        workflow_run_id=workflow[2],
        workflow_type=workflow[3],
        priority=Priority.default,
    )
