"""The live view's content, built incrementally from a real running block: small, and always one height."""

from __future__ import annotations

from opentelemetry import trace
from opentelemetry.trace import Status, StatusCode

from datapizza_tracing import record_usage
from datapizza_tracing.collect.block import TraceBlock
from datapizza_tracing.collect.provider import ensure_collector
from datapizza_tracing.render.html.live import html_live
from datapizza_tracing.views.live import FINISHED_LINES, LIVE_LINES, RUNNING_LINES, LiveProgress
from tests.support.html_check import assert_safe


def test_progress_reads_only_new_spans_and_shows_what_runs_and_what_just_finished() -> None:
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
    assert len(frame.running) == RUNNING_LINES and len(frame.finished) == FINISHED_LINES
    assert [line.text for line in frame.running if line.text] == ["live › loop › waiting"]
    finished = [line.text for line in frame.finished]
    assert finished[0] == "✗ failed: boom" and frame.finished[0].tone == "error"
    assert finished[1:] == [f"step {i}" for i in range(2_999, 2_992, -1)]  # newest first
    assert frame.hidden == 3_004 - 1 - FINISHED_LINES

    html = html_live(frame)
    root = assert_safe(html)
    text = " ".join(root.all_text().split())
    assert "3,004 spans (3 running) · 1 error" in text and "m 6,000→3,000 tok" in text
    assert f"… {frame.hidden:,} more spans not on these lines" in text
    assert len(html) < 20_000  # a tick's message does not grow with the trace


def _lines(html: str) -> int:
    return sum(1 for _ in assert_safe(html).iter("div", "dpt-line"))


def test_the_live_view_has_the_same_number_of_lines_whatever_the_trace() -> None:
    tracer = trace.get_tracer("tests.render")
    with TraceBlock(ensure_collector(), "deep", 100_000, True) as block:
        progress = LiveProgress(block)
        empty = _lines(html_live(progress.frame(block.running_records())))

        def nest(depth: int) -> None:
            for _ in range(4):
                with tracer.start_as_current_span(f"d{depth}"):
                    if depth < 5:
                        nest(depth + 1)
                    elif len(deep) < 40:  # frames at the deepest point, while spans keep arriving
                        progress.advance()
                        deep.append(_lines(html_live(progress.frame(block.running_records()))))

        deep: list[int] = []
        nest(0)
        progress.advance()
        frame = progress.frame(block.running_records())
    assert frame.span_count == 1 + sum(4**d for d in range(1, 7))
    assert empty == LIVE_LINES and set(deep) == {LIVE_LINES} and _lines(html_live(frame)) == LIVE_LINES


def test_a_span_ending_between_the_two_reads_is_counted_once_and_counts_never_go_back() -> None:
    tracer = trace.get_tracer("tests.render")
    with TraceBlock(ensure_collector(), "race", 100_000, True) as block:
        progress = LiveProgress(block)
        span = tracer.start_span("ending now")
        running = block.running_records()  # read while it runs ...
        span.end()  # ... it ends before the finished spans are read
        before = progress.frame(progress.still_running(running))
        after = progress.frame(progress.still_running(block.running_records()))
    assert before.span_count == after.span_count == 2  # the block's root and the span, each once
    assert before.running_count == after.running_count == 1  # only the root still runs
