"""Nested blocks: each sees its own subtree, and ending one never clears another."""

from __future__ import annotations

import gc
import threading

from datapizza_tracing import ContextTracing, last_trace
from datapizza_tracing.collect.provider import installed_collector
from tests.support.handle_spans import TRACER, by_name, make_span, parent_id, span_id


def test_inner_block_sees_its_subtree_and_its_end_does_not_clear_the_outer() -> None:
    tracing = ContextTracing()
    with tracing.trace("outer") as outer:
        make_span("before inner")
        with tracing.trace("inner") as inner:
            make_span("in inner")
            live = inner.summary()
        # The inner block is over; the outer one must still collect.
        assert inner.finished and not outer.finished
        assert installed_collector().tracked_count == 1
        make_span("after inner")
        live_outer = outer.summary()

    assert not live.finished
    assert live.total_spans == 2  # "in inner" + the running inner root
    assert live.running_spans == 1
    assert live_outer.total_spans == 5 and not live_outer.finished

    inner_spans = by_name(inner)
    assert set(inner_spans) == {"inner", "in inner"}
    assert inner.summary().total_spans == 2
    outer_spans = by_name(outer)
    assert set(outer_spans) == {"outer", "before inner", "inner", "in inner", "after inner"}
    assert outer.summary().total_spans == 5
    # One trace: the inner root hangs under the outer root.
    assert inner.trace_id == outer.trace_id
    assert parent_id(outer_spans["inner"]) == span_id(outer_spans["outer"])
    assert parent_id(outer_spans["in inner"]) == span_id(outer_spans["inner"])


def test_three_levels_each_count_only_their_own_subtree() -> None:
    tracing = ContextTracing()
    with tracing.trace("level 1") as one:
        make_span("a")
        with tracing.trace("level 2") as two:
            make_span("b")
            with tracing.trace("level 3") as three:
                make_span("c")
            make_span("d")
        make_span("e")

    assert set(by_name(three)) == {"level 3", "c"}
    assert set(by_name(two)) == {"level 2", "b", "level 3", "c", "d"}
    assert set(by_name(one)) == {"level 1", "a", "level 2", "b", "level 3", "c", "d", "e"}
    assert [h.summary().total_spans for h in (one, two, three)] == [8, 5, 2]


def test_handles_keep_their_spans_after_the_block_and_the_collector_lets_go() -> None:
    with ContextTracing().trace("kept") as handle:
        for i in range(50):
            make_span(f"span {i}")
    collector = installed_collector()
    assert collector.tracked_count == 0
    assert collector.store_for(int(handle.trace_id, 16)) is None

    gc.collect()
    spans = handle.get_spans()
    assert len(spans) == 51
    assert handle.summary().total_spans == 51
    assert handle.finished
    assert last_trace() is handle
    # Spans after the block, in the same thread, are not collected.
    make_span("after the block")
    assert len(handle.get_spans()) == 51


def test_many_blocks_leave_nothing_tracked() -> None:
    for n in range(200):
        with ContextTracing().trace(f"block {n}"):
            with ContextTracing().trace("nested"):
                make_span("x")
    collector = installed_collector()
    assert collector is not None and collector.tracked_count == 0


def test_a_span_still_running_when_the_block_ends_shows_as_running_and_ends_harmlessly() -> None:
    release = threading.Event()

    def slow_work() -> None:
        with TRACER.start_as_current_span("slow work"):
            release.wait(30)

    with ContextTracing().trace("leaves work behind") as handle:
        worker = threading.Thread(target=slow_work)
        worker.start()
        make_span("quick")
    summary = handle.summary()
    release.set()
    worker.join(30)

    assert summary.finished
    assert summary.total_spans == 3 and summary.running_spans == 1
    # Ending after the block changes nothing: the result is final, nothing is tracked.
    assert handle.summary() == summary
    assert sorted(span.name for span in handle.get_spans()) == ["leaves work behind", "quick"]
    assert installed_collector().tracked_count == 0
