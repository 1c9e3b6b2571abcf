"""Worker versioning settings of a worker (``Worker(deployment_config=...)``).

Rule: plain, validated data; ``_io.deployment`` turns it into the request fields each poll and
each workflow-task completion carries.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from temporal_sdk._versioning import VersioningBehavior, WorkerDeploymentVersion

__all__ = ["WorkerDeploymentConfig"]


@dataclass(frozen=True)
class WorkerDeploymentConfig:
    """Which worker deployment version this worker runs, and whether the server routes by it.

    With ``use_worker_versioning`` the server sends this worker only tasks of runs that belong
    to its version (see docs/worker-versioning.md); each workflow then needs a versioning
    behavior, from ``@workflow.defn(versioning_behavior=...)`` or ``default_versioning_behavior``.
    Without it the version is only reported (visible in describe output and the UI).
    """

    version: WorkerDeploymentVersion
    use_worker_versioning: bool
    default_versioning_behavior: VersioningBehavior = VersioningBehavior.UNSPECIFIED

    def _check(self, workflows: Iterable[tuple[str, int]]) -> None:
        """Refuse settings the server would reject, naming the workflow at fault.

        ``workflows`` pairs each registered workflow's type name with its declared behavior.
        """
        default = self.default_versioning_behavior
        if not self.use_worker_versioning:
            if default != VersioningBehavior.UNSPECIFIED:
                raise ValueError(
                    "default_versioning_behavior must be UNSPECIFIED when use_worker_versioning "
                    "is False"
                )
            return
        if default != VersioningBehavior.UNSPECIFIED:
            return
        for name, behavior in workflows:
            if behavior == VersioningBehavior.UNSPECIFIED:
                raise ValueError(
                    f"workflow {name} needs a versioning behavior: set "
                    "@workflow.defn(versioning_behavior=...) or the worker's "
                    "deployment_config.default_versioning_behavior"
                )
