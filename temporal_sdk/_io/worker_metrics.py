"""The worker's own metrics, under the names Temporal's SDKs document (``temporal_`` prefixed).

Rule: a worker whose client's runtime has no metrics gets ``None`` from :func:`for_client` and
every recording site is guarded by one ``is not None`` check, so metrics cost nothing unless
configured. Instruments are created once per worker; meters per workflow/activity type are
cached. Durations go through ``create_histogram_timedelta``, so the backend picks ms or s.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Sequence
from datetime import timedelta
from typing import TYPE_CHECKING, Any, Literal

from temporal_sdk._metrics import (
    MetricCounter,
    MetricGauge,
    MetricHistogramTimedelta,
    MetricMeter,
)
from temporal_sdk.api.enums.v1 import CommandType, WorkflowTaskFailedCause

if TYPE_CHECKING:
    from google.protobuf.timestamp_pb2 import Timestamp

    from temporal_sdk._core.activation import WorkflowTaskFailure
    from temporal_sdk._io.workflow_cache import CachedRun
    from temporal_sdk.api.command.v1 import Command
    from temporal_sdk.api.workflowservice.v1 import PollActivityTaskQueueResponse
    from temporal_sdk.client import Client
    from temporal_sdk.runtime import Runtime

_NONDETERMINISM = WorkflowTaskFailedCause.WORKFLOW_TASK_FAILED_CAUSE_NON_DETERMINISTIC_ERROR
_CLOSE_COUNTERS = {
    CommandType.COMMAND_TYPE_COMPLETE_WORKFLOW_EXECUTION: "workflow_completed",
    CommandType.COMMAND_TYPE_FAIL_WORKFLOW_EXECUTION: "workflow_failed",
    CommandType.COMMAND_TYPE_CANCEL_WORKFLOW_EXECUTION: "workflow_cancelled",
    CommandType.COMMAND_TYPE_CONTINUE_AS_NEW_WORKFLOW_EXECUTION: "workflow_continue_as_new",
}


def for_client(client: Client, task_queue: str) -> WorkerMetrics | None:
    """The worker metrics for ``client``'s runtime, or ``None`` when it records no metrics."""
    runtime = _runtime_of(client)
    meter = runtime.metric_meter
    if meter is MetricMeter.noop:
        return None
    return WorkerMetrics(meter, runtime.metric_prefix, getattr(client, "namespace", ""), task_queue)


def runtime_meter(client: Client) -> MetricMeter:
    """The meter of ``client``'s runtime (no-op when it records no metrics)."""
    return _runtime_of(client).metric_meter


def _runtime_of(client: Client) -> Runtime:
    from temporal_sdk.runtime import Runtime

    # Test doubles stand in for clients without a connection config: they get the default.
    config = getattr(getattr(client, "service_client", None), "config", None)
    runtime = getattr(config, "runtime", None)
    return runtime if isinstance(runtime, Runtime) else Runtime.default()


def _run_start(run: CachedRun | None) -> float | None:
    """When the run's first workflow task started (epoch seconds), if known."""
    if run is None:
        return None
    try:
        return run.instance.info().start_time.timestamp()
    except RuntimeError:
        return None


def _seconds(stamp: Timestamp) -> float:
    return stamp.seconds + stamp.nanos / 1e9


def _elapsed(start: Timestamp, end: Timestamp) -> timedelta | None:
    if not start.seconds or not end.seconds:
        return None
    return timedelta(seconds=max(_seconds(end) - _seconds(start), 0.0))


class _Typed:
    """Instruments bound to one workflow or activity type."""

    def __init__(self, meter: MetricMeter, prefix: str) -> None:
        self._meter = meter
        self._prefix = prefix
        self._counters: dict[str, MetricCounter] = {}
        self._histograms: dict[str, MetricHistogramTimedelta] = {}

    def count(self, name: str) -> MetricCounter:
        found = self._counters.get(name)
        if found is None:
            found = self._meter.create_counter(self._prefix + name)
            self._counters[name] = found
        return found

    def latency(self, name: str) -> MetricHistogramTimedelta:
        found = self._histograms.get(name)
        if found is None:
            found = self._meter.create_histogram_timedelta(self._prefix + name)
            self._histograms[name] = found
        return found


