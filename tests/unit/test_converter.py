from __future__ import annotations

import collections
import dataclasses
import uuid
from collections.abc import Sequence
from datetime import date, datetime, time, timedelta, timezone
from enum import Enum, IntEnum
from typing import Any, Literal, NewType, Optional, Union

import pytest
from typing_extensions import TypedDict

from temporal_sdk.api.common.v1 import Payload, Payloads, WorkflowExecution
from temporal_sdk.api.failure.v1 import Failure
from temporal_sdk.common import RawValue
from temporal_sdk.converter import (
    BinaryProtoPayloadConverter,
    DataConverter,
    DefaultPayloadConverter,
    JSONPlainPayloadConverter,
    JSONTypeConverter,
    PayloadCodec,
    PayloadConverter,
    default,
    value_to_type,
)
from temporal_sdk.exceptions import ApplicationError

conv = DataConverter.default.payload_converter


@dataclasses.dataclass
class Inner:
    name: str
    when: datetime | None = None


@dataclasses.dataclass
class Outer:
    zeta: int
    inner: Inner
    items: list[Inner] = dataclasses.field(default_factory=list)
    alpha: Optional[str] = None  # noqa: UP045 - the old spelling must work too


@dataclasses.dataclass(frozen=True)
class Frozen:
    x: int
    y: int = dataclasses.field(init=False, default=0)


@dataclasses.dataclass
class Node:
    value: int
    children: list[Node] = dataclasses.field(default_factory=list)


class Color(IntEnum):
    RED = 1
    GREEN = 2


class Mood(str, Enum):
    HAPPY = "happy"
    SAD = "sad"


class Plain(Enum):
    A = "a"
    B = 2


class Movie(TypedDict):
    title: str
    year: int


UserId = NewType("UserId", int)


def roundtrip(value: Any, hint: Any = None) -> Any:
    return conv.from_payload(conv.to_payload(value), hint)


# --- wire format -------------------------------------------------------------------------------


def test_wire_format_dict() -> None:
    payload = conv.to_payload({"b": 1, "a": [1, "x", None, True], "c": {"z": 1.5, "y": "é"}})
    assert dict(payload.metadata) == {"encoding": b"json/plain"}
    assert payload.data == b'{"a":[1,"x",null,true],"b":1,"c":{"y":"\\u00e9","z":1.5}}'


def test_wire_format_dataclass() -> None:
    payload = conv.to_payload(Outer(zeta=1, inner=Inner("n"), alpha="a"))
    assert dict(payload.metadata) == {"encoding": b"json/plain"}
    assert payload.data == b'{"alpha":"a","inner":{"name":"n","when":null},"items":[],"zeta":1}'


def test_wire_format_scalars_null_and_bytes() -> None:
    assert conv.to_payload("hi").data == b'"hi"'
    assert conv.to_payload(3).data == b"3"
    assert conv.to_payload(True).data == b"true"
    null = conv.to_payload(None)
    assert dict(null.metadata) == {"encoding": b"binary/null"}
    assert null.data == b""
    raw = conv.to_payload(b"\x00\x01")
    assert dict(raw.metadata) == {"encoding": b"binary/plain"}
    assert raw.data == b"\x00\x01"


def test_wire_format_protobuf() -> None:
    payload = conv.to_payload(WorkflowExecution(workflow_id="w", run_id="r"))
    assert dict(payload.metadata) == {
        "encoding": b"json/protobuf",
        "messageType": b"temporal.api.common.v1.WorkflowExecution",
    }
    assert payload.data == b'{"runId":"r","workflowId":"w"}'


def test_wire_format_special_values() -> None:
    when = datetime(2024, 1, 2, 3, 4, 5, tzinfo=timezone.utc)
    ident = uuid.UUID("12345678-1234-5678-1234-567812345678")
    payload = conv.to_payload([when, date(2024, 1, 2), time(3, 4), ident, Color.RED, Mood.SAD])
    assert payload.data == (
        b'["2024-01-02T03:04:05+00:00","2024-01-02","03:04:00",'
        b'"12345678-1234-5678-1234-567812345678",1,"sad"]'
    )
    assert conv.to_payload(Plain.B).data == b"2"
    assert conv.to_payload({3, 1, 2}).data in (b"[1,2,3]", b"[3,1,2]", b"[2,3,1]")


