"""The ``core_local_activity`` marker format, as core-based SDKs write and read it."""

from __future__ import annotations

import json

from temporal_sdk._core.activation import ScheduleLocalActivity
from temporal_sdk._core.machines.local_activity import (
    LOCAL_ACTIVITY_MARKER_NAME,
    decode_marker,
    marker_command,
    marker_key,
)
from temporal_sdk._core.machines.marker import _marker_key
from temporal_sdk.api.command.v1 import RecordMarkerCommandAttributes
from temporal_sdk.api.common.v1 import Payload
from temporal_sdk.api.enums.v1 import EventType
from temporal_sdk.api.failure.v1 import Failure
from temporal_sdk.api.history.v1 import HistoryEvent, MarkerRecordedEventAttributes

CMD = ScheduleLocalActivity(seq=3, activity_id="3", activity_type="greet", arguments=())


def _event(attrs: MarkerRecordedEventAttributes) -> HistoryEvent:
    return HistoryEvent(
        event_id=5,
        event_type=EventType.EVENT_TYPE_MARKER_RECORDED,
        marker_recorded_event_attributes=attrs,
    )


def _as_event_attrs(command: RecordMarkerCommandAttributes) -> MarkerRecordedEventAttributes:
    attrs = MarkerRecordedEventAttributes(marker_name=command.marker_name)
    for key, payloads in command.details.items():
        attrs.details[key].CopyFrom(payloads)
    if command.HasField("failure"):
        attrs.failure.CopyFrom(command.failure)
    return attrs


def test_result_marker_round_trip() -> None:
    result = Payload(metadata={"encoding": b"json/plain"}, data=b'"hi"')
    command = marker_command(
        CMD,
        attempt=2,
        complete_time=1700000000.5,
        result=result,
        failure=None,
        backoff=None,
        original_schedule_time=1699999999.5,
    )
    attrs = command.record_marker_command_attributes
    assert attrs.marker_name == LOCAL_ACTIVITY_MARKER_NAME
    data = json.loads(attrs.details["data"].payloads[0].data)
    assert data == {
        "seq": 3,
        "attempt": 2,
        "activity_id": "3",
        "activity_type": "greet",
        "complete_time": {"seconds": 1700000000, "nanos": 500000000},
        "backoff": None,
        "original_schedule_time": {"seconds": 1699999999, "nanos": 500000000},
    }
    marker = decode_marker(_as_event_attrs(attrs))
    assert marker is not None
    assert (marker.seq, marker.attempt, marker.activity_type) == (3, 2, "greet")
    assert marker.result == result
    assert marker.failure is None
    assert marker.original_schedule_time == 1699999999.5


def test_backoff_marker_keeps_the_failure() -> None:
    command = marker_command(
        CMD,
        attempt=1,
        complete_time=1.0,
        result=None,
        failure=Failure(message="boom"),
        backoff=1.5,
        original_schedule_time=None,
    )
    marker = decode_marker(_as_event_attrs(command.record_marker_command_attributes))
    assert marker is not None
    assert marker.backoff == 1.5
    assert marker.failure is not None and marker.failure.message == "boom"


def test_reads_markers_written_by_core() -> None:
    # As the official SDK's core writes it (an extra field it knows is ignored).
    raw = (
        b'{"seq":1,"attempt":1,"activity_id":"1","activity_type":"fl",'
        b'"complete_time":{"seconds":1795468453,"nanos":125152119},'
        b'"backoff":{"seconds":0,"nanos":100000000},'
        b'"original_schedule_time":{"seconds":1795468453,"nanos":131610069},'
        b'"activation_index":1}'
    )
    attrs = MarkerRecordedEventAttributes(marker_name=LOCAL_ACTIVITY_MARKER_NAME)
    attrs.details["data"].payloads.append(Payload(metadata={"encoding": b"json/plain"}, data=raw))
    marker = decode_marker(attrs)
    assert marker is not None
    assert (marker.seq, marker.activity_type, marker.backoff) == (1, "fl", 0.1)
    assert _marker_key(_event(attrs)) == marker_key(1, "fl")


def test_other_markers_are_not_local_activities() -> None:
    attrs = MarkerRecordedEventAttributes(marker_name="SideEffect")
    assert decode_marker(attrs) is None