class WorkerMetrics:
    """Records the metrics of one worker (attributes ``namespace`` and ``task_queue``)."""

    def __init__(self, meter: MetricMeter, prefix: str, namespace: str, task_queue: str) -> None:
        self._meter = meter.with_additional_attributes(
            {"namespace": namespace, "task_queue": task_queue}
        )
        self._prefix = prefix
        self._plain = _Typed(self._meter, prefix)
        self._types: dict[tuple[str, str], _Typed] = {}
        self._cache_size = self._meter.create_gauge(prefix + "sticky_cache_size")
        self._evictions_seen = 0

    def _typed(self, key: str, name: str) -> _Typed:
        found = self._types.get((key, name))
        if found is None:
            found = _Typed(self._meter.with_additional_attributes({key: name}), self._prefix)
            self._types[(key, name)] = found
        return found

    # -- workflow tasks -------------------------------------------------------------------------

    def workflow_poll(self, empty: bool, scheduled: Timestamp, started: Timestamp) -> None:
        """A workflow task poll returned (``empty`` when it timed out without a task)."""
        if empty:
            self._plain.count("workflow_task_queue_poll_empty").add(1)
            return
        self._plain.count("workflow_task_queue_poll_succeed").add(1)
        waited = _elapsed(scheduled, started)
        if waited is not None:
            self._plain.latency("workflow_task_schedule_to_start_latency").record(waited)

    def workflow_cache(self, hit: bool) -> None:
        """Whether a workflow task found its run in the sticky cache."""
        self._plain.count("sticky_cache_hit" if hit else "sticky_cache_miss").add(1)

    def workflow_task_done(
        self,
        workflow_type: str,
        started: float,
        commands: Sequence[Command],
        failure: WorkflowTaskFailure | None,
        run: CachedRun | None = None,
    ) -> None:
        """A workflow task was processed (``started`` is its ``time.monotonic()`` start)."""
        typed = self._typed("workflow_type", workflow_type)
        elapsed = timedelta(seconds=max(time.monotonic() - started, 0.0))
        typed.latency("workflow_task_execution_latency").record(elapsed)
        if failure is not None:
            reason = "NonDeterminism" if failure.cause == _NONDETERMINISM else "Workflow"
            typed.count("workflow_task_execution_failed").add(1, {"failure_reason": reason})
            return
        for command in commands:
            counter = _CLOSE_COUNTERS.get(command.command_type)
            if counter is None:
                continue
            typed.count(counter).add(1)
            run_start = _run_start(run) if counter == "workflow_completed" else None
            if run_start is not None:
                end_to_end = timedelta(seconds=max(time.time() - run_start, 0.0))
                typed.latency("workflow_endtoend_latency").record(end_to_end)

    def cache_state(self, size: int, evictions: int) -> None:
        """The sticky cache's size and its running count of forced (cache full) evictions."""
        self._cache_size.set(size)
        if evictions > self._evictions_seen:
            forced = evictions - self._evictions_seen
            self._plain.count("sticky_cache_total_forced_eviction").add(forced)
        self._evictions_seen = evictions

    def slot_gauges(self, worker_type: str) -> tuple[MetricGauge, MetricGauge]:
        """The ``worker_task_slots_available`` and ``_used`` gauges of one worker type."""
        meter = self._meter.with_additional_attributes({"worker_type": worker_type})
        return (
            meter.create_gauge(self._prefix + "worker_task_slots_available"),
            meter.create_gauge(self._prefix + "worker_task_slots_used"),
        )

    # -- activity tasks -------------------------------------------------------------------------

    def activity_poll(self, empty: bool) -> None:
        """An activity task poll returned (``empty`` when it timed out without a task)."""
        if empty:
            self._plain.count("activity_poll_no_task").add(1)

    def activity_started(
        self, activity_type: str, scheduled: Timestamp, started: Timestamp
    ) -> None:
        """An activity task is about to run."""
        waited = _elapsed(scheduled, started)
        if waited is not None:
            typed = self._typed("activity_type", activity_type)
            typed.latency("activity_schedule_to_start_latency").record(waited)

    def activity_done(
        self,
        activity_type: str,
        started: float,
        outcome: str,
        scheduled: Timestamp,
        *,
        local: bool = False,
    ) -> None:
        """An activity attempt (a local one if ``local``) ended.

        ``outcome`` is ``completed``, ``failed``, ``cancelled`` or ``async`` (completed later).
        """
        typed = self._typed("activity_type", activity_type)
        kind = "local_activity" if local else "activity"
        if local:
            typed.count("local_activity_total").add(1)
        elapsed = timedelta(seconds=max(time.monotonic() - started, 0.0))
        typed.latency(f"{kind}_execution_latency").record(elapsed)
        if outcome == "failed":
            typed.count(f"{kind}_execution_failed").add(1)
        elif outcome == "cancelled":
            typed.count(f"{kind}_execution_cancelled").add(1)
        elif outcome == "completed" and scheduled.seconds:
            end_to_end = timedelta(seconds=max(time.time() - _seconds(scheduled), 0.0))
            name = "local_activity_succeeded" if local else "activity_succeed"
            typed.latency(f"{name}_endtoend_latency").record(end_to_end)

    def attempt_done(
        self,
        task: PollActivityTaskQueueResponse,
        started: float,
        outcome: str,
        *,
        local: bool = False,
    ) -> None:
        """An attempt of ``task`` ended (see :meth:`activity_done` for ``outcome``)."""
        name = task.activity_type.name
        self.activity_done(name, started, outcome, task.scheduled_time, local=local)


def outcome_of(outcome: Any) -> str:
    """How an activity attempt ended, from the activity worker's outcome (``None``: no answer)."""
    if outcome is None:
        return "async"
    if outcome.failure is not None:
        return "failed"
    return "completed" if outcome.cancelled is None else "cancelled"


class _MeteredSlots(asyncio.Semaphore):
    """A task-slot semaphore that reports slots in use and available after every change."""

    def __init__(self, total: int, metrics: WorkerMetrics, worker_type: str) -> None:
        super().__init__(total)
        self._total = total
        self._used = 0
        self._available_gauge, self._used_gauge = metrics.slot_gauges(worker_type)
        self._report()

    def _report(self) -> None:
        self._used_gauge.set(self._used)
        self._available_gauge.set(max(self._total - self._used, 0))

    async def acquire(self) -> Literal[True]:
        """Take a slot (waiting for one), then report."""
        await super().acquire()
        self._used += 1
        self._report()
        return True

    def release(self) -> None:
        """Give a slot back, then report."""
        super().release()
        self._used = max(self._used - 1, 0)
        self._report()


def task_slots(metrics: WorkerMetrics | None, total: int, worker_type: str) -> asyncio.Semaphore:
    """A worker's task-slot semaphore, reporting ``worker_task_slots_*`` when metrics are on."""
    if metrics is None:
        return asyncio.Semaphore(total)
    return _MeteredSlots(total, metrics, worker_type)