# --- round trips -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "value", [None, b"bytes", "text", 0, -7, 1.25, True, [1, "a"], {"k": [None, 2.5]}]
)
def test_untyped_roundtrip(value: Any) -> None:
    assert roundtrip(value) == value


def test_protobuf_roundtrip_json_and_binary() -> None:
    message = WorkflowExecution(workflow_id="w", run_id="r")
    assert roundtrip(message) == message
    binary = BinaryProtoPayloadConverter()
    payload = binary.to_payload(message)
    assert payload is not None
    assert payload.metadata["encoding"] == b"binary/protobuf"
    assert payload.data == message.SerializeToString()
    assert conv.from_payload(payload) == message


def test_raw_value_passes_through() -> None:
    original = Payload(metadata={"encoding": b"my/thing"}, data=b"xyz")
    assert conv.to_payloads([RawValue(original)])[0] is original
    assert conv.from_payloads([original], [RawValue]) == [RawValue(original)]


def test_payloads_wrappers() -> None:
    wrapped = conv.to_payloads_wrapper(["a", 1])
    assert isinstance(wrapped, Payloads)
    assert conv.from_payloads_wrapper(wrapped) == ["a", 1]
    assert conv.from_payloads_wrapper(None) == []
    assert conv.from_payloads_wrapper(Payloads()) == []


# --- type-hint decoding ------------------------------------------------------------------------


def test_nested_dataclasses() -> None:
    when = datetime(2024, 5, 6, 7, 8, 9, 123456, tzinfo=timezone.utc)
    value = Outer(zeta=3, inner=Inner("a", when), items=[Inner("b"), Inner("c", when)])
    assert roundtrip(value, Outer) == value


def test_dataclass_unknown_keys_ignored_and_missing_required_fails() -> None:
    assert value_to_type(Inner, {"name": "n", "extra": 1}) == Inner("n")
    with pytest.raises(TypeError, match="Inner"):
        value_to_type(Inner, {"when": None})
    with pytest.raises(TypeError, match="field name"):
        value_to_type(Inner, {"name": 5})


def test_frozen_dataclass_with_non_init_field() -> None:
    obj = value_to_type(Frozen, {"x": 1, "y": 9})
    assert obj.x == 1
    assert obj.y == 9


def test_recursive_dataclass() -> None:
    tree = Node(1, [Node(2, [Node(3)]), Node(4)])
    assert roundtrip(tree, Node) == tree


def test_collections() -> None:
    assert roundtrip([Inner("a")], list[Inner]) == [Inner("a")]
    assert roundtrip((1, "a"), tuple[int, str]) == (1, "a")
    assert roundtrip((1, 2, 3), tuple[int, ...]) == (1, 2, 3)
    assert roundtrip({1, 2}, set[int]) == {1, 2}
    assert roundtrip(frozenset({"a"}), frozenset[str]) == frozenset({"a"})
    assert roundtrip([1], collections.deque[int]) == collections.deque([1])
    assert roundtrip([1, 2], Sequence[int]) == [1, 2]
    assert roundtrip([1, "x"], list) == [1, "x"]
    with pytest.raises(TypeError):
        value_to_type(tuple[int, str], [1, "a", "extra"])
    with pytest.raises(TypeError):
        value_to_type(list[int], "not a list")


def test_mappings_with_typed_keys() -> None:
    assert roundtrip({1: Inner("a")}, dict[int, Inner]) == {1: Inner("a")}
    assert roundtrip({1.5: "x"}, dict[float, str]) == {1.5: "x"}
    assert roundtrip({True: 1}, dict[bool, int]) == {True: 1}
    assert roundtrip({Color.RED: "r"}, dict[Color, str]) == {Color.RED: "r"}
    assert roundtrip({"happy": 1}, dict[Mood, int]) == {Mood.HAPPY: 1}
    assert roundtrip({"a": 1}, dict) == {"a": 1}
    assert roundtrip({"a": 1}, dict[str, Any]) == {"a": 1}


def test_typed_dict() -> None:
    movie: Movie = {"title": "T", "year": 1999}
    assert roundtrip(movie, Movie) == movie
    with pytest.raises(TypeError):
        value_to_type(Movie, {"title": "T", "year": "x"})


