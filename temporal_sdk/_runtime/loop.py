"""The deterministic asyncio event loop that workflow code runs on.

Rule: no IO, no threads, no wall clock. ``time()`` is workflow time (set by the instance from each
activation), ``call_later`` / ``call_at`` become durable timers through a :class:`TimerSink`, and
every operation that would reach the outside world raises :class:`NotAllowedInWorkflowError`.
The loop never runs by itself: the instance calls :meth:`WorkflowEventLoop.run_until_idle`, which
installs the loop as the thread's running loop only for the duration of that call, so a workflow
step can run from inside a callback of the worker's real loop in the same thread.
"""

from __future__ import annotations

import asyncio
import contextvars
import logging
import sys
from collections.abc import Callable, Coroutine, Generator
from typing import Any, Protocol, TypeVar

_T = TypeVar("_T")
logger = logging.getLogger(__name__)

_NOT_ALLOWED = "not allowed in workflow code: non-deterministic"


class NotAllowedInWorkflowError(RuntimeError):
    """Raised when workflow code asks its event loop for IO, threads or other outside effects."""


def _refuse(name: str) -> NotAllowedInWorkflowError:
    return NotAllowedInWorkflowError(f"{name}() is {_NOT_ALLOWED}; do this in an activity instead")


class TimerSink(Protocol):
    """Where the loop reports durable timers (implemented by the workflow instance)."""

    def start_timer(self, duration: float) -> int:
        """Issue a StartTimer command for ``duration`` seconds (> 0) and return its ``seq``."""
        ...

    def cancel_timer(self, seq: int) -> None:
        """Issue a CancelTimer command for the timer ``seq``."""
        ...


class _DurableTimer(asyncio.TimerHandle):
    __slots__ = ("_seq",)
    _seq: int
    _scheduled: bool  # asyncio's own slot, undeclared in typeshed


def track_task(task: asyncio.Task[Any]) -> None:
    """Register a task built directly with ``loop=`` (not via ``create_task``) with its loop."""
    loop = task.get_loop()
    if isinstance(loop, WorkflowEventLoop):
        loop.track(task)


