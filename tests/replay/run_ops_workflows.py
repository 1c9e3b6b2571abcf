"""Workflow code for patches, upserts, continue-as-new and cancellation, shared by both SDKs.

``SDK_ROOT=temporalio`` gives the official SDK's modules (used by the recording and replay
scripts, each run in its own process); the default is ``temporal_sdk``. The code is the same
either way, so histories recorded by one replay through the other.
"""

from __future__ import annotations

import asyncio
import importlib
import os
from datetime import timedelta
from typing import Any

_ROOT = os.environ.get("SDK_ROOT", "temporal_sdk")
workflow: Any = importlib.import_module(f"{_ROOT}.workflow")
common: Any = importlib.import_module(f"{_ROOT}.common")

KEYWORD = common.SearchAttributeKey.for_keyword("XRunOpsKeyword")


@workflow.defn
class XRunOps:
    @workflow.run
    async def run(self, n: int) -> str:
        taken = workflow.patched("x-patch")
        workflow.deprecate_patch("x-old")
        await workflow.sleep(timedelta(milliseconds=10))
        workflow.upsert_memo({"n": n})
        workflow.upsert_search_attributes([KEYWORD.value_set(f"run-{n}")])
        if n == 0:
            workflow.continue_as_new(1)
        return f"taken={taken} n={n} memo={workflow.memo()['n']}"


@workflow.defn
class XCancel:
    @workflow.run
    async def run(self) -> str:
        try:
            await workflow.sleep(timedelta(hours=1))
        except asyncio.CancelledError:
            await asyncio.shield(asyncio.ensure_future(workflow.sleep(timedelta(milliseconds=10))))
            raise
        return "not cancelled"
