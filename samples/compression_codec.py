"""Payload codec: compress every payload the client and worker send, with zlib.

A codec transforms payloads after serialisation, so the server (and its UI) only ever sees the
encoded bytes. Encryption works the same way: swap zlib for a cipher (for example AES-GCM from the
``cryptography`` package) and keep the key out of the server's reach.

Run it with no arguments to start an embedded Temporal dev server for the duration of the
program, or point it at a running server with ``--target host:port``.
"""

from __future__ import annotations

import argparse
import asyncio
import uuid
import zlib
from collections.abc import Sequence

from temporal_sdk import workflow
from temporal_sdk.api.common.v1 import Payload
from temporal_sdk.client import Client
from temporal_sdk.converter import DataConverter, PayloadCodec
from temporal_sdk.testing import WorkflowEnvironment
from temporal_sdk.worker import Worker

ENCODING = b"binary/zlib"


class ZlibCodec(PayloadCodec):
    """Wraps each payload, metadata included, in one zlib-compressed payload."""

    async def encode(self, payloads: Sequence[Payload]) -> list[Payload]:
        return [
            Payload(
                metadata={"encoding": ENCODING},
                data=zlib.compress(payload.SerializeToString()),
            )
            for payload in payloads
        ]

    async def decode(self, payloads: Sequence[Payload]) -> list[Payload]:
        decoded = []
        for payload in payloads:
            if payload.metadata.get("encoding") != ENCODING:
                decoded.append(payload)  # not ours: pass through unchanged
                continue
            inner = Payload()
            inner.ParseFromString(zlib.decompress(payload.data))
            decoded.append(inner)
        return decoded


@workflow.defn
class EchoWorkflow:
    @workflow.run
    async def run(self, text: str) -> str:
        return text.upper()


async def run_sample(client: Client) -> str:
    # A client (and so its workers) with the codec; both sides must share it.
    codec_client = Client(
        client.service_client,
        namespace=client.namespace,
        data_converter=DataConverter(payload_codec=ZlibCodec()),
    )
    task_queue = f"compression-codec-{uuid.uuid4()}"
    async with Worker(codec_client, task_queue=task_queue, workflows=[EchoWorkflow]):
        handle = await codec_client.start_workflow(
            EchoWorkflow.run,
            "compress me " * 20,
            id=f"compression-codec-{uuid.uuid4()}",
            task_queue=task_queue,
        )
        result = await handle.result()
    # What the server stored: the input payload as the codec left it.
    history = await handle.fetch_history()
    stored = history.events[0].workflow_execution_started_event_attributes.input.payloads[0]
    encoding = stored.metadata["encoding"].decode()
    return f"{result[:11]}... ({len(result)} chars; stored as {encoding}, {len(stored.data)} bytes)"


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--target", help="address of a running Temporal server (host:port)")
    parser.add_argument("--namespace", default="default")
    args = parser.parse_args()
    if args.target:
        client = await Client.connect(args.target, namespace=args.namespace)
        result = await run_sample(client)
    else:
        async with await WorkflowEnvironment.start_local(namespace=args.namespace) as env:
            result = await run_sample(env.client)
    print(f"Workflow result: {result}")


if __name__ == "__main__":
    asyncio.run(main())
