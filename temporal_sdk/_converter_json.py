"""JSON encoding of Python values and type-hint driven decoding back into them.

Rule: pure functions over plain values; no protobuf, no IO. Everything that depends only on a
type hint (its kind, a dataclass's fields, a TypedDict's keys) is worked out once per hint and
cached, so decoding a value costs a dictionary lookup plus the conversion itself.
"""

from __future__ import annotations

import base64
import collections
import collections.abc
import dataclasses
import enum
import functools
import inspect
import json
import re
import sys
import typing
from abc import ABC, abstractmethod
from collections.abc import Callable, Sequence
from datetime import date, datetime, time
from types import UnionType
from typing import Any, ClassVar, Literal, NewType, TypeVar

__all__ = [
    "AdvancedJSONEncoder",
    "JSONTypeConverter",
    "JSONTypeConverterUnhandled",
    "value_to_type",
]


@functools.lru_cache(maxsize=512)
def _field_names(cls: type) -> tuple[str, ...]:
    return tuple(f.name for f in dataclasses.fields(cls))


class AdvancedJSONEncoder(json.JSONEncoder):
    """A JSON encoder that also handles the value types Temporal users commonly pass.

    Dataclasses become objects (fields in declaration order), datetimes, dates and times
    become ISO 8601 strings, UUIDs become strings, enums become their values, objects with
    ``model_dump()`` (pydantic v2) or ``dict()`` (pydantic v1) become what those return, and
    other iterables such as sets become arrays.
    """

    def default(self, o: Any) -> Any:
        """Turn ``o`` into something the base encoder understands, or raise TypeError."""
        if isinstance(o, (datetime, date, time)):
            return o.isoformat()
        if dataclasses.is_dataclass(o) and not isinstance(o, type):
            # Shallow: the encoder recurses into nested values itself, so no deep copy is made
            # (``dataclasses.asdict`` would deep-copy every leaf).
            return {name: getattr(o, name) for name in _field_names(type(o))}
        if _is_uuid(o):
            return str(o)
        if isinstance(o, enum.Enum):
            return o.value
        model_dump = getattr(o, "model_dump", None)
        if callable(model_dump):
            return model_dump(mode="json")
        dict_fn = getattr(o, "dict", None)
        if callable(dict_fn):
            return dict_fn()
        if not isinstance(o, list) and isinstance(o, collections.abc.Iterable):
            return list(o)
        return super().default(o)


JSONTypeConverterUnhandled = NewType("JSONTypeConverterUnhandled", object)
"""Type of :attr:`JSONTypeConverter.Unhandled`."""


class JSONTypeConverter(ABC):
    """A user hook that turns a decoded JSON value into a value of a hinted type.

    Hooks are consulted, in order, before the built-in rules at every level of nesting.
    """

    Unhandled: ClassVar[JSONTypeConverterUnhandled] = JSONTypeConverterUnhandled(object())
    """Return this from :meth:`to_typed_value` to let the next rule handle the value."""

    @abstractmethod
    def to_typed_value(self, hint: type, value: Any) -> Any | JSONTypeConverterUnhandled | None:
        """Convert ``value`` (as produced by ``json.loads``) to ``hint``, or return Unhandled."""
        raise NotImplementedError


if sys.version_info >= (3, 11):
    _parse_datetime = datetime.fromisoformat
else:  # pragma: no cover - exercised only on 3.10
    _FRACTION = re.compile(r"(\.\d+)")

    def _parse_datetime(text: str) -> datetime:
        # 3.10's parser rejects the "Z" suffix and fractions that are not 3 or 6 digits long,
        # both of which other SDKs emit.
        if text.endswith(("Z", "z")):
            text = text[:-1] + "+00:00"
        text = _FRACTION.sub(lambda m: m.group(1)[:7].ljust(7, "0"), text, count=1)
        return datetime.fromisoformat(text)


class _Kind(enum.Enum):
    ANY = enum.auto()
    SCALAR = enum.auto()
    BOOL = enum.auto()
    NUMBER = enum.auto()
    BYTES = enum.auto()
    NONE = enum.auto()
    TEMPORAL = enum.auto()
    NEWTYPE = enum.auto()
    LITERAL = enum.auto()
    UNION = enum.auto()
    MAPPING = enum.auto()
    TYPED_DICT = enum.auto()
    DATACLASS = enum.auto()
    MODEL = enum.auto()
    ENUM = enum.auto()
    UUID = enum.auto()
    ITERABLE = enum.auto()
    UNSUPPORTED = enum.auto()


@dataclasses.dataclass(frozen=True, slots=True)
class _Plan:
    """What to do for one hint: its kind plus the facts that kind needs."""

    kind: _Kind
    target: Any = None
    args: tuple[Any, ...] = ()
    fields: tuple[tuple[str, Any, bool], ...] = ()


