"""The search-attribute conversion functions of ``temporal_sdk.converter``."""

from __future__ import annotations

import json
from datetime import datetime, timezone

import pytest

from temporal_sdk.api.common.v1 import SearchAttributes
from temporal_sdk.common import SearchAttributeKey, SearchAttributePair, TypedSearchAttributes
from temporal_sdk.converter import (
    decode_search_attributes,
    decode_typed_search_attributes,
    encode_search_attribute_values,
    encode_search_attributes,
    encode_typed_search_attribute_value,
)

WHEN = datetime(2024, 1, 2, 3, 4, 5, tzinfo=timezone.utc)
KEYWORD = SearchAttributeKey.for_keyword("kw")
WHEN_KEY = SearchAttributeKey.for_datetime("when")


def test_typed_round_trip() -> None:
    api = SearchAttributes()
    typed = TypedSearchAttributes(
        [SearchAttributePair(KEYWORD, "x"), SearchAttributePair(WHEN_KEY, WHEN)]
    )
    encode_search_attributes(typed, api)
    assert api.indexed_fields["kw"].metadata["type"] == b"Keyword"
    decoded = decode_typed_search_attributes(api)
    assert decoded.get(KEYWORD) == "x"
    assert decoded.get(WHEN_KEY) == WHEN


def test_untyped_round_trip_and_typed_decoding_skips_untyped_entries() -> None:
    api = SearchAttributes()
    encode_search_attributes({"nums": [1, 2], "dates": [WHEN]}, api)
    assert json.loads(api.indexed_fields["dates"].data) == [WHEN.isoformat()]
    assert decode_search_attributes(api) == {"nums": [1, 2], "dates": [WHEN.isoformat()]}
    assert len(decode_typed_search_attributes(api)) == 0


def test_bad_values_are_refused() -> None:
    with pytest.raises(TypeError, match="one type"):
        encode_search_attribute_values([1, "a"])
    with pytest.raises(ValueError, match="Timezone"):
        encode_search_attribute_values([datetime(2024, 1, 1)])
    with pytest.raises(TypeError, match="list"):
        encode_search_attribute_values((1, 2))  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        encode_typed_search_attribute_value(KEYWORD, 5)
    removal = encode_typed_search_attribute_value(KEYWORD, None)
    assert removal.data == b"null" and "type" not in removal.metadata
