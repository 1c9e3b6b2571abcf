"""``WorkflowEnvironment.start_local`` options that conftest files written for temporalio use."""

from __future__ import annotations

from temporal_sdk.api.enums.v1 import IndexedValueType
from temporal_sdk.api.operatorservice.v1 import ListSearchAttributesRequest
from temporal_sdk.common import SearchAttributeKey
from temporal_sdk.testing import WorkflowEnvironment


async def test_start_local_registers_search_attributes_and_ignores_download_options() -> None:
    keys = [
        SearchAttributeKey.for_keyword("EnvStatus"),
        SearchAttributeKey.for_keyword_list("EnvTags"),
    ]
    async with await WorkflowEnvironment.start_local(
        search_attributes=keys,
        dev_server_download_version="v1.7.4-standalone-nexus-operations",
        download_dest_dir="/nonexistent",
    ) as env:
        listed = await env.client.operator_service.list_search_attributes(
            ListSearchAttributesRequest(namespace=env.client.namespace)
        )
    assert listed.custom_attributes["EnvStatus"] == IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD
    assert listed.custom_attributes["EnvTags"] == IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD_LIST