def _useful_arg(arg: Any) -> Any:
    return None if arg is Any or isinstance(arg, TypeVar) else arg


def _classify(hint: Any) -> _Plan:
    if hint is Any or hint is object:
        return _Plan(_Kind.ANY)
    if hint is str:
        return _Plan(_Kind.SCALAR, str)
    if hint is bool:
        return _Plan(_Kind.BOOL)
    if hint is int or hint is float:
        return _Plan(_Kind.NUMBER, hint)
    if hint is bytes:
        return _Plan(_Kind.BYTES)
    if hint is None or hint is type(None):
        return _Plan(_Kind.NONE)
    if hint is datetime or hint is date or hint is time:
        parse = _parse_datetime if hint is datetime else hint.fromisoformat
        return _Plan(_Kind.TEMPORAL, hint, (parse,))
    supertype = getattr(hint, "__supertype__", None)
    if supertype is not None:
        return _Plan(_Kind.NEWTYPE, supertype)
    origin = getattr(hint, "__origin__", hint)
    args: tuple[Any, ...] = getattr(hint, "__args__", ())
    if origin is Literal or origin is _extensions_literal():
        return _Plan(_Kind.LITERAL, args=args)
    if origin is typing.Union or isinstance(origin, UnionType):
        return _Plan(_Kind.UNION, args=args)
    if inspect.isclass(origin) and issubclass(origin, collections.abc.Mapping):
        if getattr(origin, "__required_keys__", None) or getattr(origin, "__optional_keys__", None):
            return _Plan(_Kind.TYPED_DICT, hint, args=tuple(typing.get_type_hints(origin).items()))
        key = _useful_arg(args[0]) if args else None
        val = _useful_arg(args[1]) if len(args) > 1 else None
        return _Plan(_Kind.MAPPING, hint, (key, val))
    if dataclasses.is_dataclass(hint) and isinstance(hint, type):
        hints = typing.get_type_hints(hint)
        fields = tuple((f.name, hints[f.name], f.init) for f in dataclasses.fields(hint))
        return _Plan(_Kind.DATACLASS, hint, fields=fields)
    if inspect.isclass(hint) and callable(getattr(hint, "model_validate", None)):
        return _Plan(_Kind.MODEL, hint)
    if inspect.isclass(hint) and issubclass(hint, enum.Enum):
        value_type = int if issubclass(hint, int) else str if issubclass(hint, str) else None
        return _Plan(_Kind.ENUM, hint, (value_type,))
    if inspect.isclass(hint) and _is_uuid_type(hint):
        return _Plan(_Kind.UUID, hint)
    if inspect.isclass(origin) and issubclass(origin, collections.abc.Iterable):
        if len(args) == 1 and (isinstance(args[0], TypeVar) or args[0] is Ellipsis):
            args = ()
        return _Plan(_Kind.ITERABLE, origin, args)
    return _Plan(_Kind.UNSUPPORTED, hint)


_classify_cached = functools.lru_cache(maxsize=2048)(_classify)


def _is_uuid(value: object) -> bool:
    """``isinstance(value, uuid.UUID)``; a UUID can only exist once ``uuid`` was imported."""
    module = sys.modules.get("uuid")
    return module is not None and isinstance(value, module.UUID)


def _is_uuid_type(hint: type) -> bool:
    """``issubclass(hint, uuid.UUID)``, without importing ``uuid`` (it loads ``platform``)."""
    module = sys.modules.get("uuid")
    return module is not None and issubclass(hint, module.UUID)


def _extensions_literal() -> Any:
    """``typing_extensions.Literal`` if that module is loaded (not imported here: it is slow)."""
    return getattr(sys.modules.get("typing_extensions"), "Literal", Literal)


def _plan_for(hint: Any) -> _Plan:
    try:
        return _classify_cached(hint)
    except TypeError:  # an unhashable hint: work it out every time
        return _classify(hint)


def value_to_type(
    hint: Any,
    value: Any,
    custom_converters: Sequence[JSONTypeConverter] = (),
) -> Any:
    """Convert ``value``, as produced by ``json.loads``, into a value of type ``hint``.

    Supports ``Any``, the JSON scalars, ``bytes`` (from an array of ints), ``None``,
    datetime/date/time (ISO 8601 strings), ``NewType``, ``Literal``, unions and ``Optional``
    (first member that converts wins), mappings and ``TypedDict`` (keys are converted back
    from strings where the key type asks for it), dataclasses (nested; unknown keys are
    ignored), enums (by value), ``UUID``, models with ``model_validate``, and lists, tuples,
    sets, frozensets and deques of any of these.

    Raises:
        TypeError: The value does not fit the hint, or the hint is not supported.

    """
    for conv in custom_converters:
        ret = conv.to_typed_value(hint, value)
        if ret is not JSONTypeConverter.Unhandled:
            return ret
    plan = _plan_for(hint)
    return _CONVERTERS[plan.kind](plan, hint, value, custom_converters)


