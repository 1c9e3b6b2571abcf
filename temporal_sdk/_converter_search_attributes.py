"""Search-attribute conversion functions of ``temporal_sdk.converter`` (temporalio's names).

Rule: thin public wrappers over ``_search_attributes``; the typed form is the one to use, the
untyped (dict of value lists) form is kept for code written against older APIs.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from temporal_sdk._search_attributes import (
    SearchAttributeKey,
    TypedSearchAttributes,
    decode_typed,
    decode_untyped,
    encode_typed,
    encode_untyped_values,
    encode_value,
)
from temporal_sdk.api.common.v1 import Payload, SearchAttributes

__all__ = [
    "decode_search_attributes",
    "decode_typed_search_attributes",
    "encode_search_attribute_values",
    "encode_search_attributes",
    "encode_typed_search_attribute_value",
]


def encode_search_attributes(
    attributes: TypedSearchAttributes | Mapping[str, Sequence[Any]], api: SearchAttributes
) -> None:
    """Write ``attributes`` (typed, or the older name → list-of-values form) into ``api``."""
    if isinstance(attributes, TypedSearchAttributes):
        encode_typed(attributes, api)
        return
    for name, values in attributes.items():
        api.indexed_fields[name].CopyFrom(encode_untyped_values(values))


def encode_typed_search_attribute_value(key: SearchAttributeKey[Any], value: Any) -> Payload:
    """The payload for one typed value (``None`` encodes a removal, with no type metadata)."""
    return encode_value(key, value)


def encode_search_attribute_values(values: Sequence[Any]) -> Payload:
    """The payload for an untyped attribute: a JSON list whose items share one type.

    Datetimes must carry a timezone and are written in ISO-8601 form.
    """
    return encode_untyped_values(values)


def decode_search_attributes(api: SearchAttributes) -> dict[str, list[Any]]:
    """The untyped form of ``api``: every attribute as a list of values (a new dict each call)."""
    return decode_untyped(api)


def decode_typed_search_attributes(api: SearchAttributes) -> TypedSearchAttributes:
    """The typed attributes of ``api``; entries without type metadata are skipped."""
    return decode_typed(api)
