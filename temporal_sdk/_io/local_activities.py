"""Run local activities for a workflow task, with local retries, and report each outcome.

Rule: an attempt runs through the activity worker's own execution path (argument decoding,
activity context, sync activities on the executor, failure conversion) but is never reported to
the server: its outcome goes back to the core, which records it as a marker. Retries wait here
while the backoff is at most ``local_retry_threshold``; a longer backoff is handed to the workflow
as a durable timer. Payloads given to and returned from this module are *not* codec-encoded.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from temporal_sdk._core.activation import ScheduleLocalActivity
from temporal_sdk._core.machines.local_activity import LocalActivityOutcome
from temporal_sdk._io.payload_visitor import visit_payloads
from temporal_sdk.api.common.v1 import ActivityType, Payload
from temporal_sdk.api.enums.v1 import RetryState, TimeoutType
from temporal_sdk.api.failure.v1 import (
    ApplicationFailureInfo,
    Failure,
    TimeoutFailureInfo,
)
from temporal_sdk.api.workflowservice.v1 import (
    PollActivityTaskQueueResponse,
    PollWorkflowTaskQueueResponse,
)

if TYPE_CHECKING:
    from temporal_sdk._io.activity_worker import ActivityWorker
    from temporal_sdk.converter import DataConverter

_DEFAULT_INITIAL = 1.0
_DEFAULT_COEFFICIENT = 2.0


class LocalActivityRunner:
    """Executes a workflow task's local activities on the worker's registered activities."""

    def __init__(
        self, activity_worker: ActivityWorker | None, converter: DataConverter, task_queue: str
    ) -> None:
        self.activity_worker = activity_worker
        """Set by the worker; ``None`` when it has no activities (every attempt then fails)."""
        self._converter = converter
        self._task_queue = task_queue
        self.attempts = 0
        """Attempts run so far (useful in tests)."""
        self.max_concurrent = 100
        """Local activity attempts that may run at once in this worker (the rest wait)."""
        self.running = 0
        """Attempts running now."""
        self._slots: asyncio.Semaphore | None = None

    async def run_all(
        self, task: PollWorkflowTaskQueueResponse, requests: Sequence[ScheduleLocalActivity]
    ) -> list[LocalActivityOutcome]:
        """Run ``requests`` concurrently; each ends in a result, a failure or a backoff."""
        return list(await asyncio.gather(*(self._run(task, req) for req in requests)))

    async def _run(
        self, wf_task: PollWorkflowTaskQueueResponse, req: ScheduleLocalActivity
    ) -> LocalActivityOutcome:
        attempt = req.attempt
        first = req.original_schedule_time or time.time()
        while True:
            result, failure = await self._attempt(wf_task, req, attempt)
            if failure is None:
                return LocalActivityOutcome(
                    req.seq, attempt, time.time(), result=result, original_schedule_time=first
                )
            delay, state = _next_delay(req, attempt, failure, first)
            if delay is None or delay > req.local_retry_threshold:
                return LocalActivityOutcome(
                    req.seq,
                    attempt,
                    time.time(),
                    failure=failure,
                    backoff=delay,
                    original_schedule_time=first,
                    retry_state=state,
                )
            await asyncio.sleep(delay)
            attempt += 1

    async def _attempt(
        self, wf_task: PollWorkflowTaskQueueResponse, req: ScheduleLocalActivity, attempt: int
    ) -> tuple[Payload | None, Failure | None]:
        self.attempts += 1
        worker = self.activity_worker
        if worker is None:
            return None, _app_failure(
                f"Local activity {req.activity_type} cannot run: the worker has no activities",
                "NotFoundError",
            )
        poll = await self._as_activity_task(wf_task, req, attempt)
        if self._slots is None:
            self._slots = asyncio.Semaphore(self.max_concurrent)
        async with self._slots:
            self.running += 1
            try:
                outcome = await worker.run_local_attempt(poll, req.start_to_close_timeout)
            except asyncio.TimeoutError:
                return None, _timeout_failure(TimeoutType.TIMEOUT_TYPE_START_TO_CLOSE)
            finally:
                self.running -= 1
        codec = self._codec_for(poll)
        if outcome.failure is not None:
            if codec is not None:
                await visit_payloads(outcome.failure, codec.decode)
            return None, outcome.failure
        payloads = list(outcome.result.payloads) if outcome.result is not None else []
        if codec is not None and payloads:
            payloads = list(await codec.decode(payloads))
        return (payloads[0] if payloads else None), None

    def _codec_for(self, poll: PollActivityTaskQueueResponse) -> Any:
        """The codec bound to the local activity's context (the one its attempt decodes with)."""
        codec = self._converter.payload_codec
        worker = self.activity_worker
        if codec is None or worker is None:
            return codec
        return worker.bind_local(codec, poll)

    async def _as_activity_task(
        self, wf_task: PollWorkflowTaskQueueResponse, req: ScheduleLocalActivity, attempt: int
    ) -> PollActivityTaskQueueResponse:
        """The activity task the attempt would have been, had the server dispatched it."""
        now = time.time()
        poll = PollActivityTaskQueueResponse(
            task_token=f"local/{wf_task.workflow_execution.run_id}/{req.seq}".encode(),
            workflow_type=wf_task.workflow_type,
            workflow_execution=wf_task.workflow_execution,
            activity_type=ActivityType(name=req.activity_type),
            activity_id=req.activity_id,
            attempt=attempt,
        )
        payloads = list(req.arguments)
        codec = self._codec_for(poll)
        if codec is not None and payloads:
            payloads = list(await codec.encode(payloads))
        poll.input.payloads.extend(payloads)
        poll.scheduled_time.FromSeconds(int(req.original_schedule_time or now))
        poll.started_time.FromSeconds(int(now))
        poll.current_attempt_scheduled_time.FromSeconds(int(now))
        for name in ("schedule_to_close_timeout", "start_to_close_timeout"):
            value = getattr(req, name)
            if value:
                getattr(poll, name).FromNanoseconds(int(value * 1e9))
        if req.retry_policy is not None:
            poll.retry_policy.CopyFrom(req.retry_policy)
        if codec is not None and req.headers and _codes_headers(self.activity_worker):
            # Encoded as the workflow's commands are; the attempt decodes them under CODEC.
            from temporal_sdk._io.header_codec import encode_into

            await encode_into(req.headers, poll.header, self._converter.payload_codec)
            return poll
        for key, value in req.headers.items():
            poll.header.fields[key].CopyFrom(value)  # headers skip the codec by default
        return poll


