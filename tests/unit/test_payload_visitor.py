"""The codec walk reaches every payload in a message (headers included) except search attributes."""

from __future__ import annotations

from collections.abc import Sequence

from temporal_sdk._io.payload_visitor import visit_payloads
from temporal_sdk.api.common.v1 import Header, Memo, Payload, Payloads, SearchAttributes
from temporal_sdk.api.failure.v1 import ApplicationFailureInfo, Failure
from temporal_sdk.api.workflowservice.v1 import (
    RespondActivityTaskFailedRequest,
    StartWorkflowExecutionRequest,
)


def _plain(text: str) -> Payload:
    return Payload(metadata={"encoding": b"json/plain"}, data=text.encode())


async def _mark(payloads: Sequence[Payload]) -> list[Payload]:
    return [Payload(metadata={"encoding": b"enc"}, data=p.data[::-1]) for p in payloads]


async def test_start_request_memo_input_encoded_headers_and_search_attributes_kept() -> None:
    req = StartWorkflowExecutionRequest(
        input=Payloads(payloads=[_plain("a"), _plain("b")]),
        header=Header(fields={"trace": _plain("hdr")}),
        memo=Memo(fields={"m": _plain("memo")}),
        search_attributes=SearchAttributes(indexed_fields={"sa": _plain("visible")}),
    )
    req.user_metadata.summary.CopyFrom(_plain("summary"))
    await visit_payloads(req, _mark)
    assert [p.data for p in req.input.payloads] == [b"a", b"b"]
    assert all(p.metadata["encoding"] == b"enc" for p in req.input.payloads)
    assert req.header.fields["trace"] == _plain("hdr")  # headers skip the codec
    assert req.memo.fields["m"].data == b"omem"
    assert req.user_metadata.summary.metadata["encoding"] == b"enc"
    assert req.search_attributes.indexed_fields["sa"] == _plain("visible")


async def test_failure_chain_and_heartbeat_details_encoded() -> None:
    inner = Failure(
        message="inner",
        application_failure_info=ApplicationFailureInfo(
            details=Payloads(payloads=[_plain("inner-detail")])
        ),
    )
    outer = Failure(message="outer", encoded_attributes=_plain("attrs"), cause=inner)
    req = RespondActivityTaskFailedRequest(
        failure=outer, last_heartbeat_details=Payloads(payloads=[_plain("hb")])
    )
    await visit_payloads(req, _mark)
    assert req.failure.encoded_attributes.metadata["encoding"] == b"enc"
    detail = req.failure.cause.application_failure_info.details.payloads[0]
    assert detail.metadata["encoding"] == b"enc"
    assert req.last_heartbeat_details.payloads[0].data == b"bh"
