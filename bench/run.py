"""Run the benchmark suite: every scenario, every driver, a fresh dev server per repetition.

Usage (from the repository root): ``bash bench/setup.sh && bench/.venv/bin/python bench/run.py``.
See bench/README.md for the scenarios, drivers and how to read the output.
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
PY = sys.executable

DRIVERS: dict[str, list[str]] = {
    "temporal_sdk": [PY, str(HERE / "driver.py"), "--sdk", "temporal_sdk"],
    "temporalio": [PY, str(HERE / "driver.py"), "--sdk", "temporalio"],
    "temporalio_unsandboxed": [PY, str(HERE / "driver.py"), "--sdk", "temporalio", "--unsandboxed"],
    "floor": [PY, str(HERE / "raw_floor.py")],
    "floor_eager": [PY, str(HERE / "raw_floor.py"), "--eager"],
}
SDK_DRIVERS = ["temporal_sdk", "temporalio", "temporalio_unsandboxed"]
SCENARIOS: dict[str, list[str]] = {
    "throughput_minimal": [*SDK_DRIVERS, "floor"],
    "throughput_activity": [*SDK_DRIVERS, "floor", "floor_eager"],
    "throughput_timer": SDK_DRIVERS,
    "latency_single": [*SDK_DRIVERS, "floor", "floor_eager"],
    "replay": SDK_DRIVERS,
    "memory_cached": SDK_DRIVERS,
    "startup": ["temporal_sdk", "temporalio"],
}
COUNTS = {"latency_single": 100, "memory_cached": 1000, "replay": 500}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start_server() -> tuple[subprocess.Popen[bytes], str]:
    sys.path.insert(0, str(HERE.parent))
    from temporal_sdk.testing._env import find_dev_server

    port = free_port()
    proc = subprocess.Popen(
        [
            find_dev_server(),
            "server",
            "start-dev",
            "--headless",
            "--ip",
            "127.0.0.1",
            "--port",
            str(port),
            "--log-level",
            "error",
            "--dynamic-config-value",
            "system.enableActivityEagerExecution=true",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    import grpc

    from temporal_sdk.api.workflowservice.v1 import DescribeNamespaceRequest, WorkflowServiceStub

    target = f"127.0.0.1:{port}"
    stub = WorkflowServiceStub(grpc.insecure_channel(target))
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            stub.DescribeNamespace(DescribeNamespaceRequest(namespace="default"), timeout=1)
            return proc, target
        except grpc.RpcError:
            time.sleep(0.1)
    proc.kill()
    raise RuntimeError("dev server did not start")


def run_driver(cmd: list[str], timeout: float = 600) -> tuple[dict[str, float], float]:
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, text=True)
    assert proc.stdout is not None
    first = proc.stdout.readline()
    first_at = time.perf_counter() - start
    rest = proc.communicate(timeout=timeout)[0]
    lines = [line for line in [first, *rest.splitlines()] if line.strip()]
    try:
        figures: dict[str, float] = json.loads(lines[-1])
    except (IndexError, ValueError):
        raise RuntimeError(f"{' '.join(cmd)} failed ({proc.returncode})") from None
    if proc.returncode != 0:
        # The official SDK sometimes aborts while the interpreter finalizes, after its figures
        # were printed; the figures stand, the crash is reported.
        print(f"note: {cmd[1:4]} exited with {proc.returncode} after reporting", flush=True)
    return figures, first_at


def import_time(sdk: str) -> float:
    """Median import time of ``sdk.client`` + ``sdk.worker`` over 15 fresh interpreters.

    Bytecode is cached (in a private prefix, after one warm-up run) as it is for an installed
    package: with ``PYTHONDONTWRITEBYTECODE`` set, an editable install would be compiled from
    source on every run while a wheel install ships its ``.pyc`` files, which skews the
    comparison.
    """
    code = (
        "import time; t = time.perf_counter(); "
        f"import {sdk}.client, {sdk}.worker; print(time.perf_counter() - t)"
    )
    with tempfile.TemporaryDirectory() as cache:
        env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
        env["PYTHONPYCACHEPREFIX"] = cache

        def once() -> float:
            out = subprocess.run(
                [PY, "-c", code], capture_output=True, text=True, check=True, env=env
            ).stdout
            return float(out)

        once()
        samples = [once() for _ in range(15)]
    return statistics.median(samples) * 1000


def run_scenario(scenario: str, driver: str, target: str, history: str) -> dict[str, float]:
    if scenario == "startup":
        sdk = DRIVERS[driver][3]
        cmd = [*DRIVERS[driver], "--scenario", "first_result", "--target", target]
        _, first_at = run_driver(cmd)
        return {"import_ms": import_time(sdk), "spawn_to_result_s": first_at}
    cmd = [*DRIVERS[driver], "--scenario", scenario, "--target", target]
    cmd += ["--count", str(COUNTS.get(scenario, ARGS.count))]
    if scenario == "replay":
        cmd += ["--history", history]
    return run_driver(cmd)[0]


def summarize(results: list[dict[str, dict[str, dict[str, float]]]]) -> str:
    lines = []
    for scenario, drivers in SCENARIOS.items():
        if ARGS.scenarios and scenario not in ARGS.scenarios:
            continue
        lines.append(f"\n## {scenario}")
        metrics = sorted({m for rep in results for m in rep.get(scenario, {}).get(drivers[0], {})})
        for metric in metrics:
            lines.append(f"{metric}:")
            for driver in drivers:
                values = [
                    rep[scenario][driver][metric]
                    for rep in results
                    if driver in rep.get(scenario, {})
                ]
                if not values:
                    continue
                ratios = [
                    rep[scenario][driver][metric] / rep[scenario]["temporal_sdk"][metric]
                    for rep in results
                    if driver in rep.get(scenario, {}) and rep[scenario]["temporal_sdk"][metric]
                ]
                spread = f"{min(values):.3g}..{max(values):.3g}"
                ratio = (
                    f"  x{statistics.median(ratios):.2f} of temporal_sdk"
                    if driver != "temporal_sdk" and ratios
                    else ""
                )
                lines.append(
                    f"  {driver:24} median {statistics.median(values):10.3f}  ({spread}){ratio}"
                )
    return "\n".join(lines)


def main() -> None:
    results: list[dict[str, dict[str, dict[str, float]]]] = []
    with tempfile.TemporaryDirectory() as tmp:
        history = os.path.join(tmp, "history.json")
        for rep in range(ARGS.reps):
            proc, target = start_server()
            try:
                if not os.path.exists(history):
                    record = [*DRIVERS["temporal_sdk"], "--scenario", "record_history"]
                    run_driver(
                        [*record, "--target", target, "--count", "500", "--history", history]
                    )
                rep_results: dict[str, dict[str, dict[str, float]]] = {}
                for scenario, drivers in SCENARIOS.items():
                    if ARGS.scenarios and scenario not in ARGS.scenarios:
                        continue
                    for driver in drivers:
                        if ARGS.drivers and driver not in ARGS.drivers:
                            continue
                        figures = run_scenario(scenario, driver, target, history)
                        rep_results.setdefault(scenario, {})[driver] = figures
                        print(f"rep {rep + 1} {scenario} {driver}: {figures}", flush=True)
                results.append(rep_results)
            finally:
                proc.terminate()
                proc.wait(timeout=30)
    report = summarize(results)
    print(report)
    out = HERE / "results"
    out.mkdir(exist_ok=True)
    (out / "latest.json").write_text(json.dumps(results, indent=1))
    (out / "latest.txt").write_text(report + "\n")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--reps", type=int, default=3)
    parser.add_argument("--count", type=int, default=500)
    parser.add_argument("--scenarios", nargs="*")
    parser.add_argument("--drivers", nargs="*")
    ARGS = parser.parse_args()
    main()
