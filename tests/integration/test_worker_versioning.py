"""Worker deployment versioning against the dev server.

A worker with ``deployment_config`` polls as its deployment version; once that version is the
deployment's current one, new runs go to it and carry the workflow's versioning behavior.
"""

from __future__ import annotations

import asyncio
import uuid

import pytest

from temporal_sdk import workflow
from temporal_sdk.api.enums.v1 import VersioningBehavior as BehaviorProto
from temporal_sdk.api.workflowservice.v1 import (
    DescribeWorkerDeploymentRequest,
    SetWorkerDeploymentCurrentVersionRequest,
)
from temporal_sdk.client import Client
from temporal_sdk.common import VersioningBehavior, WorkerDeploymentVersion
from temporal_sdk.service import RPCError
from temporal_sdk.worker import Worker, WorkerDeploymentConfig


@workflow.defn(versioning_behavior=VersioningBehavior.PINNED)
class Pinned:
    def __init__(self) -> None:
        self.done = False

    @workflow.run
    async def run(self) -> str:
        await workflow.wait_condition(lambda: self.done)
        return "pinned"

    @workflow.signal
    def finish(self) -> None:
        self.done = True


@workflow.defn
class Unmarked:
    @workflow.run
    async def run(self) -> str:
        return "unmarked"


async def _make_current(client: Client, version: WorkerDeploymentVersion) -> None:
    """Wait until the server knows the version (its worker polled), then make it current."""
    for _ in range(200):
        try:
            await client.workflow_service.set_worker_deployment_current_version(
                SetWorkerDeploymentCurrentVersionRequest(
                    namespace=client.namespace,
                    deployment_name=version.deployment_name,
                    build_id=version.build_id,
                    identity="test",
                )
            )
            return
        except RPCError:
            await asyncio.sleep(0.1)
    raise AssertionError(f"version {version} never became known to the server")


async def test_pinned_workflow_runs_on_the_current_version(client: Client, task_queue: str) -> None:
    version = WorkerDeploymentVersion(f"deploy-{uuid.uuid4().hex[:8]}", "build-1")
    config = WorkerDeploymentConfig(version=version, use_worker_versioning=True)
    async with Worker(client, task_queue=task_queue, workflows=[Pinned], deployment_config=config):
        await _make_current(client, version)
        described = await client.workflow_service.describe_worker_deployment(
            DescribeWorkerDeploymentRequest(
                namespace=client.namespace, deployment_name=version.deployment_name
            )
        )
        current = described.worker_deployment_info.routing_config.current_deployment_version
        assert current.build_id == "build-1"
        handle = await client.start_workflow(
            Pinned.run, id=f"pinned-{uuid.uuid4()}", task_queue=task_queue
        )
        await handle.signal(Pinned.finish)
        assert await handle.result() == "pinned"
        info = (await handle.describe()).raw_info.versioning_info
    assert info.behavior == BehaviorProto.VERSIONING_BEHAVIOR_PINNED
    assert info.deployment_version.deployment_name == version.deployment_name
    assert info.deployment_version.build_id == "build-1"


def test_versioned_worker_needs_a_behavior_for_every_workflow(client: Client) -> None:
    version = WorkerDeploymentVersion("d", "b")
    with pytest.raises(ValueError, match="Unmarked needs a versioning behavior"):
        Worker(
            client,
            task_queue="unused",
            workflows=[Unmarked],
            deployment_config=WorkerDeploymentConfig(version=version, use_worker_versioning=True),
        )
    with pytest.raises(ValueError, match="UNSPECIFIED when use_worker_versioning is False"):
        Worker(
            client,
            task_queue="unused",
            workflows=[Unmarked],
            deployment_config=WorkerDeploymentConfig(
                version=version,
                use_worker_versioning=False,
                default_versioning_behavior=VersioningBehavior.AUTO_UPGRADE,
            ),
        )
    with pytest.raises(ValueError, match="cannot be used with build_id"):
        Worker(
            client,
            task_queue="unused",
            workflows=[Pinned],
            build_id="x",
            deployment_config=WorkerDeploymentConfig(version=version, use_worker_versioning=True),
        )
