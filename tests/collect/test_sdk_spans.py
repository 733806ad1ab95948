"""The compact rows spans are kept as: what goes in comes back out, and the GC can skip them."""

from __future__ import annotations

import gc

from opentelemetry import trace
from opentelemetry.sdk.trace import ReadableSpan, TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import Link, SpanContext, SpanKind, Status, StatusCode, TraceFlags, TraceState

from datapizza_tracing import ContextTracing
from datapizza_tracing.collect.sdk_spans import (
    SPAN_ID,
    TRACE_ID,
    record_from_span,
    row_from_ended_span,
    to_readable_span,
)
from datapizza_tracing.model.record import ERROR, OK, UNSET, SpanRecord
from datapizza_tracing.model.rows import InternTable, SpanRows, records_from_rows
from tests.support.handle_spans import TRACER


def test_span_context_layout_the_hot_path_indexes_is_what_opentelemetry_defines() -> None:
    context = SpanContext(trace_id=0xABC, span_id=0x123, is_remote=False)
    assert context[TRACE_ID] == context.trace_id == 0xABC
    assert context[SPAN_ID] == context.span_id == 0x123


def test_status_codes_the_hot_path_stores_by_value_are_the_records_statuses() -> None:
    assert (StatusCode.UNSET.value, StatusCode.OK.value, StatusCode.ERROR.value) == (UNSET, OK, ERROR)


def _rich_span() -> ReadableSpan:
    """The very object a span processor's ``on_end`` receives, with every field set."""
    exporter = InMemorySpanExporter()
    provider = TracerProvider()  # private: the global provider keeps no test exporter
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    tracer = provider.get_tracer("records", "1.2")
    with tracer.start_as_current_span("parent"):
        state = TraceState([("vendor", "v1")])
        link = Link(
            SpanContext(0x1, 0x2, is_remote=True, trace_flags=TraceFlags(1), trace_state=state),
            {"why": "batch"},
        )
        with tracer.start_as_current_span("child", kind=SpanKind.CLIENT, links=[link]) as span:
            span.set_attribute("tags", ["a", "b"])
            span.set_attribute("n", 3)
            span.add_event("retry", {"attempt": 2})
            span.set_status(Status(StatusCode.ERROR, "gave up"))
    (child,) = [span for span in exporter.get_finished_spans() if span.name == "child"]
    return child


def _facts(record: SpanRecord) -> tuple[object, ...]:
    """Everything a record says, links by content (a Link has no equality of its own)."""
    links = tuple(
        (
            link.context.trace_id,
            link.context.span_id,
            link.context.is_remote,
            int(link.context.trace_flags),
            tuple(link.context.trace_state.items()),
            dict(link.attributes or {}),
        )
        for link in record.links
    )
    return (
        *record._replace(links=(), attributes={}, events=()),
        dict(record.attributes),
        [(e.name, e.timestamp_ns, dict(e.attributes)) for e in record.events],
        links,
    )


def test_a_row_of_an_ended_sdk_span_reads_back_as_the_general_record() -> None:
    span = _rich_span()
    context = span.get_span_context()
    table = InternTable()
    (record,) = records_from_rows(row_from_ended_span(span, context.span_id, table), table, context.trace_id)
    assert _facts(record) == _facts(record_from_span(span))
    assert record.kind is SpanKind.CLIENT
    assert record.scope is span.instrumentation_scope and record.resource is span.resource
    assert record.status_message == "gave up" and record.is_error
    assert dict(record.attributes) == {"tags": ("a", "b"), "n": 3}
    assert [(e.name, dict(e.attributes)) for e in record.events] == [("retry", {"attempt": 2})]
    (link,) = record.links
    assert (link.context.span_id, link.context.is_remote, link.context.trace_state.get("vendor")) == (
        0x2,
        True,
        "v1",
    )
    assert dict(link.attributes or {}) == {"why": "batch"}
    # And the OpenTelemetry view rebuilt from it carries the same facts.
    readable = to_readable_span(record)
    assert readable.name == "child" and readable.kind is SpanKind.CLIENT
    assert readable.parent is not None and readable.parent.span_id == record.parent_id
    assert readable.status.status_code is StatusCode.ERROR
    assert readable.instrumentation_scope is not None and readable.instrumentation_scope.version == "1.2"


def _tracked_objects() -> int:
    # A tuple is let go only after the tuples it holds, one collection apart:
    # events and links nest four deep.
    for _ in range(4):
        gc.collect()
    return len(gc.get_objects())


def test_kept_spans_add_nothing_for_the_garbage_collector_to_walk() -> None:
    # The cyclic GC walks every object it tracks, again and again: a block that
    # added one per span would cost more per span the larger it grows.
    spans = 5_000
    with ContextTracing().trace("untracked") as handle:
        before = _tracked_objects()
        for i in range(spans):
            with TRACER.start_as_current_span("step") as span:
                span.set_attribute("i", i)
                span.set_attribute("tags", ("a", str(i)))
                if i % 100 == 0:
                    span.add_event("retry", {"attempt": i})
        during = _tracked_objects()
    snapshot = handle.snapshot()  # kept, as the history keeps it, and not read yet
    after = _tracked_objects()
    # A handful of objects per block (its intern table, the last span), none per span.
    assert during - before < 100
    assert after - before < 100
    assert len(snapshot.spans) == spans + 1  # all there


def test_spans_of_another_shape_and_values_that_do_not_pack_still_read_back() -> None:
    context = SpanContext(0x5, 0x6, is_remote=False)
    plain = ReadableSpan(name="plain", context=context, attributes={"k": "v"}, start_time=1, end_time=None)
    table = InternTable()
    (record,) = records_from_rows(row_from_ended_span(plain, 0x6, table), table, 0x5)
    assert (record.name, record.span_id, record.trace_id, record.parent_id) == ("plain", 0x6, 0x5, 0)
    assert (record.start_ns, record.end_ns) == (1, None)
    assert dict(record.attributes) == {"k": "v"}


