"""Cost of the determinism guard per workflow activation (``python bench/guard_overhead.py``).

Runs the same timer-driven workflow three ways, each in a fresh interpreter: with the guard's
patches never installed, installed with the workflow guarded, and installed with
``sandboxed=False``. Each activation fires one timer; the workflow code then does a little work,
reads ``workflow.now()``, logs one record (to a NullHandler) and starts the next timer, so both
the per-step flag and the guard's stack walk for an exempt caller (logging -> ``time.time_ns``)
are on the measured path. Modes are interleaved and the best of several runs is kept, because
the machine's other load is noisier than the guard. Prints microseconds per activation.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time

ACTIVATIONS = 2000
REPEATS = 3
ROUNDS = 5
MODES = ("not-installed", "guarded", "unsandboxed")

_CHILD = r"""
import asyncio, json, logging, sys, time
mode = sys.argv[1]
if mode == "not-installed":
    from temporal_sdk._runtime import guard
    guard._installed = True  # the patches are never applied
from temporal_sdk import workflow
from temporal_sdk._core.activation import Activation, FireTimer, InitializeWorkflow
from temporal_sdk._runtime.definitions import WorkflowDefinition
from temporal_sdk._runtime.instance import WorkflowInstance
from temporal_sdk.api.history.v1 import WorkflowExecutionStartedEventAttributes
from temporal_sdk.converter import DataConverter

log = logging.getLogger("bench")
log.setLevel(logging.INFO)
log.propagate = False
log.addHandler(logging.NullHandler())

class Loop:
    @workflow.run
    async def run(self, n: int) -> int:
        total = 0
        for i in range(n):
            total += sum(range(20)) + workflow.now().second
            log.info("step %d", i)
            await asyncio.sleep(1)
        return total

workflow.defn(sandboxed=(mode != "unsandboxed"))(Loop)
defn = WorkflowDefinition.must_from_class(Loop)
conv = DataConverter.default

def once(n: int) -> float:
    inst = WorkflowInstance(defn, namespace="default", task_queue="tq",
        payload_converter=conv.payload_converter, failure_converter=conv.failure_converter)
    init = InitializeWorkflow("wf", "run", "Loop", tuple(conv.payload_converter.to_payloads([n])),
        {}, 1, WorkflowExecutionStartedEventAttributes())
    now = 1_700_000_000.0
    inst.activate(Activation("run", now, False, 3, (init,)))
    start = time.perf_counter()
    for seq in range(1, n + 1):
        now += 1
        inst.activate(Activation("run", now, False, 3 + 3 * seq, (FireTimer(seq),)))
    return (time.perf_counter() - start) / n * 1e6

print(json.dumps([once(int(sys.argv[2])) for _ in range(int(sys.argv[3]))]))
"""


def _measure(mode: str) -> float:
    out = subprocess.run(
        [sys.executable, "-c", _CHILD, mode, str(ACTIVATIONS), str(REPEATS)],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    return min(json.loads(out))


def main() -> None:
    """Print the best microseconds per activation for each mode."""
    started = time.perf_counter()
    best = {mode: float("inf") for mode in MODES}
    for _ in range(ROUNDS):
        for mode in MODES:
            best[mode] = min(best[mode], _measure(mode))
    results = best
    base = results["not-installed"]
    for mode, micros in results.items():
        print(f"{mode:>14}: {micros:7.2f} us/activation ({micros - base:+.2f} us vs not installed)")
    print(f"(best of {ROUNDS} x {REPEATS} runs of {ACTIVATIONS} activations per mode, ", end="")
    print(f"{time.perf_counter() - started:.1f}s total)")


if __name__ == "__main__":
    main()
