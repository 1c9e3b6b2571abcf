"""The metric API (temporalio's ``common.Metric*`` names) and its implementations' shared core.

Rule: nothing here imports a metrics library. Public ABCs describe what user code calls; one
concrete meter, :class:`SinkMeter`, turns every instrument call into ``record(value, attrs)`` on
an :class:`InstrumentSink` created by a :class:`MetricSink` (a buffer, OpenTelemetry, ...), so a
backend only implements those two small protocols. Attribute sets are merged once per
``with_additional_attributes`` call, never per recording unless the call passes extras.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Mapping
from datetime import timedelta
from typing import TYPE_CHECKING, ClassVar, Protocol, TypeAlias, TypeVar

if TYPE_CHECKING:
    from typing_extensions import Self

MetricAttributes: TypeAlias = Mapping[str, str | int | float | bool]
"""Attribute (label) names and values attached to metric recordings."""

_ALLOWED_TYPES = (str, int, float, bool)


class MetricMeter(ABC):
    """Creates metric instruments that share a set of attributes."""

    noop: ClassVar[MetricMeter]
    """A meter whose instruments record nothing."""

    @abstractmethod
    def create_counter(
        self, name: str, description: str | None = None, unit: str | None = None
    ) -> MetricCounter:
        """A counter: values added up (never negative)."""

    @abstractmethod
    def create_histogram(
        self, name: str, description: str | None = None, unit: str | None = None
    ) -> MetricHistogram:
        """A histogram of non-negative integers."""

    @abstractmethod
    def create_histogram_float(
        self, name: str, description: str | None = None, unit: str | None = None
    ) -> MetricHistogramFloat:
        """A histogram of non-negative floats."""

    @abstractmethod
    def create_histogram_timedelta(
        self, name: str, description: str | None = None, unit: str | None = None
    ) -> MetricHistogramTimedelta:
        """A histogram of durations (exported as milliseconds unless configured otherwise)."""

    @abstractmethod
    def create_gauge(
        self, name: str, description: str | None = None, unit: str | None = None
    ) -> MetricGauge:
        """A gauge holding the last non-negative integer set."""

    @abstractmethod
    def create_gauge_float(
        self, name: str, description: str | None = None, unit: str | None = None
    ) -> MetricGaugeFloat:
        """A gauge holding the last non-negative float set."""

    @abstractmethod
    def with_additional_attributes(self, additional_attributes: MetricAttributes) -> MetricMeter:
        """A meter whose instruments also carry ``additional_attributes`` (later keys win).

        Raises:
            TypeError: An attribute value is not a str, int, float or bool.

        """


class MetricCommon(ABC):
    """What every metric instrument has: a name, description, unit and attributes."""

    @property
    @abstractmethod
    def name(self) -> str:
        """The instrument's name."""

    @property
    @abstractmethod
    def description(self) -> str | None:
        """The instrument's description, if one was given."""

    @property
    @abstractmethod
    def unit(self) -> str | None:
        """The instrument's unit, if one was given."""

    @abstractmethod
    def with_additional_attributes(self, additional_attributes: MetricAttributes) -> Self:
        """The same instrument recording with ``additional_attributes`` merged in."""


class MetricCounter(MetricCommon):
    """A metric whose values are summed."""

    @abstractmethod
    def add(self, value: int, additional_attributes: MetricAttributes | None = None) -> None:
        """Add ``value`` (``ValueError`` if negative)."""


class MetricHistogram(MetricCommon):
    """A metric recording a distribution of integers."""

    @abstractmethod
    def record(self, value: int, additional_attributes: MetricAttributes | None = None) -> None:
        """Record ``value`` (``ValueError`` if negative)."""


class MetricHistogramFloat(MetricCommon):
    """A metric recording a distribution of floats."""

    @abstractmethod
    def record(self, value: float, additional_attributes: MetricAttributes | None = None) -> None:
        """Record ``value`` (``ValueError`` if negative)."""


class MetricHistogramTimedelta(MetricCommon):
    """A metric recording a distribution of durations."""

    @abstractmethod
    def record(
        self, value: timedelta, additional_attributes: MetricAttributes | None = None
    ) -> None:
        """Record the duration ``value`` (``ValueError`` if negative)."""


