"""Typed search attributes: keys, pairs, collections, and their payload form.

Rule: a search attribute payload is plain JSON with a ``type`` metadata entry naming its indexed
type (``Keyword``, ``Int``, ...); datetimes travel as ISO-8601 strings with a zone. Decoding is
forgiving: values whose type metadata is missing or does not match are skipped, never raised.
The public names are re-exported from :mod:`temporal_sdk.common`.
"""

from __future__ import annotations

import itertools
import json
import re
import warnings
from collections.abc import Collection, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import IntEnum
from typing import Any, ClassVar, Generic, NamedTuple, TypeVar, get_origin, overload

from temporal_sdk.api.common.v1 import Payload
from temporal_sdk.api.common.v1 import SearchAttributes as _SearchAttributesProto
from temporal_sdk.api.enums import v1 as _enums

SearchAttributeValue = str | int | float | bool | datetime | Sequence[str]
"""Any value a typed search attribute may hold."""

SearchAttributeValueType = TypeVar(
    "SearchAttributeValueType", str, int, float, bool, datetime, Sequence[str]
)
_T = TypeVar("_T", str, int, float, bool, datetime, Sequence[str])


class SearchAttributeIndexedValueType(IntEnum):
    """How the server indexes a search attribute."""

    TEXT = int(_enums.IndexedValueType.INDEXED_VALUE_TYPE_TEXT)
    KEYWORD = int(_enums.IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD)
    INT = int(_enums.IndexedValueType.INDEXED_VALUE_TYPE_INT)
    DOUBLE = int(_enums.IndexedValueType.INDEXED_VALUE_TYPE_DOUBLE)
    BOOL = int(_enums.IndexedValueType.INDEXED_VALUE_TYPE_BOOL)
    DATETIME = int(_enums.IndexedValueType.INDEXED_VALUE_TYPE_DATETIME)
    KEYWORD_LIST = int(_enums.IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD_LIST)


_Indexed = SearchAttributeIndexedValueType
_METADATA_NAMES: dict[_Indexed, str] = {
    _Indexed.TEXT: "Text",
    _Indexed.KEYWORD: "Keyword",
    _Indexed.INT: "Int",
    _Indexed.DOUBLE: "Double",
    _Indexed.BOOL: "Bool",
    _Indexed.DATETIME: "Datetime",
    _Indexed.KEYWORD_LIST: "KeywordList",
}
_PYTHON_TYPES: dict[_Indexed, Any] = {
    _Indexed.TEXT: str,
    _Indexed.KEYWORD: str,
    _Indexed.INT: int,
    _Indexed.DOUBLE: float,
    _Indexed.BOOL: bool,
    _Indexed.DATETIME: datetime,
    _Indexed.KEYWORD_LIST: Sequence[str],
}
_BY_METADATA = {name: kind for kind, name in _METADATA_NAMES.items()}


@dataclass(frozen=True)
class SearchAttributeKey(Generic[SearchAttributeValueType]):
    """The name and indexed type of a search attribute; make one with a ``for_*`` method."""

    name: str
    """The attribute's name as registered on the server."""

    indexed_value_type: SearchAttributeIndexedValueType
    """How the server indexes the attribute."""

    @property
    def value_type(self) -> type[SearchAttributeValueType]:
        """The Python type of the attribute's values (may be generic, e.g. ``Sequence[str]``)."""
        return _PYTHON_TYPES[self.indexed_value_type]  # type: ignore[no-any-return]

    @property
    def origin_value_type(self) -> type:
        """:attr:`value_type` without generic parameters, usable with ``isinstance``."""
        hint = self.value_type
        return get_origin(hint) or hint

    def value_set(
        self, value: SearchAttributeValueType
    ) -> SearchAttributeUpdate[SearchAttributeValueType]:
        """An update that sets this attribute to ``value``."""
        return SearchAttributeUpdate(self, value)

    def value_unset(self) -> SearchAttributeUpdate[SearchAttributeValueType]:
        """An update that removes this attribute."""
        return SearchAttributeUpdate(self, None)

    @staticmethod
    def for_text(name: str) -> SearchAttributeKey[str]:
        """A full-text-indexed string attribute."""
        return SearchAttributeKey[str](name, _Indexed.TEXT)

    @staticmethod
    def for_keyword(name: str) -> SearchAttributeKey[str]:
        """An exact-match string attribute."""
        return SearchAttributeKey[str](name, _Indexed.KEYWORD)

    @staticmethod
    def for_int(name: str) -> SearchAttributeKey[int]:
        """A 64-bit integer attribute."""
        return SearchAttributeKey[int](name, _Indexed.INT)

    @staticmethod
    def for_float(name: str) -> SearchAttributeKey[float]:
        """A double-precision number attribute."""
        return SearchAttributeKey[float](name, _Indexed.DOUBLE)

    @staticmethod
    def for_bool(name: str) -> SearchAttributeKey[bool]:
        """A boolean attribute."""
        return SearchAttributeKey[bool](name, _Indexed.BOOL)

    @staticmethod
    def for_datetime(name: str) -> SearchAttributeKey[datetime]:
        """A timestamp attribute; values must carry a time zone."""
        return SearchAttributeKey[datetime](name, _Indexed.DATETIME)

    @staticmethod
    def for_keyword_list(name: str) -> SearchAttributeKey[Sequence[str]]:
        """A list-of-exact-match-strings attribute."""
        return SearchAttributeKey[Sequence[str]](name, _Indexed.KEYWORD_LIST)

    @property
    def _metadata_type(self) -> str:
        return _METADATA_NAMES[self.indexed_value_type]


