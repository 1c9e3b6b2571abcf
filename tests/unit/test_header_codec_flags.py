"""HeaderCodecBehavior plumbing without a server: who codes headers, and the visitor's flag."""

from __future__ import annotations

from collections.abc import Sequence

from temporal_sdk._io.activity_intercept import decode_headers
from temporal_sdk._io.header_codec import (
    activity_codes_headers,
    client_codes_headers,
    workflow_codes_headers,
)
from temporal_sdk._io.payload_visitor import visit_payloads
from temporal_sdk.api.command.v1 import Command, ScheduleActivityTaskCommandAttributes
from temporal_sdk.api.common.v1 import Header, Payload, Payloads
from temporal_sdk.client import Client, HeaderCodecBehavior
from temporal_sdk.service import ConnectConfig


class Upper:
    async def encode(self, payloads: Sequence[Payload]) -> list[Payload]:
        return [Payload(data=p.data.upper()) for p in payloads]

    async def decode(self, payloads: Sequence[Payload]) -> list[Payload]:
        return [Payload(data=p.data.lower()) for p in payloads]


class FakeService:
    config = ConnectConfig(target_host="x:1", identity="me")


def _client(behavior: HeaderCodecBehavior) -> Client:
    return Client(FakeService(), header_codec_behavior=behavior)  # type: ignore[arg-type]


def test_who_codes_headers_per_behavior() -> None:
    table = {
        HeaderCodecBehavior.NO_CODEC: (False, False, False),
        HeaderCodecBehavior.CODEC: (True, True, True),
        HeaderCodecBehavior.WORKFLOW_ONLY_CODEC: (False, False, True),
    }
    for behavior, expected in table.items():
        client = _client(behavior)
        got = (
            client_codes_headers(client),
            activity_codes_headers(client),
            workflow_codes_headers(client),
        )
        assert got == expected, behavior
    assert not workflow_codes_headers(object())  # not a client: the default
    assert HeaderCodecBehavior(2) is HeaderCodecBehavior.CODEC


def _command() -> Command:
    attrs = ScheduleActivityTaskCommandAttributes(
        header=Header(fields={"h": Payload(data=b"head")}),
        input=Payloads(payloads=[Payload(data=b"arg")]),
    )
    return Command(schedule_activity_task_command_attributes=attrs)


async def test_visitor_codes_headers_only_when_asked() -> None:
    plain, coded = _command(), _command()
    await visit_payloads(plain, Upper().encode)
    await visit_payloads(coded, Upper().encode, headers=True)
    a, b = (
        plain.schedule_activity_task_command_attributes,
        coded.schedule_activity_task_command_attributes,
    )
    assert (a.input.payloads[0].data, a.header.fields["h"].data) == (b"ARG", b"head")
    assert (b.input.payloads[0].data, b.header.fields["h"].data) == (b"ARG", b"HEAD")


async def test_activity_headers_decode_only_when_enabled() -> None:
    header = Header(fields={"k": Payload(data=b"ABC")})
    assert (await decode_headers(header, Upper()))["k"].data == b"ABC"
    assert (await decode_headers(header, Upper(), True))["k"].data == b"abc"
    assert (await decode_headers(header, None, True))["k"].data == b"ABC"
    assert header.fields["k"].data == b"ABC"  # the task itself is untouched
