"""Payload codec: encrypt every payload with AES-GCM, so the server only stores ciphertext.

The codec runs in the client and the worker, after serialisation: workflow inputs and results,
activity arguments, signals, failure details and memos all leave the process encrypted. The key
never reaches the server. Needs the ``cryptography`` package (``pip install cryptography``).

Run it with no arguments to start an embedded Temporal dev server for the duration of the
program, or point it at a running server with ``--target host:port``. The key here is fixed for
the demonstration; load yours from a secret store, and keep a key id in the metadata to rotate.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import uuid
from collections.abc import Sequence
from datetime import timedelta

from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from temporal_sdk import activity, workflow
from temporal_sdk.api.common.v1 import Payload
from temporal_sdk.client import Client
from temporal_sdk.converter import DataConverter, PayloadCodec
from temporal_sdk.testing import WorkflowEnvironment
from temporal_sdk.worker import Worker

ENCODING = b"binary/encrypted"
KEY_ID = b"demo-key-1"
DEMO_KEY = bytes(range(32))  # 256-bit demonstration key: never do this in production


class AesGcmCodec(PayloadCodec):
    """Replaces each payload by one whose data is the AES-GCM encryption of the original."""

    def __init__(self, key: bytes = DEMO_KEY, key_id: bytes = KEY_ID) -> None:
        self._aead = AESGCM(key)
        self._key_id = key_id

    async def encode(self, payloads: Sequence[Payload]) -> list[Payload]:
        encoded = []
        for payload in payloads:
            nonce = os.urandom(12)
            sealed = self._aead.encrypt(nonce, payload.SerializeToString(), None)
            encoded.append(
                Payload(
                    metadata={"encoding": ENCODING, "encryption-key-id": self._key_id},
                    data=nonce + sealed,
                )
            )
        return encoded

    async def decode(self, payloads: Sequence[Payload]) -> list[Payload]:
        decoded = []
        for payload in payloads:
            if payload.metadata.get("encoding") != ENCODING:
                decoded.append(payload)  # not encrypted by us: pass through
                continue
            if payload.metadata.get("encryption-key-id") != self._key_id:
                raise ValueError("payload was encrypted with an unknown key")
            inner = Payload()
            inner.ParseFromString(self._aead.decrypt(payload.data[:12], payload.data[12:], None))
            decoded.append(inner)
        return decoded


@activity.defn
async def greet(name: str) -> str:
    return f"Hello, {name}!"


@workflow.defn
class SecretGreeting:
    @workflow.run
    async def run(self, name: str) -> str:
        return await workflow.execute_activity(
            greet, name, start_to_close_timeout=timedelta(seconds=10)
        )


async def run_sample(client: Client) -> str:
    # Both the starter and the worker must use the codec.
    secure = Client(
        client.service_client,
        namespace=client.namespace,
        data_converter=DataConverter(payload_codec=AesGcmCodec()),
    )
    task_queue = f"encryption-codec-{uuid.uuid4()}"
    async with Worker(
        secure, task_queue=task_queue, workflows=[SecretGreeting], activities=[greet]
    ):
        handle = await secure.start_workflow(
            SecretGreeting.run,
            "Temporal",
            id=f"encryption-codec-{uuid.uuid4()}",
            task_queue=task_queue,
        )
        result = await handle.result()
    # What the server stored for the workflow's input: ciphertext only.
    history = await handle.fetch_history()
    stored = history.events[0].workflow_execution_started_event_attributes.input.payloads[0]
    visible = b"Temporal" in stored.data
    return (
        f"{result} (stored as {stored.metadata['encoding'].decode()}, plaintext visible: {visible})"
    )


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
    print(result)


if __name__ == "__main__":
    asyncio.run(main())
