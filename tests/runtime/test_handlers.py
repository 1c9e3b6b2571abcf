"""Signals and queries in the runtime: buffering, run-time handlers, read-only, built-ins."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pytest
from runtime_helpers import Harness, commands, decode, payload

from temporal_sdk import workflow
from temporal_sdk._core.activation import (
    AcceptUpdate,
    CompleteUpdate,
    CompleteWorkflow,
    DoUpdate,
    RejectUpdate,
    SignalWorkflow,
    StartTimer,
)
from temporal_sdk.api.sdk.v1 import EnhancedStackTrace, WorkflowMetadata
from temporal_sdk.common import RawValue
from temporal_sdk.exceptions import ApplicationError


@workflow.defn
class Counter:
    def __init__(self) -> None:
        self.values: list[str] = []
        self.late: list[str] = []
        self.done = False

    @workflow.run
    async def run(self) -> list[str]:
        await workflow.wait_condition(lambda: self.done)
        return self.values + self.late

    @workflow.signal(description="add a value")
    def add(self, value: str) -> None:
        self.values.append(value)

    @workflow.signal
    async def register_late(self) -> None:
        workflow.set_signal_handler("late", self.late.append)

    @workflow.signal
    def finish(self) -> None:
        self.done = True

    @workflow.query(description="the values so far")
    def current(self) -> list[str]:
        return self.values

    @workflow.query
    def greet(self, name: str) -> str:
        return f"hello {name} ({len(self.values)})"

    @workflow.query
    def sneaky(self) -> None:
        workflow.start_activity("act", start_to_close_timeout=10)  # type: ignore[call-overload]

    @workflow.query
    def sneaky_handler(self) -> None:
        workflow.set_signal_handler("x", lambda: None)

    @workflow.query
    def broken(self) -> None:
        raise ValueError("query blew up")


def test_signals_before_start_are_delivered_before_run_proceeds() -> None:
    h = Harness(Counter)
    assert commands(h.start(SignalWorkflow("add", (payload("a"),)))) == ()
    (done,) = commands(
        h.activate(SignalWorkflow("add", (payload("b"),)), SignalWorkflow("finish", ()))
    )
    assert isinstance(done, CompleteWorkflow)
    assert decode(done.result) == ["a", "b"]


def test_signal_without_handler_is_buffered_until_registered() -> None:
    h = Harness(Counter)
    commands(h.start(SignalWorkflow("late", (payload("x"),))))
    commands(h.activate(SignalWorkflow("late", (payload("y"),))))
    assert h.instance.handlers().buffered
    commands(h.activate(SignalWorkflow("register_late", ())))
    assert not h.instance.handlers().buffered
    (done,) = commands(h.activate(SignalWorkflow("finish", ())))
    assert decode(done.result) == ["x", "y"]  # type: ignore[union-attr]


def test_query_sees_state_and_decodes_args() -> None:
    h = Harness(Counter)
    commands(h.start(SignalWorkflow("add", (payload("a"),))))
    answer = h.instance.query("current", [])
    assert answer.failure is None and decode(answer.answer) == ["a"]
    answer = h.instance.query("greet", [payload("bob")])
    assert decode(answer.answer) == "hello bob (1)"


def test_query_failures_are_reported_not_raised() -> None:
    h = Harness(Counter)
    commands(h.start())
    broken = h.instance.query("broken", [])
    assert broken.failure is not None and broken.failure.message == "query blew up"
    unknown = h.instance.query("nope", [])
    assert unknown.failure is not None
    assert "nope" in unknown.failure.message and "current" in unknown.failure.message


def test_query_is_read_only() -> None:
    h = Harness(Counter)
    commands(h.start())
    for name in ("sneaky", "sneaky_handler"):
        answer = h.instance.query(name, [])
        assert answer.failure is not None
        assert "query handler must not change the workflow" in answer.failure.message
    # The workflow is untouched: no stray command, and it still completes normally.
    (done,) = commands(h.activate(SignalWorkflow("finish", ())))
    assert isinstance(done, CompleteWorkflow)
    assert "x" not in h.instance.handlers().signals


@workflow.defn
class Sleeper:
    @workflow.run
    async def run(self) -> None:
        await self.nap()

    async def nap(self) -> None:
        await workflow.sleep(60)  # the line __stack_trace must name

    @workflow.update(description="do it")
    async def do_it(self) -> None: ...


def test_stack_trace_names_the_waiting_line() -> None:
    h = Harness(Sleeper)
    (timer,) = commands(h.start())
    assert isinstance(timer, StartTimer)
    trace = decode(h.instance.query("__stack_trace", []).answer)
    assert "test_handlers.py" in trace and "in nap" in trace
    assert "await workflow.sleep(60)" in trace
    enhanced = decode(h.instance.query("__enhanced_stack_trace", []).answer, EnhancedStackTrace)
    functions = [loc.function_name for s in enhanced.stacks for loc in s.locations]
    assert "nap" in functions
    assert any("await workflow.sleep(60)" in src.content for src in enhanced.sources.values())


def test_workflow_metadata_lists_handlers_with_descriptions() -> None:
    h = Harness(Counter)
    commands(h.start())
    meta = decode(h.instance.query("__temporal_workflow_metadata", []).answer, WorkflowMetadata)
    assert meta.definition.type == "Counter"
    signals = {d.name: d.description for d in meta.definition.signal_definitions}
    assert signals["add"] == "add a value" and "finish" in signals
    queries = {d.name: d.description for d in meta.definition.query_definitions}
    assert queries["current"] == "the values so far" and "__stack_trace" in queries
    assert not meta.definition.update_definitions


@workflow.defn
class Dynamic:
    def __init__(self) -> None:
        self.seen: list[tuple[str, Any]] = []

    @workflow.run
    async def run(self) -> list[Any]:
        workflow.set_dynamic_signal_handler(self.on_any)
        workflow.set_dynamic_query_handler(lambda name, args: f"dyn {name}")
        await workflow.wait_condition(lambda: len(self.seen) >= 2)
        assert workflow.all_handlers_finished()
        return [list(s) for s in self.seen]

    def on_any(self, name: str, args: Sequence[RawValue]) -> None:
        value = workflow.payload_converter().from_payload(args[0].payload, str)
        self.seen.append((name, value))


def test_dynamic_handlers_set_at_run_time_receive_buffered_signals() -> None:
    h = Harness(Dynamic)
    (done,) = commands(
        h.start(SignalWorkflow("one", (payload("1"),)), SignalWorkflow("two", (payload("2"),)))
    )
    assert decode(done.result) == [["one", "1"], ["two", "2"]]  # type: ignore[union-attr]
    assert decode(h.instance.query("whatever", []).answer) == "dyn whatever"


@workflow.defn
class Updatable:
    def __init__(self) -> None:
        self.value = 0
        self.done = False

    @workflow.run
    async def run(self) -> int:
        await workflow.wait_condition(lambda: self.done)
        return self.value

    @workflow.update
    def set_value(self, value: int) -> int:
        self.value = value
        return value

    @set_value.validator
    def check(self, value: int) -> None:
        if value < 0:
            raise ValueError("negative")

    @workflow.update
    async def broken(self) -> None:
        raise ApplicationError("nope", type="Broken")

    @workflow.update
    async def slow(self) -> None:
        await workflow.sleep(100)

    @workflow.signal
    async def slow_signal(self) -> None:
        await workflow.sleep(100)

    @workflow.signal
    def finish(self) -> None:
        self.done = True


def test_update_accepted_then_completed() -> None:
    h = Harness(Updatable)
    accept, complete = commands(h.start(DoUpdate("u1", "set_value", (payload(7),))))
    assert accept == AcceptUpdate("u1")
    assert isinstance(complete, CompleteUpdate) and decode(complete.result) == 7
    assert complete.failure is None


def test_validator_rejection_issues_only_a_rejection() -> None:
    h = Harness(Updatable)
    (reject,) = commands(h.start(DoUpdate("u1", "set_value", (payload(-1),))))
    assert isinstance(reject, RejectUpdate) and reject.failure.message == "negative"
    (unknown,) = commands(h.activate(DoUpdate("u2", "nope", ())))
    assert isinstance(unknown, RejectUpdate) and "set_value" in unknown.failure.message


def test_replayed_update_skips_the_validator() -> None:
    h = Harness(Updatable)
    cmds = commands(h.start(DoUpdate("u1", "set_value", (payload(-1),), run_validator=False)))
    assert [type(c) for c in cmds] == [AcceptUpdate, CompleteUpdate]


def test_application_error_fails_the_update_not_the_workflow() -> None:
    h = Harness(Updatable)
    accept, complete = commands(h.start(DoUpdate("u1", "broken", ())))
    assert isinstance(accept, AcceptUpdate)
    assert isinstance(complete, CompleteUpdate) and complete.failure is not None
    assert complete.failure.application_failure_info.type == "Broken"
    (done,) = commands(h.activate(SignalWorkflow("finish", ())))
    assert isinstance(done, CompleteWorkflow)


def test_unfinished_handlers_warn_when_the_workflow_completes() -> None:
    h = Harness(Updatable)
    commands(h.start(DoUpdate("u1", "slow", ()), SignalWorkflow("slow_signal", ())))
    with (
        pytest.warns(workflow.UnfinishedUpdateHandlersWarning, match="slow"),
        pytest.warns(workflow.UnfinishedSignalHandlersWarning, match="slow_signal"),
    ):
        cmds = commands(h.activate(SignalWorkflow("finish", ())))
    assert isinstance(cmds[-1], CompleteWorkflow)


def test_worker_answers_the_queries_map_and_the_legacy_query() -> None:
    from temporal_sdk._io import queries as io_queries
    from temporal_sdk.api.enums.v1 import QueryResultType
    from temporal_sdk.api.query.v1 import WorkflowQuery
    from temporal_sdk.api.workflowservice.v1 import PollWorkflowTaskQueueResponse

    h = Harness(Counter)
    commands(h.start(SignalWorkflow("add", (payload("a"),))))
    task = PollWorkflowTaskQueueResponse(
        queries={
            "q1": WorkflowQuery(query_type="current"),
            "q2": WorkflowQuery(query_type="broken"),
        },
        query=WorkflowQuery(query_type="greet"),
    )
    task.query.query_args.payloads.append(payload("zed"))
    results = io_queries.answer_queries(h.instance, task)
    assert results["q1"].result_type == QueryResultType.QUERY_RESULT_TYPE_ANSWERED
    assert decode(results["q1"].answer.payloads[0]) == ["a"]
    assert results["q2"].result_type == QueryResultType.QUERY_RESULT_TYPE_FAILED
    assert results["q2"].error_message == "query blew up"
    assert decode(results[""].answer.payloads[0]) == "hello zed (1)"


@workflow.defn
class RuntimeUpdates:
    @workflow.run
    async def run(self) -> None:
        def check(value: int) -> None:
            if value > 10:
                raise ValueError("too big")

        workflow.set_update_handler("double", lambda value: value * 2, validator=check)
        workflow.set_dynamic_update_handler(lambda name, args: f"dynamic {name} {len(args)}")
        await workflow.wait_condition(lambda: False)


def test_update_handlers_set_at_run_time() -> None:
    h = Harness(RuntimeUpdates)
    assert commands(h.start()) == ()
    accept, complete = commands(h.activate(DoUpdate("u1", "double", (payload(4),))))
    assert isinstance(accept, AcceptUpdate) and decode(complete.result) == 8  # type: ignore[union-attr]
    (reject,) = commands(h.activate(DoUpdate("u2", "double", (payload(11),))))
    assert isinstance(reject, RejectUpdate) and reject.failure.message == "too big"
    _, dynamic = commands(h.activate(DoUpdate("u3", "other", (payload(1), payload(2)))))
    assert decode(dynamic.result) == "dynamic other 2"  # type: ignore[union-attr]
