"""A client can be used from an event loop other than the one it was connected in.

grpc.aio channels belong to one loop; temporalio's client has no such limit, and test suites
lean on that (a session-scoped client fixture used by function-scoped test loops).
"""

from __future__ import annotations

import asyncio

from temporal_sdk.client import Client
from temporal_sdk.testing import WorkflowEnvironment


def test_client_works_across_event_loops(env: WorkflowEnvironment) -> None:
    target = env.client.service_client.config.target_host

    async def connect() -> Client:
        client = await Client.connect(target)
        await client.count_workflows()
        return client

    async def use(client: Client) -> int:
        return (await client.count_workflows()).count

    client = asyncio.run(connect())
    first = asyncio.run(use(client))
    second = asyncio.run(use(client))
    assert first >= 0 and second >= first
