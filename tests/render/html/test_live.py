"""The live view's content, built incrementally from a real running block, stays small."""

from __future__ import annotations

from opentelemetry import trace
from opentelemetry.trace import Status, StatusCode

from datapizza_tracing import record_usage
from datapizza_tracing.collect.block import TraceBlock
from datapizza_tracing.collect.provider import ensure_collector
from datapizza_tracing.render.html.live import html_live
from datapizza_tracing.views.live import CHILDREN_SHOWN, LIVE_ROWS, LiveProgress
from tests.support.html_check import assert_safe


def test_progress_reads_only_new_spans_and_caps_the_tree() -> None:
    tracer = trace.get_tracer("tests.render")
    with TraceBlock(ensure_collector(), "live", 100_000, True) as block:
        progress = LiveProgress(block)
        with tracer.start_as_current_span("loop"):
            for i in range(3_000):
                with tracer.start_as_current_span(f"step {i}") as span:
                    record_usage(span, model="m", prompt_tokens=2, completion_tokens=1)
            assert progress.advance() == 3_000
            with tracer.start_as_current_span("failed") as failed:
                failed.set_status(Status(StatusCode.ERROR, "boom"))
            with tracer.start_as_current_span("waiting"):
                assert progress.advance() == 1  # only the failed span is new
                assert progress.advance() == 0  # nothing new: a tick does no work
                frame = progress.frame(block.running_records())
                with tracer.start_as_current_span("late"):
                    pass
                assert progress.advance() == 1

    # root + loop + waiting are running; 3,000 steps and the failed span finished.
    assert frame.span_count == 3_004 and frame.running_count == 3 and frame.error_count == 1
    assert frame.tokens == {"m": (6_000, 3_000)}
    names = [row.span_name for row in frame.rows]
    assert names[:2] == ["live", "loop"]
    # The loop's latest children, after one marker for the earlier ones, then the running span.
    earlier = 3_001 - CHILDREN_SHOWN
    assert frame.rows[2].span_name is None and frame.rows[2].note == f"… {earlier:,} earlier spans"
    latest = [f"step {i}" for i in range(3_001 - CHILDREN_SHOWN, 3_000)] + ["failed"]
    assert names[3 : 3 + CHILDREN_SHOWN] == latest
    assert frame.rows[2 + CHILDREN_SHOWN].error == "boom"
    assert names[-1] == "waiting" and frame.rows[-1].running
    assert len(frame.rows) <= LIVE_ROWS
    assert frame.hidden == 3_004 - sum(1 for row in frame.rows if row.span_name is not None)

    html = html_live(frame)
    root = assert_safe(html)
    text = root.all_text()
    assert "Spans so far: 3,004 (3 running) · 1 error" in text and "m 6,000→3,000 tok" in text
    assert "running" in text and f"… {frame.hidden:,} more spans" in text
    assert len(html) < 20_000  # a tick's message does not grow with the trace


def test_live_rows_are_capped_for_a_wide_deep_trace() -> None:
    tracer = trace.get_tracer("tests.render")
    with TraceBlock(ensure_collector(), "deep", 100_000, True) as block:
        progress = LiveProgress(block)

        def nest(depth: int) -> None:
            for _ in range(4):
                with tracer.start_as_current_span(f"d{depth}"):
                    if depth < 5:
                        nest(depth + 1)

        nest(0)
        progress.advance()
        frame = progress.frame(block.running_records())
    assert len(frame.rows) == LIVE_ROWS
    assert frame.span_count == 1 + sum(4**d for d in range(1, 7))
