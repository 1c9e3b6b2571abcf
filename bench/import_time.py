"""Compare ``import temporal_sdk.client, temporal_sdk.worker`` across source trees, interleaved.

Usage (from the repository root)::

    .venv/bin/python bench/import_time.py [--runs N] [TREE ...]

Each TREE is a directory holding a ``temporal_sdk`` package (default: this repository); a copy
of an older tree (``cp -r temporal_sdk /tmp/old/``) gives a before/after pair measured in the
same minute. A ``grpc+api`` row imports only grpc, grpc.aio and the generated workflow service
API: the floor the SDK's own share sits on. Runs are interleaved (one of each per round) so load
changes hit every row alike; bytecode is cached in a private prefix per row, as for an installed
package (this machine sets ``PYTHONDONTWRITEBYTECODE``, which would compile from source each run).
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

SDK = "import temporal_sdk.client, temporal_sdk.worker"
FLOOR = "import grpc, grpc.aio, temporal_sdk.api.workflowservice.v1"
REPO = str(Path(__file__).resolve().parent.parent)


def once(tree: str, stmt: str, cache: str) -> float:
    """Milliseconds one fresh interpreter spends on ``stmt`` with ``tree`` first on the path."""
    code = f"import time; t = time.perf_counter(); {stmt}; print(time.perf_counter() - t)"
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    env["PYTHONPYCACHEPREFIX"] = cache
    env["PYTHONPATH"] = tree
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, env=env, cwd="/"
    ).stdout
    return float(out) * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("trees", nargs="*", default=[REPO])
    args = parser.parse_args()
    rows = {tree: (tree, SDK) for tree in args.trees}
    rows["grpc+api"] = (args.trees[-1], FLOOR)
    caches = {name: tempfile.mkdtemp(prefix="imptime-") for name in rows}
    samples: dict[str, list[float]] = {name: [] for name in rows}
    for name, (tree, stmt) in rows.items():  # warm-up: writes the bytecode cache
        once(tree, stmt, caches[name])
    for _ in range(args.runs):
        for name, (tree, stmt) in rows.items():
            samples[name].append(once(tree, stmt, caches[name]))
    for name, values in samples.items():
        print(f"{name}: median {statistics.median(values):.0f} ms (min {min(values):.0f} ms)")


if __name__ == "__main__":
    main()
