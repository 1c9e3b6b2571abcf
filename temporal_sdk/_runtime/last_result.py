"""The previous run's outcome for cron and scheduled workflows (and retries).

Rule: read-only views over the start event's ``last_completion_result`` and
``continued_failure``, decoded on demand with the run's converters; nothing here creates
commands, so the values are the same on replay.
"""

from __future__ import annotations

from typing import Any

from temporal_sdk.api.history.v1 import WorkflowExecutionStartedEventAttributes


def has_last_completion_result(start: WorkflowExecutionStartedEventAttributes | None) -> bool:
    """Whether the previous run completed with a result this run can read."""
    return start is not None and len(start.last_completion_result.payloads) > 0


def last_completion_result(
    start: WorkflowExecutionStartedEventAttributes | None, payload_converter: Any, hint: Any
) -> Any:
    """The previous run's result decoded to ``hint``, or ``None`` when there is none."""
    if not has_last_completion_result(start):
        return None
    assert start is not None
    payloads = list(start.last_completion_result.payloads)
    return payload_converter.from_payloads(payloads[:1], [hint] if hint else None)[0]


def last_failure(
    start: WorkflowExecutionStartedEventAttributes | None,
    payload_converter: Any,
    failure_converter: Any,
) -> BaseException | None:
    """The previous run's (or attempt's) failure as an exception, or ``None``."""
    if start is None or not start.HasField("continued_failure"):
        return None
    err: BaseException = failure_converter.from_failure(start.continued_failure, payload_converter)
    return err


def detach(
    start: WorkflowExecutionStartedEventAttributes,
) -> WorkflowExecutionStartedEventAttributes | None:
    """A standalone copy of only what this module reads, or ``None`` when there is nothing.

    A run keeps this for its whole life; holding the start event itself would keep the poll
    response it arrived in (its protobuf arena) alive as long as the run is cached.
    """
    has_result = len(start.last_completion_result.payloads) > 0
    has_failure = start.HasField("continued_failure")
    if not (has_result or has_failure):
        return None
    copy = WorkflowExecutionStartedEventAttributes()
    if has_result:
        copy.last_completion_result.CopyFrom(start.last_completion_result)
    if has_failure:
        copy.continued_failure.CopyFrom(start.continued_failure)
    return copy
