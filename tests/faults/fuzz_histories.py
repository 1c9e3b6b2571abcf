"""Fuzzing helpers: seed histories, hypothesis strategies that mutate them, and a bounded driver.

The driver feeds a history to the core and the runtime exactly as the worker does (a fresh
``WorkflowMachines`` + ``WorkflowInstance`` + ``run_activations``) in a separate thread, so a hang
is reported after ``HANG_SECONDS`` instead of stalling the suite. The property: the only errors
that may escape are the core's documented ones (``HistoryError``, ``NondeterminismError``);
anything else is an SDK bug.

Budgets are hypothesis settings profiles, chosen with ``TEMPORAL_FUZZ_PROFILE``:
``temporal-fuzz-ci`` (default; small, derandomized, no example database) and
``temporal-fuzz-long`` (thousands of examples, random, failures remembered in ``.hypothesis/``).
``TEMPORAL_FUZZ_EXAMPLES=<n>`` overrides the example count of either.
"""

from __future__ import annotations

import concurrent.futures
import copy
import os
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from fault_history import HistoryBuilder, payload
from google.protobuf.descriptor import FieldDescriptor
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

from temporal_sdk import workflow
from temporal_sdk._core.determinism import NondeterminismError
from temporal_sdk._core.history import HistoryError
from temporal_sdk._core.workflow_machines import WorkflowMachines
from temporal_sdk._runtime.definitions import WorkflowDefinition
from temporal_sdk._runtime.driver import run_activations
from temporal_sdk._runtime.instance import WorkflowInstance
from temporal_sdk.api.enums.v1 import EventType
from temporal_sdk.api.history.v1 import HistoryEvent
from temporal_sdk.client import WorkflowHistory
from temporal_sdk.converter import DataConverter

_REPLAY_DIR = Path(__file__).resolve().parent.parent / "replay"
if str(_REPLAY_DIR) not in sys.path:
    sys.path.append(str(_REPLAY_DIR))

from children_workflows import XChild, XParent  # noqa: E402
from local_activity_workflows import XLocal  # noqa: E402
from run_ops_workflows import XCancel, XRunOps  # noqa: E402

HANG_SECONDS = 10.0
ALLOWED = (HistoryError, NondeterminismError)
"""The only exception types a bad history may raise out of the core."""

_CI = "temporal-fuzz-ci"
_LONG = "temporal-fuzz-long"
_HEALTH = [HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.filter_too_much]
settings.register_profile(
    _CI,
    max_examples=60,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=_HEALTH,
)
settings.register_profile(_LONG, max_examples=3000, deadline=None, suppress_health_check=_HEALTH)


def fuzz_settings(ci_examples: int) -> settings:
    """Settings for one fuzz test: the selected profile, with this test's CI example count."""
    name = os.environ.get("TEMPORAL_FUZZ_PROFILE", _CI)
    name = {"ci": _CI, "long": _LONG}.get(name, name)
    profile = settings.get_profile(name)
    examples = ci_examples if name == _CI else profile.max_examples
    examples = int(os.environ.get("TEMPORAL_FUZZ_EXAMPLES", examples))
    return settings(profile, max_examples=examples)


# ------------------------------------------------------------------------ seeds


@workflow.defn(name="FuzzKitchenSink")
class KitchenSink:
    """Waits for a signal or a timer, then runs an activity and returns what it saw."""

    def __init__(self) -> None:
        self.signals: list[str] = []

    @workflow.signal
    def poke(self, value: str) -> None:
        self.signals.append(value)

    @workflow.run
    async def run(self, name: str) -> str:
        await workflow.wait_condition(lambda: bool(self.signals), timeout=5)
        result = await workflow.execute_activity(
            "act", name, start_to_close_timeout=__import__("datetime").timedelta(seconds=5)
        )
        return f"{name} {self.signals} {result}"


WORKFLOWS: Sequence[type] = (KitchenSink, XParent, XChild, XLocal, XRunOps, XCancel)


def _kitchen_sink_history() -> list[HistoryEvent]:
    h = HistoryBuilder(run_id="run-sink")
    h.add_workflow_execution_started("FuzzKitchenSink", payload(b'"fuzz"'))
    h.add_full_workflow_task()
    timer = h.add_timer_started("1", 5.0)
    h.add_signaled("poke", payload(b'"hello"'))
    h.add_full_workflow_task()
    h.add_timer_canceled("1", timer)
    scheduled = h.add_activity_task_scheduled("1", "act")
    started = h.add_activity_task_started(scheduled)
    h.add_activity_task_completed(scheduled, started, payload(b'"done"'))
    h.add_workflow_task_to_start()
    return h.events


