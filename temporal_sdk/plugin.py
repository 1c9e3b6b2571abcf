"""``SimplePlugin``: a client-and-worker plugin built from a few settings.

Each setting is either a value (added to, or replacing, what the component already has) or a
callable that receives the existing value and returns the one to use. ``SimplePlugin`` is both a
:class:`temporal_sdk.client.Plugin` and a :class:`temporal_sdk.worker.Plugin`, so given to
``Client.connect`` it also configures every worker built on that client.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from typing import TYPE_CHECKING, Any, TypeAlias, TypeVar, cast

from temporal_sdk.client._interceptor import Interceptor as ClientInterceptor
from temporal_sdk.client._plugin import ConnectNext
from temporal_sdk.client._plugin import Plugin as ClientPlugin
from temporal_sdk.worker._plugin import Plugin as WorkerPlugin
from temporal_sdk.worker._plugin import ReplayerConfig, RunReplayerNext, RunWorkerNext

if TYPE_CHECKING:
    from temporal_sdk._worker_interceptor import Interceptor as WorkerInterceptor
    from temporal_sdk.client import ClientConfig, WorkflowHistory
    from temporal_sdk.converter import DataConverter
    from temporal_sdk.service import ConnectConfig, ServiceClient
    from temporal_sdk.worker import Replayer, Worker, WorkerConfig, WorkflowReplayResult

__all__ = ["PluginParameter", "SimplePlugin"]

T = TypeVar("T")

PluginParameter: TypeAlias = "T | Callable[[T | None], T] | None"
"""A plugin setting: ``None`` (leave alone), a value, or a function of the existing value."""


class SimplePlugin(ClientPlugin, WorkerPlugin):
    """A plugin assembled from settings rather than by overriding hooks.

    ``data_converter`` applies to the client and the replayer; ``interceptors`` are appended
    (client ones to the client, worker ones to workers and replayers, an object that is both
    is used once); ``activities`` to workers; ``workflows``, ``workflow_runner`` and
    ``workflow_failure_exception_types`` to workers and replayers. ``run_context`` returns an
    async context manager entered around every worker run and replay.
    """

    def __init__(
        self,
        name: str,
        *,
        data_converter: PluginParameter[DataConverter] = None,
        interceptors: Sequence[ClientInterceptor | WorkerInterceptor] | None = None,
        activities: PluginParameter[Sequence[Callable[..., Any]]] = None,
        nexus_service_handlers: PluginParameter[Sequence[Any]] = None,
        workflows: PluginParameter[Sequence[type]] = None,
        workflow_runner: PluginParameter[Any] = None,
        workflow_failure_exception_types: PluginParameter[Sequence[type[BaseException]]] = None,
        run_context: Callable[[], AbstractAsyncContextManager[None]] | None = None,
    ) -> None:
        self._name = name
        self.data_converter = data_converter
        self.interceptors = interceptors
        self.activities = activities
        self.nexus_service_handlers = nexus_service_handlers
        self.workflows = workflows
        self.workflow_runner = workflow_runner
        self.workflow_failure_exception_types = workflow_failure_exception_types
        self.run_context = run_context

    def name(self) -> str:
        """The name given to the constructor."""
        return self._name

    def configure_client(self, config: ClientConfig) -> ClientConfig:
        """Apply ``data_converter`` and the client interceptors among ``interceptors``."""
        converter = _resolve(config.get("data_converter"), self.data_converter)
        if converter is not None:
            config["data_converter"] = converter
        existing: list[Any] = list(config.get("interceptors") or ())
        merged = _append(existing, self.interceptors)
        if merged is not None:
            config["interceptors"] = [i for i in merged if isinstance(i, ClientInterceptor)]
        return config

    async def connect_service_client(
        self, config: ConnectConfig, next: ConnectNext
    ) -> ServiceClient:
        """Connect unchanged."""
        return await next(config)

    def configure_worker(self, config: WorkerConfig) -> WorkerConfig:
        """Apply activities, workflows, runner, worker interceptors and failure types."""
        raw = cast(dict[str, Any], config)
        _set(raw, "activities", _append(raw.get("activities"), self.activities))
        _set(raw, "nexus_service_handlers", _append(None, self.nexus_service_handlers))
        self._configure_workflows(raw)
        if self.interceptors is not None:
            client = raw.get("client")
            on_client = client.config(active_config=True)["interceptors"] if client else []
            own = [i for i in self.interceptors if _is_worker_interceptor(i)]
            fresh = [i for i in own if i not in on_client]
            _set(raw, "interceptors", _append(raw.get("interceptors"), fresh))
        return config

    def configure_replayer(self, config: ReplayerConfig) -> ReplayerConfig:
        """Apply the data converter, workflows, runner, worker interceptors and failure types."""
        raw = cast(dict[str, Any], config)
        _set(raw, "data_converter", _resolve(raw.get("data_converter"), self.data_converter))
        self._configure_workflows(raw)
        merged = _append(raw.get("interceptors"), self.interceptors)
        if merged is not None:
            raw["interceptors"] = [i for i in merged if _is_worker_interceptor(i)]
        return config

    def _configure_workflows(self, raw: dict[str, Any]) -> None:
        _set(raw, "workflows", _append(raw.get("workflows"), self.workflows))
        _set(raw, "workflow_runner", _resolve(raw.get("workflow_runner"), self.workflow_runner))
        types = _append(
            raw.get("workflow_failure_exception_types"), self.workflow_failure_exception_types
        )
        _set(raw, "workflow_failure_exception_types", types)

    async def run_worker(self, worker: Worker, next: RunWorkerNext) -> None:
        """Run the worker inside ``run_context`` when one was given."""
        if self.run_context is None:
            await next(worker)
            return
        async with self.run_context():
            await next(worker)

    def run_replayer(
        self,
        replayer: Replayer,
        histories: AsyncIterator[WorkflowHistory],
        next: RunReplayerNext,
    ) -> AbstractAsyncContextManager[AsyncIterator[WorkflowReplayResult]]:
        """Replay inside ``run_context`` when one was given."""
        return self._run_replayer(replayer, histories, next)

    @asynccontextmanager
    async def _run_replayer(
        self,
        replayer: Replayer,
        histories: AsyncIterator[WorkflowHistory],
        next: RunReplayerNext,
    ) -> AsyncIterator[AsyncIterator[WorkflowReplayResult]]:
        if self.run_context is None:
            async with next(replayer, histories) as results:
                yield results
            return
        async with self.run_context(), next(replayer, histories) as results:
            yield results


def _is_worker_interceptor(interceptor: object) -> bool:
    from temporal_sdk._worker_interceptor import Interceptor

    return isinstance(interceptor, Interceptor)


def _set(config: dict[str, Any], key: str, value: object) -> None:
    """Store ``value`` unless it is ``None`` (the plugin left the setting alone)."""
    if value is not None:
        config[key] = value


def _resolve(existing: T | None, parameter: PluginParameter[T]) -> T | None:
    """A replacing setting: the existing value, the given one, or the callable's result."""
    if parameter is None:
        return existing
    if callable(parameter):
        return parameter(existing)
    return parameter


def _append(
    existing: Sequence[T] | None, parameter: PluginParameter[Sequence[T]]
) -> Sequence[T] | None:
    """An appending setting: existing items then the given ones, or the callable's result."""
    if parameter is None:
        return existing
    if callable(parameter):
        return parameter(existing)
    return [*(existing or ()), *parameter]
