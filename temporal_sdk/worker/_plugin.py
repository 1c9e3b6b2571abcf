"""Worker plugins: the ``Plugin`` base class, the config dicts, and how workers apply plugins.

Rule: a worker's plugins are the client's plugins that are also worker plugins, then its own.
``configure_*`` hooks run first to last on the constructor's arguments (as a dict);
``run_worker``/``run_replayer`` hooks nest, the first plugin outermost. Without plugins a worker
or replayer pays one dict at construction and nothing afterwards.
"""

from __future__ import annotations

import abc
import warnings
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import AbstractAsyncContextManager
from typing import TYPE_CHECKING, Any, TypedDict, cast

if TYPE_CHECKING:
    import concurrent.futures

    from temporal_sdk._worker_interceptor import Interceptor
    from temporal_sdk.client import WorkflowHistory
    from temporal_sdk.common import HeaderCodecBehavior
    from temporal_sdk.converter import DataConverter
    from temporal_sdk.worker._config import WorkerConfig
    from temporal_sdk.worker._replayer import Replayer, WorkflowReplayResult
    from temporal_sdk.worker._worker import Worker

RunWorkerNext = Callable[["Worker"], Awaitable[None]]
ReplayResults = AbstractAsyncContextManager[AsyncIterator["WorkflowReplayResult"]]
RunReplayerNext = Callable[["Replayer", AsyncIterator["WorkflowHistory"]], ReplayResults]


class ReplayerConfig(TypedDict, total=False):
    """The keyword arguments of :class:`~temporal_sdk.worker.Replayer`, as plugins see them."""

    workflows: Sequence[type]
    workflow_task_executor: concurrent.futures.ThreadPoolExecutor | None
    workflow_runner: Any
    unsandboxed_workflow_runner: Any
    namespace: str
    data_converter: DataConverter
    interceptors: Sequence[Interceptor]
    build_id: str | None
    identity: str | None
    workflow_failure_exception_types: Sequence[type[BaseException]]
    debug_mode: bool
    runtime: Any
    disable_safe_workflow_eviction: bool
    header_codec_behavior: HeaderCodecBehavior


class Plugin(abc.ABC):
    """Base class of worker plugins: change a worker's or replayer's settings and wrap its run.

    Pass instances to ``Worker(..., plugins=[...])`` or ``Replayer(..., plugins=[...])``. A
    plugin given to the worker's client that also subclasses this class is applied first.
    """

    def name(self) -> str:
        """The plugin's name; by default its class's module and qualified name."""
        return f"{type(self).__module__}.{type(self).__qualname__}"

    @abc.abstractmethod
    def configure_worker(self, config: WorkerConfig) -> WorkerConfig:
        """Return the worker arguments to use, given those so far (may mutate and return them)."""

    @abc.abstractmethod
    async def run_worker(self, worker: Worker, next: RunWorkerNext) -> None:
        """Run the worker, usually as ``await next(worker)`` wrapped in setup and teardown."""

    @abc.abstractmethod
    def configure_replayer(self, config: ReplayerConfig) -> ReplayerConfig:
        """Return the replayer arguments to use, given those so far."""

    @abc.abstractmethod
    def run_replayer(
        self,
        replayer: Replayer,
        histories: AsyncIterator[WorkflowHistory],
        next: RunReplayerNext,
    ) -> ReplayResults:
        """Return the replay context manager, usually ``next(replayer, histories)`` wrapped."""


def configure_worker(worker: Any, args: dict[str, Any]) -> dict[str, Any] | None:
    """Record the worker's plugins and config; the plugins' arguments, or ``None`` if none.

    ``args`` are the constructor's locals. Sets ``_plugins``, ``_initial_config`` and
    ``_config`` on ``worker``.
    """
    from temporal_sdk.worker._worker import Worker

    args = _parameters_only(Worker.__init__, args)
    own = list(args.get("plugins") or ())
    from_client = _client_worker_plugins(args.get("client"))
    own_types = {type(p) for p in own}
    for plugin in from_client:
        if type(plugin) in own_types:
            warnings.warn(
                f"plugin type {type(plugin).__name__} is on both the client and the worker; "
                "it may be applied twice",
                stacklevel=3,
            )
    plugins = from_client + own
    worker._plugins = plugins
    worker._initial_config = dict(args)
    worker._config = args
    if not plugins:
        return None
    config = cast("WorkerConfig", args)
    for plugin in plugins:
        config = plugin.configure_worker(config)
    worker._config = config
    return dict(config)


def _parameters_only(init: Callable[..., Any], args: dict[str, Any]) -> dict[str, Any]:
    """The constructor's arguments among its locals (no ``self``, no local imports)."""
    import inspect

    names = inspect.signature(init).parameters
    return {k: v for k, v in args.items() if k in names and k != "self"}


def _client_worker_plugins(client: Any) -> list[Plugin]:
    config = getattr(client, "config", None)
    found = config().get("plugins", ()) if callable(config) else ()
    return [p for p in found if isinstance(p, Plugin)]


async def run_worker(worker: Worker, plugins: Sequence[Plugin], inner: RunWorkerNext) -> None:
    """Run ``inner(worker)`` inside every plugin's ``run_worker``, the first outermost."""
    chain = inner
    for plugin in reversed(plugins):
        chain = _link_worker(plugin, chain)
    await chain(worker)


def _link_worker(plugin: Plugin, next: RunWorkerNext) -> RunWorkerNext:
    def call(worker: Worker) -> Awaitable[None]:
        return plugin.run_worker(worker, next)

    return call


def configure_replayer(replayer: Any, args: dict[str, Any]) -> dict[str, Any] | None:
    """Like :func:`configure_worker` for a replayer (its plugins are only its own)."""
    extra = args.pop("_ignored", None) or {}
    from temporal_sdk.worker._replayer import Replayer

    args = _parameters_only(Replayer.__init__, args)
    args.update(extra)
    plugins = list(args.get("plugins") or ())
    replayer._plugins = plugins
    replayer._initial_config = dict(args)
    replayer._config = args
    if not plugins:
        return None
    config = cast("ReplayerConfig", args)
    for plugin in plugins:
        config = plugin.configure_replayer(config)
    replayer._config = config
    return dict(config)


def run_replayer(
    replayer: Replayer,
    plugins: Sequence[Plugin],
    histories: AsyncIterator[WorkflowHistory],
    inner: RunReplayerNext,
) -> ReplayResults:
    """``inner(replayer, histories)`` inside every plugin's ``run_replayer``."""
    chain = inner
    for plugin in reversed(plugins):
        chain = _link_replayer(plugin, chain)
    return chain(replayer, histories)


def _link_replayer(plugin: Plugin, next: RunReplayerNext) -> RunReplayerNext:
    def call(replayer: Replayer, histories: AsyncIterator[WorkflowHistory]) -> ReplayResults:
        return plugin.run_replayer(replayer, histories, next)

    return call
