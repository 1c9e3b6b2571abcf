"""Apply a payload codec to every ``Payload`` inside arbitrary API messages, in place.

Rule: used only when a codec is configured, so the walk may use reflection; messages without a
codec never pass through here. Search attributes are left alone (the server must read them),
and so are headers unless ``headers=True``: as in temporalio (its default
``HeaderCodecBehavior.NO_CODEC``), header payloads travel unencoded, so interceptors of either SDK
read each other's headers; the client's ``header_codec_behavior`` turns header coding on.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from typing import Any

from google.protobuf.descriptor import Descriptor, FieldDescriptor
from google.protobuf.message import Message

from temporal_sdk.api.common.v1 import Payload

_PAYLOAD = Payload.DESCRIPTOR.full_name
_HEADER = "temporal.api.common.v1.Header"
# Per ``headers`` flag: the message types the walk never enters.
_SKIPS = {
    False: frozenset({"temporal.api.common.v1.SearchAttributes", _HEADER}),
    True: frozenset({"temporal.api.common.v1.SearchAttributes"}),
}

Transform = Callable[[Sequence[Payload]], Awaitable[list[Payload]]]

# Per (message type, headers flag): does it (transitively) contain a payload the walk visits?
# Cached, as descriptors are static.
_contains: dict[tuple[str, bool], bool] = {}


def _has_payload(desc: Descriptor, headers: bool, seen: frozenset[str] = frozenset()) -> bool:
    name = desc.full_name
    key = (name, headers)
    if key in _contains:
        return _contains[key]
    if name == _PAYLOAD:
        return True
    if name in _SKIPS[headers] or name in seen:
        return False
    found = False
    for field in desc.fields:
        sub = field.message_type
        if (
            field.type == FieldDescriptor.TYPE_MESSAGE
            and sub is not None
            and _has_payload(sub, headers, seen | {name})
        ):
            found = True
            break
    _contains[key] = found
    return found


async def visit_payloads(message: Message, transform: Transform, *, headers: bool = False) -> None:
    """Replace every payload in ``message`` with ``transform``'s output, batch by batch.

    Header payloads are included only when ``headers`` is true.
    """
    await _visit(message, transform, headers)


async def _visit(message: Message, transform: Transform, headers: bool) -> None:
    desc = message.DESCRIPTOR
    if desc.full_name in _SKIPS[headers]:
        return
    for field, value in message.ListFields():
        if field.type != FieldDescriptor.TYPE_MESSAGE:
            continue
        sub = field.message_type
        if sub is None or not _has_payload(sub, headers):
            continue
        if sub.GetOptions().map_entry:
            await _visit_map(field, value, transform, headers)
        elif _is_repeated(field):
            if sub.full_name == _PAYLOAD:
                await _replace_all(value, transform)
            else:
                for item in value:
                    await _visit(item, transform, headers)
        elif sub.full_name == _PAYLOAD:
            (new,) = await transform([value])
            value.CopyFrom(new)
        else:
            await _visit(value, transform, headers)


def _is_repeated(field: FieldDescriptor) -> bool:
    return bool(field.is_repeated)


async def _replace_all(container: Any, transform: Transform) -> None:
    new = await transform(list(container))
    del container[:]
    container.extend(new)


async def _visit_map(
    field: FieldDescriptor, mapping: Any, transform: Transform, headers: bool
) -> None:
    entry = field.message_type
    assert entry is not None
    value_field = entry.fields_by_name["value"]
    value_type = value_field.message_type
    if value_field.type != FieldDescriptor.TYPE_MESSAGE or value_type is None:
        return
    if value_type.full_name == _PAYLOAD:
        keys = list(mapping.keys())
        new = await transform([mapping[k] for k in keys])
        for key, payload in zip(keys, new, strict=True):
            mapping[key].CopyFrom(payload)
    else:
        for key in list(mapping.keys()):
            await _visit(mapping[key], transform, headers)
