"""Signal and query dispatch for one workflow run: the live handler tables and the query runner.

Rules:

* Signals are delivered in history order. A signal with no handler (and no dynamic handler) is
  buffered, not dropped, and delivered when a matching handler is registered at run time.
* Queries never produce commands and never touch workflow state the run depends on: while a query
  handler runs, ``read_only`` is set and every mutating runtime call raises
  :class:`ReadOnlyContextError`; the query fails, the workflow is unaffected.
* The SDK answers the built-in queries ``__stack_trace``, ``__enhanced_stack_trace`` and
  ``__temporal_workflow_metadata`` itself (see ``_introspect``).
"""

from __future__ import annotations

import asyncio
import functools
import inspect
import logging
import typing
import warnings
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from temporal_sdk._core.activation import (
    AcceptUpdate,
    CompleteUpdate,
    DoUpdate,
    RejectUpdate,
    SignalWorkflow,
)
from temporal_sdk._runtime import _introspect
from temporal_sdk._runtime.definitions import (
    HandlerDefinition,
    HandlerUnfinishedPolicy,
    WorkflowDefinition,
)
from temporal_sdk._runtime.loop import WorkflowEventLoop
from temporal_sdk._runtime.run_ops import ContinueAsNewError
from temporal_sdk.api.common.v1 import Payload
from temporal_sdk.api.failure.v1 import Failure
from temporal_sdk.common import RawValue
from temporal_sdk.exceptions import TemporalError

if TYPE_CHECKING:
    from temporal_sdk._runtime.intercept import RunInterceptors

logger = logging.getLogger(__name__)


class UnfinishedUpdateHandlersWarning(RuntimeWarning):
    """The workflow finished while update handlers (policy WARN_AND_ABANDON) still ran."""


class UnfinishedSignalHandlersWarning(RuntimeWarning):
    """The workflow finished while signal handlers (policy WARN_AND_ABANDON) still ran."""


