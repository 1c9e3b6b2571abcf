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
    # The client's rarely used or per-call pieces: interceptor input records (built on the
    # first call), describe/list, async activity handles, update-with-start, queries/updates,
    # eager start, and the modules only error paths or protobuf JSON payloads need.
    "temporal_sdk.client._interceptor_inputs",
    "temporal_sdk.client._describe",
    "temporal_sdk.client._async_activity",
    "temporal_sdk.client._with_start",
    "temporal_sdk.client._messages",
    "temporal_sdk.activity",
    "temporal_sdk._io.eager_start",
    "temporal_sdk.api.errordetails.v1.message_pb2",
    "temporal_sdk.api.dependencies.google.rpc.status_pb2",
    "google.protobuf.json_format",
    "random",
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


def test_from_import_of_lazy_client_names() -> None:
    from temporal_sdk.client import (
        ActivityCancellationDetails,
        AsyncActivityHandle,
        StartWorkflowInput,
        WithStartWorkflowOperation,
        WorkflowExecutionDescription,
        WorkflowUpdateStage,
    )

    assert StartWorkflowInput.__module__ == "temporal_sdk.client._interceptor_inputs"
    assert ActivityCancellationDetails.__module__ == "temporal_sdk.activity"
    for cls in (
        AsyncActivityHandle,
        WithStartWorkflowOperation,
        WorkflowExecutionDescription,
        WorkflowUpdateStage,
    ):
        assert cls.__module__.startswith("temporal_sdk.client._")


def test_input_stand_in_serves_the_same_classes() -> None:
    import temporal_sdk.client as client
    from temporal_sdk.client import _inputs

    assert _inputs.StartWorkflowInput is client.StartWorkflowInput
    assert "StartWorkflowInput" in vars(_inputs)  # cached after the first access
    with pytest.raises(AttributeError):
        _inputs.NoSuchInput  # noqa: B018
    with pytest.raises(AttributeError):
        _inputs._private  # noqa: B018


def test_lazy_module_imports_on_first_attribute() -> None:
    from temporal_sdk._lazy import LazyModule

    mod = LazyModule("json")
    assert mod.dumps([1]) == "[1]"
    assert "dumps" in vars(mod)
    with pytest.raises(AttributeError):
        mod.no_such_function  # noqa: B018
