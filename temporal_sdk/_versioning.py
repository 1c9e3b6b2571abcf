"""Worker-deployment versioning types of ``temporal_sdk.common`` (temporalio's names).

Rule: plain data with a ``_to_proto`` each; the worker and client decide where they are sent.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass
from enum import IntEnum

from temporal_sdk.api.deployment.v1 import WorkerDeploymentVersion as _VersionProto
from temporal_sdk.api.enums import v1 as _enums
from temporal_sdk.api.workflow.v1 import VersioningOverride as _OverrideProto

__all__ = [
    "ActivityIDConflictPolicy",
    "ActivityIDReusePolicy",
    "AutoUpgradeVersioningOverride",
    "OneTimeVersioningOverride",
    "PinnedVersioningOverride",
    "VersioningBehavior",
    "VersioningOverride",
    "WorkerDeploymentVersion",
]


class VersioningBehavior(IntEnum):
    """When a workflow may move from one worker deployment version to another."""

    UNSPECIFIED = _enums.VersioningBehavior.VERSIONING_BEHAVIOR_UNSPECIFIED
    """No behavior given (workers that use versioning must then set a default)."""
    PINNED = _enums.VersioningBehavior.VERSIONING_BEHAVIOR_PINNED
    """Stay on the version the workflow started on, unless moved by hand."""
    AUTO_UPGRADE = _enums.VersioningBehavior.VERSIONING_BEHAVIOR_AUTO_UPGRADE
    """Move to the task queue's current version at the next workflow task."""


class ActivityIDReusePolicy(IntEnum):
    """What starting a standalone activity does with the id of a closed one."""

    UNSPECIFIED = _enums.ActivityIdReusePolicy.ACTIVITY_ID_REUSE_POLICY_UNSPECIFIED
    """The server's default."""
    ALLOW_DUPLICATE = _enums.ActivityIdReusePolicy.ACTIVITY_ID_REUSE_POLICY_ALLOW_DUPLICATE
    """Always allow reuse."""
    ALLOW_DUPLICATE_FAILED_ONLY = (
        _enums.ActivityIdReusePolicy.ACTIVITY_ID_REUSE_POLICY_ALLOW_DUPLICATE_FAILED_ONLY
    )
    """Allow reuse only if the earlier one did not complete successfully."""
    REJECT_DUPLICATE = _enums.ActivityIdReusePolicy.ACTIVITY_ID_REUSE_POLICY_REJECT_DUPLICATE
    """Never allow reuse."""


class ActivityIDConflictPolicy(IntEnum):
    """What starting a standalone activity does when one with the same id is running."""

    UNSPECIFIED = _enums.ActivityIdConflictPolicy.ACTIVITY_ID_CONFLICT_POLICY_UNSPECIFIED
    """The server's default."""
    FAIL = _enums.ActivityIdConflictPolicy.ACTIVITY_ID_CONFLICT_POLICY_FAIL
    """Refuse the start."""
    USE_EXISTING = _enums.ActivityIdConflictPolicy.ACTIVITY_ID_CONFLICT_POLICY_USE_EXISTING
    """Return the running one."""


@dataclass(frozen=True)
class WorkerDeploymentVersion:
    """One version (build) of a worker deployment."""

    deployment_name: str
    build_id: str

    def to_canonical_string(self) -> str:
        """``<deployment_name>.<build_id>``."""
        return f"{self.deployment_name}.{self.build_id}"

    @staticmethod
    def from_canonical_string(canonical: str) -> WorkerDeploymentVersion:
        """Parse ``<deployment_name>.<build_id>`` (the name itself holds no dot)."""
        name, dot, build_id = canonical.partition(".")
        if not dot:
            raise ValueError(
                f"cannot parse version {canonical!r}: expected <deployment_name>.<build_id>"
            )
        return WorkerDeploymentVersion(name, build_id)

    def _to_proto(self) -> _VersionProto:
        return _VersionProto(deployment_name=self.deployment_name, build_id=self.build_id)


class VersioningOverride(ABC):
    """An override of the versioning behavior of one workflow execution."""

    @abstractmethod
    def _to_proto(self) -> _OverrideProto:
        """The override as the server takes it."""


@dataclass(frozen=True)
class PinnedVersioningOverride(VersioningOverride):
    """Pin the workflow to ``version``."""

    version: WorkerDeploymentVersion

    def _to_proto(self) -> _OverrideProto:
        # The deprecated fields are filled too, for servers that predate the structured ones.
        return _OverrideProto(
            behavior=_enums.VersioningBehavior.VERSIONING_BEHAVIOR_PINNED,
            pinned_version=self.version.to_canonical_string(),
            pinned=_OverrideProto.PinnedOverride(
                version=self.version._to_proto(),
                behavior=_OverrideProto.PinnedOverrideBehavior.PINNED_OVERRIDE_BEHAVIOR_PINNED,
            ),
        )


@dataclass(frozen=True)
class AutoUpgradeVersioningOverride(VersioningOverride):
    """Let the workflow move to the current version at its next workflow task."""

    def _to_proto(self) -> _OverrideProto:
        return _OverrideProto(
            behavior=_enums.VersioningBehavior.VERSIONING_BEHAVIOR_AUTO_UPGRADE,
            auto_upgrade=True,
        )


@dataclass(frozen=True)
class OneTimeVersioningOverride(VersioningOverride):
    """Send workflow tasks to ``target_version`` until one completes there, then clear."""

    target_version: WorkerDeploymentVersion

    def _to_proto(self) -> _OverrideProto:
        return _OverrideProto(
            one_time=_OverrideProto.OneTimeOverride(
                target_deployment_version=self.target_version._to_proto()
            )
        )
