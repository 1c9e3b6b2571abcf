"""The fault proxy itself, against a loopback echo server: each mode does what it says."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest
import pytest_asyncio
from fault_proxy import FaultProxy


async def _echo(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    try:
        while data := await reader.read(65536):
            writer.write(data)
            await writer.drain()
    except ConnectionError:
        pass
    finally:
        writer.close()


@pytest_asyncio.fixture
async def proxy() -> AsyncIterator[FaultProxy]:
    server = await asyncio.start_server(_echo, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    async with FaultProxy(f"127.0.0.1:{port}") as fault_proxy:
        yield fault_proxy
    server.close()
    await server.wait_closed()


async def _roundtrip(proxy: FaultProxy, payload: bytes = b"ping") -> bytes:
    reader, writer = await asyncio.open_connection("127.0.0.1", proxy.port)
    try:
        writer.write(payload)
        await writer.drain()
        return await asyncio.wait_for(reader.readexactly(len(payload)), 10)
    finally:
        writer.close()


async def test_forwards_both_ways(proxy: FaultProxy) -> None:
    assert await _roundtrip(proxy) == b"ping"
    assert proxy.stats.forwarded_bytes == 8


async def test_delay_slows_each_chunk(proxy: FaultProxy) -> None:
    proxy.delay = 0.3
    loop = asyncio.get_running_loop()
    began = loop.time()
    assert await _roundtrip(proxy) == b"ping"
    assert loop.time() - began >= 0.6  # one delay each way


async def test_drop_resets_open_and_new_connections(proxy: FaultProxy) -> None:
    reader, writer = await asyncio.open_connection("127.0.0.1", proxy.port)
    writer.write(b"a")
    assert await asyncio.wait_for(reader.readexactly(1), 10) == b"a"
    proxy.set_drop(True)
    with pytest.raises((ConnectionError, asyncio.IncompleteReadError)):
        await asyncio.wait_for(reader.readexactly(1), 10)
    with pytest.raises((ConnectionError, asyncio.IncompleteReadError)):
        await _roundtrip(proxy)
    assert proxy.stats.refused >= 1
    proxy.set_drop(False)
    assert await _roundtrip(proxy) == b"ping"


async def test_black_hole_holds_bytes_until_it_ends(proxy: FaultProxy) -> None:
    reader, writer = await asyncio.open_connection("127.0.0.1", proxy.port)
    proxy.set_black_hole(True)
    writer.write(b"held")
    read = asyncio.ensure_future(reader.readexactly(4))
    done, _ = await asyncio.wait({read}, timeout=0.5)
    assert not done  # nothing comes back while the hole is open
    proxy.set_black_hole(False)
    assert await asyncio.wait_for(read, 10) == b"held"
    writer.close()


async def test_reset_all_breaks_connections_mid_stream(proxy: FaultProxy) -> None:
    reader, writer = await asyncio.open_connection("127.0.0.1", proxy.port)
    writer.write(b"x")
    await asyncio.wait_for(reader.readexactly(1), 10)
    assert proxy.reset_all() == 1
    with pytest.raises((ConnectionError, asyncio.IncompleteReadError)):
        await asyncio.wait_for(reader.readexactly(1), 10)


async def test_reset_after_bytes_cuts_a_connection_short(proxy: FaultProxy) -> None:
    proxy.reset_after_bytes = 10
    with pytest.raises((ConnectionError, asyncio.IncompleteReadError)):
        await _roundtrip(proxy, b"y" * 100)
    proxy.reset_after_bytes = None
    assert await _roundtrip(proxy) == b"ping"
