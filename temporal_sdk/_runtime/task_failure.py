"""Turns an error that fails the workflow *task* into the completion's ``WorkflowTaskFailure``.

Rule: never raises. If the failure converter cannot encode the error, a plain application
failure naming the error's type stands in; the Python traceback fills a missing stack trace.
"""

from __future__ import annotations

import traceback
from typing import Any

from temporal_sdk._core.activation import WorkflowTaskFailure
from temporal_sdk.api.enums.v1 import WorkflowTaskFailedCause
from temporal_sdk.api.failure.v1 import ApplicationFailureInfo, Failure

_UNHANDLED = WorkflowTaskFailedCause.WORKFLOW_TASK_FAILED_CAUSE_WORKFLOW_WORKER_UNHANDLED_FAILURE


def task_failure(
    err: BaseException, payload_converter: Any, failure_converter: Any
) -> WorkflowTaskFailure:
    """The ``WorkflowTaskFailure`` reporting ``err`` (cause: unhandled worker failure)."""
    failure = Failure()
    try:
        failure_converter.to_failure(err, payload_converter, failure)
    except Exception:
        failure = Failure(
            message=str(err) or type(err).__name__,
            application_failure_info=ApplicationFailureInfo(type=type(err).__name__),
        )
    if not failure.stack_trace:
        failure.stack_trace = "".join(traceback.format_exception(err))
    return WorkflowTaskFailure(failure=failure, cause=_UNHANDLED)
