"""The insights' slowest-steps table: the spans with the most time of their own, ties in the spans' order."""

from __future__ import annotations

import random

from datapizza_tracing.views.insights import SLOWEST_SHOWN, _longest, insights
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


def test_the_slowest_are_the_first_of_a_full_sort_by_own_time_with_ties_and_zeros():
    for seed in range(300):
        rng = random.Random(seed)
        zeros = rng.choice([1, 5, 50])  # in some, fewer spans than shown have any own time
        values = [0] * zeros + [1, 2, 3, rng.randint(0, 10**9)]
        own = {rng.randrange(10**6): rng.choice(values) for _ in range(rng.randint(1, 40))}
        count = rng.randint(1, 8)
        full_sort = sorted((item for item in own.items() if item[1] > 0), key=lambda item: -item[1])
        assert _longest(own, count) == full_sort[:count], seed
