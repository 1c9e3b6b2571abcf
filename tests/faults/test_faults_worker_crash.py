"""Worker crash: the worker process is SIGKILLed three times while ~30 workflows run.

Every workflow must still complete with the right result; activities cut off by a kill run
again (at least once overall, never more often than the retry policy allows).
"""

from __future__ import annotations

from pathlib import Path

import pytest
from faults_scenarios import worker_crash
from faults_workload import MAX_ATTEMPTS

from temporal_sdk.testing import WorkflowEnvironment

WORKFLOWS = 30
KILLS = 3


@pytest.mark.timeout(300)
async def test_workflows_survive_worker_sigkills(env: WorkflowEnvironment, tmp_path: Path) -> None:
    target = env.client.service_client.config.target_host
    report = await worker_crash(target, WORKFLOWS, KILLS, tmp_path, timeout=180)
    assert report.ok, report.summary()
    assert report.started == report.completed == WORKFLOWS
    assert report.lost == report.stuck == 0
    assert len(report.faults) == KILLS
    # Two activities per workflow, each at least once; re-executions only from the kills.
    assert report.executions >= 2 * WORKFLOWS
    assert report.max_executions <= MAX_ATTEMPTS
