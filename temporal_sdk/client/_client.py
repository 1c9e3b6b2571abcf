"""The high-level client: a namespace, an identity and a data converter on top of a connection.

Rule: the client holds configuration and hands out handles; the workflow operations themselves
live in ``_workflow`` (handles) and ``_start_workflow`` (starting) so that handles and ``Client``
share one implementation. The typed start overloads come from ``_client_start``.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping, Sequence
from datetime import timedelta
from typing import TYPE_CHECKING, Any, TypeVar, overload

from temporal_sdk.client import _inputs, _start
from temporal_sdk.client._client_config import ClientConfig
from temporal_sdk.client._client_start import _WorkflowStarter
from temporal_sdk.client._interceptor import Interceptor, OutboundInterceptor, build_chain
from temporal_sdk.client._outbound_impl import _ClientImpl
from temporal_sdk.client._workflow import WorkflowHandle
from temporal_sdk.common import HeaderCodecBehavior, TypedSearchAttributes
from temporal_sdk.converter import DataConverter
from temporal_sdk.service import (
    ConnectConfig,
    HttpConnectProxyConfig,
    KeepAliveConfig,
    OperatorService,
    RetryConfig,
    ServiceClient,
    TestService,
    TLSConfig,
    WorkflowService,
)

if TYPE_CHECKING:
    from typing_extensions import Self

    from temporal_sdk.client._async_activity import AsyncActivityHandle
    from temporal_sdk.client._describe import WorkflowExecutionAsyncIterator, WorkflowExecutionCount
    from temporal_sdk.client._messages import WorkflowUpdateHandle, WorkflowUpdateStage
    from temporal_sdk.client._plugin import Plugin
    from temporal_sdk.client._schedule import Schedule, ScheduleBackfill
    from temporal_sdk.client._schedule_ops import ScheduleAsyncIterator, ScheduleHandle
    from temporal_sdk.client._with_start import WithStartWorkflowOperation
    from temporal_sdk.runtime import Runtime

SelfType = TypeVar("SelfType")
ReturnType = TypeVar("ReturnType")


class Client(_WorkflowStarter):
    """Starts and manages workflows in one namespace of a Temporal server.

    Create it with :meth:`connect`; it is cheap to share and safe to use from many tasks of the
    event loop it was first used in.
    """

    @classmethod
    async def connect(
        cls,
        target_host: str,
        *,
        namespace: str = "default",
        api_key: str | None = None,
        data_converter: DataConverter = DataConverter.default,
        plugins: Sequence[Plugin] = [],
        interceptors: Sequence[Interceptor] = [],
        tls: bool | TLSConfig | None = None,
        retry_config: RetryConfig | None = None,
        keep_alive_config: KeepAliveConfig | None = KeepAliveConfig.default,
        rpc_metadata: Mapping[str, str | bytes] = {},
        identity: str | None = None,
        lazy: bool = False,
        runtime: Runtime | None = None,
        http_connect_proxy_config: HttpConnectProxyConfig | None = None,
        header_codec_behavior: HeaderCodecBehavior = HeaderCodecBehavior.NO_CODEC,
    ) -> Self:
        """Connect to the server at ``target_host`` (``host:port``).

        ``api_key`` is sent as a bearer token and turns TLS on unless ``tls=False``. The
        ``identity`` shown in history defaults to ``pid@hostname``. Unless ``lazy``, the server
        is asked for its system info first, so a wrong address fails here with an
        :class:`~temporal_sdk.service.RPCError`. ``runtime`` decides where the client's and its
        workers' metrics go (default: ``Runtime.default()``, which records none).
        ``plugins`` (see :class:`Plugin`) may wrap the connection and change the client's
        settings; ``header_codec_behavior`` says whether headers go through the payload codec.
        """
        config = ConnectConfig(
            target_host=target_host,
            api_key=api_key,
            tls=tls,
            retry_config=retry_config,
            keep_alive_config=keep_alive_config,
            rpc_metadata=rpc_metadata,
            identity=identity or "",
            lazy=lazy,
            runtime=runtime,
            http_connect_proxy_config=http_connect_proxy_config,
        )
        if plugins:
            from temporal_sdk.client._plugin import connect_through

            service_client = await connect_through(plugins, config)
        else:
            service_client = await ServiceClient.connect(config)
        return cls(
            service_client,
            namespace=namespace,
            data_converter=data_converter,
            plugins=plugins,
            interceptors=interceptors,
            header_codec_behavior=header_codec_behavior,
        )

    def __init__(
        self,
        service_client: ServiceClient,
        *,
        namespace: str = "default",
        data_converter: DataConverter = DataConverter.default,
        plugins: Sequence[Plugin] = [],
        interceptors: Sequence[Interceptor] = [],
        header_codec_behavior: HeaderCodecBehavior = HeaderCodecBehavior.NO_CODEC,
    ) -> None:
        config = ClientConfig(
            service_client=service_client,
            namespace=namespace,
            data_converter=data_converter,
            interceptors=interceptors,
            plugins=plugins,
            header_codec_behavior=header_codec_behavior,
        )
        self._initial_config = config.copy()
        if plugins:
            from temporal_sdk.client._plugin import configure_client

            config = configure_client(plugins, config)
        self._config = config
        self._service_client = config["service_client"]
        self._namespace = config["namespace"]
        self._data_converter = config["data_converter"]
        self._interceptors = list(config["interceptors"])
        self._header_codec_behavior = HeaderCodecBehavior(config["header_codec_behavior"])
        # Without interceptors calls go straight to the implementation.
        self._impl: OutboundInterceptor = build_chain(_ClientImpl(self), self._interceptors)

    def config(self, *, active_config: bool = False) -> ClientConfig:
        """The settings this client was created with, as a fresh dict on each call.

        ``Client(**client.config())`` builds an equivalent client. With ``active_config`` the
        settings in use are returned instead: those left after the plugins' ``configure_client``.
        """
        config = (self._config if active_config else self._initial_config).copy()
        config["interceptors"] = list(config["interceptors"])
        return config

    @property
    def service_client(self) -> ServiceClient:
        """The connection this client calls through."""
        return self._service_client

    @property
    def workflow_service(self) -> WorkflowService:
        """Raw, typed access to every WorkflowService RPC."""
        return self._service_client.workflow_service

    @property
    def operator_service(self) -> OperatorService:
        """Raw, typed access to every OperatorService RPC."""
        return self._service_client.operator_service

    @property
    def test_service(self) -> TestService:
        """Raw, typed access to the time-skipping test server's RPCs."""
        return self._service_client.test_service

    @property
    def namespace(self) -> str:
        """The namespace every call of this client targets."""
        return self._namespace

    @property
    def identity(self) -> str:
        """The identity recorded in history for this client's calls."""
        return self._service_client.config.identity

    @property
    def data_converter(self) -> DataConverter:
        """Converts arguments, results and failures to and from payloads."""
        return self._data_converter

    @property
    def rpc_metadata(self) -> Mapping[str, str | bytes]:
        """Headers sent with every call; assign a new mapping to change them."""
        return self._service_client.config.rpc_metadata

    @rpc_metadata.setter
    def rpc_metadata(self, value: Mapping[str, str | bytes]) -> None:
        self._service_client.update_rpc_metadata(value)

    @property
    def api_key(self) -> str | None:
        """The API key sent with every call; assign to rotate it (``None`` removes it)."""
        return self._service_client.config.api_key

    @api_key.setter
    def api_key(self, value: str | None) -> None:
        self._service_client.update_api_key(value)

    async def start_update_with_start_workflow(
        self,
        update: str | Callable[..., Any],
        arg: Any = ...,
        *,
        start_workflow_operation: WithStartWorkflowOperation[Any, Any],
        wait_for_stage: WorkflowUpdateStage,
        args: Sequence[Any] = [],
        id: str | None = None,
        result_type: type | None = None,
        rpc_metadata: Mapping[str, str | bytes] = {},
        rpc_timeout: timedelta | None = None,
    ) -> WorkflowUpdateHandle[Any]:
        """Send an update to the operation's workflow, starting that workflow if needed.

        Both happen in one server call. Returns once the update reached ``wait_for_stage``;
        ``start_workflow_operation.workflow_handle()`` then gives the workflow's handle.
        """
        from temporal_sdk.client._with_start import start_update_with_start

        return await start_update_with_start(
            self,
            update,
            arg,
            start_workflow_operation=start_workflow_operation,
            wait_for_stage=wait_for_stage,
            args=args,
            id=id,
            result_type=result_type,
            rpc_metadata=rpc_metadata,
            rpc_timeout=rpc_timeout,
        )

    async def execute_update_with_start_workflow(
        self,
        update: str | Callable[..., Any],
        arg: Any = ...,
        *,
        start_workflow_operation: WithStartWorkflowOperation[Any, Any],
        args: Sequence[Any] = [],
        id: str | None = None,
        result_type: type | None = None,
        rpc_metadata: Mapping[str, str | bytes] = {},
        rpc_timeout: timedelta | None = None,
    ) -> Any:
        """Like :meth:`start_update_with_start_workflow`, then wait for the update's result."""
        from temporal_sdk.client._messages import WorkflowUpdateStage

        handle = await self.start_update_with_start_workflow(
            update,
            arg,
            start_workflow_operation=start_workflow_operation,
            wait_for_stage=WorkflowUpdateStage.COMPLETED,
            args=args,
            id=id,
            result_type=result_type,
            rpc_metadata=rpc_metadata,
            rpc_timeout=rpc_timeout,
        )
        return await handle.result(rpc_metadata=rpc_metadata, rpc_timeout=rpc_timeout)

    def get_workflow_handle(
        self,
        workflow_id: str,
        *,
        run_id: str | None = None,
        first_execution_run_id: str | None = None,
        result_type: type | None = None,
    ) -> WorkflowHandle[Any, Any]:
        """A handle to an existing workflow; with ``run_id`` it targets that run only."""
        return WorkflowHandle(
            self,
            workflow_id,
            run_id=run_id,
            result_run_id=run_id,
            first_execution_run_id=first_execution_run_id,
            result_type=result_type,
        )

    def get_workflow_handle_for(
        self,
        workflow: (
            Callable[[SelfType], Awaitable[ReturnType]]
            | Callable[[SelfType, Any], Awaitable[ReturnType]]
        ),
        workflow_id: str,
        *,
        run_id: str | None = None,
        first_execution_run_id: str | None = None,
    ) -> WorkflowHandle[SelfType, ReturnType]:
        """Like :meth:`get_workflow_handle`, typed (and result-decoded) by a run method."""
        return WorkflowHandle(
            self,
            workflow_id,
            run_id=run_id,
            result_run_id=run_id,
            first_execution_run_id=first_execution_run_id,
            result_type=_start.result_type_of(workflow),
        )

    def list_workflows(
        self,
        query: str | None = None,
        *,
        limit: int | None = None,
        page_size: int = 1000,
        next_page_token: bytes | None = None,
        rpc_metadata: Mapping[str, str | bytes] = {},
        rpc_timeout: timedelta | None = None,
    ) -> WorkflowExecutionAsyncIterator:
        """Iterate over every run matching a visibility ``query`` (all when ``None``).

        Pages of ``page_size`` are fetched as iteration reaches them; ``limit`` caps the total.
        Visibility is eventually consistent: a just-started run may not be listed at once.
        """
        return self._impl.list_workflows(
            _inputs.ListWorkflowsInput(
                query=query,
                page_size=page_size,
                next_page_token=next_page_token,
                rpc_metadata=rpc_metadata,
                rpc_timeout=rpc_timeout,
                limit=limit,
            )
        )

    async def count_workflows(
        self,
        query: str | None = None,
        *,
        rpc_metadata: Mapping[str, str | bytes] = {},
        rpc_timeout: timedelta | None = None,
    ) -> WorkflowExecutionCount:
        """Count the runs matching a visibility ``query`` (approximate, eventually consistent)."""
        return await self._impl.count_workflows(
            _inputs.CountWorkflowsInput(query, rpc_metadata, rpc_timeout)
        )

    async def create_schedule(
        self,
        id: str,
        schedule: Schedule,
        *,
        trigger_immediately: bool = False,
        backfill: Sequence[ScheduleBackfill] = [],
        memo: Mapping[str, Any] | None = None,
        search_attributes: TypedSearchAttributes | None = None,
        rpc_metadata: Mapping[str, str | bytes] = {},
        rpc_timeout: timedelta | None = None,
    ) -> ScheduleHandle:
        """Create a schedule and return its handle.

        ``trigger_immediately`` takes one action at once; ``backfill`` acts on past ranges.
        ``memo`` and ``search_attributes`` belong to the schedule itself (the started
        workflow's are part of its action). Raises ``ScheduleAlreadyRunningError`` when the id
        is taken.
        """
        return await self._impl.create_schedule(
            _inputs.CreateScheduleInput(
                id=id,
                schedule=schedule,
                trigger_immediately=trigger_immediately,
                backfill=backfill,
                memo=memo,
                search_attributes=search_attributes,
                rpc_metadata=rpc_metadata,
                rpc_timeout=rpc_timeout,
            )
        )

    def get_schedule_handle(self, id: str) -> ScheduleHandle:
        """A handle to an existing schedule (no server call)."""
        from temporal_sdk.client._schedule_ops import ScheduleHandle

        return ScheduleHandle(self, id)

    @overload
    def get_async_activity_handle(
        self, *, workflow_id: str, run_id: str | None, activity_id: str
    ) -> AsyncActivityHandle: ...

    @overload
    def get_async_activity_handle(self, *, task_token: bytes) -> AsyncActivityHandle: ...

    def get_async_activity_handle(
        self,
        *,
        workflow_id: str | None = None,
        run_id: str | None = None,
        activity_id: str | None = None,
        task_token: bytes | None = None,
    ) -> AsyncActivityHandle:
        """A handle for finishing or heartbeating an activity that completes asynchronously.

        Name the activity either by ``task_token`` alone or by ``workflow_id``, ``run_id``
        (may be ``None`` for the latest run) and ``activity_id``. No server call is made here.
        """
        from temporal_sdk.client._async_activity import async_activity_handle

        return async_activity_handle(
            self,
            workflow_id=workflow_id,
            run_id=run_id,
            activity_id=activity_id,
            task_token=task_token,
        )

    async def list_schedules(
        self,
        query: str | None = None,
        *,
        page_size: int = 1000,
        next_page_token: bytes | None = None,
        rpc_metadata: Mapping[str, str | bytes] = {},
        rpc_timeout: timedelta | None = None,
    ) -> ScheduleAsyncIterator:
        """Iterate over the namespace's schedules (eventually consistent, like all visibility)."""
        return self._impl.list_schedules(
            _inputs.ListSchedulesInput(
                page_size=page_size,
                next_page_token=next_page_token,
                rpc_metadata=rpc_metadata,
                rpc_timeout=rpc_timeout,
                query=query,
            )
        )
