"""Fixtures of the fault-injection suite: work directories and cleanup of stray processes.

Every test here is marked ``faults`` and ``integration`` (it needs the dev server); deselect
them with ``-m "not faults"``. Reduced counts run in CI; ``scripts/faults_report.py --full``
runs the full-size scenarios.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fault_worker import kill_strays

_FAULTS_DIR = Path(__file__).parent


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "faults: fault injection (crashes, restarts, network)")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if _FAULTS_DIR in Path(str(item.fspath)).parents:
            item.add_marker(pytest.mark.faults)
            item.add_marker(pytest.mark.integration)


@pytest.fixture(autouse=True)
def no_stray_workers() -> Iterator[None]:
    """Whatever a test did, no fault worker process outlives it."""
    yield
    kill_strays()
