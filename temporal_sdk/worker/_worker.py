"""The public ``Worker``: serves workflow and activity tasks of one task queue."""

from __future__ import annotations

import asyncio
import concurrent.futures
import logging
from collections.abc import Awaitable, Callable, Sequence
from datetime import timedelta
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from typing_extensions import Self

    from temporal_sdk._io.activity_worker import ActivityWorker
    from temporal_sdk._io.workflow_worker import WorkflowWorker
    from temporal_sdk._worker_interceptor import Interceptor
    from temporal_sdk.client import Client
    from temporal_sdk.worker._config import WorkerConfig
    from temporal_sdk.worker._deployment import WorkerDeploymentConfig
    from temporal_sdk.worker._plugin import Plugin
    from temporal_sdk.worker._shared_state import SharedStateManager

logger = logging.getLogger(__name__)


def _deadlock_timeout(debug_mode: bool, timeout: timedelta) -> float | None:
    """Seconds an activation may run without yielding; ``None`` (no check) in debug mode."""
    from temporal_sdk._io.workflow_worker import debug_mode_from_env

    if debug_mode or debug_mode_from_env() or timeout <= timedelta():
        return None
    return timeout.total_seconds()


class Worker:
    """Polls one task queue and runs the given workflows and activities.

    Run it with ``await worker.run()`` (until :meth:`shutdown` or cancellation) or as
    ``async with worker:`` (runs in the background, shuts down on exit). A worker needs at least
    one workflow or activity. Sync (non-``async def``) activities need ``activity_executor``.
    """

    # Set by the plugin pass at the start of __init__ (see worker/_plugin.py).
    _plugins: list[Plugin]
    _initial_config: dict[str, Any]
    _config: dict[str, Any]

    def __init__(
        self,
        client: Client,
        *,
        task_queue: str,
        activities: Sequence[Callable[..., Any]] = (),
        workflows: Sequence[type] = (),
        activity_executor: concurrent.futures.Executor | None = None,
        workflow_task_executor: concurrent.futures.ThreadPoolExecutor | None = None,
        workflow_runner: Any = None,
        unsandboxed_workflow_runner: Any = None,
        interceptors: Sequence[Interceptor] = (),
        build_id: str | None = None,
        identity: str | None = None,
        max_cached_workflows: int = 1000,
        max_concurrent_workflow_tasks: int | None = None,
        max_concurrent_activities: int | None = None,
        max_concurrent_local_activities: int | None = None,
        max_concurrent_workflow_task_polls: int | None = None,
        max_concurrent_activity_task_polls: int | None = None,
        no_remote_activities: bool = False,
        sticky_queue_schedule_to_start_timeout: timedelta = timedelta(seconds=10),
        max_heartbeat_throttle_interval: timedelta = timedelta(seconds=60),
        default_heartbeat_throttle_interval: timedelta = timedelta(seconds=30),
        max_activities_per_second: float | None = None,
        max_task_queue_activities_per_second: float | None = None,
        max_eager_activity_reservations_per_workflow_task: int = 3,
        graceful_shutdown_timeout: timedelta = timedelta(),
        workflow_failure_exception_types: Sequence[type[BaseException]] = (),
        debug_mode: bool = False,
        disable_eager_activity_execution: bool = False,
        on_fatal_error: Callable[[BaseException], Awaitable[None]] | None = None,
        use_worker_versioning: bool = False,
        deployment_config: WorkerDeploymentConfig | None = None,
        deadlock_detection_timeout: timedelta = timedelta(seconds=2),
        shared_state_manager: SharedStateManager | None = None,
        plugins: Sequence[Plugin] = (),
    ) -> None:
        if not hasattr(self, "_plugins"):
            # First pass: the plugins (client's, then these) may rewrite every argument.
            from temporal_sdk.worker._plugin import configure_worker

            plugged = configure_worker(self, dict(locals()))
            if plugged is not None:
                Worker.__init__(self, **plugged)
                return
        if not activities and not workflows:
            raise ValueError("a worker needs at least one workflow or activity")
        self._client = client
        self._task_queue = task_queue
        self._identity = identity or client.identity
        self._on_fatal_error = on_fatal_error
        self._workflow_worker: WorkflowWorker | None = None
        self._activity_worker: ActivityWorker | None = None
        if workflows:
            from temporal_sdk._io.workflow_worker import WorkflowWorker

            self._workflow_worker = WorkflowWorker(
                client=client,
                task_queue=task_queue,
                workflows=workflows,
                identity=self._identity,
                max_concurrent_workflow_tasks=max_concurrent_workflow_tasks or 100,
                max_concurrent_polls=max_concurrent_workflow_task_polls or 2,
                workflow_failure_exception_types=workflow_failure_exception_types,
                max_cached_workflows=max_cached_workflows,
                sticky_queue_schedule_to_start_timeout=sticky_queue_schedule_to_start_timeout,
                workflow_task_executor=workflow_task_executor,
                deadlock_timeout=_deadlock_timeout(debug_mode, deadlock_detection_timeout),
            )
        # Built even without remote activities: local activities run through it too.
        self._remote_activities = not no_remote_activities
        if activities:
            from temporal_sdk._io.activity_worker import ActivityWorker

            self._activity_worker = ActivityWorker(
                client=client,
                task_queue=task_queue,
                activities=activities,
                activity_executor=activity_executor,
                data_converter=client.data_converter,
                max_concurrent_activities=max_concurrent_activities or 100,
                max_activities_per_second=max_activities_per_second,
                max_task_queue_activities_per_second=max_task_queue_activities_per_second,
                max_concurrent_polls=max_concurrent_activity_task_polls or 5,
                max_heartbeat_throttle_interval=max_heartbeat_throttle_interval,
                default_heartbeat_throttle_interval=default_heartbeat_throttle_interval,
                shared_state_manager=shared_state_manager,
                graceful_shutdown_timeout=graceful_shutdown_timeout,
                identity=self._identity,
            )
        self._wire_eager_activities(
            disable_eager_activity_execution or no_remote_activities,
            max_eager_activity_reservations_per_workflow_task,
        )
        if self._workflow_worker is not None:
            local = self._workflow_worker.local_activities
            local.activity_worker = self._activity_worker
            local.max_concurrent = max_concurrent_local_activities or 100
        self._wire_interceptors(interceptors)
        self._wire_deployment(deployment_config, build_id, use_worker_versioning)
        self._run_task: asyncio.Task[None] | None = None
        self._started = False
        self._shutdown_started = False
        self._finished = asyncio.Event()

    def _wire_deployment(
        self, config: WorkerDeploymentConfig | None, build_id: str | None, legacy: bool
    ) -> None:
        """Validate the worker-versioning settings and hand them to both halves."""
        if config is None:
            return
        if build_id is not None or legacy:
            raise ValueError(
                "deployment_config cannot be used with build_id or use_worker_versioning"
            )
        workflows = self._workflow_worker.definitions() if self._workflow_worker else []
        config._check((d.name or "<dynamic>", d.versioning_behavior) for d in workflows)
        from temporal_sdk._io.deployment import Deployment

        deployment = Deployment(config)
        for half in (self._workflow_worker, self._activity_worker):
            if half is not None:
                half.deployment = deployment

    def _wire_interceptors(self, interceptors: Sequence[Any]) -> None:
        """Hand the client's and the worker's worker interceptors to both halves."""
        from temporal_sdk._runtime.intercept import interceptor_classes
        from temporal_sdk._worker_interceptor import worker_interceptors

        found = worker_interceptors(self._client, interceptors)
        if not found:
            return
        if self._workflow_worker is not None:
            wf = self._workflow_worker
            wf.interceptor_classes = interceptor_classes(found, wf.extern_functions)
        if self._activity_worker is not None:
            self._activity_worker.interceptors = found

    def _wire_eager_activities(self, disabled: bool, max_reservations: int) -> None:
        """Let workflow tasks hand activities of this queue straight to this worker."""
        from temporal_sdk._io.eager_activities import EagerActivityDispatcher

        if max_reservations < 1:
            raise ValueError(
                "max_eager_activity_reservations_per_workflow_task must be positive; use "
                "disable_eager_activity_execution=True to disable eager activity execution"
            )
        if disabled or self._workflow_worker is None or self._activity_worker is None:
            return
        self._workflow_worker.eager_activities = EagerActivityDispatcher(
            self._activity_worker, self._task_queue, max_reservations
        )

    @property
    def task_queue(self) -> str:
        """The task queue this worker polls."""
        return self._task_queue

    @property
    def client(self) -> Client:
        """The client the worker uses."""
        return self._client

    @property
    def is_running(self) -> bool:
        """True between the start of :meth:`run` and the end of shutdown."""
        return self._started and not self._finished.is_set()

    @property
    def is_shutdown(self) -> bool:
        """True once the worker has completely shut down."""
        return self._finished.is_set()

    def config(self, *, active_config: bool = False) -> WorkerConfig:
        """The worker's arguments as a fresh dict; ``active_config``: after the plugins'."""
        config = self._config if active_config else self._initial_config
        return dict(config)  # type: ignore[return-value]

    async def run(self) -> None:
        """Serve tasks until :meth:`shutdown` is called or this coroutine is cancelled.

        Plugins' ``run_worker`` hooks wrap the run, the first plugin outermost.
        """
        if not self._plugins:
            return await self._run()
        from temporal_sdk.worker._plugin import run_worker

        try:
            await run_worker(self, self._plugins, Worker._run)
        finally:
            if not self._started:  # a plugin ended without running the worker
                self._finished.set()

    async def _run(self) -> None:
        if self._started:
            raise RuntimeError("worker already started")
        self._started = True
        if self._shutdown_started:  # shutdown() came first: stop before polling anything
            self._finished.set()
            return
        if self._workflow_worker is not None:
            # Right away, so that an eager start just after ``async with`` finds this worker.
            self._workflow_worker.offer_eager_start()
        polling = self._activity_worker if self._remote_activities else None
        parts = [w.run() for w in (self._workflow_worker, polling) if w is not None]
        try:
            results = await asyncio.gather(*parts, return_exceptions=True)
            for result in results:
                if isinstance(result, BaseException) and not isinstance(
                    result, asyncio.CancelledError
                ):
                    if self._on_fatal_error is not None:
                        await self._on_fatal_error(result)
                    raise result
        except asyncio.CancelledError:
            await self._shutdown_parts()
            raise
        finally:
            self._finished.set()

    async def _shutdown_parts(self) -> None:
        if self._workflow_worker is not None:
            self._workflow_worker.begin_shutdown()
        if self._activity_worker is not None:
            await self._activity_worker.shutdown()
        if self._workflow_worker is not None:
            await self._workflow_worker.shutdown()

    async def shutdown(self) -> None:
        """Stop polling, let running tasks finish (activities up to the graceful timeout)."""
        if not self._started:
            # As in temporalio: recorded now, honoured when run() starts; waits for that.
            self._shutdown_started = True
            await self._finished.wait()
            return
        if not self._shutdown_started:
            self._shutdown_started = True
            await self._shutdown_parts()
        await self._finished.wait()

    async def __aenter__(self) -> Self:
        self._run_task = asyncio.create_task(self.run())
        # Let run() start before the body, so that shutdown() finds it started.
        await asyncio.sleep(0)
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.shutdown()
        if self._run_task is not None:
            await self._run_task
