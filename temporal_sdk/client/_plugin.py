"""Client plugins: the ``Plugin`` base class and the two places a client applies plugins.

Rule: plugins run in the order given. ``configure_client`` hooks run first to last, each seeing
the previous one's config; ``connect_service_client`` hooks nest, the first plugin outermost.
A client without plugins never enters this module's helpers.
"""

from __future__ import annotations

import abc
from collections.abc import Awaitable, Callable, Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from temporal_sdk.client._client_config import ClientConfig
    from temporal_sdk.service import ConnectConfig, ServiceClient

ConnectNext = Callable[["ConnectConfig"], Awaitable["ServiceClient"]]


class Plugin(abc.ABC):
    """Base class of client plugins: change a client's settings and how it connects.

    Pass instances to ``Client.connect(..., plugins=[...])`` or ``Client(..., plugins=[...])``.
    A plugin that also subclasses :class:`temporal_sdk.worker.Plugin` is applied to every
    worker built on that client as well, so do not pass it to the worker a second time.
    """

    def name(self) -> str:
        """The plugin's name; by default its class's module and qualified name."""
        return f"{type(self).__module__}.{type(self).__qualname__}"

    @abc.abstractmethod
    def configure_client(self, config: ClientConfig) -> ClientConfig:
        """Return the client settings to use, given those so far (may mutate and return them)."""

    @abc.abstractmethod
    async def connect_service_client(
        self, config: ConnectConfig, next: ConnectNext
    ) -> ServiceClient:
        """Connect, usually by calling ``await next(config)`` with a possibly changed config."""


def configure_client(plugins: Sequence[Plugin], config: ClientConfig) -> ClientConfig:
    """Run every plugin's ``configure_client`` in order and return the final config."""
    for plugin in plugins:
        config = plugin.configure_client(config)
    return config


async def connect_through(plugins: Sequence[Plugin], config: ConnectConfig) -> ServiceClient:
    """Connect with the plugins' ``connect_service_client`` hooks wrapped around the real one."""
    from temporal_sdk.service import ServiceClient

    chain: ConnectNext = ServiceClient.connect
    for plugin in reversed(plugins):
        chain = _link(plugin, chain)
    return await chain(config)


def _link(plugin: Plugin, next: ConnectNext) -> ConnectNext:
    def call(config: ConnectConfig) -> Awaitable[ServiceClient]:
        return plugin.connect_service_client(config, next)

    return call
