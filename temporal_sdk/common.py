"""Small value types shared by the client, workers, workflows and activities."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta
from enum import IntEnum
from typing import TYPE_CHECKING, ClassVar

from temporal_sdk._lazy import lazy_getattr
from temporal_sdk._metrics import (
    MetricAttributes,
    MetricCommon,
    MetricCounter,
    MetricGauge,
    MetricGaugeFloat,
    MetricHistogram,
    MetricHistogramFloat,
    MetricHistogramTimedelta,
    MetricMeter,
)
from temporal_sdk.api.common import v1 as _common
from temporal_sdk.api.enums import v1 as _enums

__all__ = [
    "HeaderCodecBehavior",
    "MetricAttributes",
    "MetricCommon",
    "MetricCounter",
    "MetricGauge",
    "MetricGaugeFloat",
    "MetricHistogram",
    "MetricHistogramFloat",
    "MetricHistogramTimedelta",
    "MetricMeter",
    "Priority",
    "QueryRejectCondition",
    "RawValue",
    "RetryPolicy",
    "WorkflowIDConflictPolicy",
    "WorkflowIDReusePolicy",
]


@dataclass
class RetryPolicy:
    """How the server retries a failed workflow or activity."""

    initial_interval: timedelta = timedelta(seconds=1)
    """Wait before the first retry."""

    backoff_coefficient: float = 2.0
    """Factor applied to the wait after each retry."""

    maximum_interval: timedelta | None = None
    """Upper bound on the wait between retries; ``None`` means 100 x ``initial_interval``."""

    maximum_attempts: int = 0
    """Total attempts allowed, including the first; 0 means no limit."""

    non_retryable_error_types: Sequence[str] | None = None
    """Application error types that stop retrying at once."""

    @staticmethod
    def from_proto(proto: _common.RetryPolicy) -> RetryPolicy:
        """Build a policy from its protobuf form."""
        return RetryPolicy(
            initial_interval=proto.initial_interval.ToTimedelta(),
            backoff_coefficient=proto.backoff_coefficient,
            maximum_interval=(
                proto.maximum_interval.ToTimedelta() if proto.HasField("maximum_interval") else None
            ),
            maximum_attempts=proto.maximum_attempts,
            non_retryable_error_types=(
                list(proto.non_retryable_error_types) if proto.non_retryable_error_types else None
            ),
        )

    def apply_to_proto(self, proto: _common.RetryPolicy) -> None:
        """Validate this policy and write it into ``proto``.

        Raises:
            ValueError: The policy is inconsistent (see :meth:`_validate`).

        """
        self._validate()
        proto.initial_interval.FromTimedelta(self.initial_interval)
        proto.backoff_coefficient = self.backoff_coefficient
        proto.maximum_interval.FromTimedelta(self.maximum_interval or self.initial_interval * 100)
        proto.maximum_attempts = self.maximum_attempts
        if self.non_retryable_error_types:
            proto.non_retryable_error_types.extend(self.non_retryable_error_types)

    def _validate(self) -> None:
        """Reject inconsistent settings; a single-attempt policy skips every other check."""
        if self.maximum_attempts == 1:
            return
        if self.initial_interval.total_seconds() < 0:
            raise ValueError("Initial interval cannot be negative")
        if self.backoff_coefficient < 1:
            raise ValueError("Backoff coefficient cannot be less than 1")
        if self.maximum_interval:
            if self.maximum_interval.total_seconds() < 0:
                raise ValueError("Maximum interval cannot be negative")
            if self.maximum_interval < self.initial_interval:
                raise ValueError("Maximum interval cannot be less than initial interval")
        if self.maximum_attempts < 0:
            raise ValueError("Maximum attempts cannot be negative")


class WorkflowIDReusePolicy(IntEnum):
    """Whether a workflow id may be used again once its previous run has closed."""

    ALLOW_DUPLICATE = int(_enums.WorkflowIdReusePolicy.WORKFLOW_ID_REUSE_POLICY_ALLOW_DUPLICATE)
    ALLOW_DUPLICATE_FAILED_ONLY = int(
        _enums.WorkflowIdReusePolicy.WORKFLOW_ID_REUSE_POLICY_ALLOW_DUPLICATE_FAILED_ONLY
    )
    REJECT_DUPLICATE = int(_enums.WorkflowIdReusePolicy.WORKFLOW_ID_REUSE_POLICY_REJECT_DUPLICATE)
    TERMINATE_IF_RUNNING = int(
        _enums.WorkflowIdReusePolicy.WORKFLOW_ID_REUSE_POLICY_TERMINATE_IF_RUNNING
    )


class WorkflowIDConflictPolicy(IntEnum):
    """What starting a workflow does when a run with the same id is still open."""

    UNSPECIFIED = int(_enums.WorkflowIdConflictPolicy.WORKFLOW_ID_CONFLICT_POLICY_UNSPECIFIED)
    FAIL = int(_enums.WorkflowIdConflictPolicy.WORKFLOW_ID_CONFLICT_POLICY_FAIL)
    USE_EXISTING = int(_enums.WorkflowIdConflictPolicy.WORKFLOW_ID_CONFLICT_POLICY_USE_EXISTING)
    TERMINATE_EXISTING = int(
        _enums.WorkflowIdConflictPolicy.WORKFLOW_ID_CONFLICT_POLICY_TERMINATE_EXISTING
    )


class QueryRejectCondition(IntEnum):
    """When the server should refuse a query instead of delivering it."""

    NONE = int(_enums.QueryRejectCondition.QUERY_REJECT_CONDITION_NONE)
    NOT_OPEN = int(_enums.QueryRejectCondition.QUERY_REJECT_CONDITION_NOT_OPEN)
    NOT_COMPLETED_CLEANLY = int(
        _enums.QueryRejectCondition.QUERY_REJECT_CONDITION_NOT_COMPLETED_CLEANLY
    )


class HeaderCodecBehavior(IntEnum):
    """Whether header payloads go through the data converter's payload codec.

    Set on the client (``Client.connect(..., header_codec_behavior=...)``); workers built on
    that client follow it.
    """

    NO_CODEC = 1
    """Headers are sent and received as they are (the default)."""
    CODEC = 2
    """The client encodes the headers it sends; workers decode and encode every header."""
    WORKFLOW_ONLY_CODEC = 3
    """Only workflow code's headers: decoded on activation, encoded on the commands it sends."""