def test_spans_of_several_tracers_keep_their_own_scope_in_one_block() -> None:
    other = trace.get_tracer("tests.core.other", "9.9")
    with ContextTracing().trace("two scopes") as handle:
        for i in range(6):
            tracer = TRACER if i % 2 else other
            with tracer.start_as_current_span(
                f"span {i}", kind=SpanKind.CLIENT if i % 3 else SpanKind.SERVER
            ):
                pass
    spans = {span.name: span for span in handle.get_spans()}
    for i in range(6):
        span = spans[f"span {i}"]
        assert span.instrumentation_scope is not None
        assert span.instrumentation_scope.name == ("tests.core" if i % 2 else "tests.core.other")
        assert span.kind is (SpanKind.CLIENT if i % 3 else SpanKind.SERVER)
        assert span.resource is trace.get_tracer_provider().resource  # type: ignore[attr-defined]


def test_a_blocks_spans_read_as_the_tuple_of_their_records() -> None:
    with ContextTracing().trace("as a tuple") as handle:
        for i in range(3):
            with TRACER.start_as_current_span(f"span {i}") as span:
                span.set_attribute("i", i)
    spans = handle.snapshot().spans
    assert isinstance(spans, SpanRows) and len(spans) == 4
    records = tuple(spans)
    assert spans == records and records == tuple(spans) and spans[1:] == records[1:]
    assert all(isinstance(record, SpanRecord) for record in records)
    assert [dict(record.attributes) for record in records[:3]] == [{"i": 0}, {"i": 1}, {"i": 2}]
    assert spans[0] is spans[0]  # built once, then kept


def test_live_cursors_count_spans_whatever_their_rows_hold() -> None:
    # Rows differ in length (attributes); a cursor counts spans, handed out or not.
    from datapizza_tracing.collect.block import TraceBlock
    from datapizza_tracing.collect.provider import ensure_collector

    with TraceBlock(ensure_collector(), "cursors", 100_000, True) as block:
        for i in range(5):
            with TRACER.start_as_current_span(f"s{i}") as span:
                for n in range(i):
                    span.set_attribute(f"a{n}", n)
        first, cursor = block.new_spans(0)
        middle, _ = block.new_spans(2)  # a cursor this block never handed out
        with TRACER.start_as_current_span("s5"):
            pass
        later, end = block.new_spans(cursor)
    assert [r.name for r in first.records()] == ["s0", "s1", "s2", "s3", "s4"] and cursor == 5
    assert [r.name for r in middle.records()] == ["s2", "s3", "s4"]
    assert dict(middle.records()[2].attributes) == {"a0": 0, "a1": 1, "a2": 2, "a3": 3}
    assert [r.name for r in later.records()] == ["s5"] and end == 6


def test_a_live_batch_reads_statuses_and_keys_from_rows_and_builds_only_the_records_asked_for() -> None:
    from datapizza_tracing.collect.block import TraceBlock
    from datapizza_tracing.collect.provider import ensure_collector

    with TraceBlock(ensure_collector(), "batch", 100_000, True) as block:
        for i in range(6):
            with TRACER.start_as_current_span(f"s{i}") as span:
                if i % 2:
                    span.set_attribute("gen_ai.usage.input_tokens", i)
                if i >= 3:  # rows of two attributes beside rows of one
                    span.set_attribute("gen_ai.request.model", f"m{i}")
                if i in (1, 4):
                    span.set_status(Status(StatusCode.ERROR, "boom"))
        batch, cursor = block.new_spans(0)
    assert len(batch) == 6 and cursor == 6
    everything = batch.records()
    assert batch.span_ids() == [record.span_id for record in everything]
    assert batch.status_count(ERROR) == 2 and batch.status_count(OK) == 0
    usage = batch.with_any_key(frozenset({"gen_ai.usage.input_tokens", "unrelated"}))
    assert usage == [1, 3, 5]
    assert [record.name for record in batch.records(usage)] == ["s1", "s3", "s5"]
    assert [record.name for record in batch.last_records(2)] == ["s4", "s5"]
    assert [record.name for record in batch.last_records(10)] == [f"s{i}" for i in range(6)]
    assert batch.records(usage)[0] == everything[1]
    items = [(tuple(everything[i].attributes), list(everything[i].attributes.values())) for i in usage]
    assert batch.attribute_items(usage) == items
    assert batch.attribute_items([]) == []


class _Unprintable:
    def __str__(self) -> str:
        raise RuntimeError("no name for you")


def test_span_names_that_are_not_text_read_as_text_and_the_report_still_prints() -> None:
    # OpenTelemetry takes any span name without a check; the report raised TypeError and showed nothing.
    from tests.support.rendering import terminal_text

    with ContextTracing().trace("odd names", display="off") as handle:
        for name in (42, _Unprintable()):
            with TRACER.start_as_current_span(name):  # type: ignore[arg-type]
                pass
        running = TRACER.start_span(None)  # type: ignore[arg-type]
        while_running = handle.snapshot()  # a running span is read from the SDK span itself
        running.end()
    assert "None" in {record.name for record in while_running.spans}
    names = {record.name for record in handle.snapshot().spans}
    assert {"None", "42", "<unprintable _Unprintable>"} <= names
    text = terminal_text(handle.snapshot(), width=100)
    assert "Time by span name" in text and "<unprintable _Unprintable>" in text and "42" in text
    assert handle.summary().total_spans == 4
