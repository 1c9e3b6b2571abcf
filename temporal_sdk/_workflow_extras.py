"""Smaller workflow helpers, re-exported by ``workflow``.

Deterministic ``wait`` and ``as_completed``, version-7 UUIDs, named random generators, update
info, current details, the cancellation reason, and types kept for name parity with temporalio.

Rule: nothing here keeps per-run state of its own; it reads and writes the running workflow's
runtime (``_context.current()``).
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Awaitable, Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from enum import Enum, Flag, IntEnum, auto
from random import Random
from typing import Any, TypeVar

from temporal_sdk._runtime import context as _context
from temporal_sdk._runtime.update_info import UpdateInfo, current_update_info

__all__ = [
    "ContinueAsNewVersioningBehavior",
    "DynamicWorkflowConfig",
    "RootInfo",
    "SandboxImportNotificationPolicy",
    "UpdateInfo",
    "VersioningIntent",
    "as_completed",
    "cancellation_reason",
    "current_update_info",
    "dynamic_config",
    "extern_functions",
    "get_current_details",
    "new_random",
    "random_seed",
    "register_random_seed_callback",
    "set_current_details",
    "uuid7",
    "wait",
]

_T = TypeVar("_T")
_F = TypeVar("_F", bound=Callable[..., Any])


@dataclass(frozen=True)
class RootInfo:
    """The workflow at the top of this run's parent chain (its root)."""

    run_id: str
    workflow_id: str


class VersioningIntent(Enum):
    """Whether a command should run on a compatible worker build (legacy build-id versioning)."""

    COMPATIBLE = 1
    """Prefer a worker whose build is compatible with this one."""
    DEFAULT = 2
    """Use the target task queue's current default build."""


class ContinueAsNewVersioningBehavior(IntEnum):
    """How the first task of a continued run picks its worker deployment version."""

    UNSPECIFIED = 0
    """Follow the usual inheritance rules of continue-as-new."""
    AUTO_UPGRADE = 1
    """Start the new run on the task queue's current target version."""


class SandboxImportNotificationPolicy(Flag):
    """Accepted for temporalio compatibility; this SDK's guard never re-imports modules."""

    SILENT = auto()
    """No warnings about imports (the only behaviour here)."""
    WARN_ON_DYNAMIC_IMPORT = auto()
    """Accepted and ignored."""
    WARN_ON_UNINTENTIONAL_PASSTHROUGH = auto()
    """Accepted and ignored."""
    RAISE_ON_UNINTENTIONAL_PASSTHROUGH = auto()
    """Accepted and ignored."""


@dataclass(frozen=True)
class DynamicWorkflowConfig:
    """Settings a dynamic workflow's ``@workflow.dynamic_config`` method may return."""

    failure_exception_types: Sequence[type[BaseException]] | None = None
    """Exception types that fail the workflow instead of the workflow task."""
    versioning_behavior: Any = None
    """Accepted for compatibility; worker deployment versioning is not implemented."""


def dynamic_config(fn: _F) -> _F:
    """Mark the method a dynamic workflow calls to get its :class:`DynamicWorkflowConfig`.

    The method takes only ``self`` and must be synchronous.
    """
    if asyncio.iscoroutinefunction(fn):
        raise ValueError("a workflow dynamic_config method must be synchronous")
    setattr(fn, "__temporal_workflow_dynamic_config", True)
    return fn


def extern_functions() -> Mapping[str, Callable[..., Any]]:
    """Functions the worker's interceptors offered to workflow code (see ``worker.Interceptor``).

    This SDK has no sandbox; the mapping holds what interceptors added to
    ``WorkflowInterceptorClassInput.unsafe_extern_functions`` (usually nothing).
    """
    return _context.current().extern_functions


def cancellation_reason() -> str | None:
    """The reason sent with a server-side cancel request of this workflow, if one arrived.

    ``None`` means no such request (an inner task's cancellation does not count); an empty string
    means a request without a reason.
    """
    return _context.current().cancellation_reason()


def get_current_details() -> str:
    """The run's current details text (shown by UIs through the metadata query)."""
    return _context.current().current_details()


def set_current_details(description: str) -> None:
    """Replace the run's current details text; it may be markdown and span several lines."""
    _context.current().set_current_details(description)


def random_seed() -> int:
    """The seed of the run's deterministic random generator."""
    return _context.current().random_seed()


def register_random_seed_callback(callback: Callable[[int], None]) -> None:
    """Call ``callback`` with the new seed whenever the run's random seed changes."""
    _context.current().register_random_seed_callback(callback)


