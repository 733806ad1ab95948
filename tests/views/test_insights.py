"""The insights' slowest-steps table: the spans with the most time of their own, ties in the spans' order."""

from __future__ import annotations

from datapizza_tracing.views.insights import SLOWEST_SHOWN, insights
from tests.support.records import snapshot, span


def _ranked(block) -> list[str]:
    table = insights(block).slowest
    assert table is not None
    return [row[0].text for row in table.rows]


def test_the_steps_with_most_own_time_come_first_and_ties_keep_the_spans_order():
    block = snapshot(
        span(1, 0, 0, 100, "root"),
        span(2, 1, 0, 30, "a"),  # 30 s, all its own
        span(3, 1, 30, 50, "b"),  # 20 s
        span(4, 1, 50, 70, "c"),  # 20 s: ties with b, listed after it
        span(5, 1, 70, 80, "d"),  # 10 s
        span(6, 1, 80, 90, "e"),  # 10 s
        span(7, 1, 90, 95, "f"),  # 5 s: beyond the table
    )
    assert SLOWEST_SHOWN == 5
    assert _ranked(block) == ["a", "b", "c", "d", "e"]


def test_a_repeated_id_is_ranked_by_the_span_that_started_first_as_the_tree_shows_it():
    block = snapshot(
        span(1, 0, 0, 100, "root"),
        span(3, 1, 30, 90, "seen first, started later"),  # left out of the trace, as in the tree
        span(3, 1, 0, 20, "started first"),
    )
    assert _ranked(block) == ["root (own work)", "started first"]


def test_spans_without_own_time_are_left_out():
    block = snapshot(span(1, 0, 0, 10, "root"), span(2, 1, 0, 10, "all of it"), span(3, 2, 0, 10, "leaf"))
    assert _ranked(block) == ["leaf"]
