"""Poll activity tasks, run the registered activities, heartbeat them, and respond.

Rule: every task polled is answered exactly once (completed, failed or cancelled), except when
the activity asked to complete asynchronously or the server no longer knows the task. User
code never runs on the event loop's behalf: async activities run in their own asyncio task,
sync ones on ``activity_executor`` with the activity context copied into the thread. The
decision how an activity's outcome is reported happens in one place, ``_outcome``.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import contextvars
import inspect
import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import TYPE_CHECKING, Any

from google.protobuf.duration_pb2 import Duration
from google.protobuf.timestamp_pb2 import Timestamp
from google.protobuf.wrappers_pb2 import DoubleValue

from temporal_sdk import _converter_context as _ctx
from temporal_sdk import activity
from temporal_sdk._converter_context import for_activity_task
from temporal_sdk._io import worker_metrics as _worker_metrics
from temporal_sdk._io.activity_intercept import decode_headers, execute_intercepted
from temporal_sdk._io.activity_process import run_in_process
from temporal_sdk._io.activity_running import CancelReason as _CancelReason
from temporal_sdk._io.activity_running import Running as _Running
from temporal_sdk._io.activity_running import ThreadCancelRaiser
from temporal_sdk._io.deployment import Deployment
from temporal_sdk._io.header_codec import activity_codes_headers
from temporal_sdk._io.pollers import Poller
from temporal_sdk._runtime.activity_defn import ActivityDefinition
from temporal_sdk._worker_interceptor import Interceptor
from temporal_sdk.api.common.v1 import Payload, Payloads
from temporal_sdk.api.failure.v1 import Failure
from temporal_sdk.api.taskqueue.v1 import TaskQueue, TaskQueueMetadata
from temporal_sdk.api.workflowservice.v1 import (
    PollActivityTaskQueueRequest,
    PollActivityTaskQueueResponse,
    RecordActivityTaskHeartbeatRequest,
    RespondActivityTaskCanceledRequest,
    RespondActivityTaskCompletedRequest,
    RespondActivityTaskFailedRequest,
)

if TYPE_CHECKING:
    from temporal_sdk.client import Client
    from temporal_sdk.converter import DataConverter
    from temporal_sdk.worker._shared_state import SharedStateManager

logger = logging.getLogger(__name__)

_POLL_TIMEOUT = 70.0
_HEARTBEAT_TIMEOUT_FRACTION = 0.8


@dataclass(frozen=True, slots=True)
class _Outcome:
    """How to answer a task: exactly one of the fields is meaningful, or none (no answer)."""

    result: Payloads | None = None
    failure: Failure | None = None
    cancelled: Payloads | None = None


class ActivityWorker:
    """Serves the activity tasks of one task queue with the registered activity callables."""

    def __init__(
        self,
        *,
        client: Client,
        task_queue: str,
        activities: Sequence[Callable[..., Any]],
        activity_executor: concurrent.futures.Executor | None,
        data_converter: DataConverter,
        max_concurrent_activities: int,
        max_activities_per_second: float | None,
        graceful_shutdown_timeout: timedelta,
        identity: str,
        max_task_queue_activities_per_second: float | None = None,
        max_concurrent_polls: int = 5,
        max_heartbeat_throttle_interval: timedelta = timedelta(seconds=60),
        default_heartbeat_throttle_interval: timedelta = timedelta(seconds=30),
        shared_state_manager: SharedStateManager | None = None,
    ) -> None:
        self._client = client
        self._task_queue = task_queue
        self._executor = activity_executor
        self._data_converter = data_converter
        self._identity = identity
        self._grace = graceful_shutdown_timeout.total_seconds()
        self._task_queue_rate = max_task_queue_activities_per_second
        self.deployment: Deployment | None = None
        """Worker-versioning fields for polls (set by ``Worker``)."""
        self._rate_interval = 1.0 / max_activities_per_second if max_activities_per_second else 0.0
        self._next_start = 0.0
        self._max_throttle = max_heartbeat_throttle_interval.total_seconds()
        self._default_throttle = default_heartbeat_throttle_interval.total_seconds()
        self._shared_state = shared_state_manager
        self._threaded = isinstance(activity_executor, concurrent.futures.ThreadPoolExecutor)
        self._definitions: dict[str, tuple[ActivityDefinition, Callable[..., Any]]] = {}
        self._dynamic: tuple[ActivityDefinition, Callable[..., Any]] | None = None
        for fn in activities:
            self._register(fn)
        self._running: dict[bytes, _Running] = {}
        self.interceptors: Sequence[Interceptor] = ()
        """Worker interceptors wrapping each attempt (set by the worker), outermost first."""
        self._idle = asyncio.Event()
        self._idle.set()
        self._shutdown_event: activity._CompositeEvent | None = None
        self._metrics = _worker_metrics.for_client(client, task_queue)
        self._runtime_meter = _worker_metrics.runtime_meter(client)
        self._poller = Poller(
            name=f"activity task poller ({task_queue})",
            poll=self._poll,
            handle=self._handle,
            max_concurrent_tasks=max_concurrent_activities,
            slots=_worker_metrics.task_slots(
                self._metrics, max_concurrent_activities, "ActivityWorker"
            ),
            max_concurrent_polls=max_concurrent_polls,
        )

    def _register(self, fn: Callable[..., Any]) -> None:
        if inspect.isclass(fn):
            raise TypeError(f"Activity {fn.__name__} is a class instead of an instance")
        defn = ActivityDefinition.must_from_callable(fn)
        if not defn.is_async:
            if self._executor is None:
                raise ValueError(
                    f"Activity {defn.name} is not async so an activity_executor must be present"
                )
            if not isinstance(self._executor, concurrent.futures.ThreadPoolExecutor) and (
                self._shared_state is None
            ):
                raise ValueError(
                    f"Activity {defn.name} is not async and activity_executor is not a "
                    "ThreadPoolExecutor, so the worker needs a shared_state_manager (see "
                    "SharedStateManager.create_from_multiprocessing)"
                )
        if defn.name is None:
            if self._dynamic is not None:
                raise TypeError("More than one dynamic activity")
            self._dynamic = (defn, fn)
        elif defn.name in self._definitions:
            raise ValueError(f"More than one activity named {defn.name}")
        else:
            self._definitions[defn.name] = (defn, fn)

    async def run(self) -> None:
        """Poll and serve tasks until :meth:`shutdown`."""
        await self._poller.run()

    async def reserve_eager_slot(self) -> bool:
        """Reserve a free activity slot for an eagerly dispatched task (``False`` if none)."""
        return await self._poller.try_reserve()

    def release_eager_slot(self) -> None:
        """Give back a reserved slot the server did not fill with a task."""
        self._poller.release_reserved()

    def run_eager(self, task: PollActivityTaskQueueResponse) -> None:
        """Run a task the server handed over eagerly, in a slot reserved beforehand."""
        self._poller.submit_reserved(task)

    async def run_local_attempt(
        self, task: PollActivityTaskQueueResponse, start_to_close: float | None
    ) -> _Outcome:
        """Run one local activity attempt like a polled task, but answer nobody.

        Raises ``asyncio.TimeoutError`` after ``start_to_close`` seconds.
        """
        from temporal_sdk.api.failure.v1 import ApplicationFailureInfo

        entry = self._definitions.get(task.activity_type.name) or self._dynamic
        is_async = entry is None or entry[0].is_async
        running = _Running(
            task_token=task.task_token,
            loop=asyncio.get_running_loop(),
            cancelled_event=activity._CompositeEvent(with_async=is_async),
            sync=not is_async,
        )
        bound = self.bind_local(self._data_converter, task)
        # Reset per attempt: the caller's asyncio task runs every attempt of this activity.
        _ctx.TASK_CONVERTER.set(bound if bound is not self._data_converter else None)
        started = time.monotonic()
        try:
            outcome = await asyncio.wait_for(self._outcome(task, entry, running), start_to_close)
            if start_to_close is not None and time.monotonic() - started >= start_to_close:
                # The activity swallowed the cancellation wait_for sent and returned anyway:
                # the attempt still ran out of time.
                raise asyncio.TimeoutError
        except asyncio.TimeoutError:
            if self._metrics is not None:
                self._metrics.attempt_done(task, started, "failed", local=True)
            raise
        if self._metrics is not None:
            outcome_name = _worker_metrics.outcome_of(outcome)
            self._metrics.attempt_done(task, started, outcome_name, local=True)
        if outcome is None or outcome.cancelled is not None:
            failure = Failure(message="A local activity cannot complete asynchronously")
            failure.application_failure_info.CopyFrom(ApplicationFailureInfo(non_retryable=True))
            return _Outcome(failure=failure)
        return outcome

    def begin_shutdown(self) -> None:
        """Stop polling and tell running activities the worker is shutting down."""
        self._poller.begin_shutdown()
        self._worker_shutdown_event().set()

    async def shutdown(self) -> None:
        """Stop polling, give running activities the grace period, then cancel and await them."""
        self.begin_shutdown()
        if self._running and self._grace > 0:
            with contextlib.suppress(asyncio.TimeoutError):
                await asyncio.wait_for(self._idle.wait(), self._grace)
        for running in list(self._running.values()):
            running.cancel(_CancelReason.WORKER_SHUTDOWN)
        await self._poller.shutdown()

    def _worker_shutdown_event(self) -> activity._CompositeEvent:
        # Created lazily so that its asyncio side belongs to the running loop.
        if self._shutdown_event is None:
            self._shutdown_event = activity._CompositeEvent(with_async=True)
        return self._shutdown_event

    async def _poll(self) -> PollActivityTaskQueueResponse | None:
        await self._rate_limit()
        client = self._client
        req = PollActivityTaskQueueRequest(
            namespace=client.namespace,
            task_queue=TaskQueue(name=self._task_queue),
            identity=self._identity,
        )
        if self.deployment is not None:
            req.deployment_options.CopyFrom(self.deployment.options)
        if self._task_queue_rate is not None:
            req.task_queue_metadata.CopyFrom(
                TaskQueueMetadata(max_tasks_per_second=DoubleValue(value=self._task_queue_rate))
            )
        resp = await client.workflow_service.poll_activity_task_queue(
            req, retry=False, timeout=_POLL_TIMEOUT
        )
        if self._metrics is not None:
            self._metrics.activity_poll(not resp.task_token)
        return resp if resp.task_token else None

    async def _rate_limit(self) -> None:
        """Space out polls so that at most ``max_activities_per_second`` tasks start."""
        if not self._rate_interval:
            return
        now = time.monotonic()
        start = max(now, self._next_start)
        self._next_start = start + self._rate_interval
        if start > now:
            await asyncio.sleep(start - now)

    async def _handle(self, task: PollActivityTaskQueueResponse) -> None:
        token = task.task_token
        entry = self._definitions.get(task.activity_type.name) or self._dynamic
        is_async = entry is None or entry[0].is_async
        running = _Running(
            task_token=token,
            loop=asyncio.get_running_loop(),
            cancelled_event=activity._CompositeEvent(with_async=is_async),
            sync=not is_async,
            throttle=self._throttle(task),
            heartbeat_timeout=task.heartbeat_timeout.ToTimedelta().total_seconds() or None,
            deadline=_deadline(task),
            raiser=(
                ThreadCancelRaiser()
                if entry is not None
                and not is_async
                and self._threaded
                and not entry[0].no_thread_cancel_exception
                else None
            ),
        )
        self._running[token] = running
        self._idle.clear()
        bound = for_activity_task(
            self._data_converter, task, self._client.namespace, self._task_queue
        )
        if bound is not self._data_converter:
            # Scoped to this task's asyncio task (and the heartbeat task created below).
            _ctx.TASK_CONVERTER.set(bound)
        heartbeater = asyncio.create_task(self._heartbeat_loop(running))
        started = time.monotonic()
        if self._metrics is not None:
            self._metrics.activity_started(
                task.activity_type.name, task.current_attempt_scheduled_time, task.started_time
            )
        try:
            outcome = await self._outcome(task, entry, running)
            if self._metrics is not None:
                self._metrics.attempt_done(task, started, _worker_metrics.outcome_of(outcome))
            running.done = True
            heartbeater.cancel()
            await asyncio.gather(heartbeater, return_exceptions=True)
            await self._respond(task, running, outcome)
        finally:
            running.done = True
            heartbeater.cancel()
            del self._running[token]
            if not self._running:
                self._idle.set()

    def bind_local(self, component: Any, task: PollActivityTaskQueueResponse) -> Any:
        """``component`` bound to the serialization context of local activity ``task``."""
        namespace = self._client.namespace
        return for_activity_task(component, task, namespace, self._task_queue, is_local=True)

    @property
    def _converter(self) -> DataConverter:
        """The data converter bound to the current activity task's serialization context."""
        bound: DataConverter | None = _ctx.TASK_CONVERTER.get()
        return bound if bound is not None else self._data_converter

    def _throttle(self, task: PollActivityTaskQueueResponse) -> float:
        timeout = task.heartbeat_timeout.ToTimedelta().total_seconds()
        if timeout > 0:
            return min(timeout * _HEARTBEAT_TIMEOUT_FRACTION, self._max_throttle)
        return self._default_throttle

    async def _outcome(
        self,
        task: PollActivityTaskQueueResponse,
        entry: tuple[ActivityDefinition, Callable[..., Any]] | None,
        running: _Running,
    ) -> _Outcome | None:
        """Run the activity and decide how to answer; ``None`` means do not answer."""
        from temporal_sdk.exceptions import CancelledError

        converter = self._converter
        try:
            try:
                if entry is None:
                    raise self._not_found(task)
                result = await self._execute(task, entry, running)
            finally:
                running.done = True
            return _Outcome(result=Payloads(payloads=await converter.encode([result])))
        except activity._CompleteAsyncError:
            activity.logger.debug("Completing asynchronously")
            return None
        except (asyncio.CancelledError, CancelledError) as err:
            if (
                isinstance(err, asyncio.CancelledError)
                and running.cancel_reason is None
                and (running.task is None or not running.task.cancelled())
            ):
                # Not the activity's cancellation: this handler itself is being cancelled.
                raise
            return await self._cancelled_outcome(running, err)
        except BaseException as err:
            level = logging.DEBUG if _is_benign(err) else logging.WARNING
            activity.logger.log(level, "Completing activity as failed", exc_info=True)
            return await self._failure_outcome(err)

    async def _cancelled_outcome(self, running: _Running, err: BaseException) -> _Outcome | None:
        from temporal_sdk.exceptions import ApplicationError, CancelledError

        reason = running.cancel_reason
        if reason is _CancelReason.REQUESTED:
            activity.logger.debug("Completing as cancelled")
            details = getattr(err, "details", ()) if isinstance(err, CancelledError) else ()
            payloads = await self._converter.encode(list(details)) if details else []
            return _Outcome(cancelled=Payloads(payloads=payloads))
        if reason is _CancelReason.NOT_FOUND:
            activity.logger.debug("Activity no longer known to the server, not answering")
            return None
        replacement: BaseException = err
        if reason is _CancelReason.HEARTBEAT_ERROR and running.heartbeat_error is not None:
            replacement = running.heartbeat_error
        elif reason is _CancelReason.PAUSED:
            replacement = ApplicationError(
                "Unhandled activity cancel error produced by activity pause", type="ActivityPause"
            )
        elif reason is _CancelReason.RESET:
            replacement = ApplicationError(
                "Unhandled activity cancel error produced by activity reset", type="ActivityReset"
            )
        elif reason is _CancelReason.WORKER_SHUTDOWN:
            # The server refuses "cancelled" for a cancel it never requested; a retryable
            # failure lets the next attempt run elsewhere.
            replacement = ApplicationError(
                "Activity cancelled because the worker is shutting down", type="WorkerShutdown"
            )
        activity.logger.warning("Completing activity as failed after cancellation: %s", replacement)
        return await self._failure_outcome(replacement)

    async def _failure_outcome(self, err: BaseException) -> _Outcome:
        failure = Failure()
        try:
            await self._converter.encode_failure(err, failure)
        except Exception as inner:
            activity.logger.exception("Failed encoding the activity failure")
            failure = Failure(message=f"Failed building exception result: {inner}")
            failure.application_failure_info.SetInParent()
        return _Outcome(failure=failure)

    def _not_found(self, task: PollActivityTaskQueueResponse) -> Exception:
        from temporal_sdk.exceptions import ApplicationError

        names = ", ".join(sorted(self._definitions))
        return ApplicationError(
            f"Activity function {task.activity_type.name} for workflow "
            f"{task.workflow_execution.workflow_id} is not registered on this worker, "
            f"available activities: {names}",
            type="NotFoundError",
        )

    async def _execute(
        self,
        task: PollActivityTaskQueueResponse,
        entry: tuple[ActivityDefinition, Callable[..., Any]],
        running: _Running,
    ) -> Any:
        defn, fn = entry
        args = await self._decode_args(task, defn)
        info = await self._info(task)
        context = activity._Context(
            info=info,
            heartbeat=running.thread_heartbeat(),
            cancelled_event=running.cancelled_event,
            worker_shutdown_event=self._worker_shutdown_event(),
            payload_converter=self._converter.payload_converter,
            client=self._client if defn.is_async else None,
            cancellation_details=running.details,
            shield_thread_cancel_exception=running.raiser.shielded if running.raiser else None,
            runtime_metric_meter=self._runtime_meter,
        )
        # This runs in the poller's per-task asyncio task, so setting the variable here
        # scopes it to this activity (and to the task and thread context copied below).
        activity._Context.set(context)
        activity.logger.debug("Starting activity")
        if self.interceptors:
            return await execute_intercepted(
                self.interceptors,
                context,
                fn=fn,
                args=args,
                executor=None if defn.is_async else self._executor,
                headers=await decode_headers(
                    task.header,
                    self._data_converter.payload_codec,
                    activity_codes_headers(self._client),
                ),
                run=lambda fn, args: self._run_fn(defn, fn, args, running, info),
            )
        return await self._run_fn(defn, fn, args, running, info)

    async def _run_fn(
        self,
        defn: ActivityDefinition,
        fn: Callable[..., Any],
        args: Sequence[Any],
        running: _Running,
        info: activity.Info,
    ) -> Any:
        if defn.is_async:
            running.task = asyncio.create_task(_call_async(fn, args))
            if running.cancel_reason is not None:
                running.task.cancel()
            return await running.task
        assert self._executor is not None
        if not self._threaded:
            assert self._shared_state is not None
            return await run_in_process(
                executor=self._executor,
                manager=self._shared_state,
                running=running,
                info=info,
                worker_shutdown=self._worker_shutdown_event(),
                payload_converter_class=self._data_converter.payload_converter_class,
                fn=fn,
                args=args,
                raise_on_cancel=not defn.no_thread_cancel_exception,
            )
        ctx = contextvars.copy_context()
        return await asyncio.get_running_loop().run_in_executor(
            self._executor, ctx.run, _call_sync, fn, args, running.raiser
        )

    async def _decode_args(
        self, task: PollActivityTaskQueueResponse, defn: ActivityDefinition
    ) -> list[Any]:
        from temporal_sdk.common import RawValue
        from temporal_sdk.exceptions import ApplicationError

        converter = self._converter
        payloads = list(task.input.payloads)
        try:
            if defn.name is None:
                codec = converter.payload_codec
                if codec is not None and payloads:
                    payloads = list(await codec.decode(payloads))
                return [[RawValue(p) for p in payloads]]
            if not payloads:
                return []
            hints = defn.arg_types
            if hints is not None and len(hints) != len(payloads):
                hints = None
            return list(await converter.decode(payloads, type_hints=hints))
        except Exception as err:
            raise ApplicationError("Failed decoding arguments") from err

    async def _info(self, task: PollActivityTaskQueueResponse) -> activity.Info:
        from temporal_sdk.common import Priority, RetryPolicy
        from temporal_sdk.exceptions import ApplicationError

        try:
            details = (
                list(await self._converter.decode(list(task.heartbeat_details.payloads)))
                if task.heartbeat_details.payloads
                else []
            )
        except Exception as err:
            raise ApplicationError("Failed decoding heartbeat details", non_retryable=True) from err
        execution = task.workflow_execution
        return activity.Info(
            activity_id=task.activity_id,
            activity_type=task.activity_type.name,
            attempt=task.attempt,
            current_attempt_scheduled_time=_datetime(task.current_attempt_scheduled_time),
            heartbeat_details=details,
            heartbeat_timeout=_timedelta(task, "heartbeat_timeout"),
            is_local=task.task_token.startswith(b"local/"),  # see LocalActivityRunner
            namespace=task.workflow_namespace or self._client.namespace,
            schedule_to_close_timeout=_timedelta(task, "schedule_to_close_timeout"),
            scheduled_time=_datetime(task.scheduled_time),
            start_to_close_timeout=_timedelta(task, "start_to_close_timeout"),
            started_time=_datetime(task.started_time),
            task_queue=self._task_queue,
            task_token=task.task_token,
            workflow_id=execution.workflow_id or None,
            workflow_namespace=task.workflow_namespace or None,
            workflow_run_id=execution.run_id or None,
            workflow_type=task.workflow_type.name or None,
            priority=Priority._from_proto(task.priority),
            retry_policy=(
                RetryPolicy.from_proto(task.retry_policy) if task.HasField("retry_policy") else None
            ),
            activity_run_id=(task.activity_run_id or None) if not execution.workflow_id else None,
        )

    async def _heartbeat_loop(self, running: _Running) -> None:
        """Send the newest details right away, then at most once per throttle interval."""
        while True:
            await running.heartbeat_wakeup.wait()
            running.heartbeat_wakeup.clear()
            details = running.take_pending()
            if details is None:
                continue
            await self._send_heartbeat(running, details)
            await asyncio.sleep(running.throttle)

    async def _send_heartbeat(self, running: _Running, details: Sequence[Any]) -> None:
        client = self._client
        try:
            payloads = await self._converter.encode(list(details)) if details else []
            resp = await client.workflow_service.record_activity_task_heartbeat(
                RecordActivityTaskHeartbeatRequest(
                    task_token=running.task_token,
                    details=Payloads(payloads=payloads),
                    identity=self._identity,
                    namespace=client.namespace,
                ),
                retry=True,
            )
        except asyncio.CancelledError:
            raise
        except Exception as err:
            if _is_not_found(err):
                activity.logger.debug("Heartbeat: activity not found, cancelling it")
                running.cancel(_CancelReason.NOT_FOUND)
            else:
                activity.logger.warning("Cancelling activity: heartbeat failed", exc_info=True)
                running.cancel(_CancelReason.HEARTBEAT_ERROR, err)
            return
        running.last_beat = time.monotonic()
        if resp.cancel_requested:
            running.cancel(_CancelReason.REQUESTED)
        elif resp.activity_paused:
            running.cancel(_CancelReason.PAUSED)
        elif resp.activity_reset:
            running.cancel(_CancelReason.RESET)

    async def _respond(
        self, task: PollActivityTaskQueueResponse, running: _Running, outcome: _Outcome | None
    ) -> None:
        if outcome is None:
            return
        client = self._client
        service = client.workflow_service
        token, identity, namespace = task.task_token, self._identity, client.namespace
        try:
            if outcome.failure is not None:
                failed = RespondActivityTaskFailedRequest(
                    task_token=token,
                    failure=outcome.failure,
                    identity=identity,
                    namespace=namespace,
                )
                if running.latest_details:
                    last = await self._encode_quietly(running.latest_details)
                    if last is not None:
                        failed.last_heartbeat_details.CopyFrom(last)
                await service.respond_activity_task_failed(failed, retry=True)
            elif outcome.cancelled is not None:
                canceled = RespondActivityTaskCanceledRequest(
                    task_token=token,
                    details=outcome.cancelled,
                    identity=identity,
                    namespace=namespace,
                )
                await service.respond_activity_task_canceled(canceled, retry=True)
            else:
                completed = RespondActivityTaskCompletedRequest(
                    task_token=token,
                    result=outcome.result,
                    identity=identity,
                    namespace=namespace,
                )
                await service.respond_activity_task_completed(completed, retry=True)
        except Exception as err:
            if _is_not_found(err):
                logger.debug("Activity %s already finished on the server", task.activity_id)
            else:
                logger.exception("Failed to answer activity task %s", task.activity_id)

    async def _encode_quietly(self, details: Sequence[Any]) -> Payloads | None:
        try:
            payloads: list[Payload] = await self._converter.encode(list(details))
        except Exception:
            logger.warning("Could not encode the last heartbeat details", exc_info=True)
            return None
        return Payloads(payloads=payloads)


