"""The compact records spans are kept as: the fast path agrees with the general one."""

from __future__ import annotations

from opentelemetry.sdk.trace import ReadableSpan, TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import Link, SpanContext, SpanKind, Status, StatusCode

from datapizza_tracing.collect.sdk_spans import (
    SPAN_ID,
    TRACE_ID,
    record_from_ended_span,
    record_from_span,
    to_readable_span,
)


def test_span_context_layout_the_hot_path_indexes_is_what_opentelemetry_defines() -> None:
    context = SpanContext(trace_id=0xABC, span_id=0x123, is_remote=False)
    assert context[TRACE_ID] == context.trace_id == 0xABC
    assert context[SPAN_ID] == context.span_id == 0x123


def _rich_span() -> ReadableSpan:
    """The very object a span processor's ``on_end`` receives, with every field set."""
    exporter = InMemorySpanExporter()
    provider = TracerProvider()  # private: the global provider keeps no test exporter
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    tracer = provider.get_tracer("records")
    with tracer.start_as_current_span("parent"):
        link = Link(SpanContext(0x1, 0x2, is_remote=True), {"why": "batch"})
        with tracer.start_as_current_span("child", kind=SpanKind.CLIENT, links=[link]) as span:
            span.set_attribute("tags", ["a", "b"])
            span.set_attribute("n", 3)
            span.add_event("retry", {"attempt": 2})
            span.set_status(Status(StatusCode.ERROR, "gave up"))
    (child,) = [span for span in exporter.get_finished_spans() if span.name == "child"]
    return child


def test_fast_record_of_an_ended_sdk_span_equals_the_general_record() -> None:
    span = _rich_span()
    context = span.get_span_context()
    fast = record_from_ended_span(span, context.trace_id, context.span_id)
    general = record_from_span(span)
    assert fast == general
    assert fast.kind is SpanKind.CLIENT
    assert fast.status_message == "gave up" and fast.is_error
    assert dict(fast.attributes) == {"tags": ("a", "b"), "n": 3}
    assert [(e.name, dict(e.attributes)) for e in fast.events] == [("retry", {"attempt": 2})]
    assert [link.context.span_id for link in fast.links] == [0x2]
    # And the OpenTelemetry view rebuilt from it carries the same facts.
    readable = to_readable_span(fast)
    assert readable.name == "child" and readable.kind is SpanKind.CLIENT
    assert readable.parent is not None and readable.parent.span_id == fast.parent_id
    assert readable.status.status_code is StatusCode.ERROR


def test_a_span_of_another_shape_takes_the_general_path() -> None:
    context = SpanContext(0x5, 0x6, is_remote=False)
    span = ReadableSpan(name="plain", context=context, attributes={"k": "v"}, start_time=1, end_time=2)
    record = record_from_ended_span(span, 0x5, 0x6)
    assert (record.name, record.span_id, record.trace_id, record.parent_id) == ("plain", 0x6, 0x5, 0)
    assert dict(record.attributes) == {"k": "v"}
