"""A trace whose span ids repeat: errors, own times and the time table read each id as the span that
started first, as the tree does (later copies are left out of the trace)."""

from __future__ import annotations

from datapizza_tracing.analysis.errors import span_errors
from datapizza_tracing.analysis.self_time import self_times
from datapizza_tracing.analysis.timing import span_timings
from datapizza_tracing.model.record import ERROR
from tests.support.records import snapshot, span


def _origins(block) -> list[str]:
    return [error.origin.name for error in span_errors(block)]


def test_a_failed_copy_of_a_repeated_id_that_started_later_is_left_out_like_in_the_tree():
    block = snapshot(
        span(1, 0, 0, 10, "root"),
        span(2, 1, 1, 2, "kept"),
        span(2, 1, 3, 4, "later copy", status=ERROR, message="ValueError: lost"),
    )
    assert _origins(block) == []


def test_the_span_that_started_first_keeps_its_id_and_its_error_even_when_listed_last():
    block = snapshot(
        span(1, 0, 0, 10, "root"),
        span(2, 1, 3, 4, "listed first, started later"),
        span(2, 1, 1, 2, "started first", status=ERROR, message="ValueError: kept"),
    )
    assert _origins(block) == ["started first"]


def test_an_error_passed_up_through_a_repeated_id_follows_the_span_that_kept_the_id():
    failed = {"status": ERROR, "message": "ValueError: boom"}
    block = snapshot(
        span(1, 0, 0, 10, "root"),
        span(2, 1, 1, 9, "agent", **failed),
        span(3, 2, 2, 3, "tool", **failed),
        span(2, 1, 5, 6, "later copy of the agent", **failed),
    )
    [error] = span_errors(block)
    assert error.origin.name == "tool"
    assert [span.name for span in error.through] == ["agent"]


def test_self_times_of_a_repeated_id_are_those_of_the_span_that_started_first():
    block = snapshot(
        span(1, 0, 0, 10, "root"),
        span(2, 1, 6, 9, "listed first, started later"),
        span(2, 1, 1, 2, "started first"),
    )
    assert self_times(block) == {1: 9_000_000_000, 2: 1_000_000_000}


def test_the_time_table_counts_a_repeated_id_once_as_the_tree_does():
    block = snapshot(
        span(1, 0, 0, 10, "root"),
        span(2, 1, 6, 9, "step"),
        span(2, 1, 1, 2, "step"),
    )
    [step] = [row for row in span_timings(block) if row.name == "step"]
    assert (step.count, step.total_s) == (1, 1.0)
