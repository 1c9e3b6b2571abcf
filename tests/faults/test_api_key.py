"""API keys: sent as a bearer token, rotated on a live client, never logged, never in a repr."""

from __future__ import annotations

import asyncio
import logging
import uuid

import pytest
from fake_frontend import fake_frontend
from tls_proxy import CertificateAuthority, server_context, tls_proxy

from temporal_sdk import workflow
from temporal_sdk.api.workflowservice.v1 import DescribeNamespaceRequest
from temporal_sdk.client import Client
from temporal_sdk.envconfig import ClientConfig, ClientConfigProfile
from temporal_sdk.service import (
    ConnectConfig,
    HttpConnectProxyConfig,
    RetryConfig,
    RPCError,
    RPCStatusCode,
    TLSConfig,
)
from temporal_sdk.testing import WorkflowEnvironment
from temporal_sdk.worker import Worker

SECRET = "sk-do-not-leak-" + uuid.uuid4().hex
ROTATED = "sk-rotated-" + uuid.uuid4().hex
_FAST = RetryConfig(initial_interval_millis=20, max_retries=4, max_elapsed_time_millis=5000)


async def _describe(client: Client) -> None:
    await client.workflow_service.describe_namespace(
        DescribeNamespaceRequest(namespace=client.namespace), retry=True
    )


async def test_api_key_is_a_bearer_token_and_rotates_on_a_live_client() -> None:
    async with fake_frontend(required_key=SECRET) as fake:
        client = await Client.connect(fake.target, api_key=SECRET, tls=False, retry_config=_FAST)
        assert fake.authorizations()[-1] == f"Bearer {SECRET}"
        assert client.api_key == SECRET

        fake.required_key = ROTATED  # the server stops accepting the old key
        with pytest.raises(RPCError) as info:
            await _describe(client)
        assert info.value.status == RPCStatusCode.UNAUTHENTICATED

        client.api_key = ROTATED
        await _describe(client)
        assert fake.authorizations()[-1] == f"Bearer {ROTATED}"
        assert client.service_client.config.api_key == ROTATED

        fake.required_key = None
        client.api_key = None
        await _describe(client)
        assert fake.authorizations()[-1] is None
        await client.service_client.close()


async def test_explicit_authorization_header_wins_over_api_key() -> None:
    async with fake_frontend() as fake:
        client = await Client.connect(
            fake.target,
            api_key=SECRET,
            tls=False,
            rpc_metadata={"authorization": "Custom abc"},
        )
        await _describe(client)
        assert fake.authorizations()[-1] == "Custom abc"
        await client.service_client.close()


async def test_running_worker_polls_with_the_rotated_key() -> None:
    async with fake_frontend(required_key=SECRET) as fake:
        client = await Client.connect(fake.target, api_key=SECRET, tls=False, retry_config=_FAST)
        worker = Worker(client, task_queue=f"tq-{uuid.uuid4()}", workflows=[NeverRuns])
        run = asyncio.ensure_future(worker.run())

        def polls_with(key: str) -> bool:
            return any(
                "/Poll" in c.method and c.headers.get("authorization") == f"Bearer {key}"
                for c in fake.calls
            )

        await _until(lambda: polls_with(SECRET))
        fake.required_key = ROTATED
        client.api_key = ROTATED
        await _until(lambda: polls_with(ROTATED))
        await worker.shutdown()
        await asyncio.wait_for(run, 10)
        await client.service_client.close()


@workflow.defn(name="NeverRuns")
class NeverRuns:
    @workflow.run
    async def run(self) -> None:
        return None


async def test_api_key_never_appears_in_logs_or_errors(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    async with fake_frontend(required_key=ROTATED) as fake:
        # Two transient failures: the retry path logs at DEBUG.
        fake.fail_next = 2
        client = await Client.connect(fake.target, api_key=ROTATED, tls=False, retry_config=_FAST)
        fake.required_key = "something-else"
        with pytest.raises(RPCError) as info:
            await _describe(client)
        errors: list[BaseException] = [info.value]
        # A worker whose polls are refused logs its failures.
        worker = Worker(client, task_queue=f"tq-{uuid.uuid4()}", workflows=[NeverRuns])
        run = asyncio.ensure_future(worker.run())
        await _until(lambda: any("poll" in r.getMessage() for r in caplog.records))
        await worker.shutdown()
        try:
            await asyncio.wait_for(run, 10)
        except Exception as err:  # a worker may end with the poll error: check it too
            errors.append(err)
        await client.service_client.close()
    assert any(r.levelno == logging.DEBUG for r in caplog.records)
    text = caplog.text + "".join(repr(r.args) for r in caplog.records)
    for err in errors:
        text += str(err) + repr(err)
    assert ROTATED not in text


async def _until(check: object, timeout: float = 20.0) -> None:
    deadline = asyncio.get_running_loop().time() + timeout
    while not check():  # type: ignore[operator]
        assert asyncio.get_running_loop().time() < deadline, "condition never became true"
        await asyncio.sleep(0.05)


async def test_api_key_over_tls_to_the_dev_server(env: WorkflowEnvironment) -> None:
    ca = CertificateAuthority()
    cert = ca.issue("localhost", dns=["localhost"], server=True)
    upstream = env.client.service_client.config.target_host
    async with tls_proxy(upstream, server_context(cert, None)) as proxy:
        client = await Client.connect(
            proxy.target, api_key=SECRET, tls=TLSConfig(server_root_ca_cert=ca.cert)
        )
        await _describe(client)
        await client.service_client.close()


def test_reprs_never_show_secrets() -> None:
    key_pem = b"-----BEGIN PRIVATE KEY-----\nTOPSECRETKEY\n-----END PRIVATE KEY-----\n"
    tls = TLSConfig(client_cert=b"CERT", client_private_key=key_pem)
    config = ConnectConfig(
        "example:7233",
        api_key=SECRET,
        tls=tls,
        rpc_metadata={"Authorization": f"Bearer {SECRET}", "x-team": "blue"},
        http_connect_proxy_config=HttpConnectProxyConfig("proxy:3128", ("me", SECRET)),
    )
    from temporal_sdk.service import ServiceClient

    service_client = ServiceClient(config)
    client = Client(service_client)
    profile = ClientConfigProfile.from_dict(
        {
            "address": "example:7233",
            "api_key": SECRET,
            "tls": {"client_cert": {"data": "CERT"}, "client_key": {"data": "TOPSECRETKEY"}},
            "grpc_meta": {"authorization": f"Bearer {SECRET}"},
        }
    )
    shown = [client, service_client, config, tls, profile, ClientConfig({"default": profile})]
    for obj in shown:
        text = repr(obj) + str(obj)
        assert SECRET not in text, type(obj).__name__
        assert "TOPSECRETKEY" not in text, type(obj).__name__
    assert "api_key=<redacted>" in repr(config)
    assert "'x-team': 'blue'" in repr(config)
    assert "client_private_key=<redacted>" in repr(tls)
    assert "client_cert=b'CERT'" in repr(tls)
    assert "api_key=None" in repr(ConnectConfig("example:7233"))
