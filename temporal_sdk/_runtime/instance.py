"""One workflow run's live state: applies activation jobs, runs the code, collects commands.

Rule: deterministic and IO-free. Everything the code observes (time, randomness, results) comes
from activations; everything it does leaves as a command, in the order it was issued. This module
is the one place that decides whether an exception from workflow code fails the *workflow*
(a command) or the workflow *task* (``Completion.failure``).
"""

from __future__ import annotations

import asyncio
import functools
import logging
import os
import random
import sys
import traceback
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta, timezone
from types import FrameType
from typing import Any

import temporal_sdk
from temporal_sdk import exceptions
from temporal_sdk._core.activation import (
    Activation,
    CancelTimer,
    CancelWorkflow,
    CancelWorkflowExecution,
    Command,
    CompleteWorkflow,
    Completion,
    DoUpdate,
    FailWorkflow,
    FireTimer,
    InitializeWorkflow,
    Job,
    NotifyHasPatch,
    NotifySideEffect,
    RequestCancelActivity,
    ResolveActivity,
    ResolveChildWorkflow,
    ResolveChildWorkflowStart,
    ResolveLocalActivity,
    ResolveRequestCancelExternalWorkflow,
    ResolveSignalExternalWorkflow,
    ScheduleActivity,
    SignalWorkflow,
    StartTimer,
    WorkflowTaskFailure,
)
from temporal_sdk._runtime import guard as _guard
from temporal_sdk._runtime import last_result
from temporal_sdk._runtime.activity_defn import activity_name_for, activity_result_type_for
from temporal_sdk._runtime.children import ChildWorkflows
from temporal_sdk._runtime.context import (
    ActivityCancellationType,
    ActivityHandle,
    Info,
    ParentInfo,
    WorkflowRuntime,
)
from temporal_sdk._runtime.definitions import WorkflowDefinition
from temporal_sdk._runtime.handlers import HandlerTable, QueryAnswer
from temporal_sdk._runtime.local_activities import LocalActivityRuntime
from temporal_sdk._runtime.loop import WorkflowEventLoop
from temporal_sdk._runtime.run_ops import ContinueAsNewError, RunOps, continue_as_new_command
from temporal_sdk._search_attributes import decode_typed
from temporal_sdk.api.command.v1 import ScheduleActivityTaskCommandAttributes
from temporal_sdk.api.common.v1 import ActivityType, Payload
from temporal_sdk.api.enums.v1 import RetryState, TaskQueueKind, WorkflowTaskFailedCause
from temporal_sdk.api.failure.v1 import (
    ActivityFailureInfo,
    ApplicationFailureInfo,
    CanceledFailureInfo,
    Failure,
)
from temporal_sdk.common import Priority, RawValue, RetryPolicy

logger = logging.getLogger(__name__)
_UNHANDLED = WorkflowTaskFailedCause.WORKFLOW_TASK_FAILED_CAUSE_WORKFLOW_WORKER_UNHANDLED_FAILURE
_SKIP_DIRS = (
    os.path.dirname(temporal_sdk.__file__) + os.sep,
    os.path.dirname(asyncio.__file__) + os.sep,
)
_STOP_AT = WorkflowEventLoop.run_until_idle.__code__
_MISSING: Any = object()
_TQ_NORMAL = TaskQueueKind.TASK_QUEUE_KIND_NORMAL


def _origin() -> str:
    """``file:line in fn`` of the innermost workflow-code frame issuing a command."""
    frame: FrameType | None = sys._getframe(1)
    while frame is not None:
        code = frame.f_code
        if code is _STOP_AT:
            break
        if not code.co_filename.startswith(_SKIP_DIRS):
            return _format_origin(code.co_filename, frame.f_lineno, code.co_name)
        frame = frame.f_back
    return ""


@functools.lru_cache(maxsize=4096)
def _format_origin(filename: str, lineno: int, name: str) -> str:
    # Cached: the same few call sites issue every command of a run, replay after replay.
    return f"{os.path.basename(filename)}:{lineno} in {name}"


def _fn_origin(fn: Callable[..., Any]) -> str:
    code = getattr(fn, "__code__", None)
    if code is None:
        return ""
    return f"{os.path.basename(code.co_filename)}:{code.co_firstlineno} in {code.co_name}"


def _duration(proto: Any, field: str) -> timedelta | None:
    if not proto.HasField(field):
        return None
    value: timedelta = getattr(proto, field).ToTimedelta()
    return value or None