class ReadOnlyContextError(TemporalError):
    """A query handler (or other read-only code) tried to change the workflow."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass(frozen=True, slots=True)
class QueryAnswer:
    """The outcome of one query: ``answer`` (``None`` for no payload) or ``failure``."""

    answer: Payload | None = None
    failure: Failure | None = None


@dataclass(frozen=True, slots=True)
class LiveHandler:
    """A handler as the run sees it: ``fn`` already bound to the workflow object if a method."""

    kind: str
    name: str | None
    fn: Callable[..., Any]
    is_async: bool
    arg_types: list[Any] | None
    ret_type: Any | None
    description: str | None
    unfinished_policy: HandlerUnfinishedPolicy
    validator: Callable[..., Any] | None = None

    @staticmethod
    def bound(defn: HandlerDefinition, obj: Any) -> LiveHandler:
        """The live form of a class-level handler definition, bound to ``obj``."""
        validator = defn.validator
        return LiveHandler(
            kind=defn.kind,
            name=defn.name,
            fn=functools.partial(defn.fn, obj),
            is_async=defn.is_async,
            arg_types=defn.arg_types,
            ret_type=defn.ret_type,
            description=defn.description,
            unfinished_policy=defn.unfinished_policy,
            validator=functools.partial(validator, obj) if validator is not None else None,
        )

    @staticmethod
    def plain(
        kind: str,
        name: str | None,
        fn: Callable[..., Any],
        *,
        description: str | None = None,
        unfinished_policy: HandlerUnfinishedPolicy = HandlerUnfinishedPolicy.WARN_AND_ABANDON,
        validator: Callable[..., Any] | None = None,
    ) -> LiveHandler:
        """A handler registered at run time (a plain callable, not a method)."""
        defn = HandlerDefinition.from_callable(fn)
        arg_types: list[Any] | None = None
        ret_type: Any | None = None
        if name is not None:
            arg_types, ret_type = _plain_hints(fn)
        return LiveHandler(
            kind=kind,
            name=name,
            fn=fn,
            is_async=asyncio.iscoroutinefunction(fn),
            arg_types=arg_types,
            ret_type=ret_type,
            description=description if description is not None else _description(defn),
            unfinished_policy=unfinished_policy,
            validator=validator,
        )


def _plain_hints(fn: Callable[..., Any]) -> tuple[list[Any] | None, Any | None]:
    """Positional parameter types and return type of a plain (unbound) callable."""
    try:
        params = inspect.signature(fn).parameters.values()
        hints = typing.get_type_hints(fn)
    except (TypeError, ValueError, NameError):
        return None, None
    positional = (inspect.Parameter.POSITIONAL_ONLY, inspect.Parameter.POSITIONAL_OR_KEYWORD)
    arg_types = [hints.get(p.name, Any) for p in params if p.kind in positional]
    ret = hints.get("return")
    return arg_types, (None if ret is type(None) else ret)


def _description(defn: HandlerDefinition | None) -> str | None:
    return defn.description if defn is not None else None


class HandlerTable:
    """The run's signal, query and update handlers, plus signals waiting for a handler."""

    def __init__(
        self,
        defn: WorkflowDefinition,
        *,
        loop: WorkflowEventLoop,
        payload_converter: Any,
        failure_converter: Any,
        on_error: Callable[[BaseException, Callable[..., Any]], None],
        add: Callable[[Any], None] | None = None,
        is_failure: Callable[[BaseException], bool] | None = None,
        fail_task: Callable[[BaseException], None] | None = None,
    ) -> None:
        self._defn = defn
        self._loop = loop
        self._pc = payload_converter
        self._fc = failure_converter
        self._on_error = on_error
        self._add = add or (lambda command: None)
        self._is_failure = is_failure or (lambda err: False)
        self._fail_task = fail_task or (lambda err: None)
        self.signals: dict[str | None, LiveHandler] = {}
        self.queries: dict[str | None, LiveHandler] = {}
        self.updates: dict[str | None, LiveHandler] = {}
        self.buffered: list[SignalWorkflow] = []
        self.read_only = False
        """True while a query handler runs: mutating runtime calls must refuse."""
        self.running: dict[int, LiveHandler] = {}
        """Signal and update handler executions still in progress, by a private id."""
        self._next_id = 0
        self.intercept: RunInterceptors | None = None
        """The run's worker interceptors (set only when its worker has some)."""
        self.current_details = ""
        """The run's current details text (``workflow.set_current_details``)."""

    def bind(self, obj: Any) -> None:
        """Install the class's handlers, bound to the freshly created workflow object."""
        for table, defs in (
            (self.signals, self._defn.signals),
            (self.queries, self._defn.queries),
            (self.updates, self._defn.updates),
        ):
            for name, handler in defs.items():
                table.setdefault(name, LiveHandler.bound(handler, obj))

    def check_writable(self, action: str) -> None:
        """Raise :class:`ReadOnlyContextError` if the code running now must not change state."""
        if self.read_only:
            raise ReadOnlyContextError(
                f"a query handler must not change the workflow (it tried to {action})"
            )

    # -- signals -------------------------------------------------------------------------------

    def signal(self, job: SignalWorkflow) -> None:
        """Deliver ``job`` to its handler, or buffer it until a handler appears."""
        handler = self.signals.get(job.signal_name) or self.signals.get(None)
        if handler is None:
            self.buffered.append(job)
            return
        self._deliver(handler, job)

    def set_handler(self, kind: str, name: str | None, handler: LiveHandler | None) -> None:
        """Register (or with ``None`` remove) a run-time handler; flush matching signals."""
        self.check_writable(f"set a {kind} handler")
        table = {"signal": self.signals, "query": self.queries, "update": self.updates}[kind]
        if handler is None:
            table.pop(name, None)
            return
        table[name] = handler
        if kind == "signal":
            self._flush(name, handler)

    def _flush(self, name: str | None, handler: LiveHandler) -> None:
        keep: list[SignalWorkflow] = []
        for job in self.buffered:
            if name is None or job.signal_name == name:
                self._deliver(handler, job)
            else:
                keep.append(job)
        self.buffered = keep

    def _deliver(self, handler: LiveHandler, job: SignalWorkflow) -> None:
        try:
            args = self._decode_args(handler, job.signal_name, job.arguments)
        except Exception:
            # As in temporalio: log and drop. Failing the task would fail it again on every
            # retry, since the signal stays in history; no deployment could get past it.
            logger.exception(
                "Failed deserializing signal input for %s, dropping the signal", job.signal_name
            )
            return
        if self.intercept is not None:
            handler = self.intercept.wrap_signal(handler, job)
        self._loop.create_task(self._run(handler, args), name=f"signal {job.signal_name}")

    async def _run(self, handler: LiveHandler, args: Sequence[Any]) -> None:
        self._next_id += 1
        key = self._next_id
        self.running[key] = handler
        try:
            result = handler.fn(*args)
            if handler.is_async:
                await result
        except (Exception, asyncio.CancelledError, ContinueAsNewError) as err:
            self._on_error(err, handler.fn)
        finally:
            self.running.pop(key, None)

    def _decode_args(
        self, handler: LiveHandler, name: str, payloads: Sequence[Payload]
    ) -> list[Any]:
        if handler.name is None:
            return [name, [RawValue(p) for p in payloads]]
        if not payloads:
            return []
        decoded: list[Any] = self._pc.from_payloads(list(payloads), handler.arg_types)
        return decoded

    # -- updates -------------------------------------------------------------------------------

    def update(self, job: DoUpdate) -> None:
        """Validate (unless replaying), then accept or reject; an accepted update starts running."""
        handler = self.updates.get(job.name) or self.updates.get(None)
        try:
            if handler is None:
                known = " ".join(sorted(n for n in self.updates if n))
                raise KeyError(
                    f"Update handler for {job.name!r} expected but not found, and there is no "
                    f"dynamic handler. known updates: [{known}]"
                )
            args = self._decode_args(handler, job.name, job.arguments)
            if job.run_validator and handler.validator is not None:
                validator = handler.validator
                if self.intercept is not None:
                    validator = self.intercept.update_validator(job)
                self._validate(validator, args)
        except Exception as err:
            if not job.run_validator:
                self._fail_task(err)  # accepted before: it must be runnable on replay too
                return
            self._add(RejectUpdate(job.update_id, self._failure(err)))
            return
        self._add(AcceptUpdate(job.update_id))
        if self.intercept is not None:
            handler = self.intercept.wrap_update(handler, job)
        self._loop.create_task(
            self._run_update(handler, job.update_id, args), name=f"update {job.name}"
        )

    def _validate(self, validator: Callable[..., Any], args: Sequence[Any]) -> None:
        previous = asyncio.events._get_running_loop()
        asyncio.events._set_running_loop(self._loop)
        self.read_only = True
        try:
            validator(*args)
        finally:
            self.read_only = False
            asyncio.events._set_running_loop(previous)

    async def _run_update(self, handler: LiveHandler, update_id: str, args: Sequence[Any]) -> None:
        self._next_id += 1
        key = self._next_id
        self.running[key] = handler
        try:
            result = handler.fn(*args)
            if handler.is_async:
                result = await result
            payload = self._pc.to_payloads([result])[0]
        except (Exception, asyncio.CancelledError) as err:
            if isinstance(err, asyncio.CancelledError) or self._is_failure(err):
                self._add(CompleteUpdate(update_id, failure=self._failure(err)))
            else:
                self._fail_task(err)
            return
        finally:
            self.running.pop(key, None)
        self._add(CompleteUpdate(update_id, result=payload))

    def unfinished(self, kind: str) -> list[LiveHandler]:
        """Handlers of ``kind`` still running."""
        return [h for h in self.running.values() if h.kind == kind]

    def warn_unfinished(self) -> None:
        """Warn about handlers abandoned by the closing workflow, per their unfinished policy."""
        for kind, category in (
            ("update", UnfinishedUpdateHandlersWarning),
            ("signal", UnfinishedSignalHandlersWarning),
        ):
            names = sorted(
                h.name or "<dynamic>"
                for h in self.unfinished(kind)
                if h.unfinished_policy is HandlerUnfinishedPolicy.WARN_AND_ABANDON
            )
            if names:
                warnings.warn(
                    f"Workflow {self._defn.name or '<dynamic>'} finished while {kind} handlers "
                    f"were still running: {', '.join(names)}. Wait for them before returning, "
                    "e.g. await workflow.wait_condition(workflow.all_handlers_finished), or set "
                    "unfinished_policy=HandlerUnfinishedPolicy.ABANDON on the handler.",
                    category,
                    stacklevel=2,
                )

    # -- queries -------------------------------------------------------------------------------

    def query(
        self,
        query_type: str,
        arguments: Sequence[Payload],
        headers: Mapping[str, Payload] | None = None,
        query_id: str = "",
    ) -> QueryAnswer:
        """Run one query handler read-only and convert its result (or error) for the wire."""
        previous = asyncio.events._get_running_loop()
        asyncio.events._set_running_loop(self._loop)
        self.read_only = True
        try:
            value = self._answer(query_type, arguments, headers, query_id)
            payload: Payload | None = self._pc.to_payloads([value])[0]
        except Exception as err:
            return QueryAnswer(failure=self._failure(err))
        finally:
            self.read_only = False
            asyncio.events._set_running_loop(previous)
        return QueryAnswer(answer=payload)

    def _answer(
        self,
        query_type: str,
        arguments: Sequence[Payload],
        headers: Mapping[str, Payload] | None = None,
        query_id: str = "",
    ) -> Any:
        builtin = _introspect.BUILTIN_QUERIES.get(query_type)
        if builtin is not None:
            return builtin(self)
        handler = self.queries.get(query_type) or self.queries.get(None)
        if handler is None:
            known = sorted(n for n in self.queries if n) + sorted(_introspect.BUILTIN_QUERIES)
            raise KeyError(
                f"Query handler for {query_type!r} expected but not found, "
                f"known queries: [{' '.join(known)}]"
            )
        args = self._decode_args(handler, query_type, arguments)
        if self.intercept is not None:
            handler = self.intercept.wrap_query(handler, query_id, query_type, headers or {})
        result = handler.fn(*args)
        if asyncio.iscoroutine(result):
            result.close()
            raise TypeError(f"query handler {query_type!r} must not be async")
        return result

    def _failure(self, err: BaseException) -> Failure:
        failure = Failure()
        try:
            self._fc.to_failure(err, self._pc, failure)
        except Exception:
            failure = Failure(message=str(err) or type(err).__name__)
        if isinstance(err, KeyError) and err.args:
            failure.message = str(err.args[0])  # KeyError's str() adds quotes
        return failure

    # -- introspection inputs ------------------------------------------------------------------

    @property
    def loop(self) -> WorkflowEventLoop:
        """The run's event loop (for stack traces)."""
        return self._loop

    @property
    def definition(self) -> WorkflowDefinition:
        """The run's workflow definition."""
        return self._defn


