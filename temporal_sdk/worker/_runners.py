"""Workflow runner tokens: ``WorkflowRunner``, ``UnsandboxedWorkflowRunner``, sandbox settings.

Rule: this SDK has exactly one way to run workflows (the deterministic loop in ``_runtime``,
watched by the determinism guard), so these classes carry no behaviour. They exist so code
written for temporalio that passes ``workflow_runner=...`` / ``unsandboxed_workflow_runner=...``
to ``Worker`` or ``Replayer`` keeps importing and running; the worker accepts and ignores them.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, ClassVar


class WorkflowRunner:
    """Base class of the runner objects ``Worker(workflow_runner=...)`` accepts.

    Every runner behaves the same here: workflows run on the SDK's deterministic event loop.
    """


@dataclass(frozen=True)
class UnsandboxedWorkflowRunner(WorkflowRunner):
    """Runner token meaning "no import sandbox" (which is how every workflow runs here)."""


@dataclass(frozen=True)
class SandboxMatcher:
    """Module/member matcher in temporalio's sandbox settings; recorded, never enforced here.

    Provided so code that edits the default restrictions (``dataclasses.replace`` on
    ``SandboxRestrictions.invalid_module_members_default``, deleting a child, ...) still runs.
    """

    access: frozenset[str] = frozenset()
    use: frozenset[str] = frozenset()
    children: Mapping[str, SandboxMatcher] = field(default_factory=dict)
    match_self: bool = False
    only_runtime: bool = False
    leaf_message: str | None = None

    all: ClassVar[SandboxMatcher]
    none: ClassVar[SandboxMatcher]

    @classmethod
    def nested_child(cls, path: Sequence[str], child: SandboxMatcher) -> SandboxMatcher:
        """Wrap ``child`` in one parent matcher per element of ``path`` (outermost first)."""
        matcher = child
        for key in reversed(path):
            matcher = cls(children={key: matcher})
        return matcher


SandboxMatcher.all = SandboxMatcher(access=frozenset({"*"}))
SandboxMatcher.none = SandboxMatcher()


def _members(module_members: Mapping[str, Sequence[str]]) -> SandboxMatcher:
    return SandboxMatcher(
        children={
            mod: SandboxMatcher(use=frozenset(names)) for mod, names in module_members.items()
        }
    )


@dataclass(frozen=True)
class SandboxRestrictions:
    """Sandbox settings accepted for source compatibility; this SDK does not sandbox imports.

    ``passthrough_modules`` and ``passthrough_all_modules`` are recorded but have no effect:
    workflow code always shares the worker's modules. Determinism is checked by the guard
    described in docs/determinism.md instead.
    """

    passthrough_modules: frozenset[str] = frozenset()
    invalid_modules: Any = None
    invalid_module_members: Any = None
    passthrough_all_modules: bool = False
    disable_lazy_sys_module_passthrough: bool = False

    default: ClassVar[SandboxRestrictions]
    invalid_module_members_default: ClassVar[SandboxMatcher]
    """The calls this SDK's determinism guard refuses, shaped like temporalio's default matcher
    (``datetime`` is listed for shape only: the guard cannot patch C types)."""

    def with_passthrough_modules(self, *modules: str) -> SandboxRestrictions:
        """Return a copy with ``modules`` added to the (recorded) passthrough set."""
        merged = self.passthrough_modules | frozenset(modules)
        return dataclasses.replace(self, passthrough_modules=merged)

    def with_passthrough_all_modules(self) -> SandboxRestrictions:
        """Return a copy marked as passing every module through."""
        return dataclasses.replace(self, passthrough_all_modules=True)


SandboxRestrictions.invalid_module_members_default = _members(
    {
        "datetime": ["date.today", "datetime.now", "datetime.today", "datetime.utcnow"],
        "os": ["urandom", "getenv", "listdir", "remove", "system"],
        "random": ["random", "randint", "choice", "shuffle", "uniform"],
        "time": ["time", "time_ns", "monotonic", "perf_counter", "sleep"],
        "uuid": ["uuid1", "uuid4"],
    }
)
SandboxRestrictions.default = SandboxRestrictions(
    invalid_module_members=SandboxRestrictions.invalid_module_members_default
)


@dataclass(frozen=True)
class SandboxedWorkflowRunner(WorkflowRunner):
    """Runner token for temporalio's import sandbox; accepted and treated like any runner."""

    restrictions: SandboxRestrictions = field(default_factory=lambda: SandboxRestrictions.default)
    runner_class: type[WorkflowRunner] = UnsandboxedWorkflowRunner
