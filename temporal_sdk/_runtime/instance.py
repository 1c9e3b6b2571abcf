"""One workflow run's live state: applies activation jobs, runs the code, collects commands.

Rule: deterministic and IO-free. Everything the code observes (time, randomness, results) comes
from activations; everything it does leaves as a command, in the order it was issued. This module
is the one place that decides whether an exception from workflow code fails the *workflow*
(a command) or the workflow *task* (``Completion.failure``).
"""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace
from typing import Any

from temporal_sdk import exceptions
from temporal_sdk._converter_context import RunConverters
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
    ResolveActivity,
    ResolveChildWorkflow,
    ResolveChildWorkflowStart,
    ResolveLocalActivity,
    ResolveRequestCancelExternalWorkflow,
    ResolveSignalExternalWorkflow,
    SignalWorkflow,
    StartTimer,
    UpdateRandomSeed,
)
from temporal_sdk._runtime import guard as _guard
from temporal_sdk._runtime import last_result
from temporal_sdk._runtime.activities import ActivityRuntime
from temporal_sdk._runtime.children import ChildWorkflows
from temporal_sdk._runtime.context import Info, WorkflowRuntime
from temporal_sdk._runtime.definitions import WorkflowDefinition
from temporal_sdk._runtime.dynamic_config import dynamic_failure_types
from temporal_sdk._runtime.handlers import HandlerTable, QueryAnswer
from temporal_sdk._runtime.intercept import RunInterceptors, RunParts
from temporal_sdk._runtime.intercept import install as install_interceptors
from temporal_sdk._runtime.local_activities import LocalActivityRuntime
from temporal_sdk._runtime.loop import WorkflowEventLoop
from temporal_sdk._runtime.origin import fn_origin as _fn_origin
from temporal_sdk._runtime.origin import origin as _origin
from temporal_sdk._runtime.run_ops import ContinueAsNewError, RunOps, continue_as_new_command
from temporal_sdk._runtime.start_info import build_info
from temporal_sdk._runtime.task_failure import task_failure
from temporal_sdk._runtime.update_info import reset_update_info, set_update_info
from temporal_sdk.api.common.v1 import Payload
from temporal_sdk.api.failure.v1 import Failure
from temporal_sdk.common import RawValue

logger = logging.getLogger(__name__)
_MISSING: Any = object()


