"""Conversion between Python values and Temporal payloads, and between exceptions and failures.

Three layers, applied in this order on the way out (and reversed on the way in):

1. a :class:`PayloadConverter` turns each value into a ``Payload`` (the default one tries, in
   order, ``binary/null``, ``binary/plain``, ``json/protobuf``, ``binary/protobuf`` and
   ``json/plain``);
2. a :class:`FailureConverter` turns exceptions into ``Failure`` protos;
3. an optional :class:`PayloadCodec` transforms the encoded bytes (compression, encryption).

:class:`DataConverter` bundles the three.
"""

from __future__ import annotations

import copy
import dataclasses
import json
from abc import ABC, abstractmethod
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar, TypeVar, overload

import google.protobuf.message
import google.protobuf.symbol_database

from temporal_sdk._converter_context import (
    ActivitySerializationContext,
    NexusSerializationContext,
    SerializationContext,
    WithSerializationContext,
    WorkflowSerializationContext,
    bind,
    takes_context,
)
from temporal_sdk._converter_failure import (
    DefaultFailureConverter,
    DefaultFailureConverterWithEncodedAttributes,
    FailureConverter,
)
from temporal_sdk._converter_json import (
    AdvancedJSONEncoder,
    JSONTypeConverter,
    JSONTypeConverterUnhandled,
    value_to_type,
)
from temporal_sdk._converter_search_attributes import (
    decode_search_attributes,
    decode_typed_search_attributes,
    encode_search_attribute_values,
    encode_search_attributes,
    encode_typed_search_attribute_value,
)
from temporal_sdk._lazy import LazyModule
from temporal_sdk.api.common.v1 import Payload, Payloads
from temporal_sdk.api.failure.v1 import Failure
from temporal_sdk.common import RawValue

if TYPE_CHECKING:
    from google.protobuf import json_format as _json_format
    from typing_extensions import Self
else:
    # Protobuf JSON payloads are rare; its module loads on first use.
    _json_format = LazyModule("google.protobuf.json_format")

__all__ = [
    "ActivitySerializationContext",
    "AdvancedJSONEncoder",
    "BinaryNullPayloadConverter",
    "BinaryPlainPayloadConverter",
    "BinaryProtoPayloadConverter",
    "CompositePayloadConverter",
    "DataConverter",
    "DefaultFailureConverter",
    "DefaultFailureConverterWithEncodedAttributes",
    "DefaultPayloadConverter",
    "EncodingPayloadConverter",
    "FailureConverter",
    "JSONPlainPayloadConverter",
    "JSONProtoPayloadConverter",
    "JSONTypeConverter",
    "JSONTypeConverterUnhandled",
    "NexusSerializationContext",
    "PayloadCodec",
    "PayloadConverter",
    "SerializationContext",
    "WithSerializationContext",
    "WorkflowSerializationContext",
    "decode_search_attributes",
    "decode_typed_search_attributes",
    "default",
    "encode_search_attribute_values",
    "encode_search_attributes",
    "encode_typed_search_attribute_value",
    "value_to_type",
]

_T = TypeVar("_T")
_sym_db = google.protobuf.symbol_database.Default()


