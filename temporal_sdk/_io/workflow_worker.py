"""Poll workflow tasks, run them against cached or rebuilt runs, and respond.

Rule: this is the only place where workflow tasks meet the network. A task is served from the
sticky run cache when its events continue the cached run; otherwise the run is rebuilt from the
full history (fetched page by page when the task carries only part of it). Activations run in
the workflow task executor's threads, watched for deadlocks; the decision to fail a workflow
*task* is taken in ``workflow_task.apply_task``. A failed task, a stuck activation, an answer the
server refused, or a closed run leave the cache.

Two pollers share the task slots: one on the task queue, one on this worker's sticky queue
(``{identity}-{uuid}``, kind STICKY), split like sdk-core (about a fifth of the polls on the
normal queue, at least one each). On shutdown the sticky queue is released with ShutdownWorker.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import functools
import logging
import os
import time
import uuid
from collections.abc import Sequence
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from temporal_sdk._core.activation import WorkflowTaskFailure
from temporal_sdk._core.workflow_machines import WorkflowMachines
from temporal_sdk._io import eager_start as _eager_start
from temporal_sdk._io import queries as _queries
from temporal_sdk._io import worker_metrics as _worker_metrics
from temporal_sdk._io.codec_context import bind_run_converters
from temporal_sdk._io.deadlock import DeadlockDetected, run_watched
from temporal_sdk._io.deployment import Deployment
from temporal_sdk._io.eager_activities import EagerActivityDispatcher
from temporal_sdk._io.header_codec import workflow_codes_headers
from temporal_sdk._io.local_activities import LocalActivityRunner
from temporal_sdk._io.payload_visitor import visit_payloads
from temporal_sdk._io.pollers import Poller
from temporal_sdk._io.workflow_cache import CachedRun, RunGates, WorkflowCache
from temporal_sdk._io.workflow_history import (
    HistoryFetcher,
    PayloadDecodeError,
    PayloadEncodeError,
    TaskHistoryError,
    ensure_complete,
    history_failure,
)
from temporal_sdk._io.workflow_task import (
    CAUSE_UNHANDLED,
    REPLAY,
    LocalWork,
    Outcome,
    apply_task,
    failure_from_exception,
    resume_task,
    task_failure,
)
from temporal_sdk._runtime.definitions import WorkflowDefinition
from temporal_sdk._runtime.instance import WorkflowInstance
from temporal_sdk.api.command.v1 import Command
from temporal_sdk.api.enums.v1 import EventType, TaskQueueKind
from temporal_sdk.api.history.v1 import HistoryEvent
from temporal_sdk.api.protocol.v1 import Message
from temporal_sdk.api.query.v1 import WorkflowQueryResult
from temporal_sdk.api.taskqueue.v1 import StickyExecutionAttributes, TaskQueue
from temporal_sdk.api.workflowservice.v1 import (
    PollWorkflowTaskQueueRequest,
    PollWorkflowTaskQueueResponse,
    RespondWorkflowTaskCompletedRequest,
    RespondWorkflowTaskFailedRequest,
    ShutdownWorkerRequest,
)

if TYPE_CHECKING:
    from temporal_sdk.client import Client

logger = logging.getLogger(__name__)

_POLL_TIMEOUT = 70.0
_SHUTDOWN_RPC_TIMEOUT = 5.0
_NORMAL_POLL_SHARE = 0.2
_STICKY = TaskQueueKind.TASK_QUEUE_KIND_STICKY
# A cached run can only continue after a task it answered successfully.
_TASK_ENDED_BADLY = frozenset(
    {
        EventType.EVENT_TYPE_WORKFLOW_TASK_FAILED,
        EventType.EVENT_TYPE_WORKFLOW_TASK_TIMED_OUT,
    }
)
DEFAULT_DEADLOCK_TIMEOUT = 2.0


def debug_mode_from_env() -> bool:
    """Whether ``TEMPORAL_DEBUG`` asks for debug mode (any value but empty, 0, false, no)."""
    value = os.environ.get("TEMPORAL_DEBUG", "").strip().lower()
    return value not in ("", "0", "false", "no", "off")


def split_polls(total: int) -> tuple[int, int]:
    """Split ``total`` pollers into (normal queue, sticky queue), at least one each."""
    normal = max(1, round(total * _NORMAL_POLL_SHARE))
    return normal, max(1, total - normal)


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
        max_cached_workflows: int = 1000,
        sticky_queue_schedule_to_start_timeout: timedelta = timedelta(seconds=10),
        workflow_task_executor: concurrent.futures.ThreadPoolExecutor | None = None,
        deadlock_timeout: float | None = DEFAULT_DEADLOCK_TIMEOUT,
    ) -> None:
        self._client = client
        self._task_queue = task_queue
        self._identity = identity
        self._failure_types = tuple(workflow_failure_exception_types)
        self._definitions: dict[str, WorkflowDefinition] = {}
        self._dynamic: WorkflowDefinition | None = None
        self.deployment: Deployment | None = None
        """Worker-versioning fields for polls and completions (set by ``Worker``)."""
        for cls in workflows:
            self._register(cls)
        self.cache = WorkflowCache(max_cached_workflows)
        """The sticky run cache (its ``hits``, ``misses`` and ``len`` are useful in tests)."""
        self.history = HistoryFetcher(client)
        self.runs_built = 0
        """Runs built from a full history (first task of a run, cache misses, replays)."""
        self._gates = RunGates()
        self._sticky_timeout = sticky_queue_schedule_to_start_timeout
        self._deadlock_timeout = deadlock_timeout
        self._own_executor = workflow_task_executor is None
        self._executor = workflow_task_executor or concurrent.futures.ThreadPoolExecutor(
            max_workers=max(1, max_concurrent_workflow_tasks),
            thread_name_prefix="temporal_workflow_task",
        )
        self._stopping = asyncio.Event()
        self.eager_started = 0
        """Workflow tasks received from eager starts instead of polls (useful in tests)."""
        self._metrics = _worker_metrics.for_client(client, task_queue)
        self._runtime_meter = _worker_metrics.runtime_meter(client)
        self.local_activities = LocalActivityRunner(None, client.data_converter, task_queue)
        """Runs local activities; the worker gives it the activity worker's registrations."""
        self.eager_activities: EagerActivityDispatcher | None = None
        """Set by the worker when activities of this task queue may be dispatched eagerly."""
        self.interceptor_classes: Sequence[type[Any]] = ()
        """Workflow inbound interceptor classes (set by the worker), outermost first."""
        self.extern_functions: dict[str, Any] = {}
        """What the interceptors offered to workflow code (``workflow.extern_functions()``)."""
        self.sticky_queue: str | None = None
        """This worker's sticky queue name, or ``None`` when the cache is disabled."""
        slots = _worker_metrics.task_slots(
            self._metrics, max_concurrent_workflow_tasks, "WorkflowWorker"
        )
        normal_polls, sticky_polls = max_concurrent_polls, 0
        if self.cache.enabled:
            self.sticky_queue = f"{identity}-{uuid.uuid4().hex}"
            normal_polls, sticky_polls = split_polls(max_concurrent_polls)
        self._pollers = [
            Poller(
                name=f"workflow task poller ({task_queue})",
                poll=functools.partial(self._poll, TaskQueue(name=task_queue)),
                handle=self._handle,
                max_concurrent_tasks=max_concurrent_workflow_tasks,
                max_concurrent_polls=normal_polls,
                slots=slots,
            )
        ]
        if self.sticky_queue is not None:
            sticky = TaskQueue(name=self.sticky_queue, kind=_STICKY, normal_name=task_queue)
            self._pollers.append(
                Poller(
                    name=f"sticky workflow task poller ({task_queue})",
                    poll=functools.partial(self._poll, sticky),
                    handle=self._handle,
                    max_concurrent_tasks=max_concurrent_workflow_tasks,
                    max_concurrent_polls=sticky_polls,
                    slots=slots,
                )
            )

    def _register(self, cls: type) -> None:
        defn = WorkflowDefinition.must_from_class(cls)
        if defn.name is None:
            if self._dynamic is not None:
                raise ValueError("more than one dynamic workflow registered")
            self._dynamic = defn
        elif defn.name in self._definitions:
            raise ValueError(f"workflow named {defn.name!r} registered more than once")
        else:
            self._definitions[defn.name] = defn

    # ------------------------------------------------------------------ lifecycle

    async def run(self) -> None:
        """Poll and serve tasks until :meth:`shutdown`."""
        self.offer_eager_start()
        try:
            await asyncio.gather(*(poller.run() for poller in self._pollers))
        finally:
            _eager_start.unregister(self._client, self._task_queue, self)

    def begin_shutdown(self) -> None:
        """Stop polling; in-flight tasks keep running."""
        _eager_start.unregister(self._client, self._task_queue, self)
        for poller in self._pollers:
            poller.begin_shutdown()

    def offer_eager_start(self) -> None:
        """Accept first workflow tasks of eager starts through this client (idempotent)."""
        _eager_start.register(self._client, self._task_queue, self)

    async def reserve_eager_slot(self) -> bool:
        """Reserve a workflow task slot for an eagerly started workflow (``False`` if none)."""
        return await self._pollers[0].try_reserve()

    def release_eager_slot(self) -> None:
        """Give back a slot reserved for an eager start that returned no task."""
        self._pollers[0].release_reserved()

    def run_eager(self, task: PollWorkflowTaskQueueResponse) -> None:
        """Serve the first workflow task of an eagerly started workflow in a reserved slot."""
        self.eager_started += 1
        self._pollers[0].submit_reserved(task)

    async def shutdown(self) -> None:
        """Stop polling, wait for in-flight workflow tasks, release the sticky queue."""
        self._stopping.set()
        await asyncio.gather(*(poller.shutdown() for poller in self._pollers))
        await self._release_sticky_queue()
        self.cache.clear()
        if self._own_executor:
            # A thread stuck in a deadlocked workflow cannot be joined; do not wait for it.
            self._executor.shutdown(wait=False)

    async def _release_sticky_queue(self) -> None:
        if self.sticky_queue is None:
            return
        client = self._client
        try:
            await client.workflow_service.shutdown_worker(
                ShutdownWorkerRequest(
                    namespace=client.namespace,
                    sticky_task_queue=self.sticky_queue,
                    identity=self._identity,
                    reason="graceful shutdown",
                ),
                retry=False,
                timeout=_SHUTDOWN_RPC_TIMEOUT,
            )
        except Exception as err:
            # Older servers lack the RPC; the queue then simply expires.
            logger.debug("ShutdownWorker for sticky queue %s failed: %s", self.sticky_queue, err)

    # ------------------------------------------------------------------ polling

    async def _poll(self, queue: TaskQueue) -> PollWorkflowTaskQueueResponse | None:
        client = self._client
        req = PollWorkflowTaskQueueRequest(
            namespace=client.namespace, task_queue=queue, identity=self._identity
        )
        if self.deployment is not None:
            req.deployment_options.CopyFrom(self.deployment.options)
        resp = await client.workflow_service.poll_workflow_task_queue(
            req,
            retry=False,
            timeout=_POLL_TIMEOUT,
        )
        if self._metrics is not None:
            self._metrics.workflow_poll(not resp.task_token, resp.scheduled_time, resp.started_time)
        return resp if resp.task_token else None

    async def _handle(self, task: PollWorkflowTaskQueueResponse) -> None:
        stuck: asyncio.Future[object] | None = None
        try:
            try:
                await _queries.decode_queries(
                    task, self._workflow_codec(task), workflow_codes_headers(self._client)
                )
            except Exception as err:
                await self._refuse_undecodable(task, err)
                return
            async with self._gates.hold(task.workflow_execution.run_id):
                if _queries.is_legacy_query(task):
                    await self._serve_query(task)
                else:
                    stuck = await self._serve_task(task)
        except asyncio.CancelledError:
            raise
        except Exception as err:
            if _task_gone(err):
                # Timed out, or answered by an attempt whose reply a broken connection lost;
                # the run was evicted, and the server hands out a new task if one is due.
                logger.warning(
                    "Workflow task for %s is no longer known to the server: %s",
                    task.workflow_execution.workflow_id,
                    err,
                )
            elif _new_events_arrived(err):
                # As sdk-core: the run was evicted; the server sends a task with the new events.
                logger.debug(
                    "Workflow task for %s not completed: new events arrived meanwhile",
                    task.workflow_execution.workflow_id,
                )
            else:
                logger.exception(
                    "Workflow task for %s failed before it could be answered",
                    task.workflow_execution.workflow_id,
                )
        if stuck is not None:
            await self._hold_slot(stuck)

    async def _refuse_undecodable(
        self, task: PollWorkflowTaskQueueResponse, err: Exception
    ) -> None:
        """Answer a task whose queries or update requests the payload codec cannot decode."""
        error = PayloadDecodeError.of(err, "the task's queries or update requests")
        if not _queries.is_legacy_query(task):
            await self._answer(task, None, history_failure(task, error))
            return
        await _queries.respond_legacy(self._client, task, _queries.failed_results(task, str(error)))

    async def _hold_slot(self, stuck: asyncio.Future[object]) -> None:
        """Keep this task's slot until the deadlocked thread returns (or the worker stops)."""
        stopping = asyncio.ensure_future(self._stopping.wait())
        try:
            await asyncio.wait((stuck, stopping), return_when=asyncio.FIRST_COMPLETED)
        finally:
            stopping.cancel()
        if not stuck.done():
            logger.warning("Worker shutting down while a deadlocked workflow thread still runs")

    # ------------------------------------------------------------------ workflow tasks

    async def _serve_task(
        self, task: PollWorkflowTaskQueueResponse
    ) -> asyncio.Future[object] | None:
        """Answer one workflow task; return the stuck thread's future after a deadlock."""
        try:
            events = await self.history.task_events(task)
            ensure_complete(task, events)
        except TaskHistoryError as err:
            await self._answer(task, None, history_failure(task, err))
            return None
        started = time.monotonic()
        run = self._cached_run(task, events)
        if self._metrics is not None:
            self._metrics.workflow_cache(run is not None)
        result: Outcome | object = REPLAY
        stuck: asyncio.Future[object] | None = None
        try:
            if run is not None:
                result, stuck = await self._apply(task, run, events, cached=True)
                if result is REPLAY:
                    self._forget(run, "the core refused the new events")
                    self.cache.release(run)
                    run = None
            if result is REPLAY:
                full = await self._full_history(task, events)
                built = full if isinstance(full, Outcome) else self._build_run(task)
                if isinstance(built, Outcome):
                    result = built
                else:
                    run = built
                    assert not isinstance(full, Outcome)
                    result, stuck = await self._apply(task, run, full, cached=False)
            assert isinstance(result, Outcome)
            if self._metrics is not None:
                self._metrics.workflow_task_done(
                    task.workflow_type.name, started, result.commands, result.failure, run
                )
            await self._answer(task, run, result)
            if self._metrics is not None:
                self._metrics.cache_state(len(self.cache), self.cache.forced_evictions)
        except BaseException:
            if run is not None:
                self._forget(run, "the task could not be answered")
            raise
        finally:
            if run is not None:
                self.cache.release(run)
        return stuck

    async def _full_history(
        self, task: PollWorkflowTaskQueueResponse, events: list[HistoryEvent]
    ) -> list[HistoryEvent] | Outcome:
        """The whole history to rebuild the run from, or the task failure if it cannot be had."""
        try:
            if not events or events[0].event_id != 1:
                events = await self.history.full_history(task, events)
            ensure_complete(task, events)
        except TaskHistoryError as err:
            return history_failure(task, err)
        return events

    def _cached_run(
        self, task: PollWorkflowTaskQueueResponse, events: list[HistoryEvent]
    ) -> CachedRun | None:
        run_id = task.workflow_execution.run_id
        run = self.cache.acquire(run_id)
        if run is None:
            self.cache.misses += 1
            return None
        first = events[0] if events else None
        if (
            first is not None
            and first.event_id == run.last_event_id + 1
            and first.event_type not in _TASK_ENDED_BADLY
        ):
            self.cache.hits += 1
            return run
        self.cache.misses += 1
        self.cache.release(run)
        self.cache.evict(run_id, "the task's history does not continue the cached run")
        return None

    def _forget(self, run: CachedRun, reason: str) -> None:
        self.cache.forget(run, reason)

    def definitions(self) -> list[WorkflowDefinition]:
        """Every registered workflow definition, the dynamic one last."""
        found = list(self._definitions.values())
        return [*found, self._dynamic] if self._dynamic is not None else found

    def _definition(self, workflow_type: str) -> WorkflowDefinition | None:
        return self._definitions.get(workflow_type) or self._dynamic

    def _build_run(self, task: PollWorkflowTaskQueueResponse) -> CachedRun | Outcome:
        """A fresh run for ``task`` (marked in use), or the task failure if its type is unknown."""
        execution = task.workflow_execution
        defn = self._definition(task.workflow_type.name)
        if defn is None:
            known = ", ".join(sorted(self._definitions)) or "none"
            err = LookupError(
                f"Workflow class {task.workflow_type.name} is not registered on this worker, "
                f"available workflows: {known}"
            )
            return task_failure(err, type_name="NotFoundError")
        converter = self._client.data_converter
        machines = WorkflowMachines(
            namespace=self._client.namespace,
            workflow_id=execution.workflow_id,
            run_id=execution.run_id,
        )
        pc, fc, run_conv = bind_run_converters(
            converter, self._client.namespace, task, self._task_queue
        )
        instance = WorkflowInstance(
            defn,
            namespace=self._client.namespace,
            task_queue=self._task_queue,
            payload_converter=pc,
            failure_converter=fc,
            converters=run_conv,
            failure_exception_types=self._failure_types,
            interceptor_classes=self.interceptor_classes,
            extern_functions=self.extern_functions,
        )
        self.runs_built += 1
        instance.runtime_metric_meter = self._runtime_meter
        return CachedRun(execution.run_id, machines, instance, users=1)

    async def _apply(
        self,
        task: PollWorkflowTaskQueueResponse,
        run: CachedRun,
        events: list[HistoryEvent],
        *,
        cached: bool,
    ) -> tuple[Outcome | object, asyncio.Future[object] | None]:
        """Run the task's activations in the executor under the deadlock watch."""
        try:
            work = functools.partial(apply_task, task, run, events, cached)
            result = await run_watched(self._executor, work, self._deadlock_timeout)
            while isinstance(result, LocalWork):
                # Local activities run here, inside the task; their results resume the run.
                outcomes = await self.local_activities.run_all(task, result.requests)
                resume = functools.partial(resume_task, task, run, outcomes)
                result = await run_watched(self._executor, resume, self._deadlock_timeout)
            return result, None
        except DeadlockDetected as err:
            logger.error(
                "%s (workflow %s)\n%s", err, task.workflow_execution.workflow_id, err.stack
            )
            self.cache.abandon(run)
            err.pending.add_done_callback(lambda _: self.cache.release(run))
            failure = failure_from_exception(err, "_DeadlockError", stack=err.stack)
            return Outcome((), WorkflowTaskFailure(failure, CAUSE_UNHANDLED)), err.pending

    async def _answer(
        self, task: PollWorkflowTaskQueueResponse, run: CachedRun | None, outcome: Outcome
    ) -> None:
        if outcome.failure is not None:
            if run is not None:
                self._forget(run, "the workflow task failed")
            await self._fail(task, outcome.failure)
            return
        try:
            await self._complete(task, outcome.commands, outcome.queries, outcome.messages)
        except PayloadEncodeError as err:
            if run is not None:
                self._forget(run, "the payload codec failed")
            failure = history_failure(task, err).failure
            assert failure is not None
            await self._fail(task, failure)
            return
        if run is None:
            return
        if outcome.closes_run:
            self._forget(run, "the run closed")
        elif not run.evicted:
            self.cache.adopt(run)

    # ------------------------------------------------------------------ legacy queries

    async def _serve_query(self, task: PollWorkflowTaskQueueResponse) -> None:
        """Answer a legacy query from the cached run, or from a run rebuilt just for it."""
        run = self.cache.acquire(task.workflow_execution.run_id)
        if run is not None:
            self.cache.hits += 1
            try:
                answers = _queries.answer_queries(run.instance, task)
            finally:
                self.cache.release(run)
            await self._answer_legacy_query(task, Outcome((), None, answers))
            return
        events = await self.history.task_events(task)
        if not events or events[0].event_id != 1:
            events = await self.history.full_history(task, events)
        built = self._build_run(task)
        if isinstance(built, Outcome):
            await self._answer_legacy_query(task, built)
            return
        built.evicted = True  # rebuilt for this query only
        try:
            outcome, _ = await self._apply(task, built, events, cached=False)
        finally:
            self.cache.release(built)
        assert isinstance(outcome, Outcome)
        await self._answer_legacy_query(task, outcome)

    async def _answer_legacy_query(
        self, task: PollWorkflowTaskQueueResponse, outcome: Outcome
    ) -> None:
        results = outcome.queries
        if outcome.failure is not None:
            results = _queries.failed_results(task, outcome.failure.failure.message)
        await _queries.encode_results(results, self._workflow_codec(task))
        await _queries.respond_legacy(self._client, task, results)

    # ------------------------------------------------------------------ responses

    def _workflow_codec(self, task: PollWorkflowTaskQueueResponse) -> Any:
        """The payload codec, bound to the task's workflow if the codec takes context."""
        contexts = self.history.codec_contexts
        if contexts is None:
            return self._client.data_converter.payload_codec
        return contexts.workflow(task.workflow_execution.workflow_id)

    def _sticky_attributes(self) -> StickyExecutionAttributes | None:
        if self.sticky_queue is None:
            return None
        attrs = StickyExecutionAttributes(
            worker_task_queue=TaskQueue(
                name=self.sticky_queue, kind=_STICKY, normal_name=self._task_queue
            )
        )
        attrs.schedule_to_start_timeout.FromTimedelta(self._sticky_timeout)
        return attrs

    async def _complete(
        self,
        task: PollWorkflowTaskQueueResponse,
        commands: Sequence[Command],
        queries: dict[str, WorkflowQueryResult] | None = None,
        messages: Sequence[Message] = (),
    ) -> None:
        client = self._client
        req = RespondWorkflowTaskCompletedRequest(
            task_token=task.task_token,
            commands=commands,
            identity=self._identity,
            namespace=client.namespace,
            query_results=queries or {},
            sticky_attributes=self._sticky_attributes(),
            messages=messages,
        )
        if self.deployment is not None:
            self._stamp_deployment(req, task.workflow_type.name)
        codec = self._workflow_codec(task)
        contexts = self.history.codec_contexts
        try:
            await _queries.encode_results(req.query_results, codec)
            await _queries.encode_messages(req.messages, codec)
            if codec is not None:
                headers = workflow_codes_headers(self._client)
                for command in req.commands:
                    bound = codec if contexts is None else contexts.for_command(task, command)
                    await visit_payloads(command, bound.encode, headers=headers)
        except Exception as err:
            raise PayloadEncodeError.of(err, "the task's answer") from err
        eager = self.eager_activities
        reserved = await eager.mark(req.commands) if eager is not None else 0
        try:
            resp = await client.workflow_service.respond_workflow_task_completed(req, retry=True)
        except BaseException:
            if eager is not None:
                eager.release(reserved)
            raise
        if eager is not None:
            eager.dispatch(resp.activity_tasks, reserved)

    def _stamp_deployment(
        self, req: RespondWorkflowTaskCompletedRequest, workflow_type: str
    ) -> None:
        """Report this worker's deployment version and the workflow's versioning behavior."""
        assert self.deployment is not None
        defn = self._definition(workflow_type)
        req.deployment_options.CopyFrom(self.deployment.options)
        declared = defn.versioning_behavior if defn is not None else 0
        req.versioning_behavior = self.deployment.behavior_for(declared)

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
        codec = self._workflow_codec(task)
        if codec is not None:
            await visit_payloads(req.failure, codec.encode)
        await client.workflow_service.respond_workflow_task_failed(req, retry=True)


def _new_events_arrived(err: BaseException) -> bool:
    """Whether the server refused a completion because events (a signal, ...) came in meanwhile."""
    from temporal_sdk.service import RPCError

    return isinstance(err, RPCError) and err.message == "UnhandledCommand"


def _task_gone(err: BaseException) -> bool:
    """Whether answering a workflow task failed because the server no longer knows the task."""
    # Imported here: only an error path needs the service module.
    from temporal_sdk.service import RPCError, RPCStatusCode

    return isinstance(err, RPCError) and err.status == RPCStatusCode.NOT_FOUND
