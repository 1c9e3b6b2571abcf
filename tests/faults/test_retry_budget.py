"""The retry budget of one call covers a streak of failures, not the life of the call.

A long poll (``handle.result()``) that waited for a long time before its connection broke must
still be retried; a call that keeps failing fast must still give up when its budget is spent;
an ordinary call never gets a second budget.
"""

from __future__ import annotations

import asyncio
from typing import Any

import grpc
import grpc.aio
import pytest

from temporal_sdk._io import service as io_service
from temporal_sdk.api.workflowservice.v1 import (
    GetSystemInfoResponse,
    GetWorkflowExecutionHistoryRequest,
)
from temporal_sdk.service import ConnectConfig, RetryConfig, RPCError, RPCStatusCode

_BUDGET = RetryConfig(
    initial_interval_millis=20,
    randomization_factor=0,
    multiplier=1,
    max_interval_millis=20,
    max_elapsed_time_millis=1000,
    max_retries=0,
)


def _unavailable() -> grpc.aio.AioRpcError:
    return grpc.aio.AioRpcError(
        grpc.StatusCode.UNAVAILABLE, grpc.aio.Metadata(), grpc.aio.Metadata(), "reset"
    )


class _Script:
    """A fake unary callable: each attempt waits, then fails or answers, as scripted."""

    def __init__(self, steps: list[tuple[float, bool]]) -> None:
        self.steps = steps
        self.attempts = 0

    async def __call__(self, req: Any, **kwargs: Any) -> GetSystemInfoResponse:
        wait, ok = self.steps[min(self.attempts, len(self.steps) - 1)]
        self.attempts += 1
        await asyncio.sleep(wait)
        if not ok:
            raise _unavailable()
        return GetSystemInfoResponse()


async def _call(
    script: _Script, monkeypatch: pytest.MonkeyPatch, *, long_poll: bool = True
) -> GetSystemInfoResponse:
    monkeypatch.setattr(io_service, "_NEW_FAILURE_STREAK", 0.5)
    conn = io_service.Connection(ConnectConfig(target_host="127.0.0.1:1", retry_config=_BUDGET))
    monkeypatch.setattr(conn, "_callable", lambda *a: script)
    return await conn.call(
        "svc",
        "GetWorkflowExecutionHistory",
        GetWorkflowExecutionHistoryRequest(wait_new_event=long_poll),
        GetSystemInfoResponse,
        retry=True,
        metadata={},
        timeout=None,
    )


async def test_a_call_that_waited_long_before_failing_is_still_retried(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Waited past the whole budget, failed, then succeeded on the retry.
    script = _Script([(1.1, False), (0.0, True)])
    await _call(script, monkeypatch)
    assert script.attempts == 2


async def test_each_long_wait_starts_a_new_streak(monkeypatch: pytest.MonkeyPatch) -> None:
    # Fast failures, a long healthy wait that breaks, fast failures again, then an answer: each
    # streak of fast failures fits in the budget on its own, though not the two together.
    fast = (0.0, False)
    steps = [fast] * 8 + [(1.1, False)] + [fast] * 8 + [(0.0, True)]
    script = _Script(steps)
    await _call(script, monkeypatch)
    assert script.attempts == len(steps)


async def test_fast_failures_give_up_when_the_budget_is_spent(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    script = _Script([(0.0, False)])
    with pytest.raises(RPCError) as caught:
        await _call(script, monkeypatch)
    assert caught.value.status == RPCStatusCode.UNAVAILABLE
    # 1 s of 20 ms waits: about 50 attempts, never an endless spin.
    assert 5 <= script.attempts <= 60


async def test_an_ordinary_call_gets_one_budget_however_long_it_ran(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    fast = (0.0, False)
    script = _Script([fast] * 8 + [(1.1, False)] + [fast] * 8 + [(0.0, True)])
    with pytest.raises(RPCError):
        await _call(script, monkeypatch, long_poll=False)
    assert script.attempts <= 9  # never past the long attempt