# -- the public workflow functions' entry points ------------------------------------------------


def current_table() -> HandlerTable:
    """The handler table of the workflow whose code is running now."""
    from temporal_sdk._runtime.context import current

    runtime = current()
    table = getattr(runtime, "handlers", None)
    if table is None:
        raise RuntimeError("this workflow runtime has no handler table")
    result: HandlerTable = table()
    return result


def get_handler(kind: str, name: str | None) -> Callable[..., Any] | None:
    """The callable handling ``name`` (``None``: the dynamic handler) of ``kind``, if any."""
    table = current_table()
    found = {"signal": table.signals, "query": table.queries, "update": table.updates}[kind]
    handler = found.get(name)
    return handler.fn if handler is not None else None


def set_handler(
    kind: str,
    name: str | None,
    fn: Callable[..., Any] | None,
    *,
    description: str | None = None,
    validator: Callable[..., Any] | None = None,
    unfinished_policy: HandlerUnfinishedPolicy = HandlerUnfinishedPolicy.WARN_AND_ABANDON,
) -> None:
    """Register ``fn`` for ``name`` of ``kind`` at run time (``fn=None`` removes it)."""
    live = None
    if fn is not None:
        live = LiveHandler.plain(
            kind,
            name,
            fn,
            description=description,
            validator=validator,
            unfinished_policy=unfinished_policy,
        )
    current_table().set_handler(kind, name, live)


def all_handlers_finished() -> bool:
    """Whether no signal or update handler of the running workflow is still in progress."""
    return not current_table().running