class SearchAttributePair(NamedTuple, Generic[SearchAttributeValueType]):
    """A key and the value it holds."""

    key: SearchAttributeKey[SearchAttributeValueType]
    value: SearchAttributeValueType


@dataclass(frozen=True)
class SearchAttributeUpdate(Generic[SearchAttributeValueType]):
    """A change to one attribute: a new value, or ``None`` to remove it."""

    key: SearchAttributeKey[SearchAttributeValueType]
    value: SearchAttributeValueType | None


@dataclass(frozen=True)
class TypedSearchAttributes(Collection[SearchAttributePair[Any]]):
    """An immutable set of search attribute pairs, sorted by name, one per name."""

    search_attributes: Sequence[SearchAttributePair[Any]]
    """The pairs, sorted by key name; build a new collection instead of mutating it."""

    empty: ClassVar[TypedSearchAttributes]
    """The collection with no attributes."""

    def __post_init__(self) -> None:
        """Sort the pairs and reject two pairs with the same name."""
        pairs = sorted(self.search_attributes, key=lambda p: p.key.name)
        for before, after in itertools.pairwise(pairs):
            if before.key.name == after.key.name:
                raise ValueError(
                    f"Duplicate search attribute entries found for key {after.key.name}"
                )
        object.__setattr__(self, "search_attributes", pairs)

    def __len__(self) -> int:
        """Number of attributes."""
        return len(self.search_attributes)

    def __iter__(self) -> Iterator[SearchAttributePair[Any]]:
        """Iterate over the pairs in name order."""
        return iter(self.search_attributes)

    def __contains__(self, key: object) -> bool:
        """Whether a pair has exactly this key (same name and type)."""
        return any(pair.key == key for pair in self.search_attributes)

    def __getitem__(self, key: SearchAttributeKey[_T]) -> _T:
        """The value for ``key``; raises ``KeyError`` when absent."""
        for pair in self.search_attributes:
            if pair.key == key:
                return pair.value  # type: ignore[no-any-return]
        raise KeyError(key.name)

    @overload
    def get(self, key: SearchAttributeKey[_T]) -> _T | None: ...

    @overload
    def get(self, key: SearchAttributeKey[_T], default: Any) -> Any: ...

    def get(self, key: SearchAttributeKey[Any], default: Any = None) -> Any:
        """The value for ``key``, or ``default`` when absent."""
        try:
            return self[key]
        except KeyError:
            return default

    def updated(self, *search_attributes: SearchAttributePair[Any]) -> TypedSearchAttributes:
        """A copy with these pairs added, replacing pairs of the same name."""
        names = {pair.key.name for pair in search_attributes}
        kept = [p for p in self.search_attributes if p.key.name not in names]
        return TypedSearchAttributes([*kept, *search_attributes])


TypedSearchAttributes.empty = TypedSearchAttributes([])


def encode_value(key: SearchAttributeKey[Any], value: Any) -> Payload:
    """Encode one value for ``key``; ``None`` encodes as JSON null with no type (removal)."""
    if value is None:
        return Payload(metadata={"encoding": b"json/plain"}, data=b"null")
    if not isinstance(value, key.origin_value_type) or (
        isinstance(value, bool) and key.indexed_value_type != _Indexed.BOOL
    ):
        raise TypeError(
            f"value {value!r} does not suit search attribute {key.name} "
            f"of type {key.indexed_value_type.name}"
        )
    return Payload(
        metadata={"encoding": b"json/plain", "type": key._metadata_type.encode()},
        data=json.dumps(_jsonable(key, value), separators=(",", ":")).encode(),
    )


def _jsonable(key: SearchAttributeKey[Any], value: Any) -> Any:
    if isinstance(value, datetime):
        if value.tzinfo is None:
            raise ValueError("Timezone must be present on all search attribute dates")
        return value.isoformat()
    if key.indexed_value_type == _Indexed.KEYWORD_LIST:
        if isinstance(value, str) or not all(isinstance(v, str) for v in value):
            raise TypeError(f"search attribute {key.name} needs a sequence of strings")
        return list(value)
    return value


