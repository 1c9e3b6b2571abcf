"""The ``Replayer``: run recorded histories through workflow code to check determinism.

Rule: no server and no network. The replayer uses the same core, runtime and driver as the
worker, so a history that replays here replays on a worker.
"""

from __future__ import annotations

import traceback
from collections.abc import AsyncIterable, AsyncIterator, Iterable, Mapping, Sequence
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from temporal_sdk._core.determinism import NondeterminismError
from temporal_sdk._core.workflow_machines import WorkflowMachines
from temporal_sdk._io.codec_context import bind_run_converters, replay_task
from temporal_sdk._runtime.definitions import WorkflowDefinition
from temporal_sdk._runtime.driver import run_activations
from temporal_sdk._runtime.instance import WorkflowInstance
from temporal_sdk._runtime.intercept import interceptor_classes
from temporal_sdk._worker_interceptor import worker_interceptors
from temporal_sdk.api.enums.v1 import EventType
from temporal_sdk.common import HeaderCodecBehavior

if TYPE_CHECKING:
    from temporal_sdk._worker_interceptor import Interceptor
    from temporal_sdk.client import WorkflowHistory
    from temporal_sdk.converter import DataConverter
    from temporal_sdk.worker._plugin import Plugin, ReplayerConfig


@dataclass(frozen=True)
class WorkflowReplayResult:
    """The outcome of replaying one history.

    ``replay_failure`` is ``None`` when the code reproduced the history; otherwise it is the
    error that stopped replay, typically a ``NondeterminismError``. A workflow that *fails* in
    its history and fails the same way on replay is a clean replay.
    """

    history: WorkflowHistory
    replay_failure: Exception | None


@dataclass(frozen=True)
class WorkflowReplayResults:
    """The outcome of replaying several histories: failures keyed by run id."""

    replay_failures: Mapping[str, Exception]


