"""A TCP proxy on loopback that injects network faults between the SDK and the server.

Modes (switch them at any time while traffic flows):

- ``delay``: every forwarded chunk waits this many seconds first, in both directions.
- ``drop``: while on, every new connection is reset as soon as it is accepted, and switching it
  on resets every open connection (a refusing, flapping server).
- ``black hole``: while on, nothing is forwarded and new connections are accepted but not
  connected upstream; bytes in flight wait, as TCP retransmission would make them, and flow
  again when the hole closes (a partition shorter than any keep-alive).
- ``reset``: ``reset_all()`` sends a TCP RST on every open connection in the middle of
  whatever it carries; ``reset_after_bytes`` resets each new connection after it forwarded
  that many bytes (a flaky link).

Rule: this module knows nothing about gRPC or Temporal; it moves bytes and breaks connections.
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
import struct
from collections.abc import AsyncIterator
from dataclasses import dataclass, field


def _rst(writer: asyncio.StreamWriter) -> None:
    """Close with a TCP RST rather than a FIN (SO_LINGER 0), so the peer sees a reset."""
    sock = writer.get_extra_info("socket")
    if sock is not None:
        with contextlib.suppress(OSError):
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    writer.transport.abort()


@dataclass(eq=False)
class _Link:
    """One proxied connection: the client side and the upstream side."""

    client: asyncio.StreamWriter
    upstream: asyncio.StreamWriter
    budget: int | None
    forwarded: int = 0
    broken: bool = False

    def reset(self) -> None:
        if not self.broken:
            self.broken = True
            _rst(self.client)
            _rst(self.upstream)


@dataclass
class ProxyStats:
    """What the proxy did so far."""

    accepted: int = 0
    refused: int = 0
    resets: int = 0
    forwarded_bytes: int = 0
    faults: list[str] = field(default_factory=list)


class FaultProxy:
    """Forwards ``127.0.0.1:<port>`` to ``upstream`` (``host:port``) with switchable faults."""

    def __init__(self, upstream: str) -> None:
        host, _, port = upstream.rpartition(":")
        self._upstream = (host, int(port))
        self._server: asyncio.Server | None = None
        self._links: set[_Link] = set()
        self._tasks: set[asyncio.Task[None]] = set()
        self._open = asyncio.Event()
        self._open.set()
        self._dropping = False
        self.delay = 0.0
        """Seconds each forwarded chunk waits."""
        self.reset_after_bytes: int | None = None
        """Reset each new connection after it forwarded this many bytes (None: never)."""
        self.stats = ProxyStats()
        self.port = 0

    @property
    def target(self) -> str:
        """The ``host:port`` clients should connect to."""
        return f"127.0.0.1:{self.port}"

    async def start(self) -> FaultProxy:
        """Listen on a free loopback port."""
        self._server = await asyncio.start_server(self._accept, "127.0.0.1", 0)
        self.port = int(self._server.sockets[0].getsockname()[1])
        return self

    async def close(self) -> None:
        """Stop listening and reset every connection."""
        if self._server is not None:
            self._server.close()
        self._dropping = True
        self._open.set()
        self.reset_all()
        # Resetting ends every pump; the connection tasks then finish on their own (cancelling
        # them would make asyncio's stream protocol log the cancellation as an error).
        if self._tasks:
            await asyncio.wait(list(self._tasks), timeout=10)
        if self._server is not None:
            await self._server.wait_closed()

    async def __aenter__(self) -> FaultProxy:
        return await self.start()

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    # ------------------------------------------------------------------ faults

    def reset_all(self) -> int:
        """Reset every open connection now; return how many were reset."""
        links = list(self._links)
        for link in links:
            link.reset()
        self.stats.resets += len(links)
        return len(links)

    def set_drop(self, on: bool) -> None:
        """Refuse (reset) every connection while ``on``; switching on resets the open ones."""
        self._dropping = on
        if on:
            self.reset_all()

    def set_black_hole(self, on: bool) -> None:
        """Stop (``on``) or resume forwarding; held bytes flow again when it ends."""
        if on:
            self._open.clear()
        else:
            self._open.set()

    @contextlib.asynccontextmanager
    async def dropping(self, seconds: float) -> AsyncIterator[None]:
        """Refuse connections for ``seconds`` (the body runs meanwhile; the wait follows it)."""
        self.stats.faults.append(f"drop {seconds:g}s")
        self.set_drop(True)
        try:
            yield
            await asyncio.sleep(seconds)
        finally:
            self.set_drop(False)

    @contextlib.asynccontextmanager
    async def black_hole(self, seconds: float) -> AsyncIterator[None]:
        """Forward nothing for ``seconds`` (the body runs meanwhile; the wait follows it)."""
        self.stats.faults.append(f"black hole {seconds:g}s")
        self.set_black_hole(True)
        try:
            yield
            await asyncio.sleep(seconds)
        finally:
            self.set_black_hole(False)

    @contextlib.asynccontextmanager
    async def delaying(self, seconds: float, per_chunk: float) -> AsyncIterator[None]:
        """Delay every chunk by ``per_chunk`` for ``seconds``."""
        self.stats.faults.append(f"delay {per_chunk * 1000:g}ms for {seconds:g}s")
        self.delay = per_chunk
        try:
            yield
            await asyncio.sleep(seconds)
        finally:
            self.delay = 0.0

    # ------------------------------------------------------------------ forwarding

    async def _accept(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        self._tasks.add(task)
        try:
            await self._serve(reader, writer)
        finally:
            self._tasks.discard(task)

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.stats.accepted += 1
        await self._open.wait()
        if self._dropping:
            self.stats.refused += 1
            _rst(writer)
            return
        try:
            up_reader, up_writer = await asyncio.open_connection(*self._upstream)
        except OSError:
            self.stats.refused += 1
            _rst(writer)
            return
        link = _Link(writer, up_writer, self.reset_after_bytes)
        self._links.add(link)
        pumps = [
            asyncio.ensure_future(self._pump(link, reader, up_writer)),
            asyncio.ensure_future(self._pump(link, up_reader, writer)),
        ]
        try:
            await asyncio.wait(pumps, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for pump in pumps:
                pump.cancel()
            await asyncio.gather(*pumps, return_exceptions=True)
            self._links.discard(link)
            for side in (writer, up_writer):
                if link.broken:
                    side.transport.abort()
                else:
                    side.close()

    async def _pump(
        self, link: _Link, src: asyncio.StreamReader, dst: asyncio.StreamWriter
    ) -> None:
        with contextlib.suppress(ConnectionError, OSError):
            while not link.broken:
                data = await src.read(65536)
                if not data:
                    return
                await self._open.wait()
                if self.delay:
                    await asyncio.sleep(self.delay)
                if link.broken:
                    return
                if link.budget is not None and link.forwarded + len(data) > link.budget:
                    dst.write(data[: max(0, link.budget - link.forwarded)])
                    self.stats.resets += 1
                    link.reset()
                    return
                link.forwarded += len(data)
                self.stats.forwarded_bytes += len(data)
                dst.write(data)
                await dst.drain()