def encode_typed(attributes: TypedSearchAttributes, proto: _SearchAttributesProto) -> None:
    """Write every pair of ``attributes`` into ``proto.indexed_fields``."""
    for key, value in attributes:
        proto.indexed_fields[key.name].CopyFrom(encode_value(key, value))


def encode_any(attributes: Any, proto: _SearchAttributesProto, *, what: str) -> None:
    """Write typed attributes, or the deprecated name → list-of-values mapping, into ``proto``.

    ``what`` names the call for the error raised on any other type.
    """
    if isinstance(attributes, TypedSearchAttributes):
        encode_typed(attributes, proto)
    elif isinstance(attributes, Mapping):
        warnings.warn(
            "search attributes given as a dict are deprecated; use TypedSearchAttributes",
            DeprecationWarning,
            stacklevel=3,
        )
        for name, values in attributes.items():
            proto.indexed_fields[name].CopyFrom(encode_untyped_values(values))
    else:
        raise TypeError(
            f"search_attributes of {what} must be a common.TypedSearchAttributes, "
            f"not {type(attributes).__name__}"
        )


def encode_untyped_values(values: Sequence[Any]) -> Payload:
    """The payload of one untyped attribute: a JSON list whose items share one type.

    Datetimes must carry a timezone and are written in ISO-8601 form.
    """
    if not isinstance(values, list):
        raise TypeError("search attribute values must be given as a list")
    kinds = {type(v) for v in values}
    if len(kinds) > 1:
        names = sorted(k.__name__ for k in kinds)
        raise TypeError(f"search attribute values must share one type, got {names}")
    plain: list[Any] = []
    for value in values:
        if isinstance(value, datetime):
            if value.tzinfo is None:
                raise ValueError("Timezone must be present on all search attribute dates")
            value = value.isoformat()
        plain.append(value)
    return Payload(
        metadata={"encoding": b"json/plain"},
        data=json.dumps(plain, separators=(",", ":")).encode(),
    )


def encode_updates(
    updates: Sequence[SearchAttributeUpdate[Any]], proto: _SearchAttributesProto
) -> None:
    """Write updates (sets and removals) into ``proto.indexed_fields``."""
    for update in updates:
        proto.indexed_fields[update.key.name].CopyFrom(encode_value(update.key, update.value))


def decode_typed(proto: _SearchAttributesProto) -> TypedSearchAttributes:
    """Read the typed attributes from ``proto``, skipping untyped or ill-typed entries."""
    pairs: list[SearchAttributePair[Any]] = []
    for name, payload in proto.indexed_fields.items():
        kind = _BY_METADATA.get(payload.metadata.get("type", b"").decode())
        if kind is None:
            continue
        key: SearchAttributeKey[Any] = SearchAttributeKey(name, kind)
        value = _decode_value(key, payload)
        if value is not None:
            pairs.append(SearchAttributePair(key, value))
    return TypedSearchAttributes(pairs)


def _decode_value(key: SearchAttributeKey[Any], payload: Payload) -> Any:
    try:
        value = json.loads(payload.data) if payload.data else None
    except ValueError:
        return None
    kind = key.indexed_value_type
    if kind != _Indexed.KEYWORD_LIST and isinstance(value, list):
        if len(value) != 1:
            return None
        value = value[0]
    if kind == _Indexed.DATETIME and isinstance(value, str):
        value = _parse_iso(value)
    elif kind == _Indexed.DOUBLE and type(value) is int:
        value = float(value)
    if kind == _Indexed.KEYWORD_LIST:
        ok = isinstance(value, list) and all(isinstance(v, str) for v in value)
        return value if ok else None
    if kind != _Indexed.BOOL and isinstance(value, bool):
        return None
    return value if isinstance(value, key.origin_value_type) else None


def _parse_iso(text: str) -> datetime | None:
    """Parse an ISO-8601 timestamp, trimming fractions beyond microseconds (Python 3.10)."""
    text = re.sub(r"(\.\d{6})\d+", r"\1", text.replace("Z", "+00:00"))
    try:
        return datetime.fromisoformat(text)
    except ValueError:
        return None


def decode_untyped(proto: _SearchAttributesProto) -> dict[str, list[Any]]:
    """The older untyped form: every attribute as a list of plain values (datetimes parsed)."""
    found: dict[str, list[Any]] = {}
    for name, payload in proto.indexed_fields.items():
        try:
            value = json.loads(payload.data) if payload.data else None
        except ValueError:
            continue
        values = value if isinstance(value, list) else [value]
        if payload.metadata.get("type") == b"Datetime":
            values = [_parse_iso(v) if isinstance(v, str) else v for v in values]
        found[name] = values
    return found
