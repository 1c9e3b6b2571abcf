"""Test helper: an in-process gRPC server that records every call's headers.

It answers any method with an empty response (the default value of every response message), or
with a status chosen by the test: ``UNAUTHENTICATED`` when a required API key is missing or
wrong, ``UNAVAILABLE`` for the next ``fail_next`` calls. Enough to test what the SDK *sends*.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

import grpc
import grpc.aio


@dataclass
class Recorded:
    """One call the fake server received."""

    method: str
    headers: dict[str, str]


@dataclass
class FakeFrontend:
    """What the fake server accepts, and what it saw."""

    required_key: str | None = None
    """When set, calls must carry ``authorization: Bearer <required_key>``."""
    fail_next: int = 0
    """Answer this many following calls with ``UNAVAILABLE``."""
    calls: list[Recorded] = field(default_factory=list)
    target: str = ""

    def authorizations(self) -> list[str | None]:
        """The ``authorization`` header of every call so far, in order."""
        return [call.headers.get("authorization") for call in self.calls]

    async def _answer(self, method: str, context: grpc.aio.ServicerContext[Any, Any]) -> bytes:
        headers = {k: v for k, v in context.invocation_metadata() or () if isinstance(v, str)}
        self.calls.append(Recorded(method, headers))
        if self.fail_next > 0:
            self.fail_next -= 1
            await context.abort(grpc.StatusCode.UNAVAILABLE, "try again later")
        key = self.required_key
        if key is not None and headers.get("authorization") != f"Bearer {key}":
            await context.abort(grpc.StatusCode.UNAUTHENTICATED, "bad API key")
        if "/Poll" in method:
            await asyncio.sleep(0.2)  # an empty long poll, shortened: keeps pollers from spinning
        return b""


class _AnyMethod(grpc.GenericRpcHandler):
    def __init__(self, fake: FakeFrontend) -> None:
        self._fake = fake

    def service(self, handler_call_details: grpc.HandlerCallDetails) -> grpc.RpcMethodHandler:
        method = handler_call_details.method
        name = method.decode() if isinstance(method, bytes) else str(method)

        async def answer(request: bytes, context: grpc.aio.ServicerContext[Any, Any]) -> bytes:
            return await self._fake._answer(name, context)

        return grpc.unary_unary_rpc_method_handler(answer)  # type: ignore[arg-type]


@contextlib.asynccontextmanager
async def fake_frontend(required_key: str | None = None) -> AsyncIterator[FakeFrontend]:
    """A running fake server on a free local port (plain text), stopped on exit."""
    fake = FakeFrontend(required_key=required_key)
    server = grpc.aio.server()
    server.add_generic_rpc_handlers((_AnyMethod(fake),))
    port = server.add_insecure_port("127.0.0.1:0")
    await server.start()
    fake.target = f"127.0.0.1:{port}"
    try:
        yield fake
    finally:
        await server.stop(None)