@dataclass(frozen=True)
class RawValue:
    """A payload passed through without conversion.

    Use it as an argument, result or type hint to send or receive the payload as is; the
    codec still applies.
    """

    payload: _common.Payload

    def __getstate__(self) -> object:
        """Pickle as a version byte followed by the serialized payload."""
        return b"1" + self.payload.SerializeToString()

    def __setstate__(self, state: object) -> None:
        """Restore from :meth:`__getstate__` output."""
        if not isinstance(state, bytes):
            raise TypeError(f"Expected bytes state, got {type(state)}")
        if state[:1] != b"1":
            raise ValueError("Bad version prefix")
        object.__setattr__(self, "payload", _common.Payload.FromString(state[1:]))


@dataclass(frozen=True)
class Priority:
    """Ordering and fairness hints for tasks that wait in a backlogged task queue.

    A field left as ``None`` inherits from the calling workflow, or takes the server default.
    """

    priority_key: int | None = None
    """Positive integer; smaller runs sooner. The server default is the middle of its range."""

    fairness_key: str | None = None
    """Short key (for example a tenant id) that tasks are balanced across."""

    fairness_weight: float | None = None
    """Relative share of dispatch for this fairness key (server default 1.0)."""

    default: ClassVar[Priority]
    """The all-default priority."""

    def __post_init__(self) -> None:
        """Check that ``priority_key`` is a positive integer when given."""
        if self.priority_key is not None:
            if not isinstance(self.priority_key, int):
                raise TypeError("priority_key must be an integer")
            if self.priority_key < 1:
                raise ValueError("priority_key must be a positive integer")

    @staticmethod
    def _from_proto(proto: _common.Priority) -> Priority:
        return Priority(
            priority_key=proto.priority_key or None,
            fairness_key=proto.fairness_key or None,
            fairness_weight=proto.fairness_weight or None,
        )

    def _to_proto(self) -> _common.Priority:
        proto = _common.Priority(priority_key=self.priority_key or 0)
        if self.fairness_key is not None:
            proto.fairness_key = self.fairness_key
        if self.fairness_weight is not None:
            proto.fairness_weight = self.fairness_weight
        return proto


Priority.default = Priority()

# Typed search attributes live in their own module; re-exported here under temporalio's names.
from temporal_sdk._search_attributes import (  # noqa: E402
    SearchAttributeIndexedValueType,
    SearchAttributeKey,
    SearchAttributePair,
    SearchAttributeUpdate,
    SearchAttributeValue,
    TypedSearchAttributes,
)

__all__ += [
    "SearchAttributeIndexedValueType",
    "SearchAttributeKey",
    "SearchAttributePair",
    "SearchAttributeUpdate",
    "SearchAttributeValue",
    "TypedSearchAttributes",
]

# Worker-deployment versioning and standalone-activity id policies, also under temporalio's names;
# loaded on first use (PEP 562), as few programs need them.
if TYPE_CHECKING:
    from temporal_sdk._versioning import (
        ActivityIDConflictPolicy,
        ActivityIDReusePolicy,
        AutoUpgradeVersioningOverride,
        OneTimeVersioningOverride,
        PinnedVersioningOverride,
        VersioningBehavior,
        VersioningOverride,
        WorkerDeploymentVersion,
    )
else:
    __getattr__ = lazy_getattr(
        globals(),
        {
            "ActivityIDConflictPolicy": "temporal_sdk._versioning",
            "ActivityIDReusePolicy": "temporal_sdk._versioning",
            "AutoUpgradeVersioningOverride": "temporal_sdk._versioning",
            "OneTimeVersioningOverride": "temporal_sdk._versioning",
            "PinnedVersioningOverride": "temporal_sdk._versioning",
            "VersioningBehavior": "temporal_sdk._versioning",
            "VersioningOverride": "temporal_sdk._versioning",
            "WorkerDeploymentVersion": "temporal_sdk._versioning",
        },
    )

__all__ += [
    "ActivityIDConflictPolicy",
    "ActivityIDReusePolicy",
    "AutoUpgradeVersioningOverride",
    "OneTimeVersioningOverride",
    "PinnedVersioningOverride",
    "VersioningBehavior",
    "VersioningOverride",
    "WorkerDeploymentVersion",
]
