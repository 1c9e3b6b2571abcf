"""Queries on the worker side: decode them, answer them from a run, and send the answers.

Also the codec pass over update protocol messages (their bodies are packed ``Any``s).

Rule: queries bypass the core. They never produce commands, so instead of travelling as
activation jobs they are answered by ``WorkflowInstance.query`` *after* all of the task's
activations were applied (the state a query sees includes the task's new events). Two paths:

* the ``queries`` map of an ordinary workflow task, answered in the same
  ``RespondWorkflowTaskCompleted`` (``query_results``);
* a legacy query task (``query`` set on the poll response): the run is rebuilt from history and
  the answer goes back with ``RespondQueryTaskCompleted`` on the task's token; this is also how the
  server asks about closed workflows.

Payload codecs run here, on both the query arguments and the answers.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any

from google.protobuf.message import Message as ProtoMessage

from temporal_sdk._io.payload_visitor import visit_payloads
from temporal_sdk._runtime.handlers import QueryAnswer
from temporal_sdk.api.enums.v1 import QueryResultType
from temporal_sdk.api.protocol.v1 import Message
from temporal_sdk.api.query.v1 import WorkflowQuery, WorkflowQueryResult
from temporal_sdk.api.update.v1 import Acceptance, Rejection, Request, Response
from temporal_sdk.api.workflowservice.v1 import (
    PollWorkflowTaskQueueResponse,
    RespondQueryTaskCompletedRequest,
)

if TYPE_CHECKING:
    from temporal_sdk._runtime.instance import WorkflowInstance
    from temporal_sdk.client import Client

_ANSWERED = QueryResultType.QUERY_RESULT_TYPE_ANSWERED
_FAILED = QueryResultType.QUERY_RESULT_TYPE_FAILED


def is_legacy_query(task: PollWorkflowTaskQueueResponse) -> bool:
    """Whether ``task`` is a legacy query task (answered with RespondQueryTaskCompleted)."""
    return task.HasField("query")


async def decode_queries(
    task: PollWorkflowTaskQueueResponse, codec: Any | None, headers: bool = False
) -> None:
    """Run the codec over every query argument (and header, if ``headers``) of ``task``."""
    if codec is None:
        return
    if task.HasField("query"):
        await visit_payloads(task.query, codec.decode, headers=headers)
    for query in task.queries.values():
        await visit_payloads(query, codec.decode, headers=headers)
    await _transform_messages(task.messages, codec.decode, headers)


# Protocol message bodies are ``Any``-packed; the payload visitor does not look inside them.
_BODY_TYPES: tuple[type[ProtoMessage], ...] = (Request, Acceptance, Rejection, Response)


async def _transform_messages(
    messages: Iterable[Message], transform: Any, headers: bool = False
) -> None:
    for message in messages:
        for body_type in _BODY_TYPES:
            if message.body.TypeName() == body_type.DESCRIPTOR.full_name:
                body = body_type()
                message.body.Unpack(body)
                await visit_payloads(body, transform, headers=headers)
                message.body.Pack(body)
                break


async def encode_messages(messages: Iterable[Message], codec: Any | None) -> None:
    """Run the codec over the payloads inside outgoing protocol messages, in place."""
    if codec is not None:
        await _transform_messages(messages, codec.encode)


def _answer(instance: WorkflowInstance, query: WorkflowQuery, query_id: str) -> QueryAnswer:
    headers = dict(query.header.fields) if query.HasField("header") else None
    return instance.query(
        query.query_type, list(query.query_args.payloads), headers=headers, query_id=query_id
    )


def _to_result(answer: QueryAnswer) -> WorkflowQueryResult:
    if answer.failure is not None:
        return WorkflowQueryResult(
            result_type=_FAILED, error_message=answer.failure.message, failure=answer.failure
        )
    result = WorkflowQueryResult(result_type=_ANSWERED)
    if answer.answer is not None:
        result.answer.payloads.append(answer.answer)
    return result


def answer_queries(
    instance: WorkflowInstance, task: PollWorkflowTaskQueueResponse
) -> dict[str, WorkflowQueryResult]:
    """Answer every query of ``task`` (legacy one under the key ``""``) from ``instance``."""
    results = {qid: _to_result(_answer(instance, q, qid)) for qid, q in task.queries.items()}
    if task.HasField("query"):
        # sdk-core names the legacy query like this in the query job it builds.
        results[""] = _to_result(_answer(instance, task.query, "legacy_query"))
    return results


def failed_results(
    task: PollWorkflowTaskQueueResponse, message: str
) -> dict[str, WorkflowQueryResult]:
    """Fail every query of ``task`` with ``message`` (the run could not be rebuilt)."""
    ids = list(task.queries) + ([""] if task.HasField("query") else [])
    return {qid: WorkflowQueryResult(result_type=_FAILED, error_message=message) for qid in ids}


async def encode_results(results: Mapping[str, WorkflowQueryResult], codec: Any | None) -> None:
    """Run the codec over the answers (and failure details), in place."""
    if codec is None:
        return
    for result in results.values():
        await visit_payloads(result, codec.encode)


async def respond_legacy(
    client: Client,
    task: PollWorkflowTaskQueueResponse,
    results: Mapping[str, WorkflowQueryResult],
) -> None:
    """Answer a legacy query task with RespondQueryTaskCompleted."""
    result = results.get("") or WorkflowQueryResult(
        result_type=_FAILED, error_message="query was not answered"
    )
    req = RespondQueryTaskCompletedRequest(
        task_token=task.task_token,
        completed_type=result.result_type,
        namespace=client.namespace,
    )
    if result.result_type == _ANSWERED:
        req.query_result.CopyFrom(result.answer)
    else:
        req.error_message = result.error_message
        if result.HasField("failure"):
            req.failure.CopyFrom(result.failure)
    await client.workflow_service.respond_query_task_completed(req, retry=True)
