"""Workflow decorators: what they record and the mistakes they reject at decoration time."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pytest

from temporal_sdk import workflow
from temporal_sdk._runtime.definitions import (
    WorkflowDefinition,
    query_name_for,
    signal_name_for,
    update_name_for,
    workflow_name_for,
    workflow_result_type_for,
)
from temporal_sdk.common import RawValue


@workflow.defn
class Plain:
    @workflow.run
    async def run(self, a: int, b: str) -> list[str]:
        return [b] * a

    @workflow.signal
    def poke(self, n: int) -> None:
        pass

    @workflow.signal(name="renamed")
    async def other(self) -> None:
        pass

    @workflow.query
    def state(self) -> int:
        return 0

    @workflow.update(name="set-value")
    async def set_value(self, value: int) -> int:
        return value

    @set_value.validator
    def check_value(self, value: int) -> None:
        pass


def test_definition_records_run_and_handlers() -> None:
    defn = WorkflowDefinition.must_from_class(Plain)
    assert defn.name == "Plain"
    assert defn.cls is Plain
    assert defn.run_fn is Plain.run
    assert defn.arg_types == [int, str]
    assert defn.ret_type == list[str]
    assert set(defn.signals) == {"poke", "renamed"}
    assert defn.signals["poke"].arg_types == [int]
    assert defn.signals["renamed"].is_async
    assert set(defn.queries) == {"state"}
    assert defn.updates["set-value"].validator is Plain.check_value
    assert workflow_name_for(Plain) == "Plain"
    assert workflow_name_for(Plain.run) == "Plain"
    assert workflow_name_for("X") == "X"
    assert workflow_result_type_for(Plain.run) == list[str]
    assert workflow_result_type_for("X") is None
    assert signal_name_for(Plain.other) == "renamed"
    assert signal_name_for("s") == "s"
    assert query_name_for(Plain.state) == "state"
    assert update_name_for(Plain.set_value) == "set-value"
    with pytest.raises(ValueError, match=r"not decorated with @workflow.signal"):
        signal_name_for(Plain.state)


@workflow.defn(name="custom-name", sandboxed=False)
class Named:
    @workflow.run
    async def run(self) -> None:
        pass


@workflow.defn(dynamic=True)
class Dynamic:
    @workflow.run
    async def run(self, args: Sequence[RawValue]) -> Any:
        return len(args)


def test_names_and_dynamic() -> None:
    assert WorkflowDefinition.must_from_class(Named).name == "custom-name"
    assert WorkflowDefinition.must_from_class(Dynamic).name is None
    with pytest.raises(ValueError, match="dynamic workflow"):
        workflow_name_for(Dynamic)


def test_missing_run_method() -> None:
    with pytest.raises(ValueError, match=r"missing @workflow.run"):

        @workflow.defn
        class NoRun:
            async def run(self) -> None:
                pass


def test_two_run_methods() -> None:
    with pytest.raises(ValueError, match=r"more than one @workflow.run method \(a, b\)"):

        @workflow.defn
        class TwoRuns:
            @workflow.run
            async def a(self) -> None:
                pass

            @workflow.run
            async def b(self) -> None:
                pass


def test_run_must_be_async() -> None:
    with pytest.raises(ValueError, match="must be an async def"):

        class SyncRun:
            @workflow.run  # type: ignore[type-var,unused-ignore]
            def run(self) -> None:
                pass


def test_run_must_be_defined_on_the_class() -> None:
    class Base:
        @workflow.run
        async def run(self) -> None:
            pass

    with pytest.raises(ValueError, match="defined on base class Base"):

        @workflow.defn
        class Child(Base):
            pass

    @workflow.defn
    class GoodChild(Base):
        @workflow.run
        async def run(self) -> None:
            pass

    assert WorkflowDefinition.must_from_class(GoodChild).run_fn is GoodChild.run


def test_dynamic_with_name() -> None:
    with pytest.raises(ValueError, match="dynamic cannot also have a name"):

        @workflow.defn(name="x", dynamic=True)
        class Both:
            @workflow.run
            async def run(self, args: Sequence[RawValue]) -> None:
                pass


def test_undecorated_class_and_double_decoration() -> None:
    class Bare:
        pass

    with pytest.raises(ValueError, match=r"missing the @workflow.defn decorator"):
        WorkflowDefinition.must_from_class(Bare)
    with pytest.raises(ValueError, match="decorated twice"):
        workflow.defn(Plain)


def test_subclass_of_a_workflow_is_not_registered_by_inheritance() -> None:
    class Sub(Plain):
        pass

    assert WorkflowDefinition.from_class(Sub) is None


def test_duplicate_signal_names() -> None:
    with pytest.raises(ValueError, match="more than one signal handler named s"):

        @workflow.defn
        class Dup:
            @workflow.run
            async def run(self) -> None:
                pass

            @workflow.signal(name="s")
            def a(self) -> None:
                pass

            @workflow.signal(name="s")
            def b(self) -> None:
                pass


def test_async_query_and_init_misuse() -> None:
    with pytest.raises(ValueError, match="must not be async"):

        class Q:
            @workflow.query
            async def q(self) -> int:
                return 1

    with pytest.raises(ValueError, match="only decorate __init__"):
        workflow.init(lambda self: None)