class Replayer:
    """Replays workflow histories against workflow classes, without a server."""

    # Set by the plugin pass at the start of __init__ (see worker/_plugin.py).
    _plugins: list[Plugin]
    _initial_config: dict[str, Any]
    _config: dict[str, Any]

    def __init__(
        self,
        *,
        workflows: Sequence[type],
        namespace: str = "ReplayNamespace",
        data_converter: DataConverter | None = None,
        interceptors: Sequence[Interceptor] = (),
        plugins: Sequence[Plugin] = (),
        workflow_failure_exception_types: Sequence[type[BaseException]] = (),
        debug_mode: bool = False,
        header_codec_behavior: HeaderCodecBehavior = HeaderCodecBehavior.NO_CODEC,
        **_ignored: Any,
    ) -> None:
        from temporal_sdk.converter import DataConverter

        if not hasattr(self, "_plugins"):
            # First pass: the plugins may rewrite every argument.
            from temporal_sdk.worker._plugin import configure_replayer

            plugged = configure_replayer(self, dict(locals()))
            if plugged is not None:
                Replayer.__init__(self, **plugged)
                return
        if not workflows:
            raise ValueError("a replayer needs at least one workflow class")
        self._namespace = namespace
        self._converter = data_converter or DataConverter.default
        self._header_codec_behavior = HeaderCodecBehavior(header_codec_behavior)
        self._failure_types = tuple(workflow_failure_exception_types)
        self._extern_functions: dict[str, Any] = {}
        self._interceptor_classes = interceptor_classes(
            worker_interceptors(None, interceptors), self._extern_functions
        )
        self._definitions: dict[str, WorkflowDefinition] = {}
        self._dynamic: WorkflowDefinition | None = None
        for cls in workflows:
            defn = WorkflowDefinition.must_from_class(cls)
            if defn.name is None:
                self._dynamic = defn
            else:
                self._definitions[defn.name] = defn

    async def replay_workflow(
        self, history: WorkflowHistory, *, raise_on_replay_failure: bool = True
    ) -> WorkflowReplayResult:
        """Replay one history; raise its replay failure unless told not to."""
        if self._plugins:  # through workflow_replay_iterator, which the plugins wrap
            async with self.workflow_replay_iterator([history]) as results:
                result = await anext(results)
        else:
            result = await self._replay_one(history)
        if raise_on_replay_failure and result.replay_failure is not None:
            raise result.replay_failure
        return result

    async def replay_workflows(
        self,
        histories: Iterable[WorkflowHistory] | AsyncIterable[WorkflowHistory],
        *,
        raise_on_replay_failure: bool = True,
    ) -> WorkflowReplayResults:
        """Replay several histories; collect failures by run id (or raise the first)."""
        failures: dict[str, Exception] = {}
        async with self.workflow_replay_iterator(histories) as results:
            async for result in results:
                if result.replay_failure is not None:
                    if raise_on_replay_failure:
                        raise result.replay_failure
                    failures[result.history.run_id] = result.replay_failure
        return WorkflowReplayResults(failures)

    def config(self, *, active_config: bool = False) -> ReplayerConfig:
        """The replayer's arguments as a fresh dict; ``active_config``: after the plugins'."""
        config = self._config if active_config else self._initial_config
        return dict(config)  # type: ignore[return-value]

    def workflow_replay_iterator(
        self, histories: Iterable[WorkflowHistory] | AsyncIterable[WorkflowHistory]
    ) -> AbstractAsyncContextManager[AsyncIterator[WorkflowReplayResult]]:
        """Yield an async iterator of results, one per history, replayed lazily.

        Plugins' ``run_replayer`` hooks wrap it, the first plugin outermost.
        """
        if not self._plugins:
            return self._workflow_replay_iterator(histories)
        from temporal_sdk.worker._plugin import run_replayer

        return run_replayer(
            self, self._plugins, _aiter(histories), Replayer._workflow_replay_iterator
        )

    @asynccontextmanager
    async def _workflow_replay_iterator(
        self, histories: Iterable[WorkflowHistory] | AsyncIterable[WorkflowHistory]
    ) -> AsyncIterator[AsyncIterator[WorkflowReplayResult]]:

        async def results() -> AsyncIterator[WorkflowReplayResult]:
            if isinstance(histories, AsyncIterable):
                async for history in histories:
                    yield await self._replay_one(history)
            else:
                for history in histories:
                    yield await self._replay_one(history)

        yield results()

    async def _replay_one(self, history: WorkflowHistory) -> WorkflowReplayResult:
        events = list(history.events)
        codec = self._converter.payload_codec
        if codec is not None:
            from temporal_sdk._io.codec_context import codec_contexts
            from temporal_sdk._io.payload_visitor import visit_payloads

            contexts = codec_contexts(self._converter, self._namespace)
            headers = self._header_codec_behavior is not HeaderCodecBehavior.NO_CODEC
            task = _replay_task(history, events)
            for event in events:
                bound = codec if contexts is None else contexts.for_event(task, event)
                await visit_payloads(event, bound.decode, headers=headers)
        return WorkflowReplayResult(history, self._replay_events(history, events))

    def _replay_events(self, history: WorkflowHistory, events: list[Any]) -> Exception | None:
        if not events or events[0].event_type != EventType.EVENT_TYPE_WORKFLOW_EXECUTION_STARTED:
            return ValueError("a history must begin with WorkflowExecutionStarted")
        start = events[0].workflow_execution_started_event_attributes
        defn = self._definitions.get(start.workflow_type.name) or self._dynamic
        if defn is None:
            return ValueError(f"workflow type {start.workflow_type.name!r} is not registered")
        machines = WorkflowMachines(
            namespace=self._namespace,
            workflow_id=history.workflow_id,
            run_id=start.original_execution_run_id or history.run_id,
        )
        pc, fc, run_conv = bind_run_converters(
            self._converter, self._namespace, _replay_task(history, events), start.task_queue.name
        )
        instance = WorkflowInstance(
            defn,
            namespace=self._namespace,
            task_queue=start.task_queue.name,
            payload_converter=pc,
            failure_converter=fc,
            converters=run_conv,
            failure_exception_types=self._failure_types,
            interceptor_classes=self._interceptor_classes,
            extern_functions=self._extern_functions,
        )
        try:
            machines.add_events(events)
            failure = run_activations(machines, instance)
        except NondeterminismError as err:
            return err
        except Exception as err:  # an SDK or history problem: report it, do not crash
            return RuntimeError(f"replay failed: {err}\n{traceback.format_exc()}")
        finally:
            instance.close()
        if failure is not None:
            return RuntimeError(f"workflow task failed during replay: {failure.failure.message}")
        return None


async def _aiter(
    histories: Iterable[WorkflowHistory] | AsyncIterable[WorkflowHistory],
) -> AsyncIterator[WorkflowHistory]:
    """Histories as the async iterator plugins are given."""
    if isinstance(histories, AsyncIterable):
        async for history in histories:
            yield history
    else:
        for history in histories:
            yield history


def _replay_task(history: WorkflowHistory, events: list[Any]) -> Any:
    """A stand-in workflow task naming the replayed run (for serialization contexts)."""
    first = events[0] if events else None
    start = first.workflow_execution_started_event_attributes if first is not None else None
    workflow_type = start.workflow_type.name if start is not None else ""
    return replay_task(history.workflow_id, history.run_id, workflow_type)