def seed_histories() -> list[list[HistoryEvent]]:
    """Histories that replay cleanly: recorded by a real worker, plus one built by hand."""
    seeds = [_kitchen_sink_history()]
    for path in sorted((_REPLAY_DIR / "data").glob("*.json")):
        seeds.append(list(WorkflowHistory.from_json("wf-fuzz", path.read_text()).events))
    return seeds


SEEDS = seed_histories()


# ------------------------------------------------------------------------ mutations


@dataclass(frozen=True)
class Mutation:
    """One edit of a history: ``kind`` at event ``at`` (modulo length) with ``value``."""

    kind: str
    at: int
    value: int


_KINDS = (
    "drop",
    "dup",
    "swap",
    "retype",
    "truncate",
    "scalar",
    "deep",
    "clear",
    "payload",
    "ignorable",
)
_MAX_TYPE = max(EventType.values())


def mutations() -> st.SearchStrategy[list[Mutation]]:
    """One to four edits."""
    one = st.builds(
        Mutation,
        kind=st.sampled_from(_KINDS),
        at=st.integers(0, 10_000),
        value=st.integers(-(2**40), 2**40),
    )
    return st.lists(one, min_size=1, max_size=4)


def apply_mutations(
    events: list[HistoryEvent], edits: Sequence[Mutation], renumber: bool
) -> list[HistoryEvent]:
    """A mutated deep copy of ``events`` (ids renumbered 1..n when ``renumber``)."""
    out = [copy.deepcopy(e) for e in events]
    for edit in edits:
        if not out:
            break
        _EDITS[edit.kind](out, edit.at % len(out), edit.value)
    if renumber:
        for index, event in enumerate(out):
            event.event_id = index + 1
    return out


def _drop(out: list[HistoryEvent], i: int, v: int) -> None:
    del out[i]


def _dup(out: list[HistoryEvent], i: int, v: int) -> None:
    out.insert(i, copy.deepcopy(out[i]))


def _swap(out: list[HistoryEvent], i: int, v: int) -> None:
    j = min(i + 1, len(out) - 1)
    out[i], out[j] = out[j], out[i]


def _retype(out: list[HistoryEvent], i: int, v: int) -> None:
    out[i].event_type = v % (_MAX_TYPE + 4)  # type: ignore[assignment]


def _truncate(out: list[HistoryEvent], i: int, v: int) -> None:
    del out[max(i, 1) :]


def _attrs(event: HistoryEvent) -> Any:
    which = event.WhichOneof("attributes")
    return getattr(event, which) if which else None


def _scalar(out: list[HistoryEvent], i: int, v: int) -> None:
    attrs = _attrs(out[i])
    if attrs is None:
        return
    fields = [
        f
        for f in attrs.DESCRIPTOR.fields
        if f.type != FieldDescriptor.TYPE_MESSAGE and not f.is_repeated
    ]
    if not fields:
        return
    field = fields[abs(v) % len(fields)]
    setattr(attrs, field.name, _scalar_value(field, v))


def _scalar_value(field: FieldDescriptor, v: int) -> Any:
    match field.type:
        case FieldDescriptor.TYPE_BOOL:
            return bool(v & 1)
        case FieldDescriptor.TYPE_STRING:
            return str(v)
        case FieldDescriptor.TYPE_BYTES:
            return str(v).encode()
        case FieldDescriptor.TYPE_ENUM:
            return abs(v) % 64
        case FieldDescriptor.TYPE_INT32 | FieldDescriptor.TYPE_SINT32:
            return max(-(2**31), min(2**31 - 1, v))
        case FieldDescriptor.TYPE_UINT32 | FieldDescriptor.TYPE_FIXED32:
            return abs(v) % 2**32
        case FieldDescriptor.TYPE_UINT64 | FieldDescriptor.TYPE_FIXED64:
            return abs(v)
        case FieldDescriptor.TYPE_DOUBLE | FieldDescriptor.TYPE_FLOAT:
            return float(v)
    return v  # int64 and friends