class PayloadConverter(ABC):
    """Converts a sequence of values to payloads and back."""

    default: ClassVar[PayloadConverter]
    """The payload converter of :attr:`DataConverter.default`."""

    @abstractmethod
    def to_payloads(self, values: Sequence[Any]) -> list[Payload]:
        """Convert ``values`` to payloads; a :class:`~temporal_sdk.common.RawValue` passes as is.

        Raises:
            Exception: A value cannot be converted.

        """
        raise NotImplementedError

    @abstractmethod
    def from_payloads(
        self, payloads: Sequence[Payload], type_hints: list[type] | None = None
    ) -> list[Any]:
        """Convert ``payloads`` to values.

        ``type_hints``, when given, has one entry per payload; a hint of
        :class:`~temporal_sdk.common.RawValue` returns the payload wrapped, unconverted.

        Raises:
            Exception: A payload cannot be converted.

        """
        raise NotImplementedError

    def to_payloads_wrapper(self, values: Sequence[Any]) -> Payloads:
        """:meth:`to_payloads`, wrapped in a ``Payloads`` message."""
        return Payloads(payloads=self.to_payloads(values))

    def from_payloads_wrapper(self, payloads: Payloads | None) -> list[Any]:
        """:meth:`from_payloads` for a ``Payloads`` message (``None`` or empty gives ``[]``)."""
        if not payloads or not payloads.payloads:
            return []
        return self.from_payloads(payloads.payloads)

    def to_payload(self, value: Any) -> Payload:
        """Convert one value to one payload."""
        return self.to_payloads([value])[0]

    @overload
    def from_payload(self, payload: Payload) -> Any: ...

    @overload
    def from_payload(self, payload: Payload, type_hint: type[_T]) -> _T: ...

    @overload
    def from_payload(self, payload: Payload, type_hint: Any) -> Any: ...

    def from_payload(self, payload: Payload, type_hint: Any = None) -> Any:
        """Convert one payload to one value, optionally of the hinted type."""
        return self.from_payloads([payload], [type_hint] if type_hint is not None else None)[0]


class EncodingPayloadConverter(ABC):
    """Converts single values of one encoding; the building block of a composite converter."""

    @property
    @abstractmethod
    def encoding(self) -> str:
        """The ``encoding`` metadata value this converter reads and writes."""
        raise NotImplementedError

    @abstractmethod
    def to_payload(self, value: Any) -> Payload | None:
        """Convert ``value``, or return ``None`` when this converter does not handle it."""
        raise NotImplementedError

    @abstractmethod
    def from_payload(self, payload: Payload, type_hint: Any = None) -> Any:
        """Convert a payload of this encoding, raising when it cannot be converted."""
        raise NotImplementedError


class CompositePayloadConverter(PayloadConverter, WithSerializationContext):
    """Tries its encoding converters in order when encoding; picks by encoding when decoding.

    Attributes:
        converters: The encoding converters, keyed by their encoding as bytes, in order.

    """

    converters: Mapping[bytes, EncodingPayloadConverter]

    def __init__(self, *converters: EncodingPayloadConverter) -> None:
        """Create a converter that delegates to ``converters``, tried in the given order."""
        self._set_converters(*converters)

    def _set_converters(self, *converters: EncodingPayloadConverter) -> None:
        self.converters = {c.encoding.encode(): c for c in converters}
        self._ordered = tuple(self.converters.values())
        self._takes_context = any(takes_context(c) for c in self._ordered)

    def with_context(self, context: SerializationContext) -> Self:
        """A copy whose encoding converters are bound to ``context``; ``self`` if none take it."""
        converters = self.get_converters_with_context(context)
        if converters is None:
            return self
        clone = copy.copy(self)
        clone._set_converters(*converters)
        return clone

    def get_converters_with_context(
        self, context: SerializationContext
    ) -> list[EncodingPayloadConverter] | None:
        """The encoding converters bound to ``context``, or ``None`` if binding changes none."""
        if not self._takes_context:
            return None
        bound = [bind(c, context) for c in self._ordered]
        if all(new is old for new, old in zip(bound, self._ordered, strict=True)):
            return None
        return bound

    def to_payloads(self, values: Sequence[Any]) -> list[Payload]:
        """See :meth:`PayloadConverter.to_payloads`; returns one payload per value.

        Raises:
            TypeError: No converter accepts a value.

        """
        payloads = []
        for index, value in enumerate(values):
            if isinstance(value, RawValue):
                payloads.append(value.payload)
                continue
            for converter in self._ordered:
                payload = converter.to_payload(value)
                if payload is not None:
                    payloads.append(payload)
                    break
            else:
                raise TypeError(
                    f"Value at index {index} of type {type(value).__name__} has no known converter"
                )
        return payloads

    def from_payloads(
        self, payloads: Sequence[Payload], type_hints: list[type] | None = None
    ) -> list[Any]:
        """See :meth:`PayloadConverter.from_payloads`; returns one value per payload.

        Raises:
            ValueError: A payload has an unknown encoding or malformed data.
            TypeError: A payload's data does not fit its type hint.

        """
        values = []
        for index, payload in enumerate(payloads):
            hint = type_hints[index] if type_hints and index < len(type_hints) else None
            if hint is RawValue:
                values.append(RawValue(payload))
                continue
            encoding = payload.metadata.get("encoding", b"<unknown>")
            converter = self.converters.get(encoding)
            if converter is None:
                name = encoding.decode(errors="replace")
                raise ValueError(f"Payload at index {index} has unknown encoding {name}")
            try:
                values.append(converter.from_payload(payload, hint))
            except TypeError as err:
                raise TypeError(
                    f"Payload at index {index} with encoding {converter.encoding} "
                    f"could not be converted to {_hint_name(hint)}: {err}"
                ) from err
            except Exception as err:
                raise ValueError(
                    f"Payload at index {index} with encoding {converter.encoding} "
                    f"could not be decoded: {err}"
                ) from err
        return values


