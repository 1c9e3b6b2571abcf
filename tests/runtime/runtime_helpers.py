"""Builders for runtime tests: activations in, commands out."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from temporal_sdk._core.activation import (
    Activation,
    Command,
    Completion,
    InitializeWorkflow,
    Job,
)
from temporal_sdk._runtime.definitions import WorkflowDefinition
from temporal_sdk._runtime.instance import WorkflowInstance
from temporal_sdk.api.common.v1 import Payload
from temporal_sdk.api.history.v1 import WorkflowExecutionStartedEventAttributes
from temporal_sdk.api.taskqueue.v1 import TaskQueue
from temporal_sdk.converter import DataConverter

CONVERTER = DataConverter.default
PC = CONVERTER.payload_converter
FC = CONVERTER.failure_converter
T0 = 1_700_000_000.0


def payload(value: Any) -> Payload:
    return PC.to_payloads([value])[0]


def decode(p: Payload | None, hint: Any = None) -> Any:
    assert p is not None
    return PC.from_payloads([p], [hint] if hint else None)[0]


class Harness:
    """One workflow run driven activation by activation."""

    def __init__(
        self,
        cls: type,
        *args: Any,
        seed: int = 7,
        failure_exception_types: Sequence[type[BaseException]] = (),
        task_queue: str = "tq",
    ) -> None:
        self.defn = WorkflowDefinition.must_from_class(cls)
        self.instance = WorkflowInstance(
            self.defn,
            namespace="default",
            task_queue=task_queue,
            payload_converter=PC,
            failure_converter=FC,
            failure_exception_types=failure_exception_types,
        )
        self.now = T0
        self.history_length = 3
        self.init = InitializeWorkflow(
            workflow_id="wf-1",
            run_id="run-1",
            workflow_type=self.defn.name or "Dynamic",
            arguments=tuple(payload(a) for a in args),
            headers={},
            randomness_seed=seed,
            start=WorkflowExecutionStartedEventAttributes(
                task_queue=TaskQueue(name=task_queue), attempt=1
            ),
        )

    def start(self, *extra: Job, replaying: bool = False) -> Completion:
        return self.activate(self.init, *extra, replaying=replaying)

    def activate(self, *jobs: Job, advance: float = 0.0, replaying: bool = False) -> Completion:
        self.now += advance
        self.history_length += 3
        return self.instance.activate(
            Activation(
                run_id="run-1",
                timestamp=self.now,
                is_replaying=replaying,
                history_length=self.history_length,
                jobs=tuple(jobs),
            )
        )


def commands(completion: Completion) -> tuple[Command, ...]:
    assert completion.failure is None, completion.failure
    return completion.commands
