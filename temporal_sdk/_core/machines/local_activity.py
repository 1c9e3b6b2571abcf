"""Local activities: the worker runs them inside the workflow task; markers record the outcome.

Rule: sans-IO. The core never runs an activity. A live ``ScheduleLocalActivity`` becomes a request
the worker takes (:meth:`LocalActivities.take_requests`) and answers with
:meth:`LocalActivities.resolve`, which records the marker and queues the resolution for a
follow-up activation of the same task. On replay the marker recorded in history (read ahead) is
the answer: the activity does not run again, and its marker command is queued after the rest of
the completion's commands, exactly where the live run put it.

Marker format (the same as Temporal's core-based SDKs, so their workers read ours and back): name
``core_local_activity``; details ``data`` = JSON ``{"seq", "attempt", "activity_id",
"activity_type", "complete_time", "backoff", "original_schedule_time"}`` and ``result`` = the
result payload; a failed (or backing-off) attempt sets the marker's ``failure``.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from temporal_sdk._core.activation import Job, ResolveLocalActivity, ScheduleLocalActivity
from temporal_sdk._core.machines import CommandSink
from temporal_sdk.api.command.v1 import Command, RecordMarkerCommandAttributes
from temporal_sdk.api.common.v1 import ActivityType, Payload, Payloads
from temporal_sdk.api.enums.v1 import CommandType, RetryState
from temporal_sdk.api.failure.v1 import ActivityFailureInfo, Failure
from temporal_sdk.api.history.v1 import HistoryEvent, MarkerRecordedEventAttributes

LOCAL_ACTIVITY_MARKER_NAME = "core_local_activity"
DATA_KEY = "data"
RESULT_KEY = "result"
_JSON = b"json/plain"


@dataclass(frozen=True, slots=True)
class LocalActivityOutcome:
    """How one local activity attempt ended, as the worker reports it (times in epoch seconds)."""

    seq: int
    attempt: int
    complete_time: float
    result: Payload | None = None
    failure: Failure | None = None
    """What the activity raised (or the timeout), not yet wrapped as an activity failure."""
    backoff: float | None = None
    """Seconds to wait on a durable timer before the next attempt (past the retry threshold)."""
    original_schedule_time: float | None = None
    retry_state: int = RetryState.RETRY_STATE_MAXIMUM_ATTEMPTS_REACHED


@dataclass(frozen=True, slots=True)
class LocalActivityMarker:
    """A decoded ``core_local_activity`` marker."""

    seq: int
    attempt: int
    activity_id: str
    activity_type: str
    result: Payload | None
    failure: Failure | None
    backoff: float | None
    original_schedule_time: float | None


def marker_key(seq: int, activity_type: str) -> str:
    """Identity replay compares between a marker command and its event."""
    return f"{LOCAL_ACTIVITY_MARKER_NAME}/{seq}/{activity_type}"


def _seconds_json(value: float) -> dict[str, int]:
    """Timestamps and durations as core's JSON writes them: ``{"seconds", "nanos"}``."""
    nanos = round(value * 1e9)
    return {"seconds": nanos // 1_000_000_000, "nanos": nanos % 1_000_000_000}


def _parse_time(value: Any) -> float | None:
    if isinstance(value, str) and value:
        return datetime.fromisoformat(value.replace("Z", "+00:00")).timestamp()
    if isinstance(value, dict):
        return float(value.get("seconds", 0)) + float(value.get("nanos", 0)) / 1e9
    return None


def _parse_duration(value: Any) -> float | None:
    if isinstance(value, str) and value.endswith("s"):
        return float(value[:-1])
    if isinstance(value, dict):
        return float(value.get("seconds", 0)) + float(value.get("nanos", 0)) / 1e9
    return None


def decode_marker(attrs: MarkerRecordedEventAttributes) -> LocalActivityMarker | None:
    """The local activity marker in ``attrs``, or ``None`` when it is not one (or malformed)."""
    if attrs.marker_name != LOCAL_ACTIVITY_MARKER_NAME or DATA_KEY not in attrs.details:
        return None
    try:
        data = json.loads(attrs.details[DATA_KEY].payloads[0].data)
        seq = int(data["seq"])
    except (ValueError, KeyError, IndexError, TypeError):
        return None
    results = attrs.details[RESULT_KEY].payloads if RESULT_KEY in attrs.details else []
    return LocalActivityMarker(
        seq=seq,
        attempt=int(data.get("attempt") or 1),
        activity_id=str(data.get("activity_id", "")),
        activity_type=str(data.get("activity_type", "")),
        result=results[0] if results else None,
        failure=attrs.failure if attrs.HasField("failure") else None,
        backoff=_parse_duration(data.get("backoff")),
        original_schedule_time=_parse_time(data.get("original_schedule_time")),
    )


def event_key(event: HistoryEvent) -> str | None:
    """:func:`marker_key` of a MarkerRecorded event, or ``None`` when it is another marker."""
    marker = decode_marker(event.marker_recorded_event_attributes)
    return None if marker is None else marker_key(marker.seq, marker.activity_type)


def marker_command(
    cmd: ScheduleLocalActivity,
    *,
    attempt: int,
    complete_time: float | None,
    result: Payload | None,
    failure: Failure | None,
    backoff: float | None,
    original_schedule_time: float | None,
) -> Command:
    """The RecordMarker command recording one attempt's outcome (``failure``: the raw cause)."""
    data: dict[str, Any] = {
        "seq": cmd.seq,
        "attempt": attempt,
        "activity_id": cmd.activity_id,
        "activity_type": cmd.activity_type,
        "complete_time": _seconds_json(complete_time) if complete_time is not None else None,
        "backoff": _seconds_json(backoff) if backoff else None,
        "original_schedule_time": (
            _seconds_json(original_schedule_time) if original_schedule_time else None
        ),
    }
    attrs = RecordMarkerCommandAttributes(marker_name=LOCAL_ACTIVITY_MARKER_NAME)
    attrs.details[DATA_KEY].payloads.append(
        Payload(metadata={"encoding": _JSON}, data=json.dumps(data).encode())
    )
    if result is not None:
        attrs.details[RESULT_KEY].CopyFrom(Payloads(payloads=[result]))
    if failure is not None:
        attrs.failure.CopyFrom(failure)
    return Command(
        command_type=CommandType.COMMAND_TYPE_RECORD_MARKER,
        record_marker_command_attributes=attrs,
    )


def _replayed_retry_state(failure: Failure | None) -> int:
    if failure is not None and failure.application_failure_info.non_retryable:
        return RetryState.RETRY_STATE_NON_RETRYABLE_FAILURE
    return RetryState.RETRY_STATE_MAXIMUM_ATTEMPTS_REACHED


def _wrap(cmd: ScheduleLocalActivity, cause: Failure | None, retry_state: int) -> Failure | None:
    """The failure the workflow sees.

    An application failure reaches the code as the activity raised it, retried or not, as with
    the official Python SDK (checked against temporalio 1.35.0); a timeout or cancellation is
    wrapped in an activity failure.
    """
    if (
        cause is None
        or retry_state == RetryState.RETRY_STATE_NON_RETRYABLE_FAILURE
        or cause.HasField("application_failure_info")
    ):
        return cause
    return Failure(
        message="Local activity failed",
        cause=cause,
        activity_failure_info=ActivityFailureInfo(
            activity_type=ActivityType(name=cmd.activity_type),
            activity_id=cmd.activity_id,
            retry_state=retry_state,  # type: ignore[arg-type]
        ),
    )


class LocalActivities:
    """The local activities of one run: requests for the worker, markers read from history."""

    def __init__(
        self,
        sink: CommandSink,
        is_live: Callable[[], bool],
        add_job: Callable[[Job], None],
    ) -> None:
        self._sink = sink
        self._is_live = is_live
        self._add_job = add_job
        self._recorded: dict[int, LocalActivityMarker] = {}
        self._scheduled: dict[int, ScheduleLocalActivity] = {}
        self._requests: list[ScheduleLocalActivity] = []
        self._deferred: list[Command] = []
        self._deferred_keys: list[tuple[str, str, str]] = []

    def read_ahead(self, event: HistoryEvent) -> None:
        """Remember a local activity marker of a replayed task before the code asks for it."""
        marker = decode_marker(event.marker_recorded_event_attributes)
        if marker is not None:
            self._recorded[marker.seq] = marker

    def schedule(self, cmd: ScheduleLocalActivity) -> None:
        """Handle the code's request: answer from history when replaying, else ask the worker."""
        if cmd.seq in self._scheduled:
            raise ValueError(f"local activity seq={cmd.seq} was scheduled twice")
        self._scheduled[cmd.seq] = cmd
        marker = self._recorded.pop(cmd.seq, None)
        if marker is not None and not self._is_live():
            proto = marker_command(
                cmd,
                attempt=marker.attempt,
                complete_time=None,
                result=marker.result,
                failure=marker.failure,
                backoff=marker.backoff,
                original_schedule_time=marker.original_schedule_time,
            )
            self._defer(proto, cmd)
            self._add_job(
                ResolveLocalActivity(
                    cmd.seq,
                    result=marker.result,
                    failure=_wrap(cmd, marker.failure, _replayed_retry_state(marker.failure)),
                    backoff=marker.backoff,
                    attempt=marker.attempt + 1,
                    original_schedule_time=marker.original_schedule_time,
                )
            )
        elif self._is_live():
            self._requests.append(cmd)
        # Replaying with no marker yet: the activity resolves in a later task (nothing to do).

    def _defer(self, proto: Command, cmd: ScheduleLocalActivity) -> None:
        self._deferred.append(proto)
        self._deferred_keys.append(
            (
                marker_key(cmd.seq, cmd.activity_type),
                f"LocalActivity seq={cmd.seq} activity_type={cmd.activity_type}",
                cmd.origin,
            )
        )

    def flush(self) -> None:
        """Queue the markers answered from history, after the completion's other commands."""
        from temporal_sdk._core.machines.marker import MarkerMachine

        for proto, (key, description, origin) in zip(
            self._deferred, self._deferred_keys, strict=True
        ):
            machine = MarkerMachine(proto, key, description, origin)
            self._sink.emit(machine.command)
        self._deferred.clear()
        self._deferred_keys.clear()

    @property
    def has_requests(self) -> bool:
        """Whether live local activities wait for the worker."""
        return bool(self._requests)

    def take_requests(self) -> list[ScheduleLocalActivity]:
        """The local activities the worker must run now (each handed out once)."""
        requests, self._requests = self._requests, []
        return requests

    def resolve(self, outcome: LocalActivityOutcome) -> None:
        """Record a live attempt's outcome and resolve the code in a follow-up activation."""
        cmd = self._scheduled[outcome.seq]
        proto = marker_command(
            cmd,
            attempt=outcome.attempt,
            complete_time=outcome.complete_time,
            result=outcome.result,
            failure=outcome.failure,
            backoff=outcome.backoff,
            original_schedule_time=outcome.original_schedule_time,
        )
        self._defer(proto, cmd)
        self.flush()
        self._add_job(
            ResolveLocalActivity(
                cmd.seq,
                result=outcome.result,
                failure=_wrap(cmd, outcome.failure, outcome.retry_state),
                backoff=outcome.backoff,
                attempt=outcome.attempt + 1,
                original_schedule_time=cmd.original_schedule_time or None,
            )
        )
