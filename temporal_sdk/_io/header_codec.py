"""Which headers go through the payload codec, per the client's ``HeaderCodecBehavior``.

Rule: the client's setting decides for the client and every worker built on it. ``NO_CODEC``
(the default) codes no header; ``CODEC`` codes the client's outgoing headers, the activity
worker's incoming ones and the workflow worker's both ways; ``WORKFLOW_ONLY_CODEC`` codes only
the workflow worker's. Each check is a single attribute read, made only when a codec exists.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from temporal_sdk.api.common.v1 import Header, Payload
from temporal_sdk.common import HeaderCodecBehavior


def behavior(client: Any) -> HeaderCodecBehavior:
    """The client's header codec behavior (``NO_CODEC`` for objects that are not clients)."""
    value = getattr(client, "_header_codec_behavior", HeaderCodecBehavior.NO_CODEC)
    return HeaderCodecBehavior(value)


def client_codes_headers(client: Any) -> bool:
    """Whether the client encodes the headers it sends (start, signal, query, update)."""
    return behavior(client) is HeaderCodecBehavior.CODEC


def activity_codes_headers(client: Any) -> bool:
    """Whether an activity worker on this client decodes its tasks' headers."""
    return behavior(client) is HeaderCodecBehavior.CODEC


def workflow_codes_headers(client: Any) -> bool:
    """Whether a workflow worker on this client decodes and encodes workflow headers."""
    return behavior(client) is not HeaderCodecBehavior.NO_CODEC


async def encode_into(headers: Mapping[str, Payload], header: Header, codec: Any) -> None:
    """Write ``headers`` into ``header.fields``, each encoded by ``codec``."""
    keys = list(headers)
    if not keys:
        return
    encoded = await codec.encode([headers[k] for k in keys])
    for key, payload in zip(keys, encoded, strict=True):
        header.fields[key].CopyFrom(payload)


async def decode_fields(header: Header, codec: Any) -> dict[str, Payload]:
    """``header.fields`` decoded by ``codec`` (the message is left as it is)."""
    keys = list(header.fields)
    if not keys:
        return {}
    decoded = await codec.decode([header.fields[k] for k in keys])
    return dict(zip(keys, decoded, strict=True))