async def _call_async(fn: Callable[..., Any], args: Sequence[Any]) -> Any:
    return await fn(*args)


def _call_sync(
    fn: Callable[..., Any], args: Sequence[Any], raiser: ThreadCancelRaiser | None
) -> Any:
    if raiser is None:
        return fn(*args)
    with raiser.active():
        return fn(*args)


def _deadline(task: PollActivityTaskQueueResponse) -> float | None:
    """Monotonic time at which this attempt's start-to-close timeout passes, if it has one."""
    timeout = task.start_to_close_timeout.ToTimedelta().total_seconds()
    return time.monotonic() + timeout if timeout > 0 else None


def _is_not_found(err: BaseException) -> bool:
    # Imported here: only an error path needs the service module.
    from temporal_sdk.service import RPCError, RPCStatusCode

    return isinstance(err, RPCError) and err.status == RPCStatusCode.NOT_FOUND


def _is_benign(err: BaseException) -> bool:
    category = getattr(err, "category", None)
    return getattr(category, "name", None) == "BENIGN"


def _datetime(ts: Timestamp) -> datetime:
    return ts.ToDatetime(tzinfo=timezone.utc)


def _timedelta(task: PollActivityTaskQueueResponse, name: str) -> timedelta | None:
    if not task.HasField(name):
        return None
    value: Duration = getattr(task, name)
    delta = value.ToTimedelta()
    return delta if delta else None