def _deep(out: list[HistoryEvent], i: int, v: int) -> None:
    """Set a scalar anywhere inside the event's attributes (failures, infos, nested ids)."""
    attrs = _attrs(out[i])
    if attrs is None:
        return
    slots = list(_scalar_slots(attrs))
    if slots:
        message, field = slots[abs(v) % len(slots)]
        setattr(message, field.name, _scalar_value(field, v // 7))


def _scalar_slots(message: Any, depth: int = 0) -> Any:
    for field in message.DESCRIPTOR.fields:
        if field.is_repeated:
            continue
        if field.type != FieldDescriptor.TYPE_MESSAGE:
            yield message, field
        elif depth < 4 and message.HasField(field.name):
            yield from _scalar_slots(getattr(message, field.name), depth + 1)


def _clear(out: list[HistoryEvent], i: int, v: int) -> None:
    which = out[i].WhichOneof("attributes")
    if which:
        out[i].ClearField(which)


def _payload(out: list[HistoryEvent], i: int, v: int) -> None:
    found = _payloads(out[i])
    if not found:
        return
    target = found[abs(v) % len(found)]
    if v & 1:
        target.metadata["encoding"] = b"binary/fuzzed"
    else:
        target.data = target.data[: abs(v) % (len(target.data) + 1)] + b"\xff{"


def _payloads(message: Any) -> list[Any]:
    found: list[Any] = []
    for field, value in message.ListFields():
        if field.type != FieldDescriptor.TYPE_MESSAGE:
            continue
        items = value.values() if _is_map(field) else value if field.is_repeated else [value]
        for item in items:
            if not hasattr(item, "DESCRIPTOR"):
                continue
            if item.DESCRIPTOR.full_name == "temporal.api.common.v1.Payload":
                found.append(item)
            else:
                found.extend(_payloads(item))
    return found


def _is_map(field: FieldDescriptor) -> bool:
    sub = field.message_type
    return sub is not None and sub.GetOptions().map_entry


def _ignorable(out: list[HistoryEvent], i: int, v: int) -> None:
    out[i].worker_may_ignore = True


_EDITS: dict[str, Callable[[list[HistoryEvent], int, int], None]] = {
    "drop": _drop,
    "dup": _dup,
    "swap": _swap,
    "retype": _retype,
    "truncate": _truncate,
    "scalar": _scalar,
    "deep": _deep,
    "clear": _clear,
    "payload": _payload,
    "ignorable": _ignorable,
}


# ------------------------------------------------------------------------ driver

_DEFINITIONS = {WorkflowDefinition.must_from_class(cls).name: cls for cls in WORKFLOWS}
_EXECUTOR = concurrent.futures.ThreadPoolExecutor(max_workers=2, thread_name_prefix="fuzz")


def drive(events: list[HistoryEvent]) -> str:
    """Run ``events`` through core + runtime in a thread; return how it ended.

    Raises ``AssertionError`` on a hang, and re-raises any exception outside :data:`ALLOWED`.
    """
    future = _EXECUTOR.submit(_drive, events)
    try:
        return future.result(timeout=HANG_SECONDS)
    except concurrent.futures.TimeoutError:
        raise AssertionError(f"the core hung for {HANG_SECONDS}s on a history") from None


# The workflow ids the recorded seeds ran under (child ids are derived from them).
_WORKFLOW_IDS = {"XParent": "x-parent", "XLocal": "x-local"}


def drive_in_tasks(events: list[HistoryEvent]) -> str:
    """Like :func:`drive`, but feed the events one workflow task at a time (a sticky worker)."""
    future = _EXECUTOR.submit(_drive, events, True)
    try:
        return future.result(timeout=HANG_SECONDS)
    except concurrent.futures.TimeoutError:
        raise AssertionError(f"the core hung for {HANG_SECONDS}s on a history") from None


def _task_chunks(events: list[HistoryEvent]) -> list[list[HistoryEvent]]:
    """Cut after each WorkflowTaskStarted: the events each successive task would carry."""
    chunks: list[list[HistoryEvent]] = [[]]
    for event in events:
        chunks[-1].append(event)
        if event.event_type == EventType.EVENT_TYPE_WORKFLOW_TASK_STARTED:
            chunks.append([])
    return [chunk for chunk in chunks if chunk]


def _drive(events: list[HistoryEvent], in_tasks: bool = False) -> str:
    start = events[0].workflow_execution_started_event_attributes if events else None
    type_name = start.workflow_type.name if start else ""
    machines = WorkflowMachines(
        namespace="default",
        workflow_id=_WORKFLOW_IDS.get(type_name, "wf-fuzz"),
        run_id=(start.original_execution_run_id if start else "") or "run-fuzz",
    )
    cls = _DEFINITIONS.get(type_name, KitchenSink)
    converter = DataConverter.default
    instance = WorkflowInstance(
        WorkflowDefinition.must_from_class(cls),
        namespace="default",
        task_queue="tq",
        payload_converter=converter.payload_converter,
        failure_converter=converter.failure_converter,
    )
    failure = None
    try:
        for chunk in _task_chunks(events) if in_tasks else [events]:
            machines.add_events(chunk)
            failure = run_activations(machines, instance)
            machines.take_commands()
            machines.updates.take_messages()
            if machines.local_activities.has_requests:
                machines.local_activities.take_requests()
            if failure is not None:
                break
    except ALLOWED as err:
        str(err)  # the message must render
        return type(err).__name__
    finally:
        instance.close()
    return "task failure" if failure is not None else "ok"
