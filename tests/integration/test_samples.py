"""Every program in samples/ runs against the session dev server with its documented result."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from temporal_sdk.client import Client

SAMPLES_DIR = Path(__file__).resolve().parents[2] / "samples"


def load_sample(name: str) -> ModuleType:
    module_name = f"_sample_{name}"
    if module_name in sys.modules:
        return sys.modules[module_name]
    spec = importlib.util.spec_from_file_location(module_name, SAMPLES_DIR / f"{name}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[module_name] = module
    spec.loader.exec_module(module)
    return module


async def run(name: str, client: Client) -> Any:
    return await load_sample(name).run_sample(client)


def test_every_sample_is_tested() -> None:
    tested = {name.removeprefix("test_") for name in globals() if name.startswith("test_")}
    samples = {path.stem for path in SAMPLES_DIR.glob("*.py") if not path.stem.startswith("_")}
    assert samples <= tested


async def test_hello_activity(client: Client) -> None:
    assert await run("hello_activity", client) == "Hello, World!"


async def test_child_workflows(client: Client) -> None:
    assert await run("child_workflows", client) == [
        "Hello, Ada!",
        "Hello, Grace!",
        "Hello, Barbara!",
    ]


async def test_continue_as_new(client: Client) -> None:
    assert await run("continue_as_new", client) == "finished at count 3"


async def test_saga(client: Client) -> None:
    assert await run("saga", client) == ["cancelled hotel for Lisbon", "cancelled car for Lisbon"]


async def test_polling_activity(client: Client) -> None:
    assert await run("polling_activity", client) == "inventory ready after 5 polls, on attempt 2"


async def test_replay_test(client: Client) -> None:
    assert await run("replay_test", client) == [
        "ReplayDemoWorkflow: ok",
        "ChangedReplayDemoWorkflow: failed: NondeterminismError",
    ]


async def test_signals_queries(client: Client, capsys: pytest.CaptureFixture[str]) -> None:
    assert await run("signals_queries", client) == "Hello, Ada!, Hello, Grace!"
    assert "Names so far: ['Ada', 'Grace']" in capsys.readouterr().out


async def test_updates(client: Client, capsys: pytest.CaptureFixture[str]) -> None:
    assert await run("updates", client) == ["apples", "pears"]
    out = capsys.readouterr().out
    assert "Cart holds 2 items" in out
    assert "Rejected:" in out
    assert "checked out 2 items" in out


async def test_cancellation(client: Client) -> None:
    assert await run("cancellation", client) == [
        "long task saw the cancel",
        "cleanup ran",
        "workflow ended: CancelledError",
    ]


async def test_schedules(client: Client) -> None:
    assert (await run("schedules", client)).startswith("report for eu at ")


async def test_compression_codec(client: Client) -> None:
    result = await run("compression_codec", client)
    assert result.startswith("COMPRESS ME... (240 chars; stored as binary/zlib, ")


async def test_encryption_codec(client: Client) -> None:
    assert await run("encryption_codec", client) == (
        "Hello, Temporal! (stored as binary/encrypted, plaintext visible: False)"
    )


async def test_open_telemetry(client: Client) -> None:
    assert await run("open_telemetry", client) == [
        "StartWorkflow:PlaceOrder",
        "  RunWorkflow:PlaceOrder",
        "    StartActivity:charge",
        "      RunActivity:charge",
        "    StartChildWorkflow:ShipOrder",
        "      RunWorkflow:ShipOrder",
    ]
