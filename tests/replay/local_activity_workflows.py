"""Local activity workflow code shared by both SDKs (the import root is chosen at import).

``SDK_ROOT=temporalio`` gives the official SDK's modules (used in a separate process); the
default is ``temporal_sdk``. Histories recorded by one SDK replay through the other.
"""

from __future__ import annotations

import importlib
import os
from datetime import timedelta
from typing import Any

_ROOT = os.environ.get("SDK_ROOT", "temporal_sdk")
workflow: Any = importlib.import_module(f"{_ROOT}.workflow")
activity: Any = importlib.import_module(f"{_ROOT}.activity")
common: Any = importlib.import_module(f"{_ROOT}.common")
exceptions: Any = importlib.import_module(f"{_ROOT}.exceptions")

ATTEMPTS: dict[str, int] = {}


@activity.defn
async def shout(text: str) -> str:
    return text.upper()


@activity.defn
async def fails_once(key: str) -> str:
    ATTEMPTS[key] = ATTEMPTS.get(key, 0) + 1
    if ATTEMPTS[key] == 1:
        raise exceptions.ApplicationError("first attempt fails")
    return f"attempt {ATTEMPTS[key]}"


@activity.defn
async def refuses(_: str) -> str:
    raise exceptions.ApplicationError("refused", type="Refused", non_retryable=True)


@workflow.defn
class XLocal:
    @workflow.run
    async def run(self, key: str) -> list[str]:
        out = [
            await workflow.execute_local_activity(
                shout, "hi", start_to_close_timeout=timedelta(seconds=10)
            )
        ]
        # A backoff past the threshold: the retry waits on a durable timer.
        out.append(
            await workflow.execute_local_activity(
                fails_once,
                key,
                start_to_close_timeout=timedelta(seconds=10),
                retry_policy=common.RetryPolicy(initial_interval=timedelta(milliseconds=100)),
                local_retry_threshold=timedelta(milliseconds=10),
            )
        )
        try:
            await workflow.execute_local_activity(
                refuses, "x", start_to_close_timeout=timedelta(seconds=10)
            )
        except exceptions.ApplicationError as err:
            # Core-based SDKs raise a non-retryable local activity failure as it was raised.
            out.append(f"{err.type}")
        return out
