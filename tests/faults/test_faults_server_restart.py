"""Server restart: our own dev server (SQLite file, fixed port) restarts twice mid-run.

The worker and the client are the same objects throughout; only the SDK reconnects them.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from faults_scenarios import server_restart

WORKFLOWS = 20
RESTARTS = 2


@pytest.mark.timeout(300)
async def test_workflows_survive_two_server_restarts(tmp_path: Path) -> None:
    report = await server_restart(WORKFLOWS, RESTARTS, tmp_path, timeout=150)
    assert report.ok, report.summary()
    assert report.started == report.completed == WORKFLOWS
    assert report.lost == report.stuck == 0
    assert len(report.faults) == RESTARTS