_Custom = Sequence[JSONTypeConverter]


def _to_any(plan: _Plan, hint: Any, value: Any, custom: _Custom) -> Any:
    return value


def _to_scalar(plan: _Plan, hint: Any, value: Any, custom: _Custom) -> Any:
    if not isinstance(value, plan.target):
        raise TypeError(f"Expected value to be {plan.target.__name__}, was {type(value)}")
    return value


def _to_bool(plan: _Plan, hint: Any, value: Any, custom: _Custom) -> Any:
    if not isinstance(value, bool):
        raise TypeError(f"Expected value to be bool, was {type(value)}")
    return value


def _to_number(plan: _Plan, hint: Any, value: Any, custom: _Custom) -> Any:
    if not isinstance(value, (int, float)):
        raise TypeError(f"Expected value to be int|float, was {type(value)}")
    return plan.target(value)


def _to_bytes(plan: _Plan, hint: Any, value: Any, custom: _Custom) -> Any:
    if isinstance(value, str):
        # Other SDKs write byte arrays inside JSON as base64 strings.
        try:
            return base64.b64decode(value, validate=True)
        except ValueError as err:
            raise TypeError(f"Expected base64 string for bytes, got {value!r}") from err
    if not isinstance(value, (bytes, list)):
        raise TypeError(f"Expected value to be bytes, was {type(value)}")
    try:
        return bytes(value)
    except (TypeError, ValueError) as err:
        raise TypeError(f"Cannot convert {value!r} to bytes") from err


def _to_none(plan: _Plan, hint: Any, value: Any, custom: _Custom) -> Any:
    if value is not None:
        raise TypeError(f"Expected None, got value of type {type(value)}")
    return None


def _to_temporal(plan: _Plan, hint: Any, value: Any, custom: _Custom) -> Any:
    if isinstance(value, plan.target) and (plan.target is not date or type(value) is date):
        return value
    if not isinstance(value, str):
        raise TypeError(f"Expected ISO 8601 string for {plan.target.__name__}, got {type(value)}")
    try:
        return plan.args[0](value)
    except ValueError as err:
        raise TypeError(f"Failed parsing {plan.target.__name__} string: {value!r}") from err


def _to_newtype(plan: _Plan, hint: Any, value: Any, custom: _Custom) -> Any:
    return value_to_type(plan.target, value, custom)


def _to_literal(plan: _Plan, hint: Any, value: Any, custom: _Custom) -> Any:
    if value not in plan.args:
        raise TypeError(f"Value {value!r} not in literal values {plan.args}")
    return value


def _to_union(plan: _Plan, hint: Any, value: Any, custom: _Custom) -> Any:
    if value is None and type(None) in plan.args and not custom:
        return None
    for arg in plan.args:
        try:
            return value_to_type(arg, value, custom)
        except Exception:
            continue
    raise TypeError(f"Failed converting to {hint} from {value!r}")


_KEY_WORDS: dict[Any, dict[str, Any]] = {
    bool: {"true": True, "false": False},
    type(None): {"null": None},
}


def _convert_key(key_type: Any, key: Any, hint: Any, custom: _Custom) -> Any:
    try:
        if isinstance(key, str):
            if key_type is int or key_type is float:
                key = key_type(key)
            elif inspect.isclass(key_type) and issubclass(key_type, enum.Enum):
                if issubclass(key_type, int):
                    key = int(key)
            elif key_type in _KEY_WORDS:
                key = _KEY_WORDS[key_type][key]
        if not isinstance(key_type, type) or not isinstance(key, key_type):
            key = value_to_type(key_type, key, custom)
    except Exception as err:
        raise TypeError(
            f"Failed converting key {key!r} to type {key_type} in mapping {hint}"
        ) from err
    return key


def _to_mapping(plan: _Plan, hint: Any, value: Any, custom: _Custom) -> Any:
    if not isinstance(value, collections.abc.Mapping):
        raise TypeError(f"Expected {hint}, value was {type(value)}")
    key_type, value_type = plan.args
    if key_type is None and value_type is None:
        return dict(value)
    out: dict[Any, Any] = {}
    for key, item in value.items():
        if key_type is not None:
            key = _convert_key(key_type, key, hint, custom)
        if value_type is not None:
            try:
                item = value_to_type(value_type, item, custom)
            except Exception as err:
                raise TypeError(f"Failed converting value for key {key!r} in {hint}") from err
        out[key] = item
    return out


