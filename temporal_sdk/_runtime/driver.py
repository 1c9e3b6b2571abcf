"""Drive one run's history through the core and the runtime: the loop shared by worker and replayer.

Rule: no IO. Payloads arrive already decoded by the codec; commands leave still unencoded.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

from temporal_sdk._core.determinism import NondeterminismError

if TYPE_CHECKING:
    from temporal_sdk._core.activation import WorkflowTaskFailure
    from temporal_sdk._core.workflow_machines import WorkflowMachines
    from temporal_sdk._runtime.instance import WorkflowInstance


class ActivationHooks(Protocol):
    """Told when each activation starts and ends (the worker's deadlock watch)."""

    def begin(self) -> None:
        """An activation is about to run workflow code."""

    def end(self) -> None:
        """The activation returned."""


def run_activations(
    machines: WorkflowMachines,
    instance: WorkflowInstance,
    hooks: ActivationHooks | None = None,
) -> WorkflowTaskFailure | None:
    """Feed every complete workflow-task batch to the instance, in order.

    Returns the runtime's task failure if the workflow code asked to fail the task; raises the
    core's ``NondeterminismError`` when the code's commands diverge from history.
    """
    try:
        while (activation := machines.next_activation()) is not None:
            if hooks is None:
                completion = instance.activate(activation)
            else:
                hooks.begin()
                try:
                    completion = instance.activate(activation)
                finally:
                    hooks.end()
            if completion.failure is not None:
                return completion.failure
            machines.apply_completion(completion)
    except NondeterminismError as err:
        if err.workflow_id is not None:
            raise
        raise err.for_workflow(machines.workflow_id, machines.workflow_type) from None
    return None
