"""Small readers over a handle's spans, shared by the core tests."""

from __future__ import annotations

from collections import Counter

from opentelemetry import trace
from opentelemetry.sdk.trace import ReadableSpan

from datapizza_tracing import TraceHandle

TRACER = trace.get_tracer("tests.core")


def make_span(name: str) -> str:
    """Open and close one span named ``name`` (a unit of work for threads and tasks)."""
    with TRACER.start_as_current_span(name):
        return name


def by_name(handle: TraceHandle) -> dict[str, ReadableSpan]:
    spans = handle.get_spans()
    assert len({span.name for span in spans}) == len(spans), Counter(span.name for span in spans)
    return {span.name: span for span in spans}


def span_id(span: ReadableSpan) -> int:
    return span.get_span_context().span_id


def parent_id(span: ReadableSpan) -> int | None:
    return span.parent.span_id if span.parent is not None else None