def _to_typed_dict(plan: _Plan, hint: Any, value: Any, custom: _Custom) -> Any:
    if not isinstance(value, collections.abc.Mapping):
        raise TypeError(f"Expected {hint}, value was {type(value)}")
    key_types = dict(plan.args)
    out: dict[str, Any] = {}
    for key, item in value.items():
        item_type = key_types.get(key)
        if item_type is not None:
            try:
                item = value_to_type(item_type, item, custom)
            except Exception as err:
                raise TypeError(f"Failed converting value for key {key!r} in {hint}") from err
        out[key] = item
    return plan.target(**out)


def _to_dataclass(plan: _Plan, hint: Any, value: Any, custom: _Custom) -> Any:
    if not isinstance(value, dict):
        raise TypeError(f"Cannot convert to dataclass {hint}, value is {type(value)} not dict")
    init_values: dict[str, Any] = {}
    late_values: dict[str, Any] = {}
    for name, field_hint, init in plan.fields:
        if name not in value:
            continue  # a missing required field makes the constructor below raise
        try:
            converted = value_to_type(field_hint, value[name], custom)
        except Exception as err:
            raise TypeError(f"Failed converting field {name} on dataclass {hint}") from err
        (init_values if init else late_values)[name] = converted
    try:
        obj = plan.target(**init_values)
    except TypeError as err:
        raise TypeError(f"Cannot build dataclass {hint}: {err}") from err
    for name, converted in late_values.items():
        object.__setattr__(obj, name, converted)
    return obj


def _to_model(plan: _Plan, hint: Any, value: Any, custom: _Custom) -> Any:
    try:
        return plan.target.model_validate(value)
    except Exception as err:
        raise TypeError(f"Cannot convert to {hint}: {err}") from err


def _to_enum(plan: _Plan, hint: Any, value: Any, custom: _Custom) -> Any:
    value_type = plan.args[0]
    if value_type is not None and not isinstance(value, value_type):
        raise TypeError(f"Cannot convert to enum {hint}, value is {type(value)}")
    try:
        return plan.target(value)
    except ValueError as err:
        raise TypeError(f"Value {value!r} is not a member of enum {hint}") from err


def _to_uuid(plan: _Plan, hint: Any, value: Any, custom: _Custom) -> Any:
    if _is_uuid(value):
        return value
    if not isinstance(value, str):
        raise TypeError(f"Expected UUID string, got {type(value)}")
    try:
        return plan.target(value)
    except ValueError as err:
        raise TypeError(f"Invalid UUID string {value!r}") from err


def _to_iterable(plan: _Plan, hint: Any, value: Any, custom: _Custom) -> Any:
    if isinstance(value, (str, bytes, collections.abc.Mapping)) or not isinstance(
        value, collections.abc.Iterable
    ):
        raise TypeError(f"Expected {hint}, value was {type(value)}")
    origin, args = plan.target, plan.args
    if not args:
        items = list(value)
    else:
        items = []
        for i, item in enumerate(value):
            if origin is not tuple:
                arg = args[0]
            elif i < len(args) and args[i] is not Ellipsis:
                arg = args[i]
            elif args[-1] is Ellipsis:
                arg = args[-2]
            else:
                raise TypeError(f"Type {hint} expects {len(args)} values, got at least {i + 1}")
            try:
                items.append(value_to_type(arg, item, custom))
            except Exception as err:
                raise TypeError(f"Failed converting {hint} index {i}") from err
    builder = _ITERABLE_BUILDERS.get(origin)
    return builder(items) if builder is not None else items


_ITERABLE_BUILDERS: dict[Any, Callable[[list[Any]], Any]] = {
    tuple: tuple,
    set: set,
    frozenset: frozenset,
    collections.abc.Set: set,
    collections.abc.MutableSet: set,
    collections.deque: collections.deque,
}


def _to_unsupported(plan: _Plan, hint: Any, value: Any, custom: _Custom) -> Any:
    raise TypeError(f"Unsupported type hint for conversion: {hint}")


_CONVERTERS: dict[_Kind, Callable[[_Plan, Any, Any, _Custom], Any]] = {
    _Kind.ANY: _to_any,
    _Kind.SCALAR: _to_scalar,
    _Kind.BOOL: _to_bool,
    _Kind.NUMBER: _to_number,
    _Kind.BYTES: _to_bytes,
    _Kind.NONE: _to_none,
    _Kind.TEMPORAL: _to_temporal,
    _Kind.NEWTYPE: _to_newtype,
    _Kind.LITERAL: _to_literal,
    _Kind.UNION: _to_union,
    _Kind.MAPPING: _to_mapping,
    _Kind.TYPED_DICT: _to_typed_dict,
    _Kind.DATACLASS: _to_dataclass,
    _Kind.MODEL: _to_model,
    _Kind.ENUM: _to_enum,
    _Kind.UUID: _to_uuid,
    _Kind.ITERABLE: _to_iterable,
    _Kind.UNSUPPORTED: _to_unsupported,
}
