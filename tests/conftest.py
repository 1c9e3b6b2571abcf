"""Shared fixtures: one dev server per test session, started only when a test needs a client.

Set TEMPORAL_TEST_TARGET=host:port to run the integration tests against a server you run
yourself instead. Every test under tests/integration/ is marked ``integration`` (deselect with
``-m "not integration"``).
"""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import pytest_asyncio

from temporal_sdk.client import Client
from temporal_sdk.testing import WorkflowEnvironment

_INTEGRATION_DIR = Path(__file__).parent / "integration"

# Server settings that let tests exercise features still behind flags on some server versions.
DEV_SERVER_DYNAMIC_CONFIG = (
    "frontend.enableUpdateWorkflowExecution=true",
    "frontend.enableUpdateWorkflowExecutionAsyncAccepted=true",
    "frontend.enableExecuteMultiOperation=true",
    "system.forceSearchAttributesCacheRefreshOnRead=true",
    "system.enableActivityEagerExecution=true",
    "system.enableEagerWorkflowStart=true",
)


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "integration: needs a Temporal server (the dev server)")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if _INTEGRATION_DIR in Path(str(item.fspath)).parents:
            item.add_marker(pytest.mark.integration)


@pytest_asyncio.fixture(scope="session")
async def env() -> AsyncIterator[WorkflowEnvironment]:
    target = os.environ.get("TEMPORAL_TEST_TARGET")
    if target:
        environment = WorkflowEnvironment.from_client(await Client.connect(target))
    else:
        extra: list[str] = []
        for value in DEV_SERVER_DYNAMIC_CONFIG:
            extra += ["--dynamic-config-value", value]
        environment = await WorkflowEnvironment.start_local(dev_server_extra_args=extra)
    async with environment:
        yield environment


@pytest.fixture
def client(env: WorkflowEnvironment) -> Client:
    return env.client


@pytest.fixture
def task_queue() -> str:
    return f"tq-{uuid.uuid4()}"