def new_random(name: str | None = None) -> Random:
    """A new deterministic generator that follows the run's seed.

    Without ``name`` it starts in the same state as :func:`workflow.random`; with a name its
    sequence differs from the default one and from other names.
    """

    def seed_for(seed: int) -> int | str:
        return seed if name is None else f"{seed}:{name}"

    generator = Random(seed_for(random_seed()))
    register_random_seed_callback(lambda seed: generator.seed(seed_for(seed)))
    return generator


def uuid7() -> uuid.UUID:
    """A version-7 UUID from workflow time and :func:`workflow.random` (replay-safe, not secret).

    Its first 48 bits are workflow time in milliseconds, so ids from later workflow tasks sort
    after earlier ones; ids from one task share the time part and are ordered only by chance.
    """
    runtime = _context.current()
    millis = int(runtime.time() * 1000) & 0xFFFF_FFFF_FFFF
    rng = runtime.random()
    high = rng.getrandbits(12)
    low = rng.getrandbits(62)
    return uuid.UUID(int=(millis << 80) | (0x7 << 76) | (high << 64) | (0b10 << 62) | low)


def as_completed(
    fs: Iterable[Awaitable[_T]], *, timeout: float | None = None
) -> Iterator[Awaitable[_T]]:
    """Like :func:`asyncio.as_completed`, but with a deterministic order for workflows.

    Each awaitable the iterator yields returns the next result to finish (or raises its error);
    with ``timeout`` (workflow seconds) the remaining ones raise :class:`asyncio.TimeoutError`.
    """
    if asyncio.isfuture(fs) or asyncio.iscoroutine(fs):
        raise TypeError(f"expected an iterable of awaitables, got {type(fs).__name__}")
    loop = asyncio.get_event_loop()
    pending: list[asyncio.Future[_T]] = [asyncio.ensure_future(f, loop=loop) for f in fs]
    finished: asyncio.Queue[asyncio.Future[_T] | None] = asyncio.Queue()
    timer: asyncio.TimerHandle | None = None

    def on_done(fut: asyncio.Future[_T]) -> None:
        if fut in pending:
            pending.remove(fut)
            finished.put_nowait(fut)
            if not pending and timer is not None:
                timer.cancel()

    def on_timeout() -> None:
        for fut in pending:
            fut.remove_done_callback(on_done)
            finished.put_nowait(None)
        pending.clear()

    async def next_result() -> _T:
        fut = await finished.get()
        if fut is None:
            raise asyncio.TimeoutError
        return fut.result()

    count = len(pending)
    for fut in pending:
        fut.add_done_callback(on_done)
    if pending and timeout is not None:
        timer = loop.call_later(timeout, on_timeout)
    return (next_result() for _ in range(count))


async def wait(
    fs: Iterable[asyncio.Future[_T]],
    *,
    timeout: float | None = None,
    return_when: str = asyncio.ALL_COMPLETED,
) -> tuple[list[asyncio.Future[_T]], list[asyncio.Future[_T]]]:
    """Like :func:`asyncio.wait`, but returns ``(done, pending)`` lists in the given order.

    Sets would make the order depend on hashing; lists keep workflows deterministic.

    ``fs`` holds tasks or futures (not bare coroutines); ``timeout`` is in workflow seconds;
    ``return_when`` is ``asyncio.FIRST_COMPLETED``, ``FIRST_EXCEPTION`` or ``ALL_COMPLETED``.
    """
    if asyncio.isfuture(fs) or asyncio.iscoroutine(fs):
        raise TypeError(f"expected an iterable of tasks or futures, got {type(fs).__name__}")
    futures = list(fs)
    if not futures:
        raise ValueError("wait() needs at least one task or future")
    if return_when not in (asyncio.FIRST_COMPLETED, asyncio.FIRST_EXCEPTION, asyncio.ALL_COMPLETED):
        raise ValueError(f"invalid return_when value: {return_when}")
    if any(asyncio.iscoroutine(f) for f in futures):
        raise TypeError("pass tasks, not coroutines (wrap them with asyncio.create_task)")
    loop = asyncio.get_running_loop()
    waiter: asyncio.Future[None] = loop.create_future()
    remaining = len(futures)

    def release() -> None:
        if not waiter.done():
            waiter.set_result(None)

    def on_done(fut: asyncio.Future[_T]) -> None:
        nonlocal remaining
        remaining -= 1
        failed = not fut.cancelled() and fut.exception() is not None
        if (
            remaining <= 0
            or return_when == asyncio.FIRST_COMPLETED
            or (return_when == asyncio.FIRST_EXCEPTION and failed)
        ):
            release()

    timer = loop.call_later(timeout, release) if timeout is not None else None
    for fut in futures:
        fut.add_done_callback(on_done)
    try:
        await waiter
    finally:
        if timer is not None:
            timer.cancel()
        for fut in futures:
            fut.remove_done_callback(on_done)
    done = [f for f in futures if f.done()]
    return done, [f for f in futures if not f.done()]
