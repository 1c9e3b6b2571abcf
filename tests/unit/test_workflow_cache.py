"""The sticky run cache: LRU order, deferred close of busy runs, abandoned runs; poll split."""

from __future__ import annotations

import asyncio
import concurrent.futures
import threading
from typing import Any

import pytest

from temporal_sdk._io.deadlock import DeadlockDetected, run_watched
from temporal_sdk._io.workflow_cache import CachedRun, RunGates, WorkflowCache
from temporal_sdk._io.workflow_worker import debug_mode_from_env, split_polls


class FakeInstance:
    def __init__(self) -> None:
        self.closed = 0

    def close(self) -> None:
        self.closed += 1


def make(run_id: str) -> tuple[CachedRun, FakeInstance]:
    inst = FakeInstance()
    run = CachedRun(run_id, machines=None, instance=inst, users=1)  # type: ignore[arg-type]
    return run, inst


def test_least_recently_used_idle_run_is_evicted_and_closed() -> None:
    cache = WorkflowCache(2)
    runs = [make(f"r{i}") for i in range(3)]
    for run, _ in runs[:2]:
        cache.adopt(run)
        cache.release(run)
    again = cache.acquire("r0")  # r0 becomes most recent
    assert again is runs[0][0]
    cache.release(again)
    cache.adopt(runs[2][0])
    cache.release(runs[2][0])
    assert "r1" not in cache and "r0" in cache and "r2" in cache
    assert runs[1][1].closed == 1 and runs[0][1].closed == 0
    assert cache.evictions == 1


def test_busy_run_is_closed_only_when_released() -> None:
    cache = WorkflowCache(1)
    a, a_inst = make("a")
    cache.adopt(a)  # still in use
    b, _ = make("b")
    cache.adopt(b)  # both busy: the cache overflows for a moment
    assert len(cache) == 2
    cache.release(a)  # a is now idle and least recent: trimmed
    assert a_inst.closed == 1 and len(cache) == 1
    cache.evict("b", "test")
    assert len(cache) == 0


def test_zero_capacity_keeps_nothing() -> None:
    cache = WorkflowCache(0)
    run, inst = make("x")
    cache.adopt(run)
    cache.release(run)
    assert not cache.enabled and len(cache) == 0 and inst.closed == 1


def test_abandoned_run_waits_for_its_thread() -> None:
    cache = WorkflowCache(5)
    run, inst = make("s")
    cache.adopt(run)
    cache.abandon(run)
    cache.release(run)  # the task's own use ends
    assert inst.closed == 0 and "s" not in cache
    cache.release(run)  # the stuck thread returned
    assert inst.closed == 1


def test_forget_leaves_a_newer_run_of_the_same_id_alone() -> None:
    cache = WorkflowCache(5)
    old, _ = make("r")
    new, new_inst = make("r")
    cache.adopt(new)
    cache.forget(old, "stale")
    assert "r" in cache and new_inst.closed == 0 and old.evicted


def test_poll_split_and_debug_env(monkeypatch: pytest.MonkeyPatch) -> None:
    assert split_polls(2) == (1, 1)
    assert split_polls(10) == (2, 8)
    assert split_polls(1) == (1, 1)
    monkeypatch.setenv("TEMPORAL_DEBUG", "1")
    assert debug_mode_from_env()
    monkeypatch.setenv("TEMPORAL_DEBUG", "false")
    assert not debug_mode_from_env()


async def test_run_gates_serialise_one_run() -> None:
    gates = RunGates()
    order: list[str] = []

    async def use(tag: str) -> None:
        async with gates.hold("run"):
            order.append(f"{tag}+")
            await asyncio.sleep(0.01)
            order.append(f"{tag}-")

    await asyncio.gather(use("a"), use("b"))
    assert order == ["a+", "a-", "b+", "b-"]
    assert not gates._gates


async def test_run_watched_reports_the_stuck_stack() -> None:
    release = threading.Event()

    def stuck_somewhere(watch: Any) -> str:
        watch.begin()
        release.wait(10)
        watch.end()
        return "back"

    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        with pytest.raises(DeadlockDetected) as info:
            await run_watched(pool, stuck_somewhere, 0.2)
        assert "stuck_somewhere" in info.value.stack
        release.set()
        assert await info.value.pending == "back"
        # A slow task made of quick activations is not a deadlock.

        def many(watch: Any) -> int:
            for _ in range(5):
                watch.begin()
                release.wait(0.05)
                watch.end()
            return 5

        assert await run_watched(pool, many, 0.2) == 5
