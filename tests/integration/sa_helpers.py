"""Register custom search attributes with the dev server before tests use them."""

from __future__ import annotations

import asyncio
from typing import Any, cast

from temporal_sdk.api.enums.v1 import IndexedValueType
from temporal_sdk.api.operatorservice.v1 import (
    AddSearchAttributesRequest,
    ListSearchAttributesRequest,
)
from temporal_sdk.client import Client
from temporal_sdk.common import SearchAttributeKey
from temporal_sdk.service import RPCError, RPCStatusCode


async def register(client: Client, *keys: SearchAttributeKey[Any]) -> None:
    """Add ``keys`` to the namespace (idempotent) and wait until the server lists them."""
    req = AddSearchAttributesRequest(namespace=client.namespace)
    for key in keys:
        req.search_attributes[key.name] = cast(IndexedValueType, int(key.indexed_value_type))
    try:
        await client.operator_service.add_search_attributes(req, retry=True)
    except RPCError as err:
        if err.status is not RPCStatusCode.ALREADY_EXISTS:
            raise
    listing = ListSearchAttributesRequest(namespace=client.namespace)
    for _ in range(300):
        listed = await client.operator_service.list_search_attributes(listing)
        if all(key.name in listed.custom_attributes for key in keys):
            return
        await asyncio.sleep(0.1)
    raise AssertionError(f"search attributes {[k.name for k in keys]} were not registered")