def _hint_name(hint: Any) -> str:
    if hint is None:
        return "an untyped value"
    return getattr(hint, "__qualname__", None) or repr(hint)


# Copying a ready-made payload's metadata costs less than building the map for each payload.
_NULL_TEMPLATE = Payload(metadata={"encoding": b"binary/null"})


class BinaryNullPayloadConverter(EncodingPayloadConverter):
    """``binary/null``: ``None`` as a payload with no data."""

    @property
    def encoding(self) -> str:
        """See :attr:`EncodingPayloadConverter.encoding`."""
        return "binary/null"

    def to_payload(self, value: Any) -> Payload | None:
        """See :meth:`EncodingPayloadConverter.to_payload`."""
        if value is not None:
            return None
        payload = Payload()
        payload.CopyFrom(_NULL_TEMPLATE)
        return payload

    def from_payload(self, payload: Payload, type_hint: Any = None) -> Any:
        """See :meth:`EncodingPayloadConverter.from_payload`."""
        if payload.data:
            raise ValueError("Expected empty data for binary/null")
        return None


class BinaryPlainPayloadConverter(EncodingPayloadConverter):
    """``binary/plain``: ``bytes`` carried unchanged."""

    @property
    def encoding(self) -> str:
        """See :attr:`EncodingPayloadConverter.encoding`."""
        return "binary/plain"

    def to_payload(self, value: Any) -> Payload | None:
        """See :meth:`EncodingPayloadConverter.to_payload`."""
        if isinstance(value, bytes):
            return Payload(metadata={"encoding": b"binary/plain"}, data=value)
        return None

    def from_payload(self, payload: Payload, type_hint: Any = None) -> Any:
        """See :meth:`EncodingPayloadConverter.from_payload`."""
        return payload.data


def _proto_message(payload: Payload) -> google.protobuf.message.Message:
    message_type = payload.metadata.get("messageType", b"<unknown>").decode()
    try:
        cls = _sym_db.GetSymbol(message_type)
    except KeyError as err:
        raise ValueError(f"Unknown protobuf message type {message_type}") from err
    message: google.protobuf.message.Message = cls()
    return message


def _is_proto(value: Any) -> bool:
    return (
        isinstance(value, google.protobuf.message.Message)
        and getattr(value, "DESCRIPTOR", None) is not None
    )


class JSONProtoPayloadConverter(EncodingPayloadConverter):
    """``json/protobuf``: protobuf messages in their canonical JSON form.

    The ``messageType`` metadata names the message's full proto name; decoding looks it up in
    the default symbol database, so the message's module must have been imported.
    """

    def __init__(self, ignore_unknown_fields: bool = False) -> None:
        """Create the converter; ``ignore_unknown_fields`` tolerates unknown JSON fields."""
        super().__init__()
        self._ignore_unknown_fields = ignore_unknown_fields

    @property
    def encoding(self) -> str:
        """See :attr:`EncodingPayloadConverter.encoding`."""
        return "json/protobuf"

    def to_payload(self, value: Any) -> Payload | None:
        """See :meth:`EncodingPayloadConverter.to_payload`."""
        if not _is_proto(value):
            return None
        # MessageToJson has no compact form, so go through a dict.
        data = json.dumps(
            _json_format.MessageToDict(value),
            separators=(",", ":"),
            sort_keys=True,
        )
        return Payload(
            metadata={
                "encoding": b"json/protobuf",
                "messageType": value.DESCRIPTOR.full_name.encode(),
            },
            data=data.encode(),
        )

    def from_payload(self, payload: Payload, type_hint: Any = None) -> Any:
        """See :meth:`EncodingPayloadConverter.from_payload`."""
        message = _proto_message(payload)
        try:
            return _json_format.Parse(
                payload.data, message, ignore_unknown_fields=self._ignore_unknown_fields
            )
        except _json_format.ParseError as err:
            raise ValueError(f"Invalid JSON for {message.DESCRIPTOR.full_name}: {err}") from err


