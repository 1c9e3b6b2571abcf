"""Run-level settings changed by jobs or hooks: reset reseeding and ``@workflow.dynamic_config``."""

from __future__ import annotations

import random
from collections.abc import Sequence

import pytest
from runtime_helpers import Harness, commands, decode

from temporal_sdk import workflow
from temporal_sdk._core.activation import (
    CompleteWorkflow,
    FailWorkflow,
    SignalWorkflow,
    UpdateRandomSeed,
)
from temporal_sdk.common import RawValue


@workflow.defn
class Draws:
    def __init__(self) -> None:
        self.go = False

    @workflow.run
    async def run(self) -> list[float | int]:
        named = workflow.new_random("n")
        seen: list[int] = []
        workflow.register_random_seed_callback(seen.append)
        await workflow.wait_condition(lambda: self.go)
        return [workflow.random().random(), named.random(), workflow.random_seed(), *seen]

    @workflow.signal
    def proceed(self) -> None:
        self.go = True


def test_update_random_seed_reseeds_every_generator() -> None:
    h = Harness(Draws, seed=7)
    assert commands(h.start()) == ()
    (done,) = commands(h.activate(UpdateRandomSeed(99), SignalWorkflow("proceed", ())))
    assert isinstance(done, CompleteWorkflow)
    first, named, seed, seen = decode(done.result)
    assert first == random.Random(99).random()
    assert named == random.Random("99:n").random()
    assert (seed, seen) == (99, 99)


@workflow.defn(dynamic=True)
class DynamicStrict:
    @workflow.dynamic_config
    def config(self) -> workflow.DynamicWorkflowConfig:
        return workflow.DynamicWorkflowConfig(failure_exception_types=[ValueError])

    @workflow.run
    async def run(self, args: Sequence[RawValue]) -> None:
        raise ValueError("bad input")


@workflow.defn(dynamic=True)
class DynamicLenient:
    @workflow.run
    async def run(self, args: Sequence[RawValue]) -> None:
        raise ValueError("bad input")


def test_dynamic_config_failure_types_fail_the_workflow_not_the_task() -> None:
    (failed,) = commands(Harness(DynamicStrict).start())
    assert isinstance(failed, FailWorkflow)
    assert failed.failure.message == "bad input"
    lenient = Harness(DynamicLenient).start()
    assert lenient.failure is not None and "bad input" in lenient.failure.failure.message


def test_dynamic_config_must_be_synchronous() -> None:
    with pytest.raises(ValueError, match="synchronous"):

        @workflow.dynamic_config
        async def config(self: object) -> None: ...
