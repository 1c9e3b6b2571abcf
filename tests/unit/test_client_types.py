"""Client value types without a server: search attribute payloads and schedule protobufs."""

from __future__ import annotations

import asyncio
import json
from datetime import datetime, timedelta, timezone

import pytest

from temporal_sdk import _search_attributes as sa
from temporal_sdk.api.common.v1 import Payload, SearchAttributes
from temporal_sdk.client import (
    Schedule,
    ScheduleActionStartWorkflow,
    ScheduleCalendarSpec,
    ScheduleIntervalSpec,
    ScheduleOverlapPolicy,
    SchedulePolicy,
    ScheduleRange,
    ScheduleSpec,
    ScheduleState,
)
from temporal_sdk.common import (
    RetryPolicy,
    SearchAttributeKey,
    SearchAttributePair,
    TypedSearchAttributes,
)
from temporal_sdk.converter import DataConverter

WHEN = SearchAttributeKey.for_datetime("When")
SCORE = SearchAttributeKey.for_float("Score")
TAGS = SearchAttributeKey.for_keyword_list("Tags")
FLAG = SearchAttributeKey.for_bool("Flag")
COUNT = SearchAttributeKey.for_int("Count")


def test_typed_round_trip_and_metadata() -> None:
    attrs = TypedSearchAttributes(
        [
            SearchAttributePair(WHEN, datetime(2024, 5, 1, 12, tzinfo=timezone.utc)),
            SearchAttributePair(SCORE, 1.5),
            SearchAttributePair(TAGS, ["a", "b"]),
            SearchAttributePair(FLAG, True),
            SearchAttributePair(COUNT, 3),
        ]
    )
    proto = SearchAttributes()
    sa.encode_typed(attrs, proto)
    assert proto.indexed_fields["Tags"].metadata["type"] == b"KeywordList"
    assert proto.indexed_fields["Score"].metadata["encoding"] == b"json/plain"
    assert sa.decode_typed(proto) == attrs
    assert [p.key.name for p in attrs] == sorted(p.key.name for p in attrs)
    assert sa.decode_untyped(proto)["Tags"] == ["a", "b"]


def test_decode_is_forgiving() -> None:
    def payload(kind: str | None, value: object) -> Payload:
        meta = {"encoding": b"json/plain"}
        if kind:
            meta["type"] = kind.encode()
        return Payload(metadata=meta, data=json.dumps(value).encode())

    proto = SearchAttributes()
    proto.indexed_fields["Score"].CopyFrom(payload("Double", 2))  # whole doubles come as ints
    proto.indexed_fields["One"].CopyFrom(payload("Keyword", ["only"]))  # one-item list
    proto.indexed_fields["NoType"].CopyFrom(payload(None, "x"))
    proto.indexed_fields["Wrong"].CopyFrom(payload("Int", "not an int"))
    proto.indexed_fields["Nanos"].CopyFrom(payload("Datetime", "2024-01-01T00:00:00.123456789Z"))
    decoded = sa.decode_typed(proto)
    assert decoded[SCORE] == 2.0 and isinstance(decoded[SCORE], float)
    assert decoded[SearchAttributeKey.for_keyword("One")] == "only"
    assert SearchAttributeKey.for_keyword("NoType") not in decoded
    assert SearchAttributeKey.for_int("Wrong") not in decoded
    nanos = decoded[SearchAttributeKey.for_datetime("Nanos")]
    assert nanos == datetime(2024, 1, 1, 0, 0, 0, 123456, tzinfo=timezone.utc)


def test_updated_replaces_by_name() -> None:
    attrs = TypedSearchAttributes([SearchAttributePair(COUNT, 1)])
    new = attrs.updated(SearchAttributePair(COUNT, 2), SearchAttributePair(FLAG, False))
    assert new[COUNT] == 2 and new.get(FLAG) is False and attrs[COUNT] == 1
    assert sa.encode_value(COUNT, None).data == b"null"
    with pytest.raises(TypeError):
        sa.encode_value(COUNT, True)  # bool is not an int here
    with pytest.raises(TypeError):
        sa.encode_value(TAGS, "not-a-list")


def test_schedule_round_trips_through_proto() -> None:
    class FakeClient:
        data_converter = DataConverter.default

    schedule = Schedule(
        action=ScheduleActionStartWorkflow(
            "Wf",
            args=[1, "two"],
            id="wf-id",
            task_queue="tq",
            run_timeout=timedelta(minutes=5),
            retry_policy=RetryPolicy(maximum_attempts=2),
            memo={"m": 1},
            typed_search_attributes=TypedSearchAttributes([SearchAttributePair(COUNT, 9)]),
            static_summary="sum",
        ),
        spec=ScheduleSpec(
            calendars=[ScheduleCalendarSpec(hour=(ScheduleRange(1, 5, 2),), comment="c")],
            intervals=[ScheduleIntervalSpec(timedelta(hours=1), timedelta(minutes=3))],
            cron_expressions=["0 0 * * *"],
            start_at=datetime(2030, 1, 1, tzinfo=timezone.utc),
            jitter=timedelta(seconds=4),
            time_zone_name="UTC",
        ),
        policy=SchedulePolicy(overlap=ScheduleOverlapPolicy.ALLOW_ALL, pause_on_failure=True),
        state=ScheduleState(note="n", limited_actions=True, remaining_actions=3),
    )
    proto = asyncio.run(schedule._to_proto(FakeClient()))  # type: ignore[arg-type]
    start = proto.action.start_workflow
    assert start.workflow_type.name == "Wf" and len(start.input.payloads) == 2
    assert start.search_attributes.indexed_fields["Count"].metadata["type"] == b"Int"
    assert proto.spec.interval[0].phase.ToTimedelta() == timedelta(minutes=3)
    back = Schedule._from_proto(proto)
    assert back.spec == schedule.spec
    assert back.policy == schedule.policy and back.state == schedule.state
    action = back.action
    assert isinstance(action, ScheduleActionStartWorkflow)
    assert action.run_timeout == timedelta(minutes=5) and action.retry_policy is not None
    assert action.typed_search_attributes[COUNT] == 9
    # Raw payloads read back are sent again unchanged.
    again = asyncio.run(back._to_proto(FakeClient()))  # type: ignore[arg-type]
    assert again == proto


def test_schedule_range_defaults() -> None:
    assert ScheduleRange(4) == ScheduleRange(4, 4, 1)
    with pytest.raises(ValueError):
        ScheduleActionStartWorkflow("Wf", id="", task_queue="tq")