class BinaryProtoPayloadConverter(EncodingPayloadConverter):
    """``binary/protobuf``: protobuf messages in their binary wire form."""

    @property
    def encoding(self) -> str:
        """See :attr:`EncodingPayloadConverter.encoding`."""
        return "binary/protobuf"

    def to_payload(self, value: Any) -> Payload | None:
        """See :meth:`EncodingPayloadConverter.to_payload`."""
        if not _is_proto(value):
            return None
        return Payload(
            metadata={
                "encoding": b"binary/protobuf",
                "messageType": value.DESCRIPTOR.full_name.encode(),
            },
            data=value.SerializeToString(),
        )

    def from_payload(self, payload: Payload, type_hint: Any = None) -> Any:
        """See :meth:`EncodingPayloadConverter.from_payload`."""
        message = _proto_message(payload)
        try:
            message.ParseFromString(payload.data)
        except google.protobuf.message.DecodeError as err:
            raise ValueError(f"Invalid bytes for {message.DESCRIPTOR.full_name}: {err}") from err
        return message


class JSONPlainPayloadConverter(EncodingPayloadConverter):
    """``json/plain``: any JSON-able value, encoded compactly with keys sorted.

    Encoding uses :class:`AdvancedJSONEncoder` by default; decoding rebuilds the hinted type
    with :func:`value_to_type`. It accepts every value, so it must be the last converter.
    """

    def __init__(
        self,
        *,
        encoder: type[json.JSONEncoder] | None = AdvancedJSONEncoder,
        decoder: type[json.JSONDecoder] | None = None,
        encoding: str = "json/plain",
        custom_type_converters: Sequence[JSONTypeConverter] = (),
    ) -> None:
        """Create the converter.

        Args:
            encoder: JSON encoder class used for values.
            decoder: JSON decoder class used for payload data (the fast default when None).
            encoding: The ``encoding`` metadata value to write and accept.
            custom_type_converters: Hooks tried before the built-in type-hint rules.

        """
        super().__init__()
        self._encoding = encoding
        self._metadata = {"encoding": encoding.encode()}
        self._template = Payload(metadata=self._metadata)
        # One reusable encoder: JSONEncoder.encode keeps no state between calls.
        self._json_encoder = (encoder or json.JSONEncoder)(separators=(",", ":"), sort_keys=True)
        # An encoder that only adds ``default`` writes ints exactly as the standard one does.
        cls = encoder or json.JSONEncoder
        self._plain_ints = (
            cls.encode is json.JSONEncoder.encode and cls.iterencode is json.JSONEncoder.iterencode
        )
        self._decoder = decoder
        self._custom_type_converters = tuple(custom_type_converters)

    @property
    def encoding(self) -> str:
        """See :attr:`EncodingPayloadConverter.encoding`."""
        return self._encoding

    def to_payload(self, value: Any) -> Payload | None:
        """See :meth:`EncodingPayloadConverter.to_payload`; errors from JSON encoding propagate."""
        if type(value) is int and self._plain_ints:
            # What the standard encoder writes for an int, without its generic machinery.
            data = int.__repr__(value).encode()
        else:
            data = self._json_encoder.encode(value).encode()
        # Copying a ready-made payload's metadata costs less than building the map each time.
        payload = Payload()
        payload.CopyFrom(self._template)
        payload.data = data
        return payload

    def from_payload(self, payload: Payload, type_hint: Any = None) -> Any:
        """See :meth:`EncodingPayloadConverter.from_payload`."""
        try:
            obj = json.loads(payload.data, cls=self._decoder)
        except ValueError as err:  # JSONDecodeError and UnicodeDecodeError
            raise ValueError(f"Invalid JSON: {err}") from err
        if type_hint is None:
            return obj
        return value_to_type(type_hint, obj, self._custom_type_converters)


