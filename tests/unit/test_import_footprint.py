"""``import temporal_sdk.client, temporal_sdk.worker`` stays lean, and lazy names still resolve."""

from __future__ import annotations

import importlib
import json
import subprocess
import sys

import pytest

# Loaded on first use only: the workflow runtime (replayer, interceptors), schedules, versioning
# types, the operator and test service messages, and stdlib modules the SDK avoids at import.
NOT_AT_IMPORT = [
    "temporal_sdk._core.activation",
    "temporal_sdk._runtime.instance",
    "temporal_sdk.worker._replayer",
    "temporal_sdk.worker._shared_state",
    "temporal_sdk._worker_interceptor",
    "temporal_sdk.client._schedule",
    "temporal_sdk.client._schedule_ops",
    "temporal_sdk._versioning",
    "temporal_sdk.api.operatorservice.v1.request_response_pb2",
    "temporal_sdk.api.testservice.v1.request_response_pb2",
    "importlib.metadata",
    "uuid",
]


def test_importing_client_and_worker_skips_what_only_some_programs_use() -> None:
    code = (
        "import json, sys; import temporal_sdk.client, temporal_sdk.worker; "
        "print(json.dumps(sorted(sys.modules)))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    loaded = set(json.loads(out.stdout))
    assert [m for m in NOT_AT_IMPORT if m in loaded] == []


@pytest.mark.parametrize(
    "module", ["temporal_sdk.client", "temporal_sdk.worker", "temporal_sdk.common"]
)
def test_every_public_name_resolves(module: str) -> None:
    mod = importlib.import_module(module)
    for name in mod.__all__:
        assert getattr(mod, name) is not None, name
    with pytest.raises(AttributeError):
        mod.NoSuchName  # noqa: B018


def test_from_import_of_a_lazy_name() -> None:
    from temporal_sdk.client import ScheduleHandle
    from temporal_sdk.common import VersioningBehavior
    from temporal_sdk.worker import Interceptor, Replayer

    assert ScheduleHandle.__name__ == "ScheduleHandle"
    assert Replayer.__name__ == "Replayer"
    assert Interceptor.__name__ == "Interceptor"
    assert VersioningBehavior.__name__ == "VersioningBehavior"