def _codes_headers(worker: ActivityWorker | None) -> bool:
    """Whether the workflow side encodes local-activity headers (as on its commands)."""
    from temporal_sdk._io.header_codec import workflow_codes_headers

    return workflow_codes_headers(getattr(worker, "_client", None))


def _next_delay(
    req: ScheduleLocalActivity, attempt: int, failure: Failure, first: float
) -> tuple[float | None, int]:
    """Seconds before the next attempt (``None``: stop) and the retry state to report."""
    info = failure.application_failure_info
    policy = req.retry_policy
    if failure.HasField("application_failure_info") and info.non_retryable:
        return None, RetryState.RETRY_STATE_NON_RETRYABLE_FAILURE
    if policy is not None:
        if info.type and info.type in policy.non_retryable_error_types:
            return None, RetryState.RETRY_STATE_NON_RETRYABLE_FAILURE
        if policy.maximum_attempts and attempt >= policy.maximum_attempts:
            return None, RetryState.RETRY_STATE_MAXIMUM_ATTEMPTS_REACHED
    initial = _DEFAULT_INITIAL
    coefficient = _DEFAULT_COEFFICIENT
    maximum: float | None = None
    if policy is not None:
        if policy.HasField("initial_interval"):
            initial = policy.initial_interval.ToNanoseconds() / 1e9 or initial
        coefficient = policy.backoff_coefficient or coefficient
        if policy.HasField("maximum_interval"):
            maximum = policy.maximum_interval.ToNanoseconds() / 1e9 or None
    delay = initial * coefficient ** (attempt - 1)
    delay = min(delay, maximum if maximum is not None else initial * 100)
    if failure.HasField("application_failure_info") and info.HasField("next_retry_delay"):
        delay = info.next_retry_delay.ToNanoseconds() / 1e9
    deadline = req.schedule_to_close_timeout
    if deadline and time.time() + delay - first > deadline:
        return None, RetryState.RETRY_STATE_TIMEOUT
    return delay, RetryState.RETRY_STATE_IN_PROGRESS


def _app_failure(message: str, type_name: str) -> Failure:
    return Failure(
        message=message,
        application_failure_info=ApplicationFailureInfo(type=type_name, non_retryable=True),
    )


def _timeout_failure(kind: int) -> Failure:
    return Failure(
        message="activity timeout",
        timeout_failure_info=TimeoutFailureInfo(timeout_type=kind),  # type: ignore[arg-type]
    )
