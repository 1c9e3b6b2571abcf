"""Parent/child/external workflow code shared by both SDKs (the import root is chosen at import).

``SDK_ROOT=temporalio`` gives the official SDK's ``workflow`` module (used by the recording
script, run in its own process); the default is ``temporal_sdk``. The code is the same either
way, which is the point: histories recorded by one replay through the other.
"""

from __future__ import annotations

import importlib
import os
from typing import Any

_ROOT = os.environ.get("SDK_ROOT", "temporal_sdk")
workflow: Any = importlib.import_module(f"{_ROOT}.workflow")
exceptions: Any = importlib.import_module(f"{_ROOT}.exceptions")


@workflow.defn
class XChild:
    def __init__(self) -> None:
        self.released = False

    @workflow.run
    async def run(self, mode: str) -> str:
        if mode == "fail":
            raise exceptions.ApplicationError("no", type="ChildBad", non_retryable=True)
        if mode == "wait":
            await workflow.wait_condition(lambda: self.released)
        return f"child:{mode}"

    @workflow.signal
    def release(self) -> None:
        self.released = True


@workflow.defn
class XParent:
    @workflow.run
    async def run(self, target_id: str) -> list[str]:
        out: list[str] = []
        info = workflow.info()
        out.append(
            await workflow.execute_child_workflow(XChild.run, "hi", id=f"{info.workflow_id}-a")
        )
        try:
            await workflow.execute_child_workflow(XChild.run, "fail", id=f"{info.workflow_id}-b")
        except exceptions.ChildWorkflowError as err:
            out.append(f"{err.message}/{err.cause.message}")
        handle = await workflow.start_child_workflow(XChild.run, "wait", id=f"{info.workflow_id}-c")
        await handle.signal(XChild.release)
        out.append(await handle)
        cancelled = await workflow.start_child_workflow(
            XChild.run,
            "wait",
            id=f"{info.workflow_id}-d",
            cancellation_type=workflow.ChildWorkflowCancellationType.TRY_CANCEL,
        )
        cancelled.cancel()
        try:
            await cancelled
        except exceptions.ChildWorkflowError as err:
            out.append(type(err.cause).__name__)
        target = workflow.get_external_workflow_handle(target_id)
        await target.signal(XChild.release)
        try:
            await workflow.get_external_workflow_handle(f"{target_id}-missing").signal("release")
        except exceptions.ApplicationError as err:
            out.append(err.message)
        try:
            await workflow.get_external_workflow_handle(f"{target_id}-missing").cancel()
        except exceptions.ApplicationError as err:
            out.append(err.message)
        return out
