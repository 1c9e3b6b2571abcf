"""The metric API (common.Metric*), MetricBuffer, Runtime and the OpenTelemetry backend."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest

from temporal_sdk.common import MetricMeter
from temporal_sdk.runtime import (
    BUFFERED_METRIC_KIND_COUNTER,
    BUFFERED_METRIC_KIND_GAUGE,
    BUFFERED_METRIC_KIND_HISTOGRAM,
    MetricBuffer,
    MetricBufferDurationFormat,
    OpenTelemetryConfig,
    PrometheusConfig,
    Runtime,
    TelemetryConfig,
)


def _buffered(**kwargs: object) -> tuple[Runtime, MetricBuffer]:
    buffer = MetricBuffer(1000, **kwargs)  # type: ignore[arg-type]
    return Runtime(telemetry=TelemetryConfig(metrics=buffer)), buffer


def test_every_instrument_kind_lands_in_the_buffer() -> None:
    runtime, buffer = _buffered()
    meter = runtime.metric_meter
    counter = meter.create_counter("c", "a counter", "items")
    assert (counter.name, counter.description, counter.unit) == ("c", "a counter", "items")
    counter.add(2)
    meter.create_histogram("h").record(5)
    meter.create_histogram_float("hf").record(1.5)
    meter.create_histogram_timedelta("ht").record(timedelta(seconds=1, microseconds=2500))
    meter.create_gauge("g").set(7)
    meter.create_gauge_float("gf").set(0.25)
    updates = buffer.retrieve_updates()
    assert [(u.metric.name, u.value) for u in updates] == [
        ("c", 2),
        ("h", 5),
        ("hf", 1.5),
        ("ht", 1002),
        ("g", 7),
        ("gf", 0.25),
    ]
    kinds = [u.metric.kind for u in updates]
    assert kinds[0] == BUFFERED_METRIC_KIND_COUNTER
    assert kinds[1:4] == [BUFFERED_METRIC_KIND_HISTOGRAM] * 3
    assert kinds[4:] == [BUFFERED_METRIC_KIND_GAUGE] * 2
    assert updates[3].metric.unit == "ms"
    assert buffer.retrieve_updates() == []


def test_durations_as_seconds() -> None:
    runtime, buffer = _buffered(duration_format=MetricBufferDurationFormat.SECONDS)
    runtime.metric_meter.create_histogram_timedelta("d").record(timedelta(milliseconds=1500))
    (update,) = buffer.retrieve_updates()
    assert update.value == 1.5
    assert update.metric.unit == "s"


def test_attributes_merge_and_later_keys_win() -> None:
    buffer = MetricBuffer(100)
    runtime = Runtime(telemetry=TelemetryConfig(metrics=buffer, global_tags={"env": "test"}))
    meter = runtime.metric_meter.with_additional_attributes({"a": 1, "b": "x"})
    counter = meter.create_counter("c").with_additional_attributes({"b": "y"})
    counter.add(1, {"c": True})
    counter.add(1)
    first, second = buffer.retrieve_updates()
    base = {"env": "test", "service_name": "temporal-core-sdk", "a": 1, "b": "y"}
    assert first.attributes == {**base, "c": True}
    assert second.attributes == base
    assert first.metric is second.metric


def test_service_name_can_be_left_out() -> None:
    buffer = MetricBuffer(100)
    runtime = Runtime(telemetry=TelemetryConfig(metrics=buffer, attach_service_name=False))
    runtime.metric_meter.create_counter("c").add(1)
    assert buffer.retrieve_updates()[0].attributes == {}


def test_bad_values_and_attributes_raise() -> None:
    runtime, _ = _buffered()
    meter = runtime.metric_meter
    with pytest.raises(ValueError, match="negative"):
        meter.create_counter("c").add(-1)
    with pytest.raises(ValueError, match="negative"):
        meter.create_gauge_float("g").set(-0.5)
    with pytest.raises(ValueError, match="negative"):
        meter.create_histogram_timedelta("t").record(timedelta(seconds=-1))
    with pytest.raises(TypeError, match="expected str, int, float or bool"):
        meter.with_additional_attributes({"bad": [1]})  # type: ignore[dict-item]
    with pytest.raises(TypeError):
        meter.create_counter("c").add(1, {"bad": None})  # type: ignore[dict-item]


def test_full_buffer_drops_updates(caplog: pytest.LogCaptureFixture) -> None:
    buffer = MetricBuffer(3)
    runtime = Runtime(telemetry=TelemetryConfig(metrics=buffer))
    counter = runtime.metric_meter.create_counter("c")
    for _ in range(5):
        counter.add(1)
    assert len(buffer.retrieve_updates()) == 3
    assert "Metric buffer full" in caplog.text
    counter.add(1)
    assert len(buffer.retrieve_updates()) == 1


def test_buffer_is_thread_safe() -> None:
    runtime, buffer = _buffered()
    counter = runtime.metric_meter.create_counter("c")

    def work() -> None:
        for _ in range(100):
            counter.add(1)

    threads = [threading.Thread(target=work) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(buffer.retrieve_updates()) == 800


def test_buffer_without_runtime_cannot_be_drained() -> None:
    with pytest.raises(RuntimeError, match="before runtime created"):
        MetricBuffer(10).retrieve_updates()
    with pytest.raises(ValueError):
        MetricBuffer(0)


def test_noop_meter_records_nothing() -> None:
    runtime = Runtime(telemetry=TelemetryConfig())
    assert runtime.metric_meter is MetricMeter.noop
    noop = MetricMeter.noop.with_additional_attributes({"a": "b"})
    noop.create_counter("c").add(1)
    noop.create_histogram_timedelta("t").record(timedelta(seconds=1))
    noop.create_gauge("g").with_additional_attributes({"x": 1}).set(3)


def test_default_runtime_and_set_default() -> None:
    saved = Runtime._default
    try:
        Runtime._default = None
        default = Runtime.default()
        assert Runtime.default() is default
        with pytest.raises(RuntimeError, match="already set"):
            Runtime.set_default(Runtime(telemetry=TelemetryConfig()))
        other = Runtime(telemetry=TelemetryConfig())
        Runtime.set_default(other, error_if_already_set=False)
        assert Runtime.default() is other
        with pytest.raises(RuntimeError, match="prevent_default"):
            Runtime.prevent_default()
    finally:
        Runtime._default = saved


def test_exporter_configs_explain_the_alternative() -> None:
    with pytest.raises(NotImplementedError, match="MeterProvider"):
        Runtime(telemetry=TelemetryConfig(metrics=OpenTelemetryConfig(url="http://x:4317")))
    with pytest.raises(NotImplementedError, match="Prometheus"):
        Runtime(telemetry=TelemetryConfig(metrics=PrometheusConfig(bind_address="0.0.0.0:9000")))
    with pytest.raises(TypeError, match="MeterProvider"):
        Runtime(telemetry=TelemetryConfig(metrics=object()))  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        Runtime(telemetry=TelemetryConfig(), worker_heartbeat_interval=timedelta(0))


def test_opentelemetry_meter_provider() -> None:
    sdk_metrics = pytest.importorskip("opentelemetry.sdk.metrics")
    export = pytest.importorskip("opentelemetry.sdk.metrics.export")
    reader = export.InMemoryMetricReader()
    provider = sdk_metrics.MeterProvider(metric_readers=[reader])
    runtime = Runtime(telemetry=TelemetryConfig(metrics=provider, global_tags={"env": "t"}))
    meter = runtime.metric_meter.with_additional_attributes({"k": "v"})
    meter.create_counter("my_counter", "help", "1").add(3)
    meter.create_counter("my_counter").add(2)
    meter.create_histogram_timedelta("my_latency").record(timedelta(milliseconds=40))
    meter.create_gauge("my_gauge").set(9)
    data = reader.get_metrics_data()
    found = {
        metric.name: metric
        for resource in data.resource_metrics
        for scope in resource.scope_metrics
        for metric in scope.metrics
    }
    counter_point = found["my_counter"].data.data_points[0]
    assert counter_point.value == 5
    assert dict(counter_point.attributes) == {
        "env": "t",
        "service_name": "temporal-core-sdk",
        "k": "v",
    }
    assert found["my_latency"].unit == "ms"
    assert found["my_latency"].data.data_points[0].sum == 40
    assert found["my_gauge"].data.data_points[0].value == 9


def test_activity_environment_meter() -> None:
    from temporal_sdk import activity
    from temporal_sdk.testing import ActivityEnvironment

    def measured() -> None:
        activity.metric_meter().create_counter("calls").add(1)

    env = ActivityEnvironment()
    ActivityEnvironment().run(measured)  # the default no-op meter
    runtime, buffer = _buffered()
    env.metric_meter = runtime.metric_meter
    env.run(measured)
    (update,) = buffer.retrieve_updates()
    assert update.attributes["activity_type"] == "unknown"
    assert update.attributes["task_queue"] == "test"
    with pytest.raises(RuntimeError, match="Not in activity"):
        activity.metric_meter()


def test_worker_metrics_failure_reasons_and_close_counters() -> None:
    import time

    from temporal_sdk._core.activation import WorkflowTaskFailure
    from temporal_sdk._io.worker_metrics import WorkerMetrics
    from temporal_sdk.api.command.v1 import Command
    from temporal_sdk.api.enums.v1 import CommandType, WorkflowTaskFailedCause
    from temporal_sdk.api.failure.v1 import Failure

    runtime, buffer = _buffered()
    metrics = WorkerMetrics(runtime.metric_meter, "temporal_", "ns", "tq")
    nondeterminism = WorkflowTaskFailedCause.WORKFLOW_TASK_FAILED_CAUSE_NON_DETERMINISTIC_ERROR
    started = time.monotonic()
    metrics.workflow_task_done("W", started, (), WorkflowTaskFailure(Failure(), nondeterminism))
    closing = [
        Command(command_type=CommandType.COMMAND_TYPE_CANCEL_WORKFLOW_EXECUTION),
        Command(command_type=CommandType.COMMAND_TYPE_CONTINUE_AS_NEW_WORKFLOW_EXECUTION),
    ]
    metrics.workflow_task_done("W", started, closing, None)
    metrics.cache_state(size=3, evictions=2)
    metrics.cache_state(size=1, evictions=2)
    by_name = {u.metric.name: u for u in buffer.retrieve_updates()}
    failed = by_name["temporal_workflow_task_execution_failed"]
    assert failed.attributes == {
        "service_name": "temporal-core-sdk",
        "namespace": "ns",
        "task_queue": "tq",
        "workflow_type": "W",
        "failure_reason": "NonDeterminism",
    }
    assert "temporal_workflow_cancelled" in by_name
    assert "temporal_workflow_continue_as_new" in by_name
    assert by_name["temporal_sticky_cache_total_forced_eviction"].value == 2
    assert by_name["temporal_sticky_cache_size"].value == 1
