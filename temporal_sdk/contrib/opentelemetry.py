"""OpenTelemetry tracing for clients and workers, through interceptors (opentelemetry-api only).

``TracingInterceptor`` is both a client and a worker interceptor: pass it to ``Client.connect``
and every worker built on that client uses it too. It creates client spans for start, signal,
query and update calls, server spans for activity attempts, and short, already-finished spans
inside workflows for running the workflow, handling messages and scheduling activities and
child workflows. The span context travels in the ``_tracer-data`` header (temporalio's key and
format), so traces join up across processes and across SDKs.

Workflow spans are made only while the worker is not replaying history, so a replay (after a
cache eviction or on another worker) does not repeat them; they are made with the determinism
guard lifted, as span ids and timestamps come from the clock and the random module.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Any, NoReturn

import opentelemetry.context
import opentelemetry.propagate
import opentelemetry.trace
from opentelemetry.context import Context
from opentelemetry.trace import Span, SpanKind, Status, StatusCode, Tracer

from temporal_sdk import activity, workflow
from temporal_sdk._worker_interceptor import (
    ActivityInboundInterceptor,
    ContinueAsNewInput,
    ExecuteActivityInput,
    ExecuteWorkflowInput,
    HandleQueryInput,
    HandleSignalInput,
    HandleUpdateInput,
    SignalChildWorkflowInput,
    SignalExternalWorkflowInput,
    StartActivityInput,
    StartChildWorkflowInput,
    StartLocalActivityInput,
    WorkflowInboundInterceptor,
    WorkflowInterceptorClassInput,
    WorkflowOutboundInterceptor,
)
from temporal_sdk._worker_interceptor import Interceptor as _WorkerInterceptor
from temporal_sdk.api.common.v1 import Payload
from temporal_sdk.client import Interceptor as _ClientInterceptor
from temporal_sdk.client import OutboundInterceptor
from temporal_sdk.converter import DataConverter

__all__ = ["TracingInterceptor", "default_text_map_propagator"]

HEADER_KEY = "_tracer-data"
"""The header that carries the serialized span context (the same key as temporalio's)."""

default_text_map_propagator = opentelemetry.propagate.get_global_textmap
"""Returns the propagator used to write and read ``_tracer-data`` (the global one by default)."""

_PC = DataConverter.default.payload_converter


def _inject(headers: Mapping[str, Payload], context: Context | None = None) -> dict[str, Payload]:
    """``headers`` plus the span context of ``context`` (or the current one)."""
    carrier: dict[str, str] = {}
    default_text_map_propagator().inject(carrier, context=context)
    if not carrier:
        return dict(headers)
    return {**headers, HEADER_KEY: _PC.to_payloads([carrier])[0]}


def _extract(headers: Mapping[str, Payload]) -> Context | None:
    """The span context a sender put in ``headers``, if any."""
    payload = headers.get(HEADER_KEY)
    if payload is None:
        return None
    carrier = _PC.from_payloads([payload])[0]
    if not isinstance(carrier, dict):
        return None
    return default_text_map_propagator().extract(carrier)


class TracingInterceptor(_ClientInterceptor, _WorkerInterceptor):
    """Trace Temporal calls with OpenTelemetry; use one instance for a client and its workers.

    ``tracer`` defaults to the global tracer provider's tracer for this module. Workflow-side
    spans are made only for runs whose start carried a span context (a traced client started
    them), unless ``always_create_workflow_spans`` is set, as in temporalio.
    """

    def __init__(
        self, tracer: Tracer | None = None, *, always_create_workflow_spans: bool = False
    ) -> None:
        self.tracer = tracer or opentelemetry.trace.get_tracer(__name__)
        self.always_create_workflow_spans = always_create_workflow_spans
        self._workflow_class: type[WorkflowInboundInterceptor] = type(
            "_BoundTracingWorkflowInbound", (_TracingWorkflowInbound,), {"root": self}
        )

    def intercept_client(self, next: OutboundInterceptor) -> OutboundInterceptor:
        """Wrap the client's calls in client spans."""
        return _TracingClientOutbound(self, next)

    def intercept_activity(self, next: ActivityInboundInterceptor) -> ActivityInboundInterceptor:
        """Run each activity attempt in a ``RunActivity`` span."""
        return _TracingActivityInbound(self, next)

    def workflow_interceptor_class(
        self, input: WorkflowInterceptorClassInput
    ) -> type[WorkflowInboundInterceptor] | None:
        """The per-run inbound interceptor that makes workflow spans."""
        return self._workflow_class

    @contextmanager
    def _span(
        self,
        name: str,
        *,
        kind: SpanKind,
        attributes: Mapping[str, str] | None = None,
        context: Context | None = None,
    ) -> Iterator[Span]:
        with self.tracer.start_as_current_span(
            name,
            context=context,
            kind=kind,
            attributes=attributes,
            record_exception=False,
            set_status_on_exception=False,
        ) as span:
            try:
                yield span
            except BaseException as err:
                span.record_exception(err)
                span.set_status(Status(StatusCode.ERROR, f"{type(err).__name__}: {err}"))
                raise


# -- client ---------------------------------------------------------------------------------------


class _TracingClientOutbound(OutboundInterceptor):
    def __init__(self, root: TracingInterceptor, next: OutboundInterceptor) -> None:
        super().__init__(next)
        self._root = root

    async def start_workflow(self, input: Any) -> Any:
        kind = "SignalWithStartWorkflow" if input.start_signal else "StartWorkflow"
        attrs = {"temporalWorkflowID": input.id}
        with self._root._span(f"{kind}:{input.workflow}", kind=SpanKind.CLIENT, attributes=attrs):
            input.headers = _inject(input.headers)
            return await super().start_workflow(input)

    async def query_workflow(self, input: Any) -> Any:
        attrs = {"temporalWorkflowID": input.id}
        with self._root._span(
            f"QueryWorkflow:{input.query}", kind=SpanKind.CLIENT, attributes=attrs
        ):
            input.headers = _inject(input.headers)
            return await super().query_workflow(input)

    async def signal_workflow(self, input: Any) -> None:
        attrs = {"temporalWorkflowID": input.id}
        name = f"SignalWorkflow:{input.signal}"
        with self._root._span(name, kind=SpanKind.CLIENT, attributes=attrs):
            input.headers = _inject(input.headers)
            await super().signal_workflow(input)

    async def start_workflow_update(self, input: Any) -> Any:
        attrs = {"temporalWorkflowID": input.id}
        name = f"StartWorkflowUpdate:{input.update}"
        with self._root._span(name, kind=SpanKind.CLIENT, attributes=attrs):
            input.headers = _inject(input.headers)
            return await super().start_workflow_update(input)


# -- activities -----------------------------------------------------------------------------------


class _TracingActivityInbound(ActivityInboundInterceptor):
    def __init__(self, root: TracingInterceptor, next: ActivityInboundInterceptor) -> None:
        super().__init__(next)
        self._root = root

    async def execute_activity(self, input: ExecuteActivityInput) -> Any:
        info = activity.info()
        attrs = {
            "temporalWorkflowID": info.workflow_id or "",
            "temporalRunID": info.workflow_run_id or "",
            "temporalActivityID": info.activity_id,
        }
        parent = _extract(input.headers)
        name = f"RunActivity:{info.activity_type}"
        with self._root._span(name, kind=SpanKind.SERVER, attributes=attrs, context=parent):
            return await super().execute_activity(input)


# -- workflows ------------------------------------------------------------------------------------


class _TracingWorkflowInbound(WorkflowInboundInterceptor):
    """Per run: finished spans for the run and its messages; the run's context for outbound."""

    root: TracingInterceptor

    def __init__(self, next: WorkflowInboundInterceptor) -> None:
        super().__init__(next)
        self.context: Context | None = None

    def init(self, outbound: WorkflowOutboundInterceptor) -> None:
        super().init(_TracingWorkflowOutbound(self, outbound))

    def completed_span(
        self, name: str, parent: Context | None, attributes: Mapping[str, str] | None = None
    ) -> Context | None:
        """Make and end one span (live only); return a context holding it for children."""
        if workflow.unsafe.is_replaying():
            return parent
        if parent is None and not self.root.always_create_workflow_spans:
            return None
        info = workflow.info()
        attrs = {"temporalWorkflowID": info.workflow_id, "temporalRunID": info.run_id}
        attrs.update(attributes or {})
        with workflow.unsafe.sandbox_unrestricted():
            span = self.root.tracer.start_span(
                name, context=parent, kind=SpanKind.INTERNAL, attributes=attrs
            )
            span.end()
            return opentelemetry.trace.set_span_in_context(span, parent)

    async def execute_workflow(self, input: ExecuteWorkflowInput) -> Any:
        parent = _extract(input.headers)
        self.context = self.completed_span(f"RunWorkflow:{workflow.info().workflow_type}", parent)
        return await super().execute_workflow(input)

    async def handle_signal(self, input: HandleSignalInput) -> None:
        self.completed_span(f"HandleSignal:{input.signal}", _extract(input.headers))
        await super().handle_signal(input)

    async def handle_query(self, input: HandleQueryInput) -> Any:
        self.completed_span(f"HandleQuery:{input.query}", _extract(input.headers))
        return await super().handle_query(input)

    async def handle_update_handler(self, input: HandleUpdateInput) -> Any:
        attrs = {"temporalUpdateID": input.id}
        self.completed_span(f"HandleUpdateHandler:{input.update}", _extract(input.headers), attrs)
        return await super().handle_update_handler(input)


class _TracingWorkflowOutbound(WorkflowOutboundInterceptor):
    """Each scheduled activity or child gets a finished span and carries its context on."""

    def __init__(self, inbound: _TracingWorkflowInbound, next: WorkflowOutboundInterceptor) -> None:
        super().__init__(next)
        self._inbound = inbound

    def _headers(self, name: str, headers: Mapping[str, Payload]) -> dict[str, Payload]:
        context = self._inbound.completed_span(name, self._inbound.context)
        with workflow.unsafe.sandbox_unrestricted():
            return _inject(headers, context or opentelemetry.context.Context())

    def start_activity(self, input: StartActivityInput) -> Any:
        input.headers = self._headers(f"StartActivity:{input.activity}", input.headers)
        return super().start_activity(input)

    def start_local_activity(self, input: StartLocalActivityInput) -> Any:
        input.headers = self._headers(f"StartActivity:{input.activity}", input.headers)
        return super().start_local_activity(input)

    async def start_child_workflow(self, input: StartChildWorkflowInput) -> Any:
        input.headers = self._headers(f"StartChildWorkflow:{input.workflow}", input.headers)
        return await super().start_child_workflow(input)

    async def signal_child_workflow(self, input: SignalChildWorkflowInput) -> None:
        input.headers = self._headers(f"SignalChildWorkflow:{input.signal}", input.headers)
        await super().signal_child_workflow(input)

    async def signal_external_workflow(self, input: SignalExternalWorkflowInput) -> None:
        input.headers = self._headers(f"SignalExternalWorkflow:{input.signal}", input.headers)
        await super().signal_external_workflow(input)

    def continue_as_new(self, input: ContinueAsNewInput) -> NoReturn:
        with workflow.unsafe.sandbox_unrestricted():
            input.headers = _inject(input.headers, self._inbound.context or Context())
        super().continue_as_new(input)
