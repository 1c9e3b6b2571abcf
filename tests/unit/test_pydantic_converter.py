"""Round trips through temporal_sdk.contrib.pydantic."""

from __future__ import annotations

import pickle
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any, Optional

import pydantic
import pytest

from temporal_sdk.api.common.v1 import Payload
from temporal_sdk.contrib.pydantic import (
    PydanticJSONPlainPayloadConverter,
    PydanticPayloadConverter,
    ToJsonOptions,
    pydantic_data_converter,
)
from temporal_sdk.converter import DataConverter, PayloadCodec


class Address(pydantic.BaseModel):
    street: str
    zip_code: str | None = None


class Person(pydantic.BaseModel):
    name: str
    born: datetime
    addresses: list[Address]
    nickname: str | None = None
    tags: set[str] = set()
    ident: uuid.UUID | None = None


@dataclass
class Plain:
    a: int
    when: datetime


def person() -> Person:
    return Person(
        name="Ada",
        born=datetime(1815, 12, 10, 8, 30, tzinfo=timezone.utc),
        addresses=[Address(street="St James's Square"), Address(street="Ockham", zip_code="KT")],
        tags={"math"},
        ident=uuid.UUID(int=7),
    )


def test_model_round_trip_keeps_nested_models_and_datetimes() -> None:
    conv = pydantic_data_converter.payload_converter
    payload = conv.to_payload(person())
    assert payload.metadata["encoding"] == b"json/plain"
    back = conv.from_payload(payload, Person)
    assert back == person()
    assert isinstance(back.addresses[1], Address)
    assert back.born.tzinfo is not None


def test_list_of_models_and_optional_hints() -> None:
    conv = pydantic_data_converter.payload_converter
    people = [person(), person().model_copy(update={"nickname": "Countess"})]
    payloads = conv.to_payloads([people, None, Address(street="x")])
    assert payloads[1].metadata["encoding"] == b"binary/null"
    hints: list[Any] = [list[Person], Optional[Address], Optional[Address]]  # noqa: UP045
    values = conv.from_payloads(payloads, hints)
    assert values == [people, None, Address(street="x")]


def test_untyped_decode_gives_plain_json() -> None:
    conv = pydantic_data_converter.payload_converter
    value = conv.from_payload(conv.to_payload(Address(street="s")))
    assert value == {"street": "s", "zip_code": None}


def test_standard_library_types_round_trip() -> None:
    conv = pydantic_data_converter.payload_converter
    when = datetime(2024, 1, 2, 3, 4, 5, tzinfo=timezone.utc)
    cases: list[tuple[Any, Any]] = [
        (Plain(1, when), Plain),
        (timedelta(seconds=90), timedelta),
        ({1, 2, 3}, set[int]),
        (b"raw", bytes),
        ({"k": [1, 2]}, dict[str, list[int]]),
    ]
    for value, hint in cases:
        assert conv.from_payload(conv.to_payload(value), hint) == value


def test_json_matches_what_the_default_converter_reads() -> None:
    payload = pydantic_data_converter.payload_converter.to_payload(Address(street="s"))
    assert DataConverter.default.payload_converter.from_payload(payload) == {
        "street": "s",
        "zip_code": None,
    }


def test_invalid_payload_is_a_clear_value_error() -> None:
    conv = pydantic_data_converter.payload_converter
    payload = conv.to_payload({"street": 5})
    with pytest.raises(ValueError, match="json/plain"):
        conv.from_payload(payload, Address)


def test_exclude_unset_option() -> None:
    conv = PydanticPayloadConverter(ToJsonOptions(exclude_unset=True))
    assert conv.to_payload(Address(street="s")).data == b'{"street":"s"}'


def test_adapter_cache_settings_and_pickling() -> None:
    with pytest.raises(ValueError):
        PydanticJSONPlainPayloadConverter(max_cached_type_adapters=-1)
    conv = PydanticJSONPlainPayloadConverter(max_cached_type_adapters=0)
    payload = conv.to_payload(Address(street="s"))
    assert payload is not None
    assert conv.from_payload(payload, Address) == Address(street="s")
    copy = pickle.loads(pickle.dumps(PydanticJSONPlainPayloadConverter()))
    assert copy.from_payload(payload, Address) == Address(street="s")


class _Reverse(PayloadCodec):
    async def encode(self, payloads: Any) -> list[Payload]:
        return [
            Payload(metadata={"encoding": b"rev"}, data=p.SerializeToString()[::-1])
            for p in payloads
        ]

    async def decode(self, payloads: Any) -> list[Payload]:
        return [Payload.FromString(p.data[::-1]) for p in payloads]


async def test_with_a_codec() -> None:
    conv = DataConverter(payload_converter_class=PydanticPayloadConverter, payload_codec=_Reverse())
    payloads = await conv.encode([person()])
    assert b"Ada" not in payloads[0].data
    assert await conv.decode(payloads, [Person]) == [person()]
