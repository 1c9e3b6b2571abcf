"""``WorkerConfig``: the keyword arguments of ``Worker`` as a ``TypedDict``.

Rule: keys and value types mirror ``Worker.__init__`` one for one (temporalio's names), so a
``WorkerConfig`` can be built up piecemeal and splatted into ``Worker(**config)``. Every key is
optional. Nothing here is read by the worker itself; it is a typing aid only.
"""

from __future__ import annotations

import concurrent.futures
from collections.abc import Awaitable, Callable, Sequence
from datetime import timedelta
from typing import TYPE_CHECKING, Any, TypedDict

if TYPE_CHECKING:
    from temporal_sdk._worker_interceptor import Interceptor
    from temporal_sdk.client import Client
    from temporal_sdk.worker._deployment import WorkerDeploymentConfig
    from temporal_sdk.worker._plugin import Plugin
    from temporal_sdk.worker._shared_state import SharedStateManager


class WorkerConfig(TypedDict, total=False):
    """Keyword arguments accepted by :class:`Worker`; every key is optional.

    Useful for assembling worker settings in one place (for example in test harnesses)
    and passing them on with ``Worker(client, **config)``.
    """

    client: Client
    task_queue: str
    activities: Sequence[Callable[..., Any]]
    workflows: Sequence[type]
    activity_executor: concurrent.futures.Executor | None
    workflow_task_executor: concurrent.futures.ThreadPoolExecutor | None
    workflow_runner: Any
    unsandboxed_workflow_runner: Any
    interceptors: Sequence[Interceptor]
    plugins: Sequence[Plugin]
    build_id: str | None
    identity: str | None
    max_cached_workflows: int
    max_concurrent_workflow_tasks: int | None
    max_concurrent_activities: int | None
    max_concurrent_local_activities: int | None
    max_concurrent_workflow_task_polls: int | None
    max_concurrent_activity_task_polls: int | None
    no_remote_activities: bool
    sticky_queue_schedule_to_start_timeout: timedelta
    max_heartbeat_throttle_interval: timedelta
    default_heartbeat_throttle_interval: timedelta
    max_activities_per_second: float | None
    max_task_queue_activities_per_second: float | None
    max_eager_activity_reservations_per_workflow_task: int
    graceful_shutdown_timeout: timedelta
    workflow_failure_exception_types: Sequence[type[BaseException]]
    debug_mode: bool
    disable_eager_activity_execution: bool
    on_fatal_error: Callable[[BaseException], Awaitable[None]] | None
    use_worker_versioning: bool
    deployment_config: WorkerDeploymentConfig | None
    shared_state_manager: SharedStateManager | None