class WorkflowEventLoop(asyncio.AbstractEventLoop):
    """A step-driven asyncio loop: FIFO ready queue, workflow time, durable timers."""

    # One loop per cached run: slots keep it free of a per-instance dict.
    __slots__ = (
        "_closed",
        "_debug",
        "_exception_handler",
        "_halted",
        "_prune_at",
        "_ready",
        "_running",
        "_sink",
        "_task_factory",
        "_tasks",
        "_time",
        "_timers",
        "restricted",
        "runtime",
    )

    def __init__(self, sink: TimerSink, *, start_time: float = 0.0) -> None:
        self._sink = sink
        self._time = start_time
        # A list drained a batch at a time, not a deque: an idle deque keeps a 0.5 KB block per
        # cached run.
        self._ready: list[asyncio.Handle] = []
        self._timers: dict[int, _DurableTimer] = {}
        self._running = False
        self._closed = False
        self._halted = False
        self._debug = False
        self._exception_handler: Callable[[asyncio.AbstractEventLoop, dict[str, Any]], Any] | None
        self._exception_handler = None
        self._task_factory: Any = None
        # Tasks of this loop in creation order (see ``track``); done ones are pruned whenever
        # the table doubles, so tracking stays O(1) amortized.
        self._tasks: dict[asyncio.Task[Any], None] = {}
        self._prune_at = 16
        #: The object ``temporal_sdk.workflow`` reaches through the running loop.
        self.runtime: Any = None
        #: Whether the determinism guard (``_runtime/guard.py``) refuses calls during steps.
        self.restricted = False

    # -- driving -------------------------------------------------------------------------------

    def set_time(self, timestamp: float) -> None:
        """Set workflow time (seconds since the epoch) for the coming step."""
        self._time = timestamp

    def has_ready(self) -> bool:
        """Whether any callback is waiting to run."""
        return bool(self._ready)

    def run_until_idle(self, after_each: Callable[[], bool] | None = None) -> None:
        """Run ready callbacks in FIFO order until none is left.

        ``after_each`` runs whenever the queue drains; returning ``True`` means it made something
        ready (a wait condition resolved), so the loop keeps going. While this runs, the loop is
        the thread's running loop and owns the async-generator hooks; both are restored after.
        """
        if self._running:
            raise RuntimeError("the workflow event loop is already running")
        if self._closed:
            raise RuntimeError("the workflow event loop is closed")
        previous = asyncio.events._get_running_loop()
        old_hooks = sys.get_asyncgen_hooks()
        asyncio.events._set_running_loop(self)
        sys.set_asyncgen_hooks(
            firstiter=self._asyncgen_firstiter, finalizer=self._asyncgen_finalize
        )
        self._running = True
        self._halted = False
        try:
            while True:
                while self._ready and not self._halted:
                    self._run_batch()
                if self._halted or after_each is None or not after_each() or not self._ready:
                    break
        finally:
            self._running = False
            sys.set_asyncgen_hooks(*old_hooks)
            asyncio.events._set_running_loop(previous)

    def _run_batch(self) -> None:
        """Run the callbacks queued so far (those they queue run in the next batch, in order)."""
        batch = self._ready
        self._ready = []
        for done, handle in enumerate(batch):
            if self._halted:
                # Put back what did not run, ahead of anything queued meanwhile (FIFO).
                self._ready = batch[done:] + self._ready
                return
            if not handle._cancelled:
                handle._run()

    def halt(self) -> None:
        """Stop the current :meth:`run_until_idle` after the callback now running."""
        self._halted = True

    def fire_timer(self, seq: int) -> bool:
        """Make the callback of timer ``seq`` ready; ``False`` if it is unknown or cancelled."""
        handle = self._timers.pop(seq, None)
        if handle is None:
            return False
        handle._scheduled = False
        self._ready.append(handle)
        return True

    # -- scheduling ----------------------------------------------------------------------------

    def time(self) -> float:
        """Workflow time in seconds since the epoch (the current activation's timestamp)."""
        return self._time

    def call_soon(  # type: ignore[override]
        self,
        callback: Callable[..., object],
        *args: Any,
        context: contextvars.Context | None = None,
    ) -> asyncio.Handle:
        """Queue ``callback(*args)`` to run after the callbacks already queued."""
        handle = asyncio.Handle(callback, args, self, context)
        self._ready.append(handle)
        return handle

    def call_later(  # type: ignore[override]
        self,
        delay: float,
        callback: Callable[..., object],
        *args: Any,
        context: contextvars.Context | None = None,
    ) -> asyncio.TimerHandle:
        """Run ``callback(*args)`` after ``delay`` seconds of workflow time (a durable timer)."""
        return self.call_at(self._time + delay, callback, *args, context=context)

    def call_at(  # type: ignore[override]
        self,
        when: float,
        callback: Callable[..., object],
        *args: Any,
        context: contextvars.Context | None = None,
    ) -> asyncio.TimerHandle:
        """Run ``callback(*args)`` at workflow time ``when``; a future time starts a timer."""
        duration = when - self._time
        if duration <= 0:
            # Not a timer: due now, it just joins the ready queue.
            now = asyncio.TimerHandle(when, callback, args, self, context)
            self._ready.append(now)
            return now
        handle = _DurableTimer(when, callback, args, self, context)
        seq = self._sink.start_timer(duration)
        handle._seq = seq
        handle._scheduled = True
        self._timers[seq] = handle
        return handle

    def _timer_handle_cancelled(self, handle: asyncio.TimerHandle) -> None:
        if isinstance(handle, _DurableTimer) and self._timers.pop(handle._seq, None) is not None:
            handle._scheduled = False
            self._sink.cancel_timer(handle._seq)

    def create_future(self) -> asyncio.Future[Any]:
        """A future bound to this loop."""
        return asyncio.Future(loop=self)

    def create_task(
        self,
        coro: Coroutine[Any, Any, _T] | Generator[Any, None, _T],
        *,
        name: str | None = None,
        context: contextvars.Context | None = None,
    ) -> asyncio.Task[_T]:
        """Wrap ``coro`` in a task that runs on this loop (its first step is queued now)."""
        if self._task_factory is not None:
            if context is None:
                task = self._task_factory(self, coro)
            else:
                task = self._task_factory(self, coro, context=context)
            if name is not None:
                task.set_name(name)
            self.track(task)
            return task  # type: ignore[no-any-return]
        if context is None or sys.version_info < (3, 11):
            task = asyncio.Task(coro, loop=self, name=name)
        else:
            task = asyncio.Task(coro, loop=self, name=name, context=context)
        # A run that is dropped while blocked (its history may continue elsewhere) is normal.
        task._log_destroy_pending = False  # type: ignore[attr-defined]
        self.track(task)
        return task

    def track(self, task: asyncio.Task[Any]) -> None:
        """Remember ``task`` so :meth:`pending_tasks` finds it (``create_task`` does this).

        Task subclasses built directly on this loop (activity and child workflow handles) call
        this too; a bare ``asyncio.Task(coro, loop=...)`` in user code is not seen. A tracked
        task left pending when its run is discarded is unwound by the instance, not an error.
        """
        task._log_destroy_pending = False  # type: ignore[attr-defined]
        tasks = self._tasks
        tasks[task] = None
        if len(tasks) >= self._prune_at:
            self._tasks = tasks = {t: None for t in tasks if not t.done()}
            self._prune_at = max(16, 2 * len(tasks))

    def pending_tasks(self) -> list[asyncio.Task[Any]]:
        """Tracked tasks not done yet, oldest first (O(own tasks), not ``asyncio.all_tasks``)."""
        return [t for t in self._tasks if not t.done()]

    def set_task_factory(self, factory: Any) -> None:
        """Use ``factory(loop, coro)`` to build tasks (``None`` restores the default)."""
        self._task_factory = factory

    def get_task_factory(self) -> Any:
        """The task factory set with :meth:`set_task_factory`, if any."""
        return self._task_factory

    # -- state ---------------------------------------------------------------------------------

    def is_running(self) -> bool:
        """Whether a step is in progress."""
        return self._running

    def is_closed(self) -> bool:
        """Whether :meth:`close` was called."""
        return self._closed

    def close(self) -> None:
        """Drop everything queued; the loop can no longer run."""
        self._closed = True
        self._ready.clear()
        self._timers.clear()
        self._tasks.clear()

    def get_debug(self) -> bool:
        """Debug mode flag (only recorded; it changes nothing here)."""
        return self._debug

    def set_debug(self, enabled: bool) -> None:
        """Record the debug mode flag."""
        self._debug = enabled

    def run_forever(self) -> None:
        """Refused: the workflow instance drives this loop one step at a time."""
        raise RuntimeError("the workflow event loop is driven by its instance, never run_forever")

    def run_until_complete(self, future: Any) -> Any:
        """Refused: the workflow instance drives this loop one step at a time."""
        raise RuntimeError("the workflow event loop is driven by its instance")

    def stop(self) -> None:
        """Refused: a workflow cannot stop its own loop."""
        raise RuntimeError("workflow code cannot stop the workflow event loop")

    async def shutdown_asyncgens(self) -> None:
        """Nothing to do: async generators are finalised through the ready queue."""

    async def shutdown_default_executor(self, timeout: float | None = None) -> None:
        """Nothing to do: there is no executor."""

    # -- errors --------------------------------------------------------------------------------

    def get_exception_handler(self) -> Any:
        """The handler set with :meth:`set_exception_handler`, if any."""
        return self._exception_handler

    def set_exception_handler(self, handler: Any) -> None:
        """Use ``handler(loop, context)`` for errors no task collects (``None``: log them)."""
        self._exception_handler = handler

    def default_exception_handler(self, context: dict[str, Any]) -> None:
        """Log an uncollected error from workflow code."""
        exc = context.get("exception")
        logger.error(
            "%s", context.get("message", "Unhandled error in workflow event loop"), exc_info=exc
        )

    def call_exception_handler(self, context: dict[str, Any]) -> None:
        """Pass ``context`` to the exception handler, never letting the handler fail the step."""
        if self._exception_handler is None:
            self.default_exception_handler(context)
            return
        try:
            self._exception_handler(self, context)
        except Exception:
            logger.exception("Exception handler of the workflow event loop failed")

    # -- async generators ----------------------------------------------------------------------

    def _asyncgen_firstiter(self, agen: Any) -> None:
        pass

    def _asyncgen_finalize(self, agen: Any) -> None:
        if not self._closed:
            self.call_soon(self.create_task, agen.aclose())

    # -- refused: IO, threads, signals, subprocesses --------------------------------------------

    def call_soon_threadsafe(  # type: ignore[override]
        self, *args: Any, **kwargs: Any
    ) -> asyncio.Handle:
        """Refused (threads)."""
        raise _refuse("call_soon_threadsafe")

    def run_in_executor(  # type: ignore[override]
        self, *args: Any, **kwargs: Any
    ) -> Any:
        """Refused (threads)."""
        raise _refuse("run_in_executor")

    def set_default_executor(self, *args: Any, **kwargs: Any) -> None:
        """Refused (threads)."""
        raise _refuse("set_default_executor")

    async def getaddrinfo(self, *args: Any, **kwargs: Any) -> Any:
        """Refused (network)."""
        raise _refuse("getaddrinfo")

    async def getnameinfo(self, *args: Any, **kwargs: Any) -> Any:
        """Refused (network)."""
        raise _refuse("getnameinfo")

    async def create_connection(self, *args: Any, **kwargs: Any) -> Any:
        """Refused (network)."""
        raise _refuse("create_connection")

    async def create_server(self, *args: Any, **kwargs: Any) -> Any:
        """Refused (network)."""
        raise _refuse("create_server")

    async def sendfile(self, *args: Any, **kwargs: Any) -> Any:
        """Refused (IO)."""
        raise _refuse("sendfile")

    async def start_tls(self, *args: Any, **kwargs: Any) -> Any:
        """Refused (network)."""
        raise _refuse("start_tls")

    async def create_unix_connection(self, *args: Any, **kwargs: Any) -> Any:
        """Refused (IO)."""
        raise _refuse("create_unix_connection")

    async def create_unix_server(self, *args: Any, **kwargs: Any) -> Any:
        """Refused (IO)."""
        raise _refuse("create_unix_server")

    async def connect_accepted_socket(self, *args: Any, **kwargs: Any) -> Any:
        """Refused (network)."""
        raise _refuse("connect_accepted_socket")

    async def create_datagram_endpoint(self, *args: Any, **kwargs: Any) -> Any:
        """Refused (network)."""
        raise _refuse("create_datagram_endpoint")

    async def connect_read_pipe(self, *args: Any, **kwargs: Any) -> Any:
        """Refused (IO)."""
        raise _refuse("connect_read_pipe")

    async def connect_write_pipe(self, *args: Any, **kwargs: Any) -> Any:
        """Refused (IO)."""
        raise _refuse("connect_write_pipe")

    async def subprocess_shell(self, *args: Any, **kwargs: Any) -> Any:
        """Refused (subprocess)."""
        raise _refuse("subprocess_shell")

    async def subprocess_exec(self, *args: Any, **kwargs: Any) -> Any:
        """Refused (subprocess)."""
        raise _refuse("subprocess_exec")

    def add_reader(  # type: ignore[override]
        self, *args: Any, **kwargs: Any
    ) -> None:
        """Refused (IO)."""
        raise _refuse("add_reader")

    def remove_reader(self, *args: Any, **kwargs: Any) -> bool:
        """Refused (IO)."""
        raise _refuse("remove_reader")

    def add_writer(  # type: ignore[override]
        self, *args: Any, **kwargs: Any
    ) -> None:
        """Refused (IO)."""
        raise _refuse("add_writer")

    def remove_writer(self, *args: Any, **kwargs: Any) -> bool:
        """Refused (IO)."""
        raise _refuse("remove_writer")

    async def sock_recv(self, *args: Any, **kwargs: Any) -> Any:
        """Refused (network)."""
        raise _refuse("sock_recv")

    async def sock_recv_into(self, *args: Any, **kwargs: Any) -> Any:
        """Refused (network)."""
        raise _refuse("sock_recv_into")

    async def sock_recvfrom(self, *args: Any, **kwargs: Any) -> Any:
        """Refused (network)."""
        raise _refuse("sock_recvfrom")

    async def sock_recvfrom_into(self, *args: Any, **kwargs: Any) -> Any:
        """Refused (network)."""
        raise _refuse("sock_recvfrom_into")

    async def sock_sendall(self, *args: Any, **kwargs: Any) -> Any:
        """Refused (network)."""
        raise _refuse("sock_sendall")

    async def sock_sendto(self, *args: Any, **kwargs: Any) -> Any:
        """Refused (network)."""
        raise _refuse("sock_sendto")

    async def sock_connect(self, *args: Any, **kwargs: Any) -> Any:
        """Refused (network)."""
        raise _refuse("sock_connect")

    async def sock_accept(self, *args: Any, **kwargs: Any) -> Any:
        """Refused (network)."""
        raise _refuse("sock_accept")

    async def sock_sendfile(self, *args: Any, **kwargs: Any) -> Any:
        """Refused (network)."""
        raise _refuse("sock_sendfile")

    def add_signal_handler(  # type: ignore[override]
        self, *args: Any, **kwargs: Any
    ) -> None:
        """Refused (process signals)."""
        raise _refuse("add_signal_handler")

    def remove_signal_handler(self, *args: Any, **kwargs: Any) -> bool:
        """Refused (process signals)."""
        raise _refuse("remove_signal_handler")
