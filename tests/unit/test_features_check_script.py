"""scripts/features_check.py: the offline parts (import swap, dynamic config, outcome parsing)."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

SCRIPT = Path(__file__).resolve().parents[2] / "scripts" / "features_check.py"


def load_script() -> ModuleType:
    spec = importlib.util.spec_from_file_location("features_check", SCRIPT)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["features_check"] = module
    spec.loader.exec_module(module)
    return module


def make_suite(root: Path) -> None:
    (root / "harness" / "python").mkdir(parents=True)
    (root / "harness" / "python" / "feature.py").write_text(
        "from temporalio.client import Client\nimport temporalio.workflow\n# temporalio_extra\n"
    )
    feature = root / "features" / "signal" / "basic"
    feature.mkdir(parents=True)
    (feature / "feature.py").write_text("from temporalio import workflow\n")
    (feature / "feature.go").write_text("package basic\n")
    variant = root / "features" / "worker_shutdown" / "poll"
    variant.mkdir(parents=True)
    (variant / "feature.py").write_text("")
    (variant / "config.json").write_text('{"runVariants": [{"name": "on"}]}')
    config = root / "dockerfiles" / "dynamicconfig"
    config.mkdir(parents=True)
    (config / "docker.yaml").write_text(
        "system.enableEagerWorkflowStart:\n  - value: true\n    constraints: {}\n"
        "limit.maxIDLength:\n  - value: 255 # comment\n    constraints: {}\n"
    )


def test_swap_copy_rewrites_only_the_import_root(tmp_path: Path) -> None:
    fc = load_script()
    make_suite(tmp_path / "suite")
    fc.swap_copy(tmp_path / "suite", tmp_path / "out")
    harness = (tmp_path / "out" / "harness" / "python" / "feature.py").read_text()
    assert "from temporal_sdk.client import Client" in harness
    assert "import temporal_sdk.workflow" in harness
    assert "temporalio_extra" in harness  # word boundary: longer names are left alone
    assert fc.discover(tmp_path / "out", []) == ["signal/basic", "worker_shutdown/poll"]
    assert fc.discover(tmp_path / "out", ["signal"]) == ["signal/basic"]
    assert fc.feature_config(tmp_path / "out", "worker_shutdown/poll")["runVariants"]


def test_dynamic_config_flags_follow_the_go_runner(tmp_path: Path) -> None:
    fc = load_script()
    make_suite(tmp_path)
    args = fc.dynamic_config_args(tmp_path, {"frontend.enableX": False})
    assert args == [
        "--dynamic-config-value",
        "frontend.enableX=false",
        "--dynamic-config-value",
        "limit.maxIDLength=255",
        "--dynamic-config-value",
        "system.enableEagerWorkflowStart=true",
    ]


def test_failure_reason_picks_the_root_cause() -> None:
    fc = load_script()
    output = "\n".join(
        [
            "ERROR:__main__:Feature update/basic failed",
            "Traceback (most recent call last):",
            "AttributeError: module 'temporal_sdk.workflow' has no attribute '_Definition'",
            "During handling of the above exception, another exception occurred:",
            "RuntimeError: worker was never started",
            "RuntimeError: 1 feature(s) failed:",
        ]
    )
    assert fc.failure_reason(output).startswith("AttributeError: module")


def test_table_counts_outcomes() -> None:
    fc = load_script()
    results = [fc.Result("a/b", "pass", "", 1.0), fc.Result("a/c", "fail", "x | y", 2.0)]
    text = fc.table(results)
    assert "| `a/c` | fail | x / y |" in text
    assert "Total 2: 1 fail, 1 pass" in text