def test_optional_union_literal() -> None:
    assert roundtrip(None, Optional[Inner]) is None  # noqa: UP045
    assert roundtrip(Inner("a"), Inner | None) == Inner("a")
    assert roundtrip("5", Union[int, str]) == "5"  # noqa: UP007
    assert roundtrip(5, int | str) == 5
    assert roundtrip("b", Literal["a", "b"]) == "b"
    with pytest.raises(TypeError):
        value_to_type(Literal["a", "b"], "c")
    with pytest.raises(TypeError):
        value_to_type(int | None, "x")


def test_enums() -> None:
    assert roundtrip(Color.GREEN, Color) is Color.GREEN
    assert roundtrip(Mood.HAPPY, Mood) is Mood.HAPPY
    assert roundtrip(Plain.A, Plain) is Plain.A
    assert roundtrip(Plain.B, Plain) is Plain.B
    with pytest.raises(TypeError):
        value_to_type(Color, "1")
    with pytest.raises(TypeError):
        value_to_type(Color, 99)


def test_dates_times_uuid() -> None:
    aware = datetime(2024, 1, 2, 3, 4, 5, 6, tzinfo=timezone(timedelta(hours=2)))
    assert roundtrip(aware, datetime) == aware
    assert roundtrip(datetime(2024, 1, 2), datetime) == datetime(2024, 1, 2)
    assert value_to_type(datetime, "2024-01-02T03:04:05Z") == datetime(
        2024, 1, 2, 3, 4, 5, tzinfo=timezone.utc
    )
    assert value_to_type(datetime, "2024-01-02T03:04:05.5Z") == datetime(
        2024, 1, 2, 3, 4, 5, 500000, tzinfo=timezone.utc
    )
    assert roundtrip(date(2024, 1, 2), date) == date(2024, 1, 2)
    assert roundtrip(time(3, 4, 5), time) == time(3, 4, 5)
    ident = uuid.uuid4()
    assert roundtrip(ident, uuid.UUID) == ident
    with pytest.raises(TypeError):
        value_to_type(datetime, "not a date")
    with pytest.raises(TypeError):
        value_to_type(uuid.UUID, "nope")


def test_scalars_newtype_any() -> None:
    assert roundtrip(5, UserId) == 5
    assert roundtrip(5, float) == 5.0
    assert isinstance(roundtrip(5, float), float)
    assert roundtrip({"a": [1]}, Any) == {"a": [1]}
    assert roundtrip({"a": [1]}, object) == {"a": [1]}
    assert value_to_type(bytes, [104, 105]) == b"hi"
    assert value_to_type(bytes, "aGk=") == b"hi"  # base64, as other SDKs write it
    with pytest.raises(TypeError):
        value_to_type(str, 1)
    with pytest.raises(TypeError):
        value_to_type(bool, 1)
    with pytest.raises(TypeError):
        value_to_type(int, "1")


def test_custom_type_converter_is_consulted_at_every_level() -> None:
    class Money:
        def __init__(self, cents: int) -> None:
            self.cents = cents

    class MoneyConverter(JSONTypeConverter):
        def to_typed_value(self, hint: type, value: Any) -> Any:
            if hint is Money:
                return Money(int(value))
            return JSONTypeConverter.Unhandled

    plain = JSONPlainPayloadConverter(custom_type_converters=[MoneyConverter()])
    payload = Payload(metadata={"encoding": b"json/plain"}, data=b"[1,2]")
    result = plain.from_payload(payload, list[Money])
    assert [m.cents for m in result] == [1, 2]


# --- errors ------------------------------------------------------------------------------------


def test_bad_json_is_a_value_error_naming_the_encoding() -> None:
    bad = Payload(metadata={"encoding": b"json/plain"}, data=b"{nope")
    with pytest.raises(ValueError, match="json/plain"):
        conv.from_payloads([bad])


def test_unknown_encoding_is_a_value_error() -> None:
    with pytest.raises(ValueError, match="unknown encoding weird/enc"):
        conv.from_payloads([Payload(metadata={"encoding": b"weird/enc"}, data=b"")])
    with pytest.raises(ValueError, match="unknown encoding"):
        conv.from_payloads([Payload(data=b"1")])


def test_wrong_type_is_a_type_error_naming_encoding_and_type() -> None:
    with pytest.raises(TypeError, match=r"json/plain.*Inner"):
        conv.from_payload(conv.to_payload("text"), Inner)


