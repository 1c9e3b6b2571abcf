"""Poll workflow tasks, run them through the core and runtime, and respond.

Rule: this is the only place where workflow tasks meet the network. Each task's history is
decoded with the codec before the core sees it, and the commands are encoded after the runtime
produced them. The decision to fail a workflow *task* (rather than the workflow) for a bad
payload, a non-determinism or an internal error is taken here, in ``_process``.
"""

from __future__ import annotations

import asyncio
import logging
import traceback
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from temporal_sdk._core.activation import WorkflowTaskFailure
from temporal_sdk._core.determinism import NondeterminismError
from temporal_sdk._core.workflow_machines import WorkflowMachines
from temporal_sdk._io import queries as _queries
from temporal_sdk._io.payload_visitor import visit_payloads
from temporal_sdk._io.pollers import Poller
from temporal_sdk._runtime.definitions import WorkflowDefinition
from temporal_sdk._runtime.driver import run_activations
from temporal_sdk._runtime.instance import WorkflowInstance
from temporal_sdk.api.command.v1 import Command
from temporal_sdk.api.enums.v1 import WorkflowTaskFailedCause
from temporal_sdk.api.failure.v1 import ApplicationFailureInfo, Failure
from temporal_sdk.api.history.v1 import HistoryEvent
from temporal_sdk.api.query.v1 import WorkflowQueryResult
from temporal_sdk.api.taskqueue.v1 import TaskQueue
from temporal_sdk.api.workflowservice.v1 import (
    GetWorkflowExecutionHistoryRequest,
    PollWorkflowTaskQueueRequest,
    PollWorkflowTaskQueueResponse,
    RespondWorkflowTaskCompletedRequest,
    RespondWorkflowTaskFailedRequest,
)

if TYPE_CHECKING:
    from temporal_sdk.client import Client

logger = logging.getLogger(__name__)

_CAUSE_NONDETERMINISM = WorkflowTaskFailedCause.WORKFLOW_TASK_FAILED_CAUSE_NON_DETERMINISTIC_ERROR
_CAUSE_UNHANDLED = (
    WorkflowTaskFailedCause.WORKFLOW_TASK_FAILED_CAUSE_WORKFLOW_WORKER_UNHANDLED_FAILURE
)
_POLL_TIMEOUT = 70.0


@dataclass(frozen=True, slots=True)
class _Outcome:
    commands: Sequence[Command]
    failure: WorkflowTaskFailure | None
    queries: dict[str, WorkflowQueryResult] = field(default_factory=dict)


def _failure_from_exception(exc: BaseException, type_name: str | None = None) -> Failure:
    return Failure(
        message=str(exc) or type(exc).__name__,
        stack_trace="".join(traceback.format_exception(exc)),
        source="temporal-sdk-python",
        application_failure_info=ApplicationFailureInfo(type=type_name or type(exc).__name__),
    )


