"""The Poller: no poll without a free slot, shared slots, backoff logged once per outage."""

from __future__ import annotations

import asyncio
import logging

import pytest

from temporal_sdk._io.pollers import Poller


async def test_no_poll_is_issued_without_a_free_slot() -> None:
    polls = 0
    release = asyncio.Event()
    handled: list[int] = []

    async def poll() -> int:
        nonlocal polls
        polls += 1
        return polls

    async def handle(task: int) -> None:
        handled.append(task)
        await release.wait()

    poller: Poller[int] = Poller(
        name="test", poll=poll, handle=handle, max_concurrent_tasks=2, max_concurrent_polls=3
    )
    runner = asyncio.create_task(poller.run())
    for _ in range(20):
        await asyncio.sleep(0)
    assert polls == 2 and poller.in_flight == 2  # both slots busy: nobody polls
    release.set()
    for _ in range(5):
        await asyncio.sleep(0)
    assert polls > 2
    await poller.shutdown()
    await runner


async def test_pollers_can_share_slots() -> None:
    slots = asyncio.Semaphore(1)
    polls = {"a": 0, "b": 0}
    hold = asyncio.Event()

    def make(name: str) -> Poller[str]:
        async def poll() -> str:
            polls[name] += 1
            return name

        async def handle(_: str) -> None:
            await hold.wait()

        return Poller(
            name=name,
            poll=poll,
            handle=handle,
            max_concurrent_tasks=1,
            max_concurrent_polls=1,
            slots=slots,
        )

    a, b = make("a"), make("b")
    runners = [asyncio.create_task(p.run()) for p in (a, b)]
    for _ in range(20):
        await asyncio.sleep(0)
    assert polls["a"] + polls["b"] == 1
    hold.set()
    await asyncio.gather(a.shutdown(), b.shutdown())
    await asyncio.gather(*runners)


async def test_outage_is_logged_once_and_recovery_once(
    caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("temporal_sdk._io.pollers._BACKOFF_INITIAL", 0.001)
    monkeypatch.setattr("temporal_sdk._io.pollers._BACKOFF_MAX", 0.002)
    caplog.set_level(logging.INFO, logger="temporal_sdk._io.pollers")
    calls = 0
    done = asyncio.Event()

    async def poll() -> int | None:
        nonlocal calls
        calls += 1
        await asyncio.sleep(0)  # a real long poll always waits on the network
        if calls <= 10:
            raise ConnectionError("server unreachable")
        if calls >= 15:
            done.set()
        return None

    async def handle(_: int) -> None:
        pass

    poller: Poller[int] = Poller(
        name="flaky", poll=poll, handle=handle, max_concurrent_tasks=1, max_concurrent_polls=1
    )
    runner = asyncio.create_task(poller.run())
    await asyncio.wait_for(done.wait(), 10)
    await poller.shutdown()
    await runner
    messages = [r.getMessage() for r in caplog.records]
    assert sum("poll failed" in m for m in messages) == 1
    assert sum("polling recovered" in m for m in messages) == 1
