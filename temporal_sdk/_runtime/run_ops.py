"""Run-level operations of workflow code: patches, side effects, upserts, continue-as-new.

Rule: deterministic and IO-free. Each operation issues at most one command and returns at once;
nothing here waits for history. On replay the values the code reads (whether a patch was taken,
a side effect's value) come from markers the core read ahead (``NotifyHasPatch`` /
``NotifySideEffect`` jobs), never from running the code's side effects again.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import timedelta
from typing import TYPE_CHECKING, Any, NoReturn

from temporal_sdk._core.activation import (
    Command,
    ContinueAsNewWorkflow,
    ModifyWorkflowProperties,
    RecordSideEffect,
    SetPatchMarker,
    UpsertSearchAttributes,
)
from temporal_sdk._runtime.context import Info
from temporal_sdk._runtime.definitions import workflow_name_for
from temporal_sdk._search_attributes import (
    SearchAttributePair,
    SearchAttributeUpdate,
    TypedSearchAttributes,
    encode_any,
    encode_updates,
)
from temporal_sdk.api.command.v1 import ContinueAsNewWorkflowExecutionCommandAttributes
from temporal_sdk.api.common.v1 import Memo, Payload, SearchAttributes, WorkflowType
from temporal_sdk.api.enums.v1 import TaskQueueKind
from temporal_sdk.api.taskqueue.v1 import TaskQueue
from temporal_sdk.common import RetryPolicy

if TYPE_CHECKING:
    from temporal_sdk._runtime.intercept import RunInterceptors


class ContinueAsNewError(BaseException):
    """Raised by ``workflow.continue_as_new()``; ends the run and starts a new one.

    Let it propagate out of the workflow's run method: the runtime turns it into the
    continue-as-new command. It derives from ``BaseException`` so ``except Exception`` in workflow
    code does not swallow it. Do not construct it yourself.
    """

    def __init__(self, *args: object) -> None:
        if type(self) is ContinueAsNewError:
            raise RuntimeError("ContinueAsNewError is raised by workflow.continue_as_new() only")
        super().__init__(*args)


class _ContinueAsNew(ContinueAsNewError):
    """The runtime's concrete continue-as-new request, carrying the command to issue."""

    def __init__(self, attributes: ContinueAsNewWorkflowExecutionCommandAttributes) -> None:
        super().__init__("Continue as new")
        self.attributes = attributes


def continue_as_new_command(err: BaseException, origin: str) -> Command | None:
    """The command for a :class:`ContinueAsNewError` escaping workflow code, else ``None``."""
    if isinstance(err, _ContinueAsNew):
        return ContinueAsNewWorkflow(err.attributes, origin=origin)
    return None


