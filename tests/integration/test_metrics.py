"""Worker metrics, workflow.metric_meter() and activity.metric_meter() against the dev server."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Sequence
from datetime import timedelta

import pytest

from temporal_sdk import activity, workflow
from temporal_sdk.client import Client, WorkflowFailureError
from temporal_sdk.common import RetryPolicy
from temporal_sdk.exceptions import ActivityError, ApplicationError
from temporal_sdk.runtime import BufferedMetricUpdate, MetricBuffer, Runtime, TelemetryConfig
from temporal_sdk.worker import Replayer, Worker


@activity.defn
async def double(n: int) -> int:
    activity.metric_meter().create_counter("my_activity_counter").add(n)
    return n * 2


@activity.defn
async def always_fails() -> None:
    raise ApplicationError("nope", non_retryable=True)


@workflow.defn
class Doubles:
    @workflow.run
    async def run(self, n: int) -> int:
        counter = workflow.metric_meter().create_counter("my_workflow_counter", "steps")
        counter.add(1)
        n = await workflow.execute_activity(double, n, start_to_close_timeout=timedelta(seconds=10))
        counter.add(10)
        n = await workflow.execute_activity(double, n, start_to_close_timeout=timedelta(seconds=10))
        workflow.metric_meter().create_histogram("my_workflow_histogram").record(n)
        return n


@workflow.defn
class CallsFailingActivity:
    @workflow.run
    async def run(self) -> None:
        await workflow.execute_activity(
            always_fails,
            start_to_close_timeout=timedelta(seconds=10),
            retry_policy=RetryPolicy(maximum_attempts=1),
        )


TASK_FAILED_ONCE: set[str] = set()


@workflow.defn
class TaskFailsOnce:
    @workflow.run
    async def run(self) -> str:
        if workflow.info().workflow_id not in TASK_FAILED_ONCE:
            TASK_FAILED_ONCE.add(workflow.info().workflow_id)
            raise RuntimeError("a bug that fails the workflow task")
        return "ok"


async def _metrics_client(client: Client) -> tuple[Client, MetricBuffer]:
    buffer = MetricBuffer(100_000)
    runtime = Runtime(telemetry=TelemetryConfig(metrics=buffer))
    metrics_client = await Client.connect(
        client.service_client.config.target_host, namespace=client.namespace, runtime=runtime
    )
    return metrics_client, buffer


def _named(updates: Sequence[BufferedMetricUpdate], name: str) -> list[BufferedMetricUpdate]:
    return [u for u in updates if u.metric.name == name]


async def test_worker_metrics(client: Client, task_queue: str) -> None:
    metrics_client, buffer = await _metrics_client(client)
    async with Worker(
        metrics_client,
        task_queue=task_queue,
        workflows=[Doubles, CallsFailingActivity, TaskFailsOnce],
        activities=[double, always_fails],
    ):
        assert (
            await metrics_client.execute_workflow(
                Doubles.run, 3, id=f"wf-{uuid.uuid4()}", task_queue=task_queue
            )
            == 12
        )
        with pytest.raises(WorkflowFailureError):
            await metrics_client.execute_workflow(
                CallsFailingActivity.run, id=f"wf-{uuid.uuid4()}", task_queue=task_queue
            )
        assert (
            await metrics_client.execute_workflow(
                TaskFailsOnce.run,
                id=f"wf-{uuid.uuid4()}",
                task_queue=task_queue,
                task_timeout=timedelta(seconds=10),
            )
            == "ok"
        )
    updates = buffer.retrieve_updates()
    base = {"namespace": client.namespace, "task_queue": task_queue}

    def attrs_of(name: str) -> list[dict[str, object]]:
        return [dict(u.attributes) for u in _named(updates, name)]

    completed = attrs_of("temporal_workflow_completed")
    assert {a["workflow_type"] for a in completed} == {"Doubles", "TaskFailsOnce"}
    assert all(a.items() >= base.items() for a in completed)
    assert attrs_of("temporal_workflow_failed")[0]["workflow_type"] == "CallsFailingActivity"
    failed_tasks = attrs_of("temporal_workflow_task_execution_failed")
    assert failed_tasks[0]["workflow_type"] == "TaskFailsOnce"
    assert failed_tasks[0]["failure_reason"] == "Workflow"
    latencies = _named(updates, "temporal_workflow_task_execution_latency")
    assert latencies and all(isinstance(u.value, int) for u in latencies)
    assert latencies[0].metric.unit == "ms"
    assert _named(updates, "temporal_workflow_task_schedule_to_start_latency")
    assert _named(updates, "temporal_workflow_task_queue_poll_succeed")
    assert _named(updates, "temporal_sticky_cache_hit")
    assert _named(updates, "temporal_sticky_cache_size")
    slot_types = {a["worker_type"] for a in attrs_of("temporal_worker_task_slots_used")}
    assert slot_types == {"WorkflowWorker", "ActivityWorker"}
    used = [u.value for u in _named(updates, "temporal_worker_task_slots_used")]
    assert max(used) >= 1 and min(used) == 0
    available = _named(updates, "temporal_worker_task_slots_available")
    assert all(0 <= u.value <= 100 for u in available)
    activity_latency = attrs_of("temporal_activity_execution_latency")
    assert {a["activity_type"] for a in activity_latency} == {"double", "always_fails"}
    assert attrs_of("temporal_activity_execution_failed")[0]["activity_type"] == "always_fails"
    assert _named(updates, "temporal_activity_schedule_to_start_latency")
    assert _named(updates, "temporal_activity_succeed_endtoend_latency")
    custom = _named(updates, "my_activity_counter")
    assert [u.value for u in custom] == [3, 6]
    assert custom[0].attributes == {
        "service_name": "temporal-core-sdk",
        **base,
        "activity_type": "double",
    }


async def test_workflow_metric_meter_records_once_despite_replay(
    client: Client, task_queue: str
) -> None:
    metrics_client, buffer = await _metrics_client(client)
    async with Worker(
        metrics_client,
        task_queue=task_queue,
        workflows=[Doubles],
        activities=[double],
        max_cached_workflows=0,
    ) as worker:
        workflow_id = f"wf-{uuid.uuid4()}"
        assert (
            await metrics_client.execute_workflow(
                Doubles.run, 1, id=workflow_id, task_queue=task_queue
            )
            == 4
        )
        # No cache: every task rebuilt the run from history, replaying the earlier steps.
        wf_worker = worker._workflow_worker
        assert wf_worker is not None and wf_worker.runs_built >= 3
    updates = buffer.retrieve_updates()
    counter = _named(updates, "my_workflow_counter")
    assert [u.value for u in counter] == [1, 10]
    assert counter[0].metric.description == "steps"
    assert dict(counter[0].attributes) == {
        "service_name": "temporal-core-sdk",
        "namespace": client.namespace,
        "task_queue": task_queue,
        "workflow_type": "Doubles",
    }
    assert [u.value for u in _named(updates, "my_workflow_histogram")] == [4]
    assert not _named(updates, "temporal_sticky_cache_hit")

    # The replayer has no runtime: workflow.metric_meter() is a no-op meter there.
    history = await metrics_client.get_workflow_handle(workflow_id).fetch_history()
    replayed = await Replayer(workflows=[Doubles]).replay_workflow(history)
    assert replayed.replay_failure is None
    assert not [u for u in buffer.retrieve_updates() if u.metric.name.startswith("my_")]


async def test_no_metrics_configured_means_noop_meters(client: Client, task_queue: str) -> None:
    async with Worker(client, task_queue=task_queue, workflows=[Doubles], activities=[double]):
        result = await client.execute_workflow(
            Doubles.run, 2, id=f"wf-{uuid.uuid4()}", task_queue=task_queue
        )
    assert result == 8


async def test_opentelemetry_meter_provider_receives_worker_metrics(
    client: Client, task_queue: str
) -> None:
    sdk_metrics = pytest.importorskip("opentelemetry.sdk.metrics")
    export = pytest.importorskip("opentelemetry.sdk.metrics.export")
    reader = export.InMemoryMetricReader()
    provider = sdk_metrics.MeterProvider(metric_readers=[reader])
    runtime = Runtime(telemetry=TelemetryConfig(metrics=provider))
    otel_client = await Client.connect(
        client.service_client.config.target_host, namespace=client.namespace, runtime=runtime
    )
    async with Worker(otel_client, task_queue=task_queue, workflows=[Doubles], activities=[double]):
        await otel_client.execute_workflow(
            Doubles.run, 1, id=f"wf-{uuid.uuid4()}", task_queue=task_queue
        )
    await asyncio.sleep(0)
    data = reader.get_metrics_data()
    names = {
        metric.name
        for resource in data.resource_metrics
        for scope in resource.scope_metrics
        for metric in scope.metrics
    }
    assert {"temporal_workflow_completed", "my_workflow_counter", "my_activity_counter"} <= names


async def test_client_request_metrics(client: Client, task_queue: str) -> None:
    from temporal_sdk.service import RPCError

    metrics_client, buffer = await _metrics_client(client)
    async with Worker(
        metrics_client, task_queue=task_queue, workflows=[Doubles], activities=[double]
    ):
        await metrics_client.execute_workflow(
            Doubles.run, 1, id=f"wf-{uuid.uuid4()}", task_queue=task_queue
        )
    with pytest.raises(RPCError):
        await metrics_client.get_workflow_handle(f"missing-{uuid.uuid4()}").describe()
    updates = buffer.retrieve_updates()
    operations = {u.attributes["operation"] for u in _named(updates, "temporal_request")}
    assert {"StartWorkflowExecution", "DescribeWorkflowExecution"} <= operations
    long_operations = {u.attributes["operation"] for u in _named(updates, "temporal_long_request")}
    assert "PollWorkflowTaskQueue" in long_operations
    (failure,) = _named(updates, "temporal_request_failure")
    assert failure.attributes["operation"] == "DescribeWorkflowExecution"
    assert failure.attributes["namespace"] == client.namespace
    assert failure.attributes["status_code"] == "NOT_FOUND"
    assert _named(updates, "temporal_request_latency")


@workflow.defn
class LocalDoubles:
    @workflow.run
    async def run(self, n: int) -> int:
        n = await workflow.execute_local_activity(
            double, n, start_to_close_timeout=timedelta(seconds=10)
        )
        try:
            await workflow.execute_local_activity(
                always_fails, start_to_close_timeout=timedelta(seconds=10)
            )
        except (ActivityError, ApplicationError):
            return n
        raise AssertionError("always_fails succeeded")


async def test_local_activity_and_end_to_end_metrics(client: Client, task_queue: str) -> None:
    metrics_client, buffer = await _metrics_client(client)
    async with Worker(
        metrics_client,
        task_queue=task_queue,
        workflows=[LocalDoubles],
        activities=[double, always_fails],
    ):
        result = await metrics_client.execute_workflow(
            LocalDoubles.run, 5, id=f"wf-{uuid.uuid4()}", task_queue=task_queue
        )
    assert result == 10
    updates = buffer.retrieve_updates()
    total = _named(updates, "temporal_local_activity_total")
    assert sorted(str(u.attributes["activity_type"]) for u in total) == ["always_fails", "double"]
    (failed,) = _named(updates, "temporal_local_activity_execution_failed")
    assert failed.attributes["activity_type"] == "always_fails"
    assert _named(updates, "temporal_local_activity_execution_latency")
    (succeeded,) = _named(updates, "temporal_local_activity_succeeded_endtoend_latency")
    assert succeeded.attributes["activity_type"] == "double"
    assert not _named(updates, "temporal_activity_execution_latency")
    (end_to_end,) = _named(updates, "temporal_workflow_endtoend_latency")
    assert end_to_end.attributes["workflow_type"] == "LocalDoubles"
    assert isinstance(end_to_end.value, int) and end_to_end.value >= 0
    assert [u.value for u in _named(updates, "my_activity_counter")] == [5]