class MetricGauge(MetricCommon):
    """A metric holding the integer set last."""

    @abstractmethod
    def set(self, value: int, additional_attributes: MetricAttributes | None = None) -> None:
        """Set the gauge to ``value`` (``ValueError`` if negative)."""


class MetricGaugeFloat(MetricCommon):
    """A metric holding the float set last."""

    @abstractmethod
    def set(self, value: float, additional_attributes: MetricAttributes | None = None) -> None:
        """Set the gauge to ``value`` (``ValueError`` if negative)."""


# -- backends ---------------------------------------------------------------------------------

KIND_COUNTER = 0
KIND_GAUGE = 1
KIND_HISTOGRAM = 2


class InstrumentSink(Protocol):
    """One backend instrument: takes already-validated values and merged attributes."""

    def record(
        self, value: int | float, attributes: Mapping[str, str | int | float | bool]
    ) -> None:
        """Record one update."""


class MetricSink(Protocol):
    """A metrics backend: builds one :class:`InstrumentSink` per created instrument."""

    def instrument(
        self, kind: int, name: str, description: str | None, unit: str | None, *, is_float: bool
    ) -> InstrumentSink:
        """The backend instrument for ``(kind, name)``; ``is_float`` for float values."""

    def duration(self, value: timedelta) -> int | float:
        """How this backend represents a duration (milliseconds int, or seconds float)."""

    def duration_unit(self) -> str:
        """The unit durations are exported in (``"ms"`` or ``"s"``)."""


def check_attributes(attributes: MetricAttributes) -> dict[str, str | int | float | bool]:
    """A copy of ``attributes``; ``TypeError`` if a key or value has the wrong type."""
    for key, value in attributes.items():
        if not isinstance(key, str):
            raise TypeError(f"Metric attribute name {key!r} is not a string")
        if not isinstance(value, _ALLOWED_TYPES):
            raise TypeError(
                f"Metric attribute {key!r} has value of type {type(value).__name__}, "
                "expected str, int, float or bool"
            )
    return dict(attributes)


def _merge(
    base: Mapping[str, str | int | float | bool], extra: MetricAttributes | None
) -> Mapping[str, str | int | float | bool]:
    if not extra:
        return base
    return {**base, **check_attributes(extra)}


def _non_negative(value: float) -> None:
    if value < 0:
        raise ValueError("Metric value cannot be negative")


class SinkMeter(MetricMeter):
    """A meter that records into a :class:`MetricSink` with a fixed attribute set."""

    def __init__(
        self, sink: MetricSink, attributes: Mapping[str, str | int | float | bool] | None = None
    ) -> None:
        self._sink = sink
        self._attributes: Mapping[str, str | int | float | bool] = dict(attributes or {})

    @property
    def sink(self) -> MetricSink:
        """The backend this meter records into."""
        return self._sink

    @property
    def attributes(self) -> Mapping[str, str | int | float | bool]:
        """The attributes every instrument of this meter records with."""
        return self._attributes

    def _make(
        self, cls: type[_I], kind: int, name: str, desc: str | None, unit: str | None, flt: bool
    ) -> _I:
        backend = self._sink.instrument(kind, name, desc, unit, is_float=flt)
        return cls(name, desc, unit, backend, self._attributes, self._sink)

    def create_counter(
        self, name: str, description: str | None = None, unit: str | None = None
    ) -> MetricCounter:
        """A counter recording into this meter's sink."""
        return self._make(_Counter, KIND_COUNTER, name, description, unit, False)

    def create_histogram(
        self, name: str, description: str | None = None, unit: str | None = None
    ) -> MetricHistogram:
        """An integer histogram recording into this meter's sink."""
        return self._make(_Histogram, KIND_HISTOGRAM, name, description, unit, False)

    def create_histogram_float(
        self, name: str, description: str | None = None, unit: str | None = None
    ) -> MetricHistogramFloat:
        """A float histogram recording into this meter's sink."""
        return self._make(_HistogramFloat, KIND_HISTOGRAM, name, description, unit, True)

    def create_histogram_timedelta(
        self, name: str, description: str | None = None, unit: str | None = None
    ) -> MetricHistogramTimedelta:
        """A duration histogram; the unit defaults to the sink's duration unit."""
        unit = unit or self._sink.duration_unit()
        flt = self._sink.duration_unit() == "s"
        return self._make(_HistogramTimedelta, KIND_HISTOGRAM, name, description, unit, flt)

    def create_gauge(
        self, name: str, description: str | None = None, unit: str | None = None
    ) -> MetricGauge:
        """An integer gauge recording into this meter's sink."""
        return self._make(_Gauge, KIND_GAUGE, name, description, unit, False)

    def create_gauge_float(
        self, name: str, description: str | None = None, unit: str | None = None
    ) -> MetricGaugeFloat:
        """A float gauge recording into this meter's sink."""
        return self._make(_GaugeFloat, KIND_GAUGE, name, description, unit, True)

    def with_additional_attributes(self, additional_attributes: MetricAttributes) -> MetricMeter:
        """A meter on the same sink with the attributes merged in."""
        merged = {**self._attributes, **check_attributes(additional_attributes)}
        return SinkMeter(self._sink, merged)


