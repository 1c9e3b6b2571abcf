"""The worker-deployment fields of poll and workflow-task completion requests.

Rule: built once per worker; a worker without a deployment config adds nothing to its requests.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, cast

from temporal_sdk.api.deployment.v1 import WorkerDeploymentOptions
from temporal_sdk.api.enums.v1 import VersioningBehavior, WorkerVersioningMode

if TYPE_CHECKING:
    from temporal_sdk.worker._deployment import WorkerDeploymentConfig

_VERSIONED = WorkerVersioningMode.WORKER_VERSIONING_MODE_VERSIONED
_UNVERSIONED = WorkerVersioningMode.WORKER_VERSIONING_MODE_UNVERSIONED


class Deployment:
    """What a worker with a deployment config tells the server."""

    __slots__ = ("default_behavior", "options")

    def __init__(self, config: WorkerDeploymentConfig) -> None:
        self.options = WorkerDeploymentOptions(
            deployment_name=config.version.deployment_name,
            build_id=config.version.build_id,
            worker_versioning_mode=_VERSIONED if config.use_worker_versioning else _UNVERSIONED,
        )
        self.default_behavior = int(config.default_versioning_behavior)

    def behavior_for(self, declared: int) -> VersioningBehavior:
        """The behavior to report for a workflow that declared ``declared`` (0: none)."""
        return cast(VersioningBehavior, declared or self.default_behavior)