@dataclass(slots=True)
class _Activity:
    seq: int
    name: str
    activity_id: str
    cancellation_type: ActivityCancellationType
    ret_type: Any | None
    future: asyncio.Future[Any]
    scheduled_in: int
    started: bool = False
    cancel_requested: bool = False


class _ActivityTask(ActivityHandle[Any]):
    """The runtime's activity handle; a cancel before its first step still cancels the activity."""

    def __init__(
        self,
        instance: WorkflowInstance,
        state: _Activity,
        loop: WorkflowEventLoop,
    ) -> None:
        super().__init__(instance._await_activity(state), loop=loop, name=f"activity {state.name}")
        # Not ``_state``: asyncio futures use that name for their own state.
        self._instance = instance
        self._activity = state
        self._log_destroy_pending = False

    def cancel(self, msg: Any | None = None) -> bool:
        if not self._activity.started and not self.done():
            self._instance._request_cancel_activity(self._activity)
        return super().cancel(msg)


class WorkflowInstance(WorkflowRuntime):
    """The runtime of one workflow run: ``activate(activation) -> Completion``, repeatedly."""

    def __init__(
        self,
        defn: WorkflowDefinition,
        *,
        namespace: str,
        task_queue: str,
        payload_converter: Any,
        failure_converter: Any,
        failure_exception_types: Sequence[type[BaseException]] = (),
    ) -> None:
        self._defn = defn
        self._namespace = namespace
        self._task_queue = task_queue
        self._pc = payload_converter
        self._fc = failure_converter
        self._failure_types = tuple(defn.failure_exception_types) + tuple(failure_exception_types)
        self._loop = WorkflowEventLoop(self)
        self._loop.runtime = self
        _guard.install()
        _guard.watch_module(defn.cls.__module__)
        self._loop.restricted = defn.sandboxed
        self._commands: list[Command] = []
        self._timer_seq = 0
        self._activity_seq = 0
        self._activities: dict[int, _Activity] = {}
        self._conditions: list[tuple[Callable[[], bool], asyncio.Future[Any]]] = []
        self._info: Info | None = None
        self._start_attrs: Any = None  # start event attributes, for last_result
        self._random = random.Random(0)
        self._args: list[Any] = []
        self._object: Any = None
        self._main: asyncio.Task[None] | None = None
        self._main_started = False
        self._cancel_requested = False
        self._closed = False
        self._task_error: BaseException | None = None
        self._replaying = False
        self._history_length = 0
        self._activation_no = 0
        self._memo: dict[str, Any] | None = None
        self._local = LocalActivityRuntime(
            add=self._add,
            loop=self._loop,
            payload_converter=self._pc,
            failure_converter=self._fc,
            origin=_origin,
            now=lambda: self._loop.time(),
        )
        self._children = ChildWorkflows(
            add=self._add,
            loop=self._loop,
            payload_converter=self._pc,
            failure_converter=self._fc,
            info=self.info,
            cancel_requested=lambda: self._cancel_requested,
            origin=_origin,
        )
        self._handlers = HandlerTable(
            defn,
            loop=self._loop,
            payload_converter=self._pc,
            failure_converter=self._fc,
            on_error=self._on_code_error,
            add=self._add,
            is_failure=self.is_failure_exception,
            fail_task=self._fail_task,
        )
        self._run_ops = RunOps(
            add=self._add,
            info=self.info,
            replace_info=self._replace_info,
            is_replaying=self.is_replaying,
            payload_converter=self._pc,
            origin=_origin,
        )

    # -- activation ----------------------------------------------------------------------------

    def activate(self, activation: Activation) -> Completion:
        """Apply ``activation``'s jobs, run the code until it is blocked, return its commands."""
        self._activation_no += 1
        self._commands = []
        was_closed = self._closed
        self._loop.set_time(activation.timestamp)
        self._replaying = activation.is_replaying
        self._history_length = activation.history_length
        self._run_ops.continue_as_new_suggested = activation.continue_as_new_suggested
        init: InitializeWorkflow | None = None
        signals: list[SignalWorkflow | DoUpdate] = []
        others: list[Job] = []
        for job in activation.jobs:
            if isinstance(job, InitializeWorkflow):
                if self._info is None:
                    init = job
            elif isinstance(job, NotifyHasPatch):
                self._run_ops.notify_patch(job.patch_id)
            elif isinstance(job, NotifySideEffect):
                self._run_ops.notify_side_effect(job.seq, job.result)
            elif isinstance(job, (SignalWorkflow, DoUpdate)):
                signals.append(job)  # signals and updates, in history order
            else:
                others.append(job)
        try:
            if init is not None:
                self._initialize(init, activation.timestamp)
            if signals and self._task_error is None:
                for signal in signals:
                    self._apply_signal(signal)
                self._run()
            if (init is not None or others) and self._task_error is None:
                if init is not None:
                    self._main = self._loop.create_task(self._run_main(), name="workflow run")
                for job in others:
                    self._apply(job)
                self._run()
        except Exception as err:
            self._task_error = err
        if self._task_error is not None:
            return Completion(failure=self._task_failure(self._task_error))
        if self._closed and not was_closed and not self._replaying and self._handlers.running:
            self._handlers.warn_unfinished()
        return Completion(commands=tuple(self._commands))

    def close(self) -> None:
        """Discard the run: unwind its blocked coroutines inside the loop, issuing nothing.

        Call this when dropping an instance whose workflow has not finished, so ``finally``
        blocks in workflow code run with workflow functions available instead of at garbage
        collection time.
        """
        if self._loop.is_closed():
            return
        self._closed = True
        previous = asyncio.events._get_running_loop()
        asyncio.events._set_running_loop(self._loop)
        try:
            for task in asyncio.all_tasks(self._loop):
                coro = task.get_coro()
                close = getattr(coro, "close", None)
                if close is not None:
                    try:
                        close()
                    except Exception:
                        logger.debug("Ignoring error while discarding a workflow", exc_info=True)
        finally:
            asyncio.events._set_running_loop(previous)
            self._loop.close()

    def _run(self) -> None:
        self._loop.run_until_idle(self._check_conditions)

    def _apply(self, job: Job) -> None:
        match job:
            case FireTimer(seq=seq):
                self._loop.fire_timer(seq)
            case ResolveActivity():
                self._resolve_activity(job)
            case ResolveLocalActivity():
                self._local.resolve(job)
            case ResolveChildWorkflowStart():
                self._children.resolve_start(job)
            case ResolveChildWorkflow():
                self._children.resolve(job)
            case ResolveSignalExternalWorkflow():
                self._children.external.resolve_signal(job)
            case ResolveRequestCancelExternalWorkflow():
                self._children.external.resolve_cancel(job)
            case CancelWorkflow():
                self._cancel_workflow()
            case _:
                raise TypeError(f"unexpected activation job {job!r}")

    def _check_conditions(self) -> bool:
        if not self._conditions:
            return False
        progressed = False
        remaining: list[tuple[Callable[[], bool], asyncio.Future[Any]]] = []
        for fn, fut in self._conditions:
            if fut.done():
                continue
            if fn():
                fut.set_result(True)
                progressed = True
            else:
                remaining.append((fn, fut))
        self._conditions = remaining
        # Keep checking after each drain while some condition is pending.
        return progressed

    # -- start, finish, fail -------------------------------------------------------------------

    def _initialize(self, init: InitializeWorkflow, timestamp: float) -> None:
        self._info = self._build_info(init, timestamp)
        self._start_attrs = init.start
        self._random = random.Random(init.randomness_seed)
        if self._defn.name is None:
            self._args = [[RawValue(p) for p in init.arguments]]
        elif init.arguments:
            self._args = self._pc.from_payloads(list(init.arguments), self._defn.arg_types)
        # Construct the object on the loop (``__init__`` may call workflow functions).
        self._loop.call_soon(self._instantiate)
        self._run()

    def _build_info(self, init: InitializeWorkflow, timestamp: float) -> Info:
        start = init.start
        parent = None
        if start.HasField("parent_workflow_execution"):
            parent = ParentInfo(
                namespace=start.parent_workflow_namespace,
                run_id=start.parent_workflow_execution.run_id,
                workflow_id=start.parent_workflow_execution.workflow_id,
            )
        retry = (
            RetryPolicy.from_proto(start.retry_policy) if start.HasField("retry_policy") else None
        )
        return Info(
            attempt=start.attempt or 1,
            continued_run_id=start.continued_execution_run_id or None,
            cron_schedule=start.cron_schedule or None,
            execution_timeout=_duration(start, "workflow_execution_timeout"),
            first_execution_run_id=start.first_execution_run_id or init.run_id,
            headers=dict(init.headers),
            namespace=self._namespace,
            original_execution_run_id=start.original_execution_run_id or init.run_id,
            parent=parent,
            raw_memo=dict(start.memo.fields),
            retry_policy=retry,
            run_id=init.run_id,
            run_timeout=_duration(start, "workflow_run_timeout"),
            start_time=datetime.fromtimestamp(timestamp, timezone.utc),
            task_queue=start.task_queue.name or self._task_queue,
            task_timeout=_duration(start, "workflow_task_timeout") or timedelta(seconds=10),
            workflow_id=init.workflow_id,
            workflow_type=init.workflow_type,
            typed_search_attributes=decode_typed(start.search_attributes),
        )

    def _replace_info(self, **changes: Any) -> None:
        self._info = replace(self.info(), **changes)
        self._memo = None

    def _instantiate(self) -> None:
        cls = self._defn.cls
        try:
            if getattr(getattr(cls, "__init__", None), "__temporal_workflow_init", False):
                self._object = cls(*self._args)
            else:
                self._object = cls()
        except Exception as err:
            self._fail_task(err)
            return
        self._handlers.bind(self._object)

    async def _run_main(self) -> None:
        self._main_started = True
        try:
            result = await self._defn.run_fn(self._object, *self._args)
            payload = self._pc.to_payloads([result])[0]
        except (Exception, asyncio.CancelledError, ContinueAsNewError) as err:
            self._on_code_error(err, self._defn.run_fn)
            return
        self._add(CompleteWorkflow(payload, origin=_fn_origin(self._defn.run_fn)), terminal=True)

    def _on_code_error(self, err: BaseException, fn: Callable[..., Any]) -> None:
        """Fail the workflow, cancel it, or fail the task, for an error escaping workflow code."""
        continued = continue_as_new_command(err, _fn_origin(fn))
        if continued is not None:
            self._add(continued, terminal=True)
            return
        if isinstance(err, asyncio.CancelledError):
            err = exceptions.CancelledError(str(err) or "Cancelled")
        if self._cancel_requested and exceptions.is_cancelled_exception(err):
            self._add(CancelWorkflowExecution(origin=_fn_origin(fn)), terminal=True)
        elif self.is_failure_exception(err):
            failure = Failure()
            try:
                self._fc.to_failure(err, self._pc, failure)
            except Exception as conversion_err:
                self._fail_task(conversion_err)
                return
            self._add(FailWorkflow(failure, origin=_fn_origin(fn)), terminal=True)
        else:
            self._fail_task(err)

    def _fail_task(self, err: BaseException) -> None:
        if self._task_error is None:
            self._task_error = err
        self._loop.halt()

    def _task_failure(self, err: BaseException) -> WorkflowTaskFailure:
        failure = Failure()
        try:
            self._fc.to_failure(err, self._pc, failure)
        except Exception:
            failure = Failure(
                message=str(err) or type(err).__name__,
                application_failure_info=ApplicationFailureInfo(type=type(err).__name__),
            )
        if not failure.stack_trace:
            failure.stack_trace = "".join(traceback.format_exception(err))
        return WorkflowTaskFailure(failure=failure, cause=_UNHANDLED)

    def _cancel_workflow(self) -> None:
        self._cancel_requested = True
        main = self._main
        if main is None or main.done():
            return
        if self._main_started:
            main.cancel()
        else:
            # A task cancelled before its first step never enters its body; let it start first.
            self._loop.call_soon(main.cancel)

    def _add(self, command: Command, *, terminal: bool = False) -> None:
        self._handlers.check_writable(f"issue {type(command).__name__}")
        if self._closed:
            return  # nothing may follow the command that closes the workflow
        self._commands.append(command)
        if terminal:
            self._closed = True

    # -- signals -------------------------------------------------------------------------------

    def _apply_signal(self, job: SignalWorkflow | DoUpdate) -> None:
        if isinstance(job, DoUpdate):
            self._handlers.update(job)
        else:
            self._handlers.signal(job)

    def handlers(self) -> HandlerTable:
        """The run's live signal, query and update handlers (see ``handlers``)."""
        return self._handlers

    def query(self, query_type: str, arguments: Sequence[Payload]) -> QueryAnswer:
        """Answer one query read-only, after the task's jobs were applied; no commands result."""
        return self._handlers.query(query_type, arguments)

    def _log_warning(self, msg: str, *args: Any) -> None:
        if not self._replaying:
            logger.warning(msg, *args)

    # -- timers (TimerSink) --------------------------------------------------------------------

    def start_timer(self, duration: float) -> int:
        """Issue StartTimer for a durable timer of ``duration`` seconds; return its seq."""
        self._handlers.check_writable("start a timer")
        self._timer_seq += 1
        self._add(StartTimer(self._timer_seq, duration, origin=_origin()))
        return self._timer_seq

    def cancel_timer(self, seq: int) -> None:
        """Issue CancelTimer for timer ``seq``."""
        self._add(CancelTimer(seq, origin=_origin()))

    # -- activities ----------------------------------------------------------------------------

    def start_local_activity(self, activity: Any, args: Sequence[Any], **options: Any) -> Any:
        """Schedule a local activity (run by the worker, recorded as a marker)."""
        self._handlers.check_writable("start a local activity")
        return self._local.start(activity, args, **options)

    def start_activity(
        self,
        activity: Any,
        args: Sequence[Any],
        *,
        task_queue: str | None,
        result_type: Any | None,
        schedule_to_close_timeout: timedelta | None,
        schedule_to_start_timeout: timedelta | None,
        start_to_close_timeout: timedelta | None,
        heartbeat_timeout: timedelta | None,
        retry_policy: RetryPolicy | None,
        cancellation_type: ActivityCancellationType,
        activity_id: str | None,
        priority: Any | None,
    ) -> ActivityHandle[Any]:
        """Issue ScheduleActivity and return a handle resolved by ResolveActivity."""
        self._handlers.check_writable("start an activity")
        if not schedule_to_close_timeout and not start_to_close_timeout:
            raise ValueError("activity needs start_to_close_timeout or schedule_to_close_timeout")
        name = activity_name_for(activity)
        ret_type = result_type if result_type is not None else activity_result_type_for(activity)
        payloads = self._pc.to_payloads(list(args)) if args else []
        self._activity_seq += 1
        seq = self._activity_seq
        # Sub-messages are filled in place: building them separately and copying costs twice.
        attrs = ScheduleActivityTaskCommandAttributes(activity_id=activity_id or str(seq))
        attrs.activity_type.name = name
        queue = attrs.task_queue
        queue.name = task_queue or self.info().task_queue
        queue.kind = _TQ_NORMAL
        if payloads:
            attrs.input.payloads.extend(payloads)
        if schedule_to_close_timeout:
            attrs.schedule_to_close_timeout.FromTimedelta(schedule_to_close_timeout)
        if schedule_to_start_timeout:
            attrs.schedule_to_start_timeout.FromTimedelta(schedule_to_start_timeout)
        if start_to_close_timeout:
            attrs.start_to_close_timeout.FromTimedelta(start_to_close_timeout)
        if heartbeat_timeout:
            attrs.heartbeat_timeout.FromTimedelta(heartbeat_timeout)
        if retry_policy is not None:
            retry_policy.apply_to_proto(attrs.retry_policy)
        if isinstance(priority, Priority) and priority != Priority.default:
            attrs.priority.CopyFrom(priority._to_proto())
        state = _Activity(
            seq=seq,
            name=name,
            activity_id=attrs.activity_id,
            cancellation_type=ActivityCancellationType(cancellation_type),
            ret_type=ret_type,
            future=self._loop.create_future(),
            scheduled_in=self._activation_no,
        )
        self._activities[seq] = state
        self._add(ScheduleActivity(seq, attrs, origin=_origin()))
        return _ActivityTask(self, state, self._loop)

    async def _await_activity(self, state: _Activity) -> Any:
        state.started = True
        while True:
            try:
                # Shielded: a task cancel must become a cancel *request*, not drop the result.
                return await asyncio.shield(state.future)
            except asyncio.CancelledError:
                if state.future.done():
                    raise
                self._request_cancel_activity(state)
                task = asyncio.current_task()
                if sys.version_info >= (3, 11) and task is not None:
                    task.uncancel()

    def _request_cancel_activity(self, state: _Activity) -> None:
        if state.cancel_requested or self._activities.get(state.seq) is not state:
            return
        state.cancel_requested = True
        unsent = state.scheduled_in == self._activation_no
        kind = state.cancellation_type
        if kind != ActivityCancellationType.ABANDON or unsent:
            self._add(RequestCancelActivity(state.seq, origin=_origin()))
        if kind == ActivityCancellationType.WAIT_CANCELLATION_COMPLETED and not unsent:
            return  # resolved by the core when the server confirms
        del self._activities[state.seq]
        if state.started:
            state.future.set_exception(self._activity_cancelled(state))

    def _activity_cancelled(self, state: _Activity) -> BaseException:
        failure = Failure(
            message="Activity cancelled",
            cause=Failure(
                message="Activity cancelled", canceled_failure_info=CanceledFailureInfo()
            ),
            activity_failure_info=ActivityFailureInfo(
                activity_type=ActivityType(name=state.name),
                activity_id=state.activity_id,
                retry_state=RetryState.RETRY_STATE_CANCEL_REQUESTED,
            ),
        )
        err: BaseException = self._fc.from_failure(failure, self._pc)
        return err

    def _resolve_activity(self, job: ResolveActivity) -> None:
        state = self._activities.pop(job.seq, None)
        if state is None or state.future.done():
            return  # already resolved here (a cancel that did not wait)
        if job.failure is not None:
            state.future.set_exception(self._fc.from_failure(job.failure, self._pc))
        elif job.cancelled:
            state.future.set_exception(self._activity_cancelled(state))
        elif job.result is None:
            state.future.set_result(None)
        else:
            hints = [state.ret_type] if state.ret_type is not None else None
            state.future.set_result(self._pc.from_payloads([job.result], hints)[0])

    # -- WorkflowRuntime -----------------------------------------------------------------------

    async def wait_condition(self, fn: Callable[[], bool], timeout: float | None) -> None:
        """Return once ``fn()`` is true (checked whenever the loop drains)."""
        fut: asyncio.Future[Any] = self._loop.create_future()
        self._conditions.append((fn, fut))
        if timeout is None:
            await fut
        else:
            await asyncio.wait_for(fut, timeout)

    def info(self) -> Info:
        """The run's :class:`Info` (available once InitializeWorkflow was applied)."""
        if self._info is None:
            raise RuntimeError("workflow info is not available before the workflow starts")
        return self._info

    def time(self) -> float:
        """Workflow time: the current activation's timestamp."""
        return self._loop.time()

    def logger_details(self) -> Mapping[str, Any] | None:
        """Workflow details for log records."""
        return self._info._logger_details() if self._info is not None else None

    def is_replaying(self) -> bool:
        """Whether the current activation replays history."""
        return self._replaying

    def history_length(self) -> int:
        """History length up to the current workflow task."""
        return self._history_length

    def random(self) -> random.Random:
        """The run's deterministic random generator."""
        return self._random

    def payload_converter(self) -> Any:
        """The payload converter for workflow values."""
        return self._pc

    def has_last_completion_result(self) -> bool:
        """Whether the previous cron/scheduled run left a result."""
        return last_result.has_last_completion_result(self._start_attrs)

    def last_completion_result(self, type_hint: Any | None) -> Any:
        """The previous cron/scheduled run's result (``None`` if there is none)."""
        return last_result.last_completion_result(self._start_attrs, self._pc, type_hint)

    def last_failure(self) -> BaseException | None:
        """The previous run's or attempt's failure, if any."""
        return last_result.last_failure(self._start_attrs, self._pc, self._fc)

    def memo(self) -> Mapping[str, Any]:
        """The memo decoded without type hints (decoded once, then cached)."""
        if self._memo is None:
            raw = self.info().raw_memo
            self._memo = {k: self._pc.from_payloads([v])[0] for k, v in raw.items()}
        return self._memo

    def memo_value(self, key: str, default: Any, *, type_hint: Any | None) -> Any:
        """One memo value decoded with ``type_hint``; ``default`` or KeyError when absent."""
        payload: Payload | None = self.info().raw_memo.get(key)
        if payload is None:
            if default is _MISSING:
                raise KeyError(f"memo has no key {key!r}")
            return default
        return self._pc.from_payloads([payload], [type_hint] if type_hint else None)[0]

    def child_workflows(self) -> ChildWorkflows:
        """The run's child workflows and external workflow operations."""
        return self._children

    def run_ops(self) -> RunOps:
        """Patches, side effects, upserts and continue-as-new of the run."""
        return self._run_ops

    def workflow_object(self) -> Any:
        """The user's workflow object."""
        return self._object

    def is_failure_exception(self, err: BaseException) -> bool:
        """Whether ``err`` fails the workflow (otherwise it fails the workflow task)."""
        return isinstance(err, (exceptions.FailureError, asyncio.TimeoutError)) or (
            bool(self._failure_types) and isinstance(err, self._failure_types)
        )


MISSING = _MISSING
"""Sentinel for "no default" in :meth:`WorkflowInstance.memo_value`."""
