"""TLS and mutual TLS against the dev server, through a TLS-terminating proxy (tls_proxy.py)."""

from __future__ import annotations

import uuid

import pytest
from tls_proxy import CertificateAuthority, Issued, server_context, tls_proxy

from temporal_sdk import workflow
from temporal_sdk.client import Client
from temporal_sdk.service import RetryConfig, RPCError, RPCStatusCode, TLSConfig
from temporal_sdk.testing import WorkflowEnvironment
from temporal_sdk.worker import Worker

# Failing connects should give up quickly: the point is the error, not the retries.
_FEW_RETRIES = RetryConfig(initial_interval_millis=50, max_retries=3, max_elapsed_time_millis=5000)


@workflow.defn
class HelloTLS:
    @workflow.run
    async def run(self, name: str) -> str:
        return f"hello {name} over TLS"


@pytest.fixture(scope="module")
def ca() -> CertificateAuthority:
    return CertificateAuthority("Fault Tests CA")


@pytest.fixture(scope="module")
def server_cert(ca: CertificateAuthority) -> Issued:
    return ca.issue("localhost", dns=["localhost"], server=True)


def _upstream(env: WorkflowEnvironment) -> str:
    return env.client.service_client.config.target_host


async def _connect(target: str, tls: TLSConfig, **kwargs: object) -> Client:
    return await Client.connect(target, tls=tls, retry_config=_FEW_RETRIES, **kwargs)  # type: ignore[arg-type]


async def test_tls_with_server_ca_runs_a_workflow(
    env: WorkflowEnvironment, ca: CertificateAuthority, server_cert: Issued
) -> None:
    async with tls_proxy(_upstream(env), server_context(server_cert, None)) as proxy:
        client = await _connect(proxy.target, TLSConfig(server_root_ca_cert=ca.cert))
        task_queue = f"tls-{uuid.uuid4()}"
        async with Worker(client, task_queue=task_queue, workflows=[HelloTLS]):
            result = await client.execute_workflow(
                HelloTLS.run, "you", id=f"tls-{uuid.uuid4()}", task_queue=task_queue
            )
        assert result == "hello you over TLS"
        assert proxy.accepted >= 1
        await client.service_client.close()


async def test_wrong_ca_is_rejected_with_a_clear_error(
    env: WorkflowEnvironment, server_cert: Issued
) -> None:
    other = CertificateAuthority("Some Other CA")
    async with tls_proxy(_upstream(env), server_context(server_cert, None)) as proxy:
        with pytest.raises(RPCError) as info:
            await _connect(proxy.target, TLSConfig(server_root_ca_cert=other.cert))
    err = info.value
    assert err.status == RPCStatusCode.UNAVAILABLE
    assert f"failed to reach Temporal server at {proxy.target}" in err.message
    assert "handshake failed" in err.message.lower()
    assert "chains to server_root_ca_cert" in err.message


async def test_domain_overrides_the_name_verified(
    env: WorkflowEnvironment, ca: CertificateAuthority
) -> None:
    # The certificate names only temporal.internal.test, not the address we dial.
    named = ca.issue("temporal", dns=["temporal.internal.test"], server=True, loopback_ip=False)
    async with tls_proxy(_upstream(env), server_context(named, None)) as proxy:
        with pytest.raises(RPCError) as info:
            await _connect(proxy.target, TLSConfig(server_root_ca_cert=ca.cert))
        assert info.value.status == RPCStatusCode.UNAVAILABLE
        assert "names the host or TLSConfig.domain" in info.value.message
        client = await _connect(
            proxy.target,
            TLSConfig(server_root_ca_cert=ca.cert, domain="temporal.internal.test"),
        )
        info_resp = await client.service_client.get_system_info()
        assert info_resp.server_version
        await client.service_client.close()


async def test_mtls_with_client_certificate(
    env: WorkflowEnvironment, ca: CertificateAuthority, server_cert: Issued
) -> None:
    client_cert = ca.issue("worker", dns=["worker"], server=False)
    async with tls_proxy(_upstream(env), server_context(server_cert, ca.cert)) as proxy:
        client = await _connect(
            proxy.target,
            TLSConfig(
                server_root_ca_cert=ca.cert,
                client_cert=client_cert.cert,
                client_private_key=client_cert.key,
            ),
        )
        task_queue = f"mtls-{uuid.uuid4()}"
        async with Worker(client, task_queue=task_queue, workflows=[HelloTLS]):
            result = await client.execute_workflow(
                HelloTLS.run, "peer", id=f"mtls-{uuid.uuid4()}", task_queue=task_queue
            )
        assert result == "hello peer over TLS"
        await client.service_client.close()


async def test_mtls_rejects_a_missing_or_foreign_client_certificate(
    env: WorkflowEnvironment, ca: CertificateAuthority, server_cert: Issued
) -> None:
    stranger = CertificateAuthority("Stranger CA").issue("intruder", dns=["x"], server=False)
    async with tls_proxy(_upstream(env), server_context(server_cert, ca.cert)) as proxy:
        with pytest.raises(RPCError) as missing:
            await _connect(proxy.target, TLSConfig(server_root_ca_cert=ca.cert))
        with pytest.raises(RPCError) as foreign:
            await _connect(
                proxy.target,
                TLSConfig(
                    server_root_ca_cert=ca.cert,
                    client_cert=stranger.cert,
                    client_private_key=stranger.key,
                ),
            )
    for err in (missing.value, foreign.value):
        assert err.status == RPCStatusCode.UNAVAILABLE
        assert f"failed to reach Temporal server at {proxy.target}" in err.message
    assert "if the server requires mutual TLS, set TLSConfig.client_cert" in missing.value.message
    assert "the server trusts the client certificate" in foreign.value.message


def test_half_a_client_certificate_is_a_config_error(ca: CertificateAuthority) -> None:
    issued = ca.issue("worker", dns=["worker"], server=False)
    from temporal_sdk.service import ConnectConfig, ServiceClient

    with pytest.raises(ValueError, match="client_cert and client_private_key"):
        ServiceClient(ConnectConfig("127.0.0.1:1", tls=TLSConfig(client_cert=issued.cert)))
