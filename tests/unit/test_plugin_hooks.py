"""Plugins without a server: hook order, config composition, SimplePlugin's parameters."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from typing import Any

import pytest

from temporal_sdk import client as client_mod
from temporal_sdk import worker as worker_mod
from temporal_sdk.client import Client, ClientConfig, HeaderCodecBehavior
from temporal_sdk.client._plugin import connect_through
from temporal_sdk.converter import DataConverter
from temporal_sdk.plugin import SimplePlugin
from temporal_sdk.service import ConnectConfig, ServiceClient
from temporal_sdk.worker._plugin import configure_worker, run_replayer, run_worker


class Recording(client_mod.Plugin, worker_mod.Plugin):
    """Appends its label to a shared log from every hook."""

    def __init__(self, label: str, log: list[str]) -> None:
        self.label, self.log = label, log

    def configure_client(self, config: ClientConfig) -> ClientConfig:
        self.log.append(f"client:{self.label}")
        config["namespace"] += f"+{self.label}"
        return config

    async def connect_service_client(self, config: ConnectConfig, next: Any) -> ServiceClient:
        self.log.append(f"connect>{self.label}")
        result: ServiceClient = await next(config)
        self.log.append(f"connect<{self.label}")
        return result

    def configure_worker(self, config: Any) -> Any:
        self.log.append(f"worker:{self.label}")
        config["task_queue"] += f"+{self.label}"
        return config

    async def run_worker(self, worker: Any, next: Any) -> None:
        self.log.append(f"run>{self.label}")
        await next(worker)
        self.log.append(f"run<{self.label}")

    def configure_replayer(self, config: Any) -> Any:
        self.log.append(f"replayer:{self.label}")
        return config

    def run_replayer(self, replayer: Any, histories: Any, next: Any) -> Any:
        self.log.append(f"replay:{self.label}")
        return next(replayer, histories)


class OtherRecording(Recording):
    """Same hooks, another type (no double-application warning)."""


class FakeService:
    config = ConnectConfig(target_host="x:1", identity="me")


def test_plugin_names_default_to_the_qualified_class_name() -> None:
    assert Recording("a", []).name() == f"{__name__}.Recording"
    assert SimplePlugin("mine").name() == "mine"


def test_client_plugins_configure_in_order_and_config_keeps_both_views() -> None:
    log: list[str] = []
    client = Client(
        FakeService(),  # type: ignore[arg-type]
        namespace="ns",
        plugins=[Recording("a", log), Recording("b", log)],
    )
    assert log == ["client:a", "client:b"]
    assert client.namespace == "ns+a+b"
    assert client.config()["namespace"] == "ns"
    assert client.config(active_config=True)["namespace"] == "ns+a+b"
    assert client.config()["header_codec_behavior"] is HeaderCodecBehavior.NO_CODEC
    assert len(client.config()["plugins"]) == 2


async def test_connect_hooks_nest_with_the_first_plugin_outermost(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    log: list[str] = []

    async def fake_connect(config: ConnectConfig) -> Any:
        log.append("real")
        return FakeService()

    monkeypatch.setattr(ServiceClient, "connect", fake_connect)
    await connect_through([Recording("a", log), Recording("b", log)], FakeService.config)
    assert log == ["connect>a", "connect>b", "real", "connect<b", "connect<a"]


def test_worker_plugins_take_the_clients_worker_plugins_first() -> None:
    log: list[str] = []
    client = Client(FakeService(), plugins=[Recording("c", log)])  # type: ignore[arg-type]
    log.clear()

    class Holder:
        pass

    holder = Holder()
    plugins = [OtherRecording("w", log)]
    args = {"self": holder, "client": client, "task_queue": "q", "plugins": plugins}
    plugged = configure_worker(holder, args)
    assert plugged is not None and plugged["task_queue"] == "q+c+w"
    assert log == ["worker:c", "worker:w"]
    assert "self" not in plugged
    assert holder._initial_config["task_queue"] == "q"  # type: ignore[attr-defined]


def test_worker_warns_when_a_plugin_type_is_on_client_and_worker() -> None:
    client = Client(FakeService(), plugins=[Recording("c", [])])  # type: ignore[arg-type]

    class Holder:
        pass

    with pytest.warns(UserWarning, match="applied twice"):
        configure_worker(
            Holder(), {"client": client, "task_queue": "q", "plugins": [Recording("w", [])]}
        )


def test_no_plugins_means_no_plugin_pass() -> None:
    class Holder:
        pass

    holder = Holder()
    assert configure_worker(holder, {"client": None, "plugins": ()}) is None
    assert holder._plugins == []  # type: ignore[attr-defined]


async def test_run_hooks_nest_with_the_first_plugin_outermost() -> None:
    log: list[str] = []

    async def inner(worker: Any) -> None:
        log.append("inner")

    await run_worker(object(), [Recording("a", log), Recording("b", log)], inner)  # type: ignore[arg-type]
    assert log == ["run>a", "run>b", "inner", "run<b", "run<a"]


async def test_run_replayer_chain_reaches_the_inner_iterator() -> None:
    log: list[str] = []

    @asynccontextmanager
    async def inner(replayer: Any, histories: Any) -> AsyncIterator[Any]:
        log.append("inner")
        yield histories

    plugins = [Recording("a", log), Recording("b", log)]
    async with run_replayer(object(), plugins, "h", inner) as got:  # type: ignore[arg-type]
        assert got == "h"
    assert log == ["replay:a", "replay:b", "inner"]


def test_simple_plugin_appends_values_and_applies_callables() -> None:
    def act() -> None: ...

    def other() -> None: ...

    converter = DataConverter()
    plugin = SimplePlugin(
        "p",
        data_converter=lambda existing: converter,
        activities=[act],
        workflows=lambda existing: [int],
        workflow_failure_exception_types=[ValueError],
    )
    config: dict[str, Any] = {"activities": [other], "workflows": [str]}
    out = plugin.configure_worker(config)  # type: ignore[arg-type]
    assert list(out["activities"]) == [other, act]
    assert list(out["workflows"]) == [int]
    assert list(out["workflow_failure_exception_types"]) == [ValueError]
    assert "workflow_runner" not in out and "nexus_service_handlers" not in out
    replayer = plugin.configure_replayer({"workflows": [str]})
    assert replayer["data_converter"] is converter


def test_simple_plugin_splits_interceptors_between_client_and_worker() -> None:
    class ClientOnly(client_mod.Interceptor):
        pass

    class WorkerOnly(worker_mod.Interceptor):
        pass

    class Both(client_mod.Interceptor, worker_mod.Interceptor):
        pass

    c, w, b = ClientOnly(), WorkerOnly(), Both()
    plugin = SimplePlugin("p", interceptors=[c, w, b])
    client = Client(FakeService(), plugins=[plugin])  # type: ignore[arg-type]
    assert client.config(active_config=True)["interceptors"] == [c, b]
    # A worker built on that client gets the worker-only one; ``b`` already comes via the client.
    out = plugin.configure_worker({"client": client})
    assert list(out["interceptors"]) == [w]
    assert list(plugin.configure_replayer({})["interceptors"]) == [w, b]


async def test_simple_plugin_run_context_wraps_worker_and_replayer() -> None:
    log: list[str] = []

    @asynccontextmanager
    async def around() -> AsyncIterator[None]:
        log.append("enter")
        yield
        log.append("exit")

    context: Callable[[], AbstractAsyncContextManager[None]] = around
    plugin = SimplePlugin("p", run_context=context)

    async def inner(worker: Any) -> None:
        log.append("run")

    await plugin.run_worker(object(), inner)  # type: ignore[arg-type]

    @asynccontextmanager
    async def replay(replayer: Any, histories: Any) -> AsyncIterator[Any]:
        log.append("replay")
        yield histories

    async with plugin.run_replayer(object(), "h", replay) as got:  # type: ignore[arg-type]
        assert got == "h"
    assert log == ["enter", "run", "exit", "enter", "replay", "exit"]