class WorkflowInstance(WorkflowRuntime):
    """The runtime of one workflow run: ``activate(activation) -> Completion``, repeatedly."""

    # Slots for the attributes every run sets: past ~30 attributes an instance dict stops
    # sharing keys and costs ~1.5 KB per cached run. The base class keeps ``__dict__``, so an
    # attribute missing here still works (it just lands in a small per-instance dict).
    __slots__ = (
        "_activation_no",
        "_activities",
        "_args",
        "_cancel_requested",
        "_children_rt",
        "_closed",
        "_commands",
        "_conditions",
        "_conv",
        "_defn",
        "_failure_types",
        "_fc",
        "_handlers",
        "_history_length",
        "_info",
        "_intercept",
        "_interceptor_classes",
        "_local_rt",
        "_loop",
        "_main",
        "_main_started",
        "_memo",
        "_namespace",
        "_object",
        "_pc",
        "_random",
        "_replaying",
        "_run_ops",
        "_seed",
        "_start_attrs",
        "_task_error",
        "_task_queue",
        "_timer_seq",
        "_worker_failure_types",
    )

    def __init__(
        self,
        defn: WorkflowDefinition,
        *,
        namespace: str,
        task_queue: str,
        payload_converter: Any,
        failure_converter: Any,
        failure_exception_types: Sequence[type[BaseException]] = (),
        interceptor_classes: Sequence[type[Any]] = (),
        extern_functions: Mapping[str, Callable[..., Any]] | None = None,
        converters: RunConverters | None = None,
    ) -> None:
        self._defn = defn
        # Per-target converters, only when a converter takes serialization context.
        self._conv = converters
        self._interceptor_classes = tuple(interceptor_classes)
        if extern_functions:
            self.extern_functions = extern_functions
        self._intercept: RunInterceptors | None = None
        self._namespace = namespace
        self._task_queue = task_queue
        self._pc = payload_converter
        self._fc = failure_converter
        self._worker_failure_types = tuple(failure_exception_types)
        self._failure_types = tuple(defn.failure_exception_types) + self._worker_failure_types
        self._loop = WorkflowEventLoop(self)
        self._loop.runtime = self
        _guard.install()
        _guard.watch_module(defn.cls.__module__)
        self._loop.restricted = defn.sandboxed
        self._commands: list[Command] = []
        self._timer_seq = 0
        self._conditions: list[tuple[Callable[[], bool], asyncio.Future[Any]]] = []
        self._info: Info | None = None
        self._start_attrs: Any = None  # start event attributes, for last_result
        self._random: random.Random | None = None  # made on first use: 2.5 KB per run
        self._seed = 0
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
        # Local activities and child/external workflows are built on first use (see the
        # ``_local`` and ``_children`` properties): most runs never need them.
        self._local_rt: LocalActivityRuntime | None = None
        self._children_rt: ChildWorkflows | None = None
        self._activities = ActivityRuntime(
            add=self._add,
            loop=self._loop,
            payload_converter=self._pc,
            failure_converter=self._fc,
            converters=converters,
            origin=_origin,
            default_task_queue=self._default_task_queue,
            activation_no=self._current_activation_no,
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

    @property
    def _local(self) -> LocalActivityRuntime:
        local = self._local_rt
        if local is None:
            local = self._local_rt = LocalActivityRuntime(
                add=self._add,
                loop=self._loop,
                payload_converter=self._pc,
                failure_converter=self._fc,
                converters=self._conv,
                origin=_origin,
                now=lambda: self._loop.time(),
            )
        return local

    @property
    def _children(self) -> ChildWorkflows:
        children = self._children_rt
        if children is None:
            children = self._children_rt = ChildWorkflows(
                add=self._add,
                loop=self._loop,
                payload_converter=self._pc,
                failure_converter=self._fc,
                converters=self._conv,
                info=self.info,
                cancel_requested=lambda: self._cancel_requested,
                origin=_origin,
            )
        return children

    # Bound methods, not lambdas, for the activity runtime: a lambda costs ~200 bytes per run.
    def _default_task_queue(self) -> str:
        return self.info().task_queue

    def _current_activation_no(self) -> int:
        return self._activation_no

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
            elif isinstance(job, UpdateRandomSeed):
                self._reseed(job.randomness_seed)  # before signals, as sdk-core orders it
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
            self._log_task_failure(self._task_error)
            return Completion(failure=task_failure(self._task_error, self._pc, self._fc))
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
            for task in self._loop.pending_tasks():  # not all_tasks: O(every task in process)
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
                self._activities.resolve(job)
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
                self._cancel_reason = job.reason
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
        self._info = build_info(
            init, timestamp, namespace=self._namespace, task_queue=self._task_queue
        )
        self._start_attrs = last_result.detach(init.start)
        self._seed = init.randomness_seed
        if self._defn.name is None:
            self._args = [[RawValue(p) for p in init.arguments]]
        elif init.arguments:
            self._args = self._pc.from_payloads(list(init.arguments), self._defn.arg_types)
        # Construct the object on the loop (``__init__`` may call workflow functions).
        self._loop.call_soon(self._instantiate)
        self._run()

    def _replace_info(self, **changes: Any) -> None:
        self._info = replace(self.info(), **changes)
        self._memo = None

    def _instantiate(self) -> None:
        cls = self._defn.cls
        try:
            if self._interceptor_classes:
                self._install_interceptors()
            if getattr(getattr(cls, "__init__", None), "__temporal_workflow_init", False):
                self._object = cls(*self._args)
            else:
                self._object = cls()
        except Exception as err:
            self._fail_task(err)
            return
        self._handlers.bind(self._object)
        if self._defn.name is None:
            self._apply_dynamic_config()

    def _apply_dynamic_config(self) -> None:
        try:
            types = dynamic_failure_types(self._object)
        except Exception as err:
            self._fail_task(err)
            return
        if types is not None:
            self._failure_types = tuple(types) + self._worker_failure_types

    def _install_interceptors(self) -> None:
        parts = RunParts(
            defn=self._defn,
            handlers=self._handlers,
            activities=self._activities,
            local=self._local,
            children=self._children,
            run_ops=self._run_ops,
            info=self.info,
            workflow_object=self.workflow_object,
        )
        self._intercept = install_interceptors(parts, self._interceptor_classes)

    async def _run_main(self) -> None:
        self._main_started = True
        try:
            if self._intercept is not None:
                result = await self._intercept.execute_workflow(self._args, self.info().headers)
            else:
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
            # The validator and the handler's task (which copies the context) see the update.
            token = set_update_info(job.update_id, job.name)
            try:
                self._handlers.update(job)
            finally:
                reset_update_info(token)
        else:
            self._handlers.signal(job)

    def handlers(self) -> HandlerTable:
        """The run's live signal, query and update handlers (see ``handlers``)."""
        return self._handlers

    def query(
        self,
        query_type: str,
        arguments: Sequence[Payload],
        headers: Mapping[str, Payload] | None = None,
        query_id: str = "",
    ) -> QueryAnswer:
        """Answer one query read-only, after the task's jobs were applied; no commands result."""
        return self._handlers.query(query_type, arguments, headers, query_id)

    def _log_task_failure(self, err: BaseException) -> None:
        """Log a failed workflow task once per attempt (the server retries it).

        The record carries ``__temporal_error_identifier = "WorkflowTaskFailure"`` as temporalio's
        does, so logging filters written for it (e.g. to raise the level) keep working.
        """
        info = self._info
        logger.warning(
            "Failed activation on workflow %s with ID %s and run ID %s",
            info.workflow_type if info else "?",
            info.workflow_id if info else "?",
            info.run_id if info else "?",
            exc_info=err,
            extra={
                "__temporal_error_identifier": "WorkflowTaskFailure",
                "temporal_workflow": self.logger_details() or {},
            },
        )

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
        if self._intercept is not None:
            return self._intercept.start_local_activity(activity, args, **options)
        return self._local.start(activity, args, **options)

    def start_activity(self, activity: Any, args: Sequence[Any], **options: Any) -> Any:
        """Issue ScheduleActivity and return a handle resolved by ResolveActivity."""
        self._handlers.check_writable("start an activity")
        if self._intercept is not None:
            return self._intercept.start_activity(activity, args, **options)
        return self._activities.start(activity, args, **options)

    # -- WorkflowRuntime -----------------------------------------------------------------------

    async def wait_condition(self, fn: Callable[[], bool], timeout: float | None) -> None:
        """Return once ``fn()`` is true (checked whenever the loop drains)."""
        fut: asyncio.Future[Any] = self._loop.create_future()
        self._conditions.append((fn, fut))
        if timeout is None:
            await fut
        else:
            await asyncio.wait_for(fut, timeout)

    def outbound_info(self) -> Info:
        """``workflow.info()``: through the worker interceptors' outbound chain when present."""
        return self.info() if self._intercept is None else self._intercept.info()

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
        """The run's deterministic random generator (seeded with the run's seed when first used)."""
        if self._random is None:
            self._random = random.Random(self._seed)
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
