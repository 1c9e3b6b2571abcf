"""A reset reseeds the run's random generators: workflow.random(), new_random() and callbacks."""

from __future__ import annotations

import random

from runtime_helpers import Harness, commands, decode

from temporal_sdk import workflow
from temporal_sdk._core.activation import CompleteWorkflow, SignalWorkflow, UpdateRandomSeed


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