def test_unknown_proto_type_and_bad_null() -> None:
    unknown = Payload(
        metadata={"encoding": b"json/protobuf", "messageType": b"no.such.Message"}, data=b"{}"
    )
    with pytest.raises(ValueError, match=r"no\.such\.Message"):
        conv.from_payloads([unknown])
    with pytest.raises(ValueError, match="binary/null"):
        conv.from_payloads([Payload(metadata={"encoding": b"binary/null"}, data=b"x")])


def test_unencodable_value_raises_type_error() -> None:
    with pytest.raises(TypeError):
        conv.to_payload(object())


# --- data converter and codec ------------------------------------------------------------------


class WrapCodec(PayloadCodec):
    """Wraps each payload (serialized) in a new payload with encoding ``test/wrapped``."""

    def __init__(self) -> None:
        self.encoded = 0
        self.decoded = 0

    async def encode(self, payloads: Sequence[Payload]) -> list[Payload]:
        self.encoded += len(payloads)
        return [
            Payload(metadata={"encoding": b"test/wrapped"}, data=p.SerializeToString())
            for p in payloads
        ]

    async def decode(self, payloads: Sequence[Payload]) -> list[Payload]:
        self.decoded += len(payloads)
        out = []
        for p in payloads:
            assert p.metadata["encoding"] == b"test/wrapped"
            out.append(Payload.FromString(p.data))
        return out


async def test_data_converter_applies_codec() -> None:
    codec = WrapCodec()
    dc = DataConverter(payload_codec=codec)
    payloads = await dc.encode(["a", Inner("n")])
    assert [p.metadata["encoding"] for p in payloads] == [b"test/wrapped"] * 2
    assert await dc.decode(payloads, [str, Inner]) == ["a", Inner("n")]
    wrapper = await dc.encode_wrapper([1])
    assert wrapper.payloads[0].metadata["encoding"] == b"test/wrapped"
    assert await dc.decode_wrapper(wrapper) == [1]
    assert await dc.decode_wrapper(None) == []
    assert codec.encoded == 3
    assert codec.decoded == 3


async def test_data_converter_codec_applies_to_failures_and_causes() -> None:
    dc = DataConverter(payload_codec=WrapCodec())
    try:
        try:
            raise ApplicationError("inner", {"d": 1}, type="In")
        except ApplicationError as inner:
            raise ApplicationError("outer", "x", type="Out") from inner
    except ApplicationError as err:
        failure = Failure()
        await dc.encode_failure(err, failure)
    assert failure.application_failure_info.details.payloads[0].metadata["encoding"] == (
        b"test/wrapped"
    )
    cause_details = failure.cause.application_failure_info.details.payloads[0]
    assert cause_details.metadata["encoding"] == b"test/wrapped"
    decoded = await dc.decode_failure(failure)
    assert isinstance(decoded, ApplicationError)
    assert decoded.details == ("x",)
    assert isinstance(decoded.cause, ApplicationError)
    assert decoded.cause.details == ({"d": 1},)


async def test_encoded_attributes_go_through_the_codec() -> None:
    from temporal_sdk.converter import DefaultFailureConverterWithEncodedAttributes

    dc = DataConverter(
        payload_codec=WrapCodec(),
        failure_converter_class=DefaultFailureConverterWithEncodedAttributes,
    )
    failure = Failure()
    await dc.encode_failure(ApplicationError("secret"), failure)
    assert failure.message == "Encoded failure"
    assert failure.encoded_attributes.metadata["encoding"] == b"test/wrapped"
    decoded = await dc.decode_failure(failure)
    assert isinstance(decoded, ApplicationError)
    assert decoded.message == "secret"


def test_defaults() -> None:
    assert default() is DataConverter.default
    assert isinstance(DataConverter.default, DataConverter)
    assert PayloadConverter.default is DataConverter.default.payload_converter
    assert isinstance(DataConverter.default.payload_converter, DefaultPayloadConverter)
    assert DataConverter.default.payload_codec is None
    assert list(DefaultPayloadConverter().converters) == [
        b"binary/null",
        b"binary/plain",
        b"json/protobuf",
        b"binary/protobuf",
        b"json/plain",
    ]
    with pytest.raises(dataclasses.FrozenInstanceError):
        DataConverter.default.payload_codec = None  # type: ignore[misc]
