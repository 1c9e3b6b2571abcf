"""Activity interceptor chains without a server: order, outbound routing, collection rules."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import pytest

from temporal_sdk import activity
from temporal_sdk._io.activity_intercept import decode_headers, execute_intercepted
from temporal_sdk._worker_interceptor import worker_interceptors
from temporal_sdk.api.common.v1 import Header, Payload
from temporal_sdk.converter import DataConverter
from temporal_sdk.testing import ActivityEnvironment
from temporal_sdk.worker import (
    ActivityInboundInterceptor,
    ActivityOutboundInterceptor,
    ExecuteActivityInput,
    Interceptor,
)

PC = DataConverter.default.payload_converter


def _info() -> activity.Info:
    return ActivityEnvironment.default_info()


def _named(name: str, log: list[str]) -> Interceptor:
    class Out(ActivityOutboundInterceptor):
        def info(self) -> activity.Info:
            log.append(f"{name}:info")
            return super().info()

        def heartbeat(self, *details: Any) -> None:
            log.append(f"{name}:heartbeat")
            super().heartbeat(name, *details)

    class In(ActivityInboundInterceptor):
        def init(self, outbound: ActivityOutboundInterceptor) -> None:
            log.append(f"{name}:init")
            super().init(Out(outbound))

        async def execute_activity(self, input: ExecuteActivityInput) -> Any:
            log.append(f"{name}:execute:{sorted(input.headers)}")
            input.args = [*input.args, name]
            return await super().execute_activity(input)

    class Named(Interceptor):
        def intercept_activity(
            self, next: ActivityInboundInterceptor
        ) -> ActivityInboundInterceptor:
            log.append(f"{name}:intercept")
            return In(next)

    return Named()


async def test_chain_order_args_and_outbound_routing() -> None:
    log: list[str] = []
    beats: list[Sequence[Any]] = []
    context = activity._Context(
        info=_info(),
        heartbeat=lambda *d: beats.append(d),
        cancelled_event=activity._CompositeEvent(with_async=True),
        worker_shutdown_event=activity._CompositeEvent(with_async=True),
        payload_converter=PC,
        client=None,
    )
    token = activity._Context.set(context)

    def fn(*args: Any) -> Any:
        activity.heartbeat("d")
        return (activity.info().activity_type, args)

    async def run(f: Callable[..., Any], args: Sequence[Any]) -> Any:
        return f(*args)

    result = await execute_intercepted(
        [_named("a", log), _named("b", log)],
        context,
        fn=fn,
        args=["x"],
        executor=None,
        headers={"h": PC.to_payloads(["v"])[0]},
        run=run,
    )
    activity._Context.reset(token)
    assert result == ("unknown", ("x", "a", "b"))
    assert log == [
        "b:intercept",
        "a:intercept",
        "a:init",
        "b:init",
        "a:execute:['h']",
        "b:execute:['h']",
        "b:heartbeat",
        "a:heartbeat",
        "b:info",
        "a:info",
    ]
    assert beats == [("a", "b", "d")]


def test_worker_interceptors_put_client_ones_first_and_reject_foreign_objects() -> None:
    mine, from_client = Interceptor(), Interceptor()

    class FakeClient:
        def config(self, *, active_config: bool = False) -> dict[str, Any]:
            return {"interceptors": [object(), from_client]}

    assert worker_interceptors(FakeClient(), [mine]) == [from_client, mine]
    assert worker_interceptors(object(), [mine]) == [mine]  # a client without config()
    with pytest.raises(TypeError, match="must subclass"):
        worker_interceptors(None, [object()])


async def test_headers_skip_the_codec_as_in_temporalio() -> None:
    class Reverse:
        async def decode(self, payloads: Sequence[Payload]) -> list[Payload]:
            return [Payload(data=p.data[::-1]) for p in payloads]

    header = Header(fields={"k": Payload(data=b"abc")})
    assert (await decode_headers(header, None))["k"].data == b"abc"
    assert (await decode_headers(header, Reverse()))["k"].data == b"abc"
