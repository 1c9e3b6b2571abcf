"""Importing the SDK loads nothing of temporalio and no native code but grpc's and protobuf's."""

from __future__ import annotations

import json
import subprocess
import sys
from typing import Any

_PROBE = """
import json, sys
import temporal_sdk, temporal_sdk.client, temporal_sdk.worker
import temporal_sdk.workflow, temporal_sdk.activity, temporal_sdk.converter
native = {
    name: mod.__file__ for name, mod in list(sys.modules.items())
    if (getattr(mod, "__file__", None) or "").endswith((".so", ".pyd"))
}
print(json.dumps({"modules": sorted(sys.modules), "native": native}))
"""

# Native extension modules that are ours to allow: grpc's and protobuf's, and the standard
# library's own compiled modules (which live outside site-packages).
_ALLOWED_PREFIXES = ("grpc", "google.protobuf", "google._upb")


def _probe() -> dict[str, Any]:
    out = subprocess.run(
        [sys.executable, "-c", _PROBE], check=True, capture_output=True, text=True
    ).stdout
    result: dict[str, Any] = json.loads(out)
    return result


def test_no_temporalio_module_is_loaded() -> None:
    modules = _probe()["modules"]
    assert [m for m in modules if m == "temporalio" or m.startswith("temporalio.")] == []


def test_only_grpc_and_protobuf_native_extensions() -> None:
    import sysconfig

    stdlib_dirs = {sysconfig.get_path("platstdlib"), sysconfig.get_path("stdlib")}
    native = _probe()["native"]
    foreign = []
    for name, mod_file in native.items():
        if any(mod_file.startswith(d) for d in stdlib_dirs if d):
            continue
        if name.startswith(_ALLOWED_PREFIXES):
            continue
        foreign.append(name)
    assert foreign == []