class WorkflowWorker:
    """Serves the workflow tasks of one task queue with the registered workflow classes."""

    def __init__(
        self,
        *,
        client: Client,
        task_queue: str,
        workflows: Sequence[type],
        identity: str,
        max_concurrent_workflow_tasks: int = 100,
        max_concurrent_polls: int = 2,
        workflow_failure_exception_types: Sequence[type[BaseException]] = (),
    ) -> None:
        self._client = client
        self._task_queue = task_queue
        self._identity = identity
        self._failure_types = tuple(workflow_failure_exception_types)
        self._definitions: dict[str, WorkflowDefinition] = {}
        self._dynamic: WorkflowDefinition | None = None
        for cls in workflows:
            defn = WorkflowDefinition.must_from_class(cls)
            if defn.name is None:
                if self._dynamic is not None:
                    raise ValueError("more than one dynamic workflow registered")
                self._dynamic = defn
            elif defn.name in self._definitions:
                raise ValueError(f"workflow named {defn.name!r} registered more than once")
            else:
                self._definitions[defn.name] = defn
        self._poller = Poller(
            name=f"workflow task poller ({task_queue})",
            poll=self._poll,
            handle=self._handle,
            max_concurrent_tasks=max_concurrent_workflow_tasks,
            max_concurrent_polls=max_concurrent_polls,
        )

    async def run(self) -> None:
        """Poll and serve tasks until :meth:`shutdown`."""
        await self._poller.run()

    def begin_shutdown(self) -> None:
        """Stop polling; in-flight tasks keep running."""
        self._poller.begin_shutdown()

    async def shutdown(self) -> None:
        """Stop polling and wait for in-flight workflow tasks to finish."""
        await self._poller.shutdown()

    async def _poll(self) -> PollWorkflowTaskQueueResponse | None:
        client = self._client
        resp = await client.workflow_service.poll_workflow_task_queue(
            PollWorkflowTaskQueueRequest(
                namespace=client.namespace,
                task_queue=TaskQueue(name=self._task_queue),
                identity=self._identity,
            ),
            retry=False,
            timeout=_POLL_TIMEOUT,
        )
        return resp if resp.task_token else None

    async def _handle(self, task: PollWorkflowTaskQueueResponse) -> None:
        try:
            events = await self._history(task)
            await _queries.decode_queries(task, self._client.data_converter.payload_codec)
            outcome = self._process(task, events)
            if _queries.is_legacy_query(task):
                await self._answer_legacy_query(task, outcome)
            elif outcome.failure is None:
                await self._complete(task, outcome.commands, outcome.queries)
            else:
                await self._fail(task, outcome.failure)
        except asyncio.CancelledError:
            raise
        except Exception:
            logger.exception(
                "Workflow task for %s failed before it could be answered",
                task.workflow_execution.workflow_id,
            )

    async def _history(self, task: PollWorkflowTaskQueueResponse) -> list[HistoryEvent]:
        client = self._client
        events = list(task.history.events)
        token = task.next_page_token
        while token:
            resp = await client.workflow_service.get_workflow_execution_history(
                GetWorkflowExecutionHistoryRequest(
                    namespace=client.namespace,
                    execution=task.workflow_execution,
                    next_page_token=token,
                ),
                retry=True,
            )
            events.extend(resp.history.events)
            token = resp.next_page_token
        codec = client.data_converter.payload_codec
        if codec is not None:
            for event in events:
                await visit_payloads(event, codec.decode)
        return events

    def _definition(self, workflow_type: str) -> WorkflowDefinition | None:
        return self._definitions.get(workflow_type) or self._dynamic

    def _process(self, task: PollWorkflowTaskQueueResponse, events: list[HistoryEvent]) -> _Outcome:
        """Run the task; the one place that turns errors into a workflow *task* failure."""
        execution = task.workflow_execution
        defn = self._definition(task.workflow_type.name)
        if defn is None:
            known = ", ".join(sorted(self._definitions)) or "none"
            err = LookupError(
                f"Workflow class {task.workflow_type.name} is not registered on this worker, "
                f"available workflows: {known}"
            )
            return _Outcome(
                (),
                WorkflowTaskFailure(
                    _failure_from_exception(err, "NotFoundError"), _CAUSE_UNHANDLED
                ),
            )
        converter = self._client.data_converter
        machines = WorkflowMachines(
            namespace=self._client.namespace,
            workflow_id=execution.workflow_id,
            run_id=execution.run_id,
        )
        instance = WorkflowInstance(
            defn,
            namespace=self._client.namespace,
            task_queue=self._task_queue,
            payload_converter=converter.payload_converter,
            failure_converter=converter.failure_converter,
            failure_exception_types=self._failure_types,
        )
        try:
            machines.add_events(events)
            failure = run_activations(machines, instance)
        except NondeterminismError as err:
            logger.warning("%s", err)
            return _Outcome(
                (), WorkflowTaskFailure(_failure_from_exception(err), _CAUSE_NONDETERMINISM)
            )
        except Exception as err:
            logger.exception("Workflow task of %s failed in the SDK", execution.workflow_id)
            return _Outcome((), WorkflowTaskFailure(_failure_from_exception(err), _CAUSE_UNHANDLED))
        else:
            if failure is None:
                answers = _queries.answer_queries(instance, task)
                return _Outcome(machines.take_commands(), None, answers)
        finally:
            # No run cache yet: every task rebuilds the run, so unwind this one now.
            instance.close()
        return _Outcome((), failure)

    async def _answer_legacy_query(
        self, task: PollWorkflowTaskQueueResponse, outcome: _Outcome
    ) -> None:
        results = outcome.queries
        if outcome.failure is not None:
            results = _queries.failed_results(task, outcome.failure.failure.message)
        await _queries.encode_results(results, self._client.data_converter.payload_codec)
        await _queries.respond_legacy(self._client, task, results)

    async def _complete(
        self,
        task: PollWorkflowTaskQueueResponse,
        commands: Sequence[Command],
        queries: dict[str, WorkflowQueryResult] | None = None,
    ) -> None:
        client = self._client
        req = RespondWorkflowTaskCompletedRequest(
            task_token=task.task_token,
            commands=commands,
            identity=self._identity,
            namespace=client.namespace,
            query_results=queries or {},
        )
        codec = client.data_converter.payload_codec
        await _queries.encode_results(req.query_results, codec)
        if codec is not None:
            for command in req.commands:
                await visit_payloads(command, codec.encode)
        await client.workflow_service.respond_workflow_task_completed(req, retry=True)

    async def _fail(
        self, task: PollWorkflowTaskQueueResponse, failure: WorkflowTaskFailure
    ) -> None:
        if task.attempt > 1:
            # Reported once already; the server retries the task after its timeout.
            return
        client = self._client
        req = RespondWorkflowTaskFailedRequest(
            task_token=task.task_token,
            cause=failure.cause,  # type: ignore[arg-type]
            failure=failure.failure,
            identity=self._identity,
            namespace=client.namespace,
        )
        codec = client.data_converter.payload_codec
        if codec is not None:
            await visit_payloads(req.failure, codec.encode)
        await client.workflow_service.respond_workflow_task_failed(req, retry=True)
