"""Worker-deployment versioning types of ``temporal_sdk.common``."""

from __future__ import annotations

import pytest

from temporal_sdk.api.enums.v1 import VersioningBehavior as VersioningBehaviorProto
from temporal_sdk.common import (
    AutoUpgradeVersioningOverride,
    OneTimeVersioningOverride,
    PinnedVersioningOverride,
    VersioningBehavior,
    WorkerDeploymentVersion,
)


def test_version_canonical_string_round_trip() -> None:
    version = WorkerDeploymentVersion("orders", "build.7")
    assert version.to_canonical_string() == "orders.build.7"
    assert WorkerDeploymentVersion.from_canonical_string("orders.build.7") == version
    with pytest.raises(ValueError, match="deployment_name"):
        WorkerDeploymentVersion.from_canonical_string("nodot")


def test_overrides_to_proto() -> None:
    version = WorkerDeploymentVersion("orders", "b1")
    pinned = PinnedVersioningOverride(version)._to_proto()
    assert pinned.pinned.version.build_id == "b1"
    assert pinned.pinned_version == "orders.b1"
    assert pinned.behavior == VersioningBehaviorProto.VERSIONING_BEHAVIOR_PINNED
    assert AutoUpgradeVersioningOverride()._to_proto().auto_upgrade
    one_time = OneTimeVersioningOverride(version)._to_proto()
    assert one_time.one_time.target_deployment_version.deployment_name == "orders"
    assert (
        VersioningBehavior.AUTO_UPGRADE == VersioningBehaviorProto.VERSIONING_BEHAVIOR_AUTO_UPGRADE
    )