class DefaultPayloadConverter(CompositePayloadConverter):
    """The payload converter every Temporal SDK understands.

    Handles ``None``, ``bytes``, protobuf messages (as JSON) and everything
    :class:`JSONPlainPayloadConverter` accepts.
    """

    default_encoding_payload_converters: ClassVar[tuple[EncodingPayloadConverter, ...]]
    """The encoding converters a new instance uses, in order."""

    def __init__(self) -> None:
        """Create the converter from :attr:`default_encoding_payload_converters`."""
        super().__init__(*DefaultPayloadConverter.default_encoding_payload_converters)


DefaultPayloadConverter.default_encoding_payload_converters = (
    BinaryNullPayloadConverter(),
    BinaryPlainPayloadConverter(),
    JSONProtoPayloadConverter(),
    BinaryProtoPayloadConverter(),
    JSONPlainPayloadConverter(),  # accepts anything, so it stays last
)


class PayloadCodec(ABC):
    """Transforms encoded payloads as a whole, for example to compress or encrypt them."""

    @abstractmethod
    async def encode(self, payloads: Sequence[Payload]) -> list[Payload]:
        """Return encoded forms of ``payloads`` (which must not be modified)."""
        raise NotImplementedError

    @abstractmethod
    async def decode(self, payloads: Sequence[Payload]) -> list[Payload]:
        """Return decoded forms of ``payloads`` (which must not be modified)."""
        raise NotImplementedError

    async def encode_wrapper(self, payloads: Payloads) -> None:
        """Replace the contents of ``payloads`` with their encoded forms."""
        encoded = await self.encode(payloads.payloads)
        del payloads.payloads[:]
        payloads.payloads.extend(encoded)

    async def decode_wrapper(self, payloads: Payloads) -> None:
        """Replace the contents of ``payloads`` with their decoded forms."""
        decoded = await self.decode(payloads.payloads)
        del payloads.payloads[:]
        payloads.payloads.extend(decoded)

    async def encode_failure(self, failure: Failure) -> None:
        """Encode, in place, every payload inside ``failure`` and its causes."""
        await _apply_to_failure_payloads(failure, self.encode_wrapper)

    async def decode_failure(self, failure: Failure) -> None:
        """Decode, in place, every payload inside ``failure`` and its causes."""
        await _apply_to_failure_payloads(failure, self.decode_wrapper)


async def _apply_to_failure_payloads(
    failure: Failure, transform: Callable[[Payloads], Awaitable[None]]
) -> None:
    while True:
        if failure.HasField("encoded_attributes"):
            wrapper = Payloads(payloads=[failure.encoded_attributes])
            await transform(wrapper)
            failure.encoded_attributes.CopyFrom(wrapper.payloads[0])
        kind = failure.WhichOneof("failure_info")
        details: Payloads | None = None
        if kind == "application_failure_info":
            if failure.application_failure_info.HasField("details"):
                details = failure.application_failure_info.details
        elif kind == "timeout_failure_info":
            if failure.timeout_failure_info.HasField("last_heartbeat_details"):
                details = failure.timeout_failure_info.last_heartbeat_details
        elif kind == "canceled_failure_info":
            if failure.canceled_failure_info.HasField("details"):
                details = failure.canceled_failure_info.details
        elif kind == "reset_workflow_failure_info":
            reset = failure.reset_workflow_failure_info
            if reset.HasField("last_heartbeat_details"):
                details = reset.last_heartbeat_details
        if details is not None:
            await transform(details)
        if not failure.HasField("cause"):
            return
        failure = failure.cause