class RunOps:
    """The run-level operations of one workflow run (see the module docstring)."""

    def __init__(
        self,
        *,
        add: Callable[[Command], None],
        info: Callable[[], Info],
        replace_info: Callable[..., None],
        is_replaying: Callable[[], bool],
        payload_converter: Any,
        origin: Callable[[], str],
    ) -> None:
        self._add = add
        self._info = info
        self._replace_info = replace_info
        self._is_replaying = is_replaying
        self._pc = payload_converter
        self._origin = origin
        # Made on the first patch marker: an empty set costs 216 bytes per cached run.
        self._patches_notified: set[str] | None = None
        self._patches_memo: dict[str, bool] = {}
        self._side_effects: dict[int, Payload | None] = {}
        self._side_effect_seq = 0
        self.continue_as_new_suggested = False
        self.intercept: RunInterceptors | None = None
        """The run's worker interceptors, if its worker has any."""

    # -- patches -------------------------------------------------------------------------------

    def notify_patch(self, patch_id: str) -> None:
        """History holds a marker for ``patch_id`` (replay)."""
        if self._patches_notified is None:
            self._patches_notified = set()
        self._patches_notified.add(patch_id)

    def patch(self, patch_id: str, *, deprecated: bool) -> bool:
        """Whether the code takes the patched branch; records the marker when it does.

        The answer for an id is fixed the first time it is asked: true when not replaying, and
        on replay true exactly when history has the marker.
        """
        if not isinstance(patch_id, str) or not patch_id:
            raise ValueError(f"patch id must be a non-empty string, not {patch_id!r}")
        known = self._patches_memo.get(patch_id)
        if known is not None:
            return known
        notified = self._patches_notified
        use = not self._is_replaying() or (notified is not None and patch_id in notified)
        self._patches_memo[patch_id] = use
        if use:
            self._add(SetPatchMarker(patch_id, deprecated, origin=self._origin()))
        return use

    # -- side effects --------------------------------------------------------------------------

    def notify_side_effect(self, seq: int, result: Payload | None) -> None:
        """History recorded side effect ``seq`` with ``result`` (replay)."""
        self._side_effects[seq] = result

    def side_effect(self, fn: Callable[[], Any], result_type: Any | None) -> Any:
        """Run ``fn`` once and record its value; on replay return the recorded value."""
        self._side_effect_seq += 1
        seq = self._side_effect_seq
        hints = [result_type] if result_type is not None else None
        if seq in self._side_effects:
            payload = self._side_effects.pop(seq)
            value = None if payload is None else self._pc.from_payloads([payload], hints)[0]
        else:
            value = fn()
            payload = self._pc.to_payloads([value])[0]
            if result_type is not None:
                value = self._pc.from_payloads([payload], hints)[0]
        self._add(RecordSideEffect(seq, payload, origin=self._origin()))
        return value

    # -- search attributes and memo ------------------------------------------------------------

    def upsert_search_attributes(
        self, updates: Sequence[SearchAttributeUpdate[Any]] | Mapping[str, Sequence[Any]]
    ) -> None:
        """Issue an upsert and apply it to ``info().typed_search_attributes`` at once.

        The deprecated dict form (name → list of values) updates ``info().search_attributes``.
        """
        if isinstance(updates, Mapping):
            self._upsert_untyped(updates)
            return
        updates = list(updates)
        for update in updates:
            if not isinstance(update, SearchAttributeUpdate):
                raise TypeError(
                    "upsert_search_attributes takes updates made with SearchAttributeKey."
                    f"value_set() / value_unset(), not {type(update).__name__}"
                )
        if not updates:
            return
        proto = SearchAttributes()
        encode_updates(updates, proto)
        current = self._info().typed_search_attributes
        removed = {u.key.name for u in updates if u.value is None}
        kept = [p for p in current if p.key.name not in removed]
        merged = TypedSearchAttributes(kept).updated(
            *(SearchAttributePair(u.key, u.value) for u in updates if u.value is not None)
        )
        self._add(UpsertSearchAttributes(proto, origin=self._origin()))
        self._replace_info(typed_search_attributes=merged)

    def _upsert_untyped(self, updates: Mapping[str, Sequence[Any]]) -> None:
        if not updates:
            return
        proto = SearchAttributes()
        encode_any(dict(updates), proto, what="upsert_search_attributes")
        merged = {**self._info().search_attributes, **{k: list(v) for k, v in updates.items()}}
        self._add(UpsertSearchAttributes(proto, origin=self._origin()))
        self._replace_info(search_attributes=merged)

    def upsert_memo(self, updates: Mapping[str, Any]) -> None:
        """Issue a memo change (``None`` removes a key) and apply it to ``info().raw_memo``."""
        if not isinstance(updates, Mapping):
            raise TypeError(f"upsert_memo takes a mapping, not {type(updates).__name__}")
        if not updates:
            return
        memo = Memo()
        raw = dict(self._info().raw_memo)
        for key, value in updates.items():
            if not isinstance(key, str):
                raise TypeError(f"memo keys must be strings, not {key!r}")
            if value is None:
                # An empty payload asks the server to remove the key.
                memo.fields[key].CopyFrom(Payload())
                raw.pop(key, None)
            else:
                payload = self._pc.to_payloads([value])[0]
                memo.fields[key].CopyFrom(payload)
                raw[key] = payload
        self._add(ModifyWorkflowProperties(memo, origin=self._origin()))
        self._replace_info(raw_memo=raw)

    # -- continue as new -----------------------------------------------------------------------

    def continue_as_new(
        self,
        args: Sequence[Any],
        *,
        workflow: Any | None,
        task_queue: str | None,
        run_timeout: timedelta | None,
        task_timeout: timedelta | None,
        backoff_start_interval: timedelta | None,
        retry_policy: RetryPolicy | None,
        memo: Mapping[str, Any] | None,
        search_attributes: TypedSearchAttributes | None,
    ) -> NoReturn:
        """Raise the error that ends this run and continues it as a new one."""
        options: dict[str, Any] = {
            "workflow": workflow,
            "task_queue": task_queue,
            "run_timeout": run_timeout,
            "task_timeout": task_timeout,
            "backoff_start_interval": backoff_start_interval,
            "retry_policy": retry_policy,
            "memo": memo,
            "search_attributes": search_attributes,
        }
        if self.intercept is not None:
            self.intercept.continue_as_new(args, **options)
        self.continue_as_new_direct(args, **options)

    def continue_as_new_direct(
        self,
        args: Sequence[Any],
        *,
        workflow: Any | None,
        task_queue: str | None,
        run_timeout: timedelta | None,
        task_timeout: timedelta | None,
        backoff_start_interval: timedelta | None,
        retry_policy: RetryPolicy | None,
        memo: Mapping[str, Any] | None,
        search_attributes: TypedSearchAttributes | None,
        headers: Mapping[str, Payload] | None = None,
    ) -> NoReturn:
        """:meth:`continue_as_new` without interceptors, with ``headers`` on the command."""
        info = self._info()
        attrs = ContinueAsNewWorkflowExecutionCommandAttributes(
            workflow_type=WorkflowType(
                name=workflow_name_for(workflow) if workflow is not None else info.workflow_type
            ),
            task_queue=TaskQueue(
                name=task_queue or info.task_queue, kind=TaskQueueKind.TASK_QUEUE_KIND_NORMAL
            ),
        )
        if args:
            attrs.input.payloads.extend(self._pc.to_payloads(list(args)))
        for field, value in (
            ("workflow_run_timeout", run_timeout),
            ("workflow_task_timeout", task_timeout),
            ("backoff_start_interval", backoff_start_interval),
        ):
            if value:
                getattr(attrs, field).FromTimedelta(value)
        if retry_policy is not None:
            retry_policy.apply_to_proto(attrs.retry_policy)
        self._continue_memo(attrs, info, memo)
        sa = search_attributes if search_attributes is not None else info.typed_search_attributes
        encode_any(sa, attrs.search_attributes, what="continue_as_new")
        for key, payload in (headers or {}).items():
            attrs.header.fields[key].CopyFrom(payload)
        raise _ContinueAsNew(attrs)

    def _continue_memo(
        self,
        attrs: ContinueAsNewWorkflowExecutionCommandAttributes,
        info: Info,
        memo: Mapping[str, Any] | None,
    ) -> None:
        if memo is None:
            for key, payload in info.raw_memo.items():
                attrs.memo.fields[key].CopyFrom(payload)
            return
        for key, value in memo.items():
            attrs.memo.fields[key].CopyFrom(self._pc.to_payloads([value])[0])
