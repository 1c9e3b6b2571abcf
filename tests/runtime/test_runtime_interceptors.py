"""Worker interceptors in the runtime: chain order, inbound inputs, outbound headers on commands."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any, NoReturn

from runtime_helpers import FC, PC, Harness, commands, decode, payload

from temporal_sdk import workflow
from temporal_sdk._core.activation import (
    AcceptUpdate,
    CompleteUpdate,
    CompleteWorkflow,
    ContinueAsNewWorkflow,
    DoUpdate,
    ResolveActivity,
    ResolveChildWorkflowStart,
    ScheduleActivity,
    ScheduleLocalActivity,
    SignalExternalWorkflow,
    SignalWorkflow,
    StartChildWorkflow,
)
from temporal_sdk._runtime.instance import WorkflowInstance
from temporal_sdk._runtime.intercept import interceptor_classes
from temporal_sdk.worker import (
    ContinueAsNewInput,
    ExecuteWorkflowInput,
    HandleQueryInput,
    HandleSignalInput,
    HandleUpdateInput,
    Interceptor,
    SignalChildWorkflowInput,
    SignalExternalWorkflowInput,
    StartActivityInput,
    StartChildWorkflowInput,
    StartLocalActivityInput,
    WorkflowInboundInterceptor,
    WorkflowInterceptorClassInput,
    WorkflowOutboundInterceptor,
)

EVENTS: list[str] = []


def _tagged(name: str) -> type[WorkflowInboundInterceptor]:
    """An inbound class that logs every call as ``name:call`` and stamps outbound headers."""

    class Outbound(WorkflowOutboundInterceptor):
        def info(self) -> workflow.Info:
            EVENTS.append(f"{name}:info")
            return super().info()

        def start_activity(self, input: StartActivityInput) -> workflow.ActivityHandle[Any]:
            EVENTS.append(f"{name}:start_activity")
            input.headers = {**input.headers, name: payload(name)}
            return super().start_activity(input)

        def start_local_activity(
            self, input: StartLocalActivityInput
        ) -> workflow.ActivityHandle[Any]:
            input.headers = {**input.headers, name: payload(name)}
            return super().start_local_activity(input)

        async def start_child_workflow(
            self, input: StartChildWorkflowInput
        ) -> workflow.ChildWorkflowHandle[Any, Any]:
            input.headers = {**input.headers, name: payload(name)}
            return await super().start_child_workflow(input)

        async def signal_external_workflow(self, input: SignalExternalWorkflowInput) -> None:
            EVENTS.append(f"{name}:signal_external:{input.workflow_id}")
            input.headers = {**input.headers, name: payload(name)}
            await super().signal_external_workflow(input)

        async def signal_child_workflow(self, input: SignalChildWorkflowInput) -> None:
            EVENTS.append(f"{name}:signal_child:{input.child_workflow_id}")
            await super().signal_child_workflow(input)

        def continue_as_new(self, input: ContinueAsNewInput) -> NoReturn:
            input.headers = {**input.headers, name: payload(name)}
            super().continue_as_new(input)

    class Inbound(WorkflowInboundInterceptor):
        def init(self, outbound: WorkflowOutboundInterceptor) -> None:
            super().init(Outbound(outbound))

        async def execute_workflow(self, input: ExecuteWorkflowInput) -> Any:
            EVENTS.append(f"{name}:execute:{sorted(input.headers)}:{list(input.args)}")
            return await super().execute_workflow(input)

        async def handle_signal(self, input: HandleSignalInput) -> None:
            EVENTS.append(f"{name}:signal:{input.signal}:{sorted(input.headers)}")
            await super().handle_signal(input)

        async def handle_query(self, input: HandleQueryInput) -> Any:
            EVENTS.append(f"{name}:query:{input.id}:{input.query}:{sorted(input.headers)}")
            return await super().handle_query(input)

        def handle_update_validator(self, input: HandleUpdateInput) -> None:
            EVENTS.append(f"{name}:validate:{input.id}:{sorted(input.headers)}")
            super().handle_update_validator(input)

        async def handle_update_handler(self, input: HandleUpdateInput) -> Any:
            EVENTS.append(f"{name}:update:{input.update}:{list(input.args)}")
            return await super().handle_update_handler(input)

    return Inbound


@workflow.defn
class Intercepted:
    def __init__(self) -> None:
        self.seen: list[str] = []
        self.done = False

    @workflow.run
    async def run(self, mode: str) -> list[str]:
        workflow.info()
        if mode == "activity":
            await workflow.execute_activity("act", start_to_close_timeout=timedelta(seconds=5))
        elif mode == "local":
            workflow.start_local_activity("act", start_to_close_timeout=timedelta(seconds=5))
        elif mode == "child":
            child = await workflow.start_child_workflow("Child", id="kid")
            await child.signal("poke")
        elif mode == "external":
            await workflow.get_external_workflow_handle("other").signal("poke")
        elif mode == "continue":
            workflow.continue_as_new("again")
        await workflow.wait_condition(lambda: self.done)
        return self.seen

    @workflow.signal
    def add(self, value: str) -> None:
        self.seen.append(value)

    @workflow.signal
    def finish(self) -> None:
        self.done = True

    @workflow.query
    def count(self) -> int:
        return len(self.seen)

    @workflow.update
    def bump(self, value: str) -> str:
        self.seen.append(value)
        return value.upper()

    @bump.validator
    def check_bump(self, value: str) -> None:
        if not value:
            raise ValueError("empty")


def _harness(*classes: type[WorkflowInboundInterceptor], mode: str = "plain") -> Harness:
    EVENTS.clear()
    h = Harness(Intercepted, mode)
    h.instance = WorkflowInstance(
        h.defn,
        namespace="default",
        task_queue="tq",
        payload_converter=PC,
        failure_converter=FC,
        interceptor_classes=classes,
    )
    return h


def test_inbound_chain_order_and_outbound_wrapping_order() -> None:
    h = _harness(_tagged("a"), _tagged("b"))
    h.init = type(h.init)(**{**_fields(h.init), "headers": {"h1": payload("v")}})
    assert commands(h.start()) == ()
    # First class outermost inbound; the outbound wrapped last (by "b") runs first.
    assert EVENTS == [
        "a:execute:['h1']:['plain']",
        "b:execute:['h1']:['plain']",
        "b:info",
        "a:info",
    ]


def test_signal_query_update_go_through_the_inbound_chain_with_headers() -> None:
    h = _harness(_tagged("a"))
    commands(h.start())
    EVENTS.clear()
    commands(h.activate(SignalWorkflow("add", (payload("x"),), headers={"sh": payload(1)})))
    assert EVENTS == ["a:signal:add:['sh']"]
    answer = h.instance.query("count", [], headers={"qh": payload(1)}, query_id="q1")
    assert decode(answer.answer) == 1
    assert EVENTS[-1] == "a:query:q1:count:['qh']"
    EVENTS.clear()
    accept, complete = commands(
        h.activate(DoUpdate("u1", "bump", (payload("y"),), headers={"uh": payload(1)}))
    )
    assert isinstance(accept, AcceptUpdate) and isinstance(complete, CompleteUpdate)
    assert decode(complete.result) == "Y"
    assert EVENTS == ["a:validate:u1:['uh']", "a:update:bump:['y']"]
    (done,) = commands(h.activate(SignalWorkflow("finish", ())))
    assert isinstance(done, CompleteWorkflow)
    assert decode(done.result) == ["x", "y"]


def test_activity_headers_reach_the_schedule_command() -> None:
    h = _harness(_tagged("a"), _tagged("b"), mode="activity")
    (cmd,) = commands(h.start())
    assert isinstance(cmd, ScheduleActivity)
    assert sorted(cmd.attributes.header.fields) == ["a", "b"]
    assert EVENTS[-2:] == ["b:start_activity", "a:start_activity"]
    assert commands(h.activate(ResolveActivity(1, result=payload(None)))) == ()


def test_local_activity_child_signal_and_continue_as_new_carry_headers() -> None:
    (local,) = commands(_harness(_tagged("a"), mode="local").start())
    assert isinstance(local, ScheduleLocalActivity) and sorted(local.headers) == ["a"]

    h = _harness(_tagged("a"), mode="child")
    (child,) = commands(h.start())
    assert isinstance(child, StartChildWorkflow)
    assert sorted(child.attributes.header.fields) == ["a"]
    (signal,) = commands(h.activate(ResolveChildWorkflowStart(1, run_id="r")))
    assert isinstance(signal, SignalExternalWorkflow)
    assert signal.attributes.child_workflow_only
    assert "a:signal_child:kid" in EVENTS

    h = _harness(_tagged("a"), mode="external")
    (signal,) = commands(h.start())
    assert isinstance(signal, SignalExternalWorkflow)
    assert sorted(signal.attributes.header.fields) == ["a"]
    assert "a:signal_external:other" in EVENTS

    (cont,) = commands(_harness(_tagged("a"), mode="continue").start())
    assert isinstance(cont, ContinueAsNewWorkflow)
    assert sorted(cont.attributes.header.fields) == ["a"]


def test_no_interceptors_means_no_chain() -> None:
    h = Harness(Intercepted, "activity")
    (cmd,) = commands(h.start())
    assert isinstance(cmd, ScheduleActivity) and not cmd.attributes.header.fields
    assert h.instance._intercept is None


def test_interceptor_classes_are_collected_in_order_with_extern_functions() -> None:
    a, b = _tagged("a"), _tagged("b")

    class Adds(Interceptor):
        def __init__(self, cls: type[WorkflowInboundInterceptor] | None) -> None:
            self.cls = cls

        def workflow_interceptor_class(
            self, input: WorkflowInterceptorClassInput
        ) -> type[WorkflowInboundInterceptor] | None:
            input.unsafe_extern_functions["f"] = len
            return self.cls

    extern: dict[str, Callable[..., Any]] = {}
    found = interceptor_classes([Adds(a), Adds(None), object(), Adds(b)], extern)
    assert found == [a, b]
    assert extern == {"f": len}


def _fields(obj: Any) -> dict[str, Any]:
    return {name: getattr(obj, name) for name in obj.__slots__}
