"""Worker interceptors around one activity attempt (remote or local).

Rules:

* Only workers with interceptors get here; others call the activity directly, with no chain.
* The chain is built per attempt after the activity context is set, so ``intercept_activity`` and
  ``init`` may call ``activity.info()``. The first interceptor is the outermost link.
* ``activity.info()`` and ``activity.heartbeat()`` go through the outbound chain the terminal
  inbound link received; the terminal outbound link reads the context's own ``info`` and calls
  the worker's original heartbeat function.
* Header payloads arrive as the server holds them; a configured codec decodes them here (the
  workflow side encodes them with the rest of each command).
"""

from __future__ import annotations

import concurrent.futures
from collections.abc import Awaitable, Callable, Mapping, Sequence
from typing import Any

from temporal_sdk import activity
from temporal_sdk._worker_interceptor import (
    ActivityInboundInterceptor,
    ActivityOutboundInterceptor,
    ExecuteActivityInput,
    Interceptor,
)
from temporal_sdk.api.common.v1 import Header, Payload

Runner = Callable[[Callable[..., Any], Sequence[Any]], Awaitable[Any]]


def activity_interceptors(interceptors: Sequence[Any]) -> list[Interceptor]:
    """The worker interceptors that take part in activity execution, in order."""
    return [i for i in interceptors if isinstance(i, Interceptor)]


async def decode_headers(
    header: Header, codec: Any | None, decode: bool = False
) -> Mapping[str, Payload]:
    """The header fields of an activity task: as sent, or decoded by ``codec`` if ``decode``.

    ``decode`` follows the client's ``HeaderCodecBehavior`` (only ``CODEC`` decodes here).
    """
    if decode and codec is not None:
        from temporal_sdk._io.header_codec import decode_fields

        return await decode_fields(header, codec)
    return dict(header.fields)


async def execute_intercepted(
    interceptors: Sequence[Interceptor],
    context: activity._Context,
    *,
    fn: Callable[..., Any],
    args: Sequence[Any],
    executor: concurrent.futures.Executor | None,
    headers: Mapping[str, Payload],
    run: Runner,
) -> Any:
    """Run one attempt through the interceptors; ``run(fn, args)`` executes the activity."""
    terminal = _TerminalInbound(run)
    inbound: ActivityInboundInterceptor = terminal
    for interceptor in reversed(interceptors):
        inbound = interceptor.intercept_activity(inbound)
    inbound.init(_TerminalOutbound(context, context.heartbeat))
    outbound = terminal.outbound
    context.outbound = outbound
    context.heartbeat = outbound.heartbeat
    return await inbound.execute_activity(
        ExecuteActivityInput(fn=fn, args=args, executor=executor, headers=headers)
    )


class _TerminalInbound(ActivityInboundInterceptor):
    """The innermost inbound link: runs the (possibly replaced) function and arguments."""

    def __init__(self, run: Runner) -> None:  # no ``next``: this link ends the chain
        self._run = run
        self.outbound: ActivityOutboundInterceptor

    def init(self, outbound: ActivityOutboundInterceptor) -> None:
        self.outbound = outbound

    async def execute_activity(self, input: ExecuteActivityInput) -> Any:
        return await self._run(input.fn, input.args)


class _TerminalOutbound(ActivityOutboundInterceptor):
    """The innermost outbound link: the attempt's own info and heartbeat."""

    def __init__(self, context: activity._Context, heartbeat: Callable[..., None]) -> None:
        self._context = context
        self._heartbeat = heartbeat

    def info(self) -> activity.Info:
        return self._context.info

    def heartbeat(self, *details: Any) -> None:
        self._heartbeat(*details)
