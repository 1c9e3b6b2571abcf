"""A data converter that encodes values as JSON with pydantic v2 (the ``pydantic`` extra).

Pass :data:`pydantic_data_converter` as a client's ``data_converter``; the worker created from that
client uses it too. Every value pydantic can serialise (models, dataclasses, ``datetime``, ``UUID``,
sets, ``Optional`` and collections of these) goes out as ``json/plain``, so other SDKs can read it;
coming back, the payload is validated against the parameter's or return value's type hint, which
rebuilds nested models. Pydantic v1 is not supported.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Any

from pydantic import TypeAdapter
from pydantic_core import SchemaSerializer, to_json
from pydantic_core.core_schema import any_schema

from temporal_sdk.api.common.v1 import Payload
from temporal_sdk.converter import (
    CompositePayloadConverter,
    DataConverter,
    DefaultPayloadConverter,
    EncodingPayloadConverter,
    JSONPlainPayloadConverter,
)

__all__ = [
    "PydanticJSONPlainPayloadConverter",
    "PydanticPayloadConverter",
    "ToJsonOptions",
    "pydantic_data_converter",
]


@dataclass
class ToJsonOptions:
    """Settings for how pydantic writes values to JSON."""

    exclude_unset: bool = False
    """Leave out model fields that were never set explicitly (their defaults)."""


def _new_adapter_cache(maxsize: int | None) -> functools._lru_cache_wrapper[TypeAdapter[Any]]:
    return functools.lru_cache(maxsize=maxsize)(TypeAdapter)


class PydanticJSONPlainPayloadConverter(EncodingPayloadConverter):
    """``json/plain`` written and read by pydantic.

    Writing uses ``pydantic_core.to_json``; reading builds (and caches) a ``TypeAdapter`` for the
    type hint and validates the JSON with it, so a hint of ``list[MyModel]`` gives model objects.
    Without a hint the plain JSON value comes back.
    """

    def __init__(
        self,
        to_json_options: ToJsonOptions | None = None,
        *,
        max_cached_type_adapters: int | None = 1024,
    ) -> None:
        """Create the converter.

        Args:
            to_json_options: How values are written; ``None`` uses pydantic's defaults.
            max_cached_type_adapters: How many type adapters to keep (least recently used are
                dropped); ``None`` keeps all, ``0`` keeps none.

        Raises:
            ValueError: ``max_cached_type_adapters`` is negative.

        """
        if max_cached_type_adapters is not None and max_cached_type_adapters < 0:
            raise ValueError("max_cached_type_adapters cannot be negative")
        self._to_json_options = to_json_options
        self._serializer = SchemaSerializer(any_schema())
        self._max_cached = max_cached_type_adapters
        self._adapter = _new_adapter_cache(max_cached_type_adapters)

    def __getstate__(self) -> dict[str, Any]:
        """Pickle without the adapter cache (the cache wrapper cannot be pickled)."""
        state = self.__dict__.copy()
        del state["_adapter"]
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        """Restore from a pickle with a fresh, empty adapter cache."""
        self.__dict__.update(state)
        self._adapter = _new_adapter_cache(self._max_cached)

    @property
    def encoding(self) -> str:
        """See :attr:`EncodingPayloadConverter.encoding`; always ``json/plain``."""
        return "json/plain"

    def to_payload(self, value: Any) -> Payload | None:
        """Serialise ``value`` with pydantic; accepts anything, so it must come last."""
        options = self._to_json_options
        if options is None:
            data = to_json(value)
        else:
            data = self._serializer.to_json(value, exclude_unset=options.exclude_unset)
        return Payload(metadata={"encoding": b"json/plain"}, data=data)

    def from_payload(self, payload: Payload, type_hint: Any = None) -> Any:
        """Validate the payload's JSON against ``type_hint`` (``Any`` when not given)."""
        return self._adapter_for(Any if type_hint is None else type_hint).validate_json(
            payload.data
        )

    def _adapter_for(self, hint: Any) -> TypeAdapter[Any]:
        try:
            hash(hint)
        except TypeError:
            return TypeAdapter(hint)  # unhashable hints cannot be cached
        return self._adapter(hint)


class PydanticPayloadConverter(CompositePayloadConverter):
    """The default composite converter with its JSON step done by pydantic.

    To change the constructor's settings inside a :class:`DataConverter`, subclass it with an
    argument-free ``__init__`` and pass the subclass as ``payload_converter_class``.
    """

    def __init__(
        self,
        to_json_options: ToJsonOptions | None = None,
        *,
        max_cached_type_adapters: int | None = 1024,
    ) -> None:
        """Create the converter; the arguments go to :class:`PydanticJSONPlainPayloadConverter`."""
        json_converter = PydanticJSONPlainPayloadConverter(
            to_json_options, max_cached_type_adapters=max_cached_type_adapters
        )
        super().__init__(
            *(
                json_converter if isinstance(c, JSONPlainPayloadConverter) else c
                for c in DefaultPayloadConverter.default_encoding_payload_converters
            )
        )


pydantic_data_converter = DataConverter(payload_converter_class=PydanticPayloadConverter)
"""A :class:`DataConverter` using :class:`PydanticPayloadConverter`; pass it to a client."""