class _SinkInstrument(MetricCommon):
    def __init__(
        self,
        name: str,
        description: str | None,
        unit: str | None,
        backend: InstrumentSink,
        attributes: Mapping[str, str | int | float | bool],
        sink: MetricSink,
    ) -> None:
        self._name = name
        self._description = description
        self._unit = unit
        self._backend = backend
        self._attributes = attributes
        self._sink = sink

    @property
    def name(self) -> str:
        """The instrument's name."""
        return self._name

    @property
    def description(self) -> str | None:
        """The instrument's description."""
        return self._description

    @property
    def unit(self) -> str | None:
        """The instrument's unit."""
        return self._unit

    def with_additional_attributes(self, additional_attributes: MetricAttributes) -> Self:
        """A copy of this instrument recording with more attributes."""
        merged = {**self._attributes, **check_attributes(additional_attributes)}
        return type(self)(
            self._name, self._description, self._unit, self._backend, merged, self._sink
        )

    def _put(self, value: int | float, extra: MetricAttributes | None) -> None:
        _non_negative(value)
        self._backend.record(value, _merge(self._attributes, extra))


_I = TypeVar("_I", bound=_SinkInstrument)


class _Counter(_SinkInstrument, MetricCounter):
    def add(self, value: int, additional_attributes: MetricAttributes | None = None) -> None:
        self._put(value, additional_attributes)


class _Histogram(_SinkInstrument, MetricHistogram):
    def record(self, value: int, additional_attributes: MetricAttributes | None = None) -> None:
        self._put(value, additional_attributes)


class _HistogramFloat(_SinkInstrument, MetricHistogramFloat):
    def record(self, value: float, additional_attributes: MetricAttributes | None = None) -> None:
        self._put(value, additional_attributes)


class _HistogramTimedelta(_SinkInstrument, MetricHistogramTimedelta):
    def record(
        self, value: timedelta, additional_attributes: MetricAttributes | None = None
    ) -> None:
        if value < timedelta(0):
            raise ValueError("Metric value cannot be negative")
        self._put(self._sink.duration(value), additional_attributes)


class _Gauge(_SinkInstrument, MetricGauge):
    def set(self, value: int, additional_attributes: MetricAttributes | None = None) -> None:
        self._put(value, additional_attributes)


class _GaugeFloat(_SinkInstrument, MetricGaugeFloat):
    def set(self, value: float, additional_attributes: MetricAttributes | None = None) -> None:
        self._put(value, additional_attributes)


def duration_millis(value: timedelta) -> int:
    """``value`` in whole milliseconds (truncated, like sdk-core)."""
    return value // timedelta(milliseconds=1)


class _NoopInstrument:
    def record(
        self, value: int | float, attributes: Mapping[str, str | int | float | bool]
    ) -> None:
        pass


class _NoopSink:
    """A backend that drops everything (durations stay in milliseconds, as exported by default)."""

    _instrument = _NoopInstrument()

    def instrument(
        self, kind: int, name: str, description: str | None, unit: str | None, *, is_float: bool
    ) -> InstrumentSink:
        return self._instrument

    def duration(self, value: timedelta) -> int | float:
        return 0

    def duration_unit(self) -> str:
        return "ms"


MetricMeter.noop = SinkMeter(_NoopSink())