@dataclass(frozen=True)
class DataConverter(WithSerializationContext):
    """Payload converter, failure converter and optional codec, used together.

    The converters are built from their classes when the data converter is created and are
    available as :attr:`payload_converter` and :attr:`failure_converter`.
    """

    payload_converter_class: type[PayloadConverter] = DefaultPayloadConverter
    """Class instantiated (with no arguments) for :attr:`payload_converter`."""

    payload_codec: PayloadCodec | None = None
    """Codec applied to payloads after conversion, if any."""

    failure_converter_class: type[FailureConverter] = DefaultFailureConverter
    """Class instantiated (with no arguments) for :attr:`failure_converter`."""

    payload_converter: PayloadConverter = dataclasses.field(init=False)
    """The payload converter instance."""

    failure_converter: FailureConverter = dataclasses.field(init=False)
    """The failure converter instance."""

    default: ClassVar[DataConverter]
    """The data converter used when none is given."""

    def __post_init__(self) -> None:
        object.__setattr__(self, "payload_converter", self.payload_converter_class())
        object.__setattr__(self, "failure_converter", self.failure_converter_class())
        self._note_context_use()

    def _note_context_use(self) -> None:
        # Decided once: with components that ignore context, ``with_context`` is one read.
        parts = (self.payload_converter, self.payload_codec, self.failure_converter)
        object.__setattr__(self, "_takes_context", any(takes_context(p) for p in parts))

    def with_context(self, context: SerializationContext) -> Self:
        """A copy whose converters and codec are bound to ``context``; ``self`` if none take it."""
        if not getattr(self, "_takes_context", True):
            return self
        payload = bind(self.payload_converter, context)
        codec = bind(self.payload_codec, context)
        failure = bind(self.failure_converter, context)
        if (
            payload is self.payload_converter
            and codec is self.payload_codec
            and failure is self.failure_converter
        ):
            return self
        clone = copy.copy(self)
        object.__setattr__(clone, "payload_converter", payload)
        object.__setattr__(clone, "payload_codec", codec)
        object.__setattr__(clone, "failure_converter", failure)
        clone._note_context_use()
        return clone

    async def encode(self, values: Sequence[Any]) -> list[Payload]:
        """Convert ``values`` to payloads, then apply the codec."""
        payloads = self.payload_converter.to_payloads(values)
        if self.payload_codec is not None:
            payloads = await self.payload_codec.encode(payloads)
        return payloads

    async def decode(
        self, payloads: Sequence[Payload], type_hints: list[type] | None = None
    ) -> list[Any]:
        """Apply the codec in reverse to ``payloads``, then convert them to values."""
        if self.payload_codec is not None:
            payloads = await self.payload_codec.decode(payloads)
        return self.payload_converter.from_payloads(payloads, type_hints)

    async def encode_wrapper(self, values: Sequence[Any]) -> Payloads:
        """:meth:`encode`, wrapped in a ``Payloads`` message."""
        return Payloads(payloads=await self.encode(values))

    async def decode_wrapper(
        self, payloads: Payloads | None, type_hints: list[type] | None = None
    ) -> list[Any]:
        """:meth:`decode` for a ``Payloads`` message (``None`` or empty gives ``[]``)."""
        if not payloads or not payloads.payloads:
            return []
        return await self.decode(payloads.payloads, type_hints)

    async def encode_failure(self, exception: BaseException, failure: Failure) -> None:
        """Fill ``failure`` from ``exception``, then apply the codec to its payloads."""
        self.failure_converter.to_failure(exception, self.payload_converter, failure)
        if self.payload_codec is not None:
            await self.payload_codec.encode_failure(failure)

    async def decode_failure(self, failure: Failure) -> BaseException:
        """Apply the codec in reverse to ``failure``'s payloads (in place), then convert it."""
        if self.payload_codec is not None:
            await self.payload_codec.decode_failure(failure)
        return self.failure_converter.from_failure(failure, self.payload_converter)


DataConverter.default = DataConverter()
PayloadConverter.default = DataConverter.default.payload_converter
FailureConverter.default = DataConverter.default.failure_converter


def default() -> DataConverter:
    """Return :attr:`DataConverter.default`."""
    return DataConverter.default
