"""The compact form in which collected spans are kept and analysed.

An SDK span drags a dozen small objects with it (context, status, bounded
attribute maps with locks, ...). Kept by the thousand they make the cyclic
garbage collector the main cost of tracing. A ``SpanRecord`` is one tuple of
plain values; ``collect.sdk_spans`` copies SDK spans into records and rebuilds
OpenTelemetry views from them when a caller asks.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, NamedTuple

from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.util.instrumentation import InstrumentationScope
from opentelemetry.trace import Link, SpanKind

UNSET, OK, ERROR = 0, 1, 2


class SpanEvent(NamedTuple):
    name: str
    timestamp_ns: int
    attributes: Mapping[str, Any]


class SpanRecord(NamedTuple):
    """One span, finished or still running (``end_ns`` is ``None`` while it runs)."""

    name: str
    span_id: int
    parent_id: int  # 0 for a span without a parent
    start_ns: int
    end_ns: int | None
    status: int  # UNSET, OK or ERROR
    status_message: str | None
    attributes: Mapping[str, Any]
    events: tuple[SpanEvent, ...] = ()
    kind: SpanKind = SpanKind.INTERNAL
    scope: InstrumentationScope | None = None
    resource: Resource | None = None
    links: tuple[Link, ...] = ()
    trace_id: int = 0

    @property
    def is_error(self) -> bool:
        return self.status == ERROR

    def duration_ns(self, now_ns: int) -> int:
        """Duration so far: up to ``now_ns`` while the span runs; never below zero (a span whose
        clock went back, or a hand-edited file, can end before it starts)."""
        return max((self.end_ns if self.end_ns is not None else now_ns) - self.start_ns, 0)


def as_text(value: object) -> str:
    """``value`` as a str, for a field that should be one: OpenTelemetry takes any span name
    (``None``, a number, an object) without a check, and the views read names as text. An object
    whose ``__str__`` raises reads as a placeholder: nothing the traced code hands over may stop a
    report."""
    if type(value) is str:
        return value
    try:
        return str(value)
    except Exception:
        return f"<unprintable {type(value).__name__}>"
